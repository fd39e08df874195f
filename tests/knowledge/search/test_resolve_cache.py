"""A procedure name's side of the question-to-name comparison is computed once per name."""

from __future__ import annotations

from knowledge.schemas import SearchHit
from knowledge.search import resolve
from knowledge.search.resolve import _folded_name, _name_words, coverage, procedure_words

NAME = "Cấp bản sao trích lục khai sinh"


def _fresh(name: str, question: str) -> float:
    """``coverage`` as computed before the cache: everything from the name again."""
    _name_words.cache_clear()
    return coverage(procedure_words(question), SearchHit(code="1.000001", name=name, score=1.0))


def test_coverage_is_the_same_whether_the_name_was_seen_or_not() -> None:
    questions = ["xin bản sao khai sinh", "ban sao giay khai sinh", "làm sổ đỏ", "khai sinh"]
    names = [NAME, "Đăng ký khai sinh", "Cấp giấy chứng nhận quyền sử dụng đất lần đầu"]
    fresh = {(q, n): _fresh(n, q) for q in questions for n in names}
    # "bản sao" of the name is a procedure word: it begins a lexicon catalog wording.
    assert fresh[("xin bản sao khai sinh", NAME)] == 0.8
    assert fresh[("làm sổ đỏ", names[2])] > 0  # a lexicon term's catalog wording
    hit = {n: SearchHit(code="1.000001", name=n, score=1.0) for n in names}
    for _ in range(2):  # seen names, served from the cache
        for (question, name), value in fresh.items():
            assert coverage(procedure_words(question), hit[name]) == value


def test_the_name_side_is_computed_once_per_name(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    _name_words.cache_clear()
    calls: list[str] = []
    original = resolve.procedure_words

    def counted(text: str) -> list[str]:
        calls.append(text)
        return original(text)

    monkeypatch.setattr(resolve, "procedure_words", counted)
    hit = SearchHit(code="1.000001", name=NAME, score=1.0)
    words = original("xin bản sao khai sinh")
    for _ in range(5):
        coverage(words, hit)
    assert calls == [NAME]  # the name, once; the question's words come from the caller
    assert _folded_name(NAME) == _folded_name(NAME) == f" {NAME.lower()} "
