"""The first-reply classes of bench.bot_dialogue, questions not in the catalog included."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.bot_dialogue import (
    DECLINED,
    QUESTION_SETS,
    REPORT_ONLY_SETS,
    HeldOutQuestion,
    chosen_halves,
    classify,
    load_heldout,
    summarize,
)

ANSWER = {"text": "Hồ sơ – Đăng ký kết hôn (Cấp xã) gồm: …\nMã thủ tục: 1.000894"}
CONFIRMATION = {"text": "Ý bạn là thủ tục «Đăng ký kết hôn» (Mã thủ tục: 1.000894)?"}
NO_MATCH = {"text": "Mình chưa tìm thấy thủ tục phù hợp. Bạn thử diễn đạt lại nhé."}


def question(codes: tuple[str, ...], *, unlisted: bool = False, id_: int = 1) -> HeldOutQuestion:
    return HeldOutQuestion(id_, "…", frozenset(codes), "documents", not_in_catalog=unlisted)


@pytest.mark.parametrize(
    ("messages", "kind"),
    [([ANSWER], "direct_wrong"), ([CONFIRMATION], DECLINED), ([NO_MATCH], DECLINED)],
)
def test_a_question_not_in_the_catalog_is_right_only_when_not_answered(
    messages: list[dict[str, str]], kind: str
) -> None:
    """Any direct answer misleads; a confirmation or an honest "not found" is right."""
    assert classify(messages, question((), unlisted=True))[0] == kind


def test_a_listed_question_keeps_its_classes() -> None:
    assert classify([ANSWER], question(("1.000894",)))[0] == "direct_right"
    assert classify([CONFIRMATION], question(("1.000894",)))[0] == "miss"


def test_unlisted_questions_are_counted_apart() -> None:
    """The shares of the listed questions keep their meaning; the unlisted get their own."""
    listed = question(("1.000894",), id_=1)
    unlisted = question((), unlisted=True, id_=2)
    row = summarize(
        [
            (listed, "direct_right", True),
            (unlisted, DECLINED, True),
            (unlisted, "direct_wrong", False),
        ],
        fold=False,
    )
    assert row["n"] == 1
    assert row["direct_right"] == 1.0
    assert row["unlisted_n"] == 2
    assert row["unlisted_declined"] == row["unlisted_answered"] == 0.5


def test_the_fresh_set_is_labelled_and_split_in_halves() -> None:
    """At least 60 questions, about ten not in the catalog, with codes only when listed."""
    questions = load_heldout(QUESTION_SETS["fresh"])
    assert len(questions) >= 60
    assert len({q.id for q in questions}) == len(questions)
    unlisted = [q for q in questions if q.not_in_catalog]
    assert len(unlisted) >= 10
    assert all(not q.codes for q in unlisted)
    assert all(q.codes for q in questions if not q.not_in_catalog)
    assert {q.half for q in questions} == {"report", "tune"}


@pytest.mark.parametrize("question_set", sorted(QUESTION_SETS))
def test_every_labelled_code_is_in_the_national_catalog(
    national_catalog_dir: Path, question_set: str
) -> None:
    """The labels were read from the national export: each code is one of its records."""
    codes = {
        json.loads(path.read_text(encoding="utf-8"))["ma_thu_tuc"]
        for path in national_catalog_dir.glob("*/*.json")
    }
    labelled = {code for q in load_heldout(QUESTION_SETS[question_set]) for code in q.codes}
    assert labelled <= codes


def test_the_second_long_set_is_all_report_in_two_halves() -> None:
    """``--half report`` and ``both`` ask every long2 question (odd, even); ``tune`` none."""
    questions = load_heldout(QUESTION_SETS["long2"])
    assert len(questions) >= 24
    assert all(q.codes for q in questions)
    assert "long2" in REPORT_ONLY_SETS
    for half in ("report", "both"):
        halves = chosen_halves(questions, half, report_only=True)
        assert [name for name, _ in halves] == ["odd", "even"]
        assert sorted(q.id for _, asked in halves for q in asked) == sorted(q.id for q in questions)
    assert chosen_halves(questions, "tune", report_only=True) == []


def test_a_set_with_a_tuning_half_is_split_by_id() -> None:
    """Odd ids are the report half, even ids the tuning half; ``both`` asks the two."""
    questions = [question(("1.000894",), id_=i) for i in (1, 2, 3)]
    halves = chosen_halves(questions, "both")
    assert [(name, [q.id for q in asked]) for name, asked in halves] == [
        ("report", [1, 3]),
        ("tune", [2]),
    ]
