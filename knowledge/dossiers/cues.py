"""Whether a message asks about the citizen's own, already filed dossier (a status lookup).

A lookup needs a dossier code, or a cue that points at one filed dossier: whose it is ("hồ
sơ của tôi"), a request to look it up ("tra cứu"), its progress ("đến đâu rồi"), its
lateness or refusal ("quá hạn", "bị trả về"), a past submission ("đã nộp", "tuần trước"), or
waiting for it ("sao chưa có kết quả"). The cues are data, ``data/dialogue/dossier_cues.yml``.
Without any, a message NLU took for a lookup but that names a procedure and asks something
("… đã có Giấy biên nhận thì khi nào sẽ nhận được kết quả?") is a procedure question.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from knowledge.config import PROJECT_ROOT
from knowledge.errors import InvalidInputError
from knowledge.text import normalize, syllables
from knowledge.text.entities import DOSSIER_CODE_RE
from knowledge.text.yaml_tables import read_yaml_table

DOSSIER_CUES_FILE = PROJECT_ROOT / "data" / "dialogue" / "dossier_cues.yml"
# A run of this many digits may be a mistyped dossier code (19 digits in all): a lookup.
CODE_LIKE_DIGITS = re.compile(r"\d(?:[\s.\-/]*\d){7,}")

Phrase = tuple[str, ...]


@lru_cache(maxsize=4)
def dossier_cues(path: Path = DOSSIER_CUES_FILE) -> tuple[tuple[Phrase, ...], tuple[Phrase, ...]]:
    """The cue phrases of ``path`` (every group together) and its question endings."""
    from knowledge.search.resolve import split_phrases  # the search loads lazily

    table = read_yaml_table(path, "bảng dấu hiệu tra cứu hồ sơ")
    groups = table.get("cues") or {}
    phrases = tuple(p for text in groups.values() for p in split_phrases(str(text or "")))
    endings = tuple(split_phrases(str(table.get("endings") or "")))
    if not phrases or not endings:
        raise InvalidInputError(f"{path}: thiếu mục 'cues' hoặc 'endings'")
    return phrases, endings


def dossier_cues_in(text: str) -> list[str]:
    """The cues of ``text`` that point at a filed dossier, as typed, in order.

    Example:
        >>> dossier_cues_in("hồ sơ của tôi đến đâu rồi")
        ['của tôi', 'đến đâu', 'rồi']
        >>> dossier_cues_in("dang ky ket hon mat bao lau")
        []
    """
    from knowledge.search.resolve import same_word  # the search loads lazily

    spans = [s.text for s in syllables(normalize(text))]
    phrases, endings = dossier_cues()
    found: list[tuple[int, str]] = []
    for phrase in phrases:
        size = len(phrase)
        for i in range(len(spans) - size + 1):
            if all(map(same_word, spans[i : i + size], phrase)):
                found.append((i, " ".join(spans[i : i + size])))
                break
    for ending in endings:
        size = len(ending)
        if len(spans) >= size and all(map(same_word, spans[-size:], ending)):
            found.append((len(spans) - size, " ".join(spans[-size:])))
            break
    return [cue for _, cue in sorted(found)]


def asks_about_own_dossier(text: str) -> bool:
    """Whether ``text`` is about one filed dossier: a dossier code (or a long run of digits,
    a mistyped one) or a cue of ``dossier_cues_in``.

    Example:
        >>> asks_about_own_dossier("tra cứu hồ sơ 000.00.12.H48-251120-0001")
        True
        >>> asks_about_own_dossier("kiem tra tinh trang ho so")
        True
        >>> asks_about_own_dossier(
        ...     "Người dùng nộp hồ sơ đăng ký, đã có Giấy biên nhận hồ sơ thì khi nào sẽ nhận"
        ...     " được kết quả xử lý?"
        ... )
        False
    """
    if DOSSIER_CODE_RE.search(text) or CODE_LIKE_DIGITS.search(text):
        return True
    return bool(dossier_cues_in(text))


@lru_cache(maxsize=4)
def terse_papers_phrases(
    path: Path = DOSSIER_CUES_FILE,
) -> tuple[tuple[Phrase, ...], tuple[Phrase, ...]]:
    """The whole messages of ``path`` that ask a procedure's papers right after its answer
    ("cần hồ sơ gì"), and the polite particles they may begin or end with."""
    from knowledge.search.resolve import split_phrases  # the search loads lazily

    table = read_yaml_table(path, "bảng dấu hiệu tra cứu hồ sơ")
    phrases = tuple(split_phrases(str(table.get("papers_after_answer") or "")))
    particles = tuple(split_phrases(str(table.get("particles") or "")))
    if not phrases:
        raise InvalidInputError(f"{path}: thiếu mục 'papers_after_answer'")
    return phrases, tuple(sorted(particles, key=len, reverse=True))


def asks_papers_tersely(text: str) -> bool:
    """Whether ``text`` is only a terse question about "hồ sơ" ("ho so", "cần hồ sơ gì ạ"):
    after a procedure answer, a question about its papers, not a dossier lookup.

    Example:
        >>> asks_papers_tersely("ho so"), asks_papers_tersely("cần hồ sơ gì ạ?")
        (True, True)
        >>> asks_papers_tersely("hồ sơ của tôi đến đâu"), asks_papers_tersely("tra cứu hồ sơ")
        (False, False)
    """
    from knowledge.search.resolve import same_word  # the search loads lazily

    if DOSSIER_CODE_RE.search(text) or CODE_LIKE_DIGITS.search(text):
        return False
    spans = [s.text for s in syllables(normalize(text))]
    phrases, particles = terse_papers_phrases()

    def starts(words: list[str], phrase: Phrase) -> bool:
        return len(words) > len(phrase) and all(map(same_word, words, phrase))

    trimmed = True
    while trimmed:
        trimmed = False
        for particle in particles:
            if starts(spans, particle):
                spans = spans[len(particle) :]
                trimmed = True
            elif starts(spans[::-1], particle[::-1]):
                spans = spans[: -len(particle)]
                trimmed = True
    return any(
        len(spans) == len(phrase) and all(map(same_word, spans, phrase)) for phrase in phrases
    )
