"""Which aspect a question asks (fee, papers, time…), from the phrases it uses and the intent.

The NLU intent is one signal, the weaker one for short questions: it reads "mất bằng lái xe
làm lại cần gì" as an overview. Phrases that name an aspect outright ("cần gì", "giấy tờ
gì", "mất bao lâu", "bao nhiêu tiền", "ở đâu") are data, ``data/dialogue/aspect_cues.yml``,
and decide when they name one aspect only; when they name several, the intent decides if it
is one of them, otherwise the overview answers (it carries the aspect buttons): a wrong
aspect answered directly is worse than an overview with a button to the right one.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from knowledge.config import PROJECT_ROOT
from knowledge.errors import InvalidInputError
from knowledge.search.resolve import QUESTION_WORDS_FILE, same_word, split_phrases
from knowledge.text import fold_accents, syllables
from knowledge.text.yaml_tables import read_yaml_table

ASPECT_CUES_FILE = PROJECT_ROOT / "data" / "dialogue" / "aspect_cues.yml"
OVERVIEW = "procedure"
# A sentence ends at a full stop, a question or exclamation mark, an ellipsis or a line break;
# a full stop between digits ("1.001193", "8.5") ends nothing.
SENTENCE_END = re.compile(r"(?<!\d)\.+|\.+(?!\d)|[?!…]+|\n+")


@lru_cache(maxsize=4)
def aspect_cues(
    path: Path = ASPECT_CUES_FILE,
) -> tuple[dict[tuple[str, ...], list[tuple[tuple[str, ...], str]]], int]:
    """The cue phrases of ``path`` indexed by folded form (with their aspect), and the longest."""
    groups = read_yaml_table(path, "bảng từ chỉ khía cạnh").get("cues") or {}
    by_folded: dict[tuple[str, ...], list[tuple[tuple[str, ...], str]]] = {}
    for aspect, text in groups.items():
        for words in split_phrases(str(text)):
            by_folded.setdefault(tuple(fold_accents(w) for w in words), []).append(
                (words, str(aspect))
            )
    if not by_folded:
        raise InvalidInputError(f"{path}: bảng từ chỉ khía cạnh trống")
    return by_folded, max(len(p) for p in by_folded)


def cued_aspects(text: str) -> list[str]:
    """The aspects ``text`` names outright, in order of appearance, each once.

    At each position the longest cue wins, so "mất bao lâu" is a time and not a loss.

    Example:
        >>> cued_aspects("mất bằng lái xe làm lại cần gì")
        ['documents']
        >>> cued_aspects("dang ky ket hon het bao nhieu tien")
        ['fee']
        >>> cued_aspects("lệ phí và thời gian giải quyết hộ chiếu")
        ['fee', 'processing_time']
        >>> cued_aspects("đăng ký khai sinh")
        []
    """
    found: list[str] = []
    for _, _, aspect in cue_spans(text):
        if aspect not in found:
            found.append(aspect)
    return found


def cue_spans(text: str) -> list[tuple[int, int, str]]:
    """(first syllable, syllable count, aspect) of each cue ``text`` says, left to right.

    Example:
        >>> cue_spans("le phi bao nhieu")
        [(0, 2, 'fee')]
    """
    spans = [s.text for s in syllables(text)]
    folded = [fold_accents(s) for s in spans]
    table, longest = aspect_cues()
    found: list[tuple[int, int, str]] = []
    i = 0
    while i < len(spans):
        for size in range(min(longest, len(spans) - i), 0, -1):
            typed = spans[i : i + size]
            aspect = next(
                (
                    aspect
                    for phrase, aspect in table.get(tuple(folded[i : i + size]), [])
                    if all(map(same_word, typed, phrase))
                ),
                None,
            )
            if aspect is not None:
                found.append((i, size, aspect))
                i += size
                break
        else:
            i += 1
    return found


def asked_aspect(text: str, intent_aspect: str) -> str:
    """The aspect to answer for ``text``, given the aspect of its NLU intent.

    One cued aspect decides; several leave it to the intent when it is among them, else the
    overview; no cue keeps the intent. A button's payload ("/ask_fee{…}") keeps its intent.

    Example:
        >>> asked_aspect("làm bằng lái quốc tế cần gì", "procedure")
        'documents'
        >>> asked_aspect("lệ phí và thời hạn làm hộ chiếu", "fee")
        'fee'
        >>> asked_aspect("lệ phí và thời hạn làm hộ chiếu", "agency")
        'procedure'
        >>> asked_aspect("đăng ký khai sinh", "fee")
        'fee'
        >>> asked_aspect("Tôi bán hàng online. Lập công ty thì hồ sơ cần gì?", "procedure")
        'documents'
    """
    if not text or text.startswith("/"):
        return intent_aspect
    # A story told before the question names aspects it does not ask ("bán hàng online …
    # Hồ sơ gồm những gì?"): the sentences that ask decide when they name one.
    cued = cued_aspects(" ".join(asking_sentences(text))) or cued_aspects(text)
    if not cued:
        return intent_aspect
    if len(cued) == 1:
        return cued[0]
    return intent_aspect if intent_aspect in cued else OVERVIEW


@lru_cache(maxsize=4)
def question_endings(path: Path = QUESTION_WORDS_FILE) -> tuple[tuple[str, ...], ...]:
    """The last words that make a message a question (``question_endings`` of ``path``)."""
    text = read_yaml_table(path, "bảng từ hỏi").get("question_endings") or ""
    endings = tuple(split_phrases(str(text)))
    if not endings:
        raise InvalidInputError(f"{path}: thiếu mục 'question_endings'")
    return endings


def reads_as_question(text: str) -> bool:
    """Whether ``text`` asks something: a question mark, or a question word at its end.

    NLU sometimes takes a long question for feedback or small talk; one that reads as a
    question is answered rather than stored or declined.

    Example:
        >>> reads_as_question("Công chứng viên trả lời có đúng không.")
        True
        >>> reads_as_question("thu tuc nay lam o dau")
        True
        >>> reads_as_question("cán bộ hẹn đi hẹn lại nhiều lần")
        False
    """
    stripped = (text or "").strip()
    if stripped.endswith("?"):
        return True
    spans = [s.text for s in syllables(stripped)]
    return any(
        len(spans) >= len(ending) and all(map(same_word, spans[-len(ending) :], ending))
        for ending in question_endings()
    )


def sentences(text: str) -> list[str]:
    """The sentences of ``text``, each with its closing mark.

    Example:
        >>> sentences("Tôi mất ví. Làm lại căn cước thế nào? Mất bao lâu")
        ['Tôi mất ví.', 'Làm lại căn cước thế nào?', 'Mất bao lâu']
        >>> sentences("thủ tục 1.001193 cần gì")
        ['thủ tục 1.001193 cần gì']
        >>> sentences("Tôi mất bằng lái hạng A1. Làm lại thế nào?")
        ['Tôi mất bằng lái hạng A1.', 'Làm lại thế nào?']
    """
    parts: list[str] = []
    start = 0
    for mark in SENTENCE_END.finditer(text):
        parts.append(text[start : mark.end()].strip())
        start = mark.end()
    parts.append(text[start:].strip())
    return [part for part in parts if part.strip(".?!… \n")]


def asking_sentences(text: str) -> list[str]:
    """The sentences of ``text`` that ask (``reads_as_question``); all of a message that
    has one sentence only, or none that asks.

    A long question tells a story, then asks: what the story says (an event, a paper, a
    channel) is not what is asked.

    Example:
        >>> asking_sentences("Tôi bán hàng online. Lập công ty cần gì?")
        ['Lập công ty cần gì?']
        >>> asking_sentences("lệ phí hộ chiếu")
        ['lệ phí hộ chiếu']
    """
    parts = sentences(text)
    asking = [part for part in parts if reads_as_question(part)]
    return asking if len(parts) > 1 and asking else parts
