"""Follow-ups that refer back to the last answer instead of naming things again.

Three ways a citizen continues a conversation without repeating the procedure or the aspect:

* a case of the same procedure, only its qualifier or action ("con tôi 10 tuổi thì sao" after
  the identity card, "chồng tôi người Hàn Quốc" after marriage): searched as that procedure's
  family with the new case, not as the bare case, which would find any procedure carrying it;
* the same question for another case or procedure ("còn đăng ký lại thì sao" after a fee):
  the aspect of the last answer is asked again;
* a button typed instead of clicked ("cái thứ 2", "cai dau tien", or its label).

The words are data (``data/dialogue/follow_ups.yml``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from sqlalchemy.orm import Session

from knowledge.config import PROJECT_ROOT
from knowledge.errors import InvalidInputError
from knowledge.search.resolve import (
    get_variant_words,
    procedure_words,
    resolve,
    same_family,
    split_phrases,
)
from knowledge.text import fold_accents, normalize, syllables
from knowledge.text.yaml_tables import read_yaml_table

FOLLOW_UPS_FILE = PROJECT_ROOT / "data" / "dialogue" / "follow_ups.yml"
# A message naming a procedure of its own with at least this many words (beside the case
# words) switches topic: "thế còn đăng ký khai sinh có yếu tố nước ngoài" is not marriage's.
OWN_NAME_WORDS = 2
_NOT_WORD = re.compile(r"[^\w\s]+")


@dataclass(frozen=True)
class FollowUpWords:
    """The phrases of the follow-ups file, accents folded."""

    markers: tuple[tuple[str, ...], ...]
    openers: tuple[tuple[str, ...], ...]
    closers: tuple[tuple[str, ...], ...]
    positions: dict[tuple[str, ...], int]


def _folded_phrases(items: list[object] | None) -> tuple[tuple[str, ...], ...]:
    phrases = split_phrases(", ".join(str(item) for item in items or []))
    return tuple(tuple(fold_accents(w) for w in phrase) for phrase in phrases)


@lru_cache(maxsize=4)
def get_follow_up_words(path: Path = FOLLOW_UPS_FILE) -> FollowUpWords:
    """The follow-up words of ``path``, read once."""
    table = read_yaml_table(path, "bảng từ nối tiếp câu trả lời")
    positions: dict[tuple[str, ...], int] = {}
    try:
        for position, words in (table.get("positions") or {}).items():
            for phrase in _folded_phrases(words):
                positions[phrase] = int(position)
    except (TypeError, ValueError) as exc:
        raise InvalidInputError(f"{path}: mục 'positions' sai dạng: {exc}") from exc
    markers = _folded_phrases(table.get("markers"))
    if not markers or not positions:
        raise InvalidInputError(f"{path}: thiếu mục 'markers' hoặc 'positions'")
    return FollowUpWords(
        markers=markers,
        openers=_folded_phrases(table.get("choice_openers")),
        closers=_folded_phrases(table.get("choice_closers")),
        positions=positions,
    )


def _folded_syllables(text: str) -> list[str]:
    return [fold_accents(s.text.lower()) for s in syllables(normalize(text))]


def _contains(words: list[str], phrase: tuple[str, ...]) -> bool:
    size = len(phrase)
    return any(tuple(words[i : i + size]) == phrase for i in range(len(words) - size + 1))


def refers_back(text: str) -> bool:
    """Whether ``text`` continues the last answer ("còn …thì sao", "không phải, tôi hỏi …").

    Example:
        >>> refers_back("còn đăng ký lại thì sao")
        True
        >>> refers_back("khong phai, toi hoi cap lai")
        True
        >>> refers_back("đăng ký tạm trú cần gì")
        False
    """
    words = _folded_syllables(text)
    return any(_contains(words, marker) for marker in get_follow_up_words().markers)


def typed_position(text: str) -> int | None:
    """The position (1-based, -1 for the last) of a button named by its place in the row.

    Example:
        >>> typed_position("cái thứ 2")
        2
        >>> typed_position("chọn cái đầu tiên nhé")
        1
        >>> typed_position("cai cuoi")
        -1
        >>> typed_position("cái thứ 2 cần giấy tờ gì") is None
        True
    """
    table = get_follow_up_words()
    words = _folded_syllables(text)
    changed = True
    while words and changed:
        changed = False
        for opener in table.openers:
            if tuple(words[: len(opener)]) == opener and len(words) > len(opener):
                words, changed = words[len(opener) :], True
        for closer in table.closers:
            if tuple(words[-len(closer) :]) == closer and len(words) > len(closer):
                words, changed = words[: -len(closer)], True
    return table.positions.get(tuple(words))


def same_label(text: str, title: str) -> bool:
    """Whether ``text`` is a button's ``title`` typed by hand (case, accents, punctuation aside).

    Example:
        >>> same_label("co yeu to nuoc ngoai", "Có yếu tố nước ngoài")
        True
        >>> same_label("có yếu tố nước ngoài không", "Có yếu tố nước ngoài")
        False
    """
    title = title.removeprefix("Hay: ")
    if "…" in title:
        return False
    typed = _folded_syllables(_NOT_WORD.sub(" ", text))
    return bool(typed) and typed == _folded_syllables(_NOT_WORD.sub(" ", title))


def family_words(name: str) -> list[str]:
    """The words that name ``name``'s family: the name before its first qualifier, without
    action words ("Cấp thẻ căn cước cho người từ đủ 14 tuổi trở lên" → cấp thẻ căn cước…).

    Example:
        >>> family_words("Cấp thẻ căn cước cho người từ đủ 14 tuổi trở lên")
        ['cấp', 'thẻ', 'căn', 'cước']
        >>> family_words("Thủ tục đăng ký kết hôn có yếu tố nước ngoài")
        ['đăng', 'ký', 'kết', 'hôn']
    """
    variants = get_variant_words()
    spans = [s.text.lower() for s in syllables(normalize(name))]
    cut = len(spans)
    for word in variants.qualifiers:
        for phrase in word.catalog:
            size = len(phrase)
            for start in range(len(spans) - size + 1):
                if tuple(spans[start : start + size]) == phrase:
                    cut = min(cut, start)
    return variants.without_variant_words(procedure_words(" ".join(spans[:cut])))


def follow_up_query(session: Session, text: str, current_name: str) -> str | None:
    """The question to search when ``text`` only states another case of the procedure named
    ``current_name``: its family's words and the text. None when the text states no case
    (qualifier or action) or names a procedure of its own.
    """
    variants = get_variant_words()
    stated = variants.question_qualifiers(text)
    if not (stated or variants.question_actions(text)):
        return None
    # The catalog's own wording of a stated case ("có yếu tố nước ngoài") names no procedure.
    case_words = {
        fold_accents(word)
        for qualifier in variants.qualifiers
        if qualifier.key in stated
        for phrase in qualifier.catalog
        for word in phrase
    }
    own = [
        word
        for word in variants.without_variant_words(procedure_words(text))
        if not word.isdigit() and fold_accents(word.lower()) not in case_words
    ]
    if len(own) >= OWN_NAME_WORDS:
        alone = resolve(session, text, strict=True)
        if alone.outcome == "answer" and alone.hits:
            if not same_family(alone.hits[0].name, current_name):
                return None
    family = family_words(current_name)
    if not family:
        return None
    return f"{' '.join(family)} {text}"


def absent_case_note(text: str, answered_name: str) -> str | None:
    """What to tell a citizen whose follow-up ``text`` states a case the procedure answered
    (``answered_name``) does not carry, when the catalog holds none: "ở nước ngoài thì sao"
    after the passport issued at home (the ``absent`` text of the qualifier). None otherwise.

    Example:
        >>> absent_case_note("ở nước ngoài thì sao", "Cấp hộ chiếu phổ thông ở trong nước")[:40]
        'Danh mục thủ tục của Trung tâm không có '
        >>> absent_case_note("ở nước ngoài thì sao", "Trở lại quốc tịch Việt Nam ở nước ngoài")
    """
    variants = get_variant_words()
    stated = variants.question_qualifiers(text)
    carried = variants.name_qualifiers(answered_name)
    notes = [
        word.absent
        for word in variants.qualifiers
        if word.absent and word.key in stated and word.key not in carried
    ]
    return " ".join(notes) or None
