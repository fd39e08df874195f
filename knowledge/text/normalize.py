"""Vietnamese normalization: Unicode, tone placement, case, and accent folding."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

# A syllable or an alphanumeric run such as "h48" or "000.00.12" pieces; punctuation is dropped.
_SYLLABLE_RE = re.compile(r"[^\W_]+", re.UNICODE)
_FOLD_TABLE = str.maketrans({"đ": "d", "Đ": "D"})


@dataclass(frozen=True)
class Span:
    """A piece of text with its normalized form and its offsets in the original text."""

    text: str  # normalized: NFC, new-style tone placement, lower case
    start: int
    end: int


@lru_cache(maxsize=200_000)
def _normalize_syllable(syllable: str) -> str:
    """One syllable in NFC, lower case, with tone marks placed the new way (hoà → hòa)."""
    from underthesea import text_normalize  # heavy import, done on first use

    return str(text_normalize(syllable.lower()))


def fold_accents(text: str) -> str:
    """Remove every diacritic, ``đ`` included.

    Example:
        >>> fold_accents("Đăng ký khai sinh")
        'Dang ky khai sinh'
    """
    decomposed = unicodedata.normalize("NFD", text.translate(_FOLD_TABLE))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def has_diacritics(text: str) -> bool:
    """Whether ``text`` carries any Vietnamese diacritic (typed with accents)."""
    return fold_accents(text) != text


def syllables(text: str) -> list[Span]:
    """Split ``text`` into normalized syllables with offsets into the original text.

    Works on NFD input too: offsets always point into ``text`` as given.

    Example:
        >>> [s.text for s in syllables("Thủ tục hoà giải?")]
        ['thủ', 'tục', 'hòa', 'giải']
    """
    nfc, origin = _nfc_with_origin(text)
    spans = []
    for match in _SYLLABLE_RE.finditer(nfc):
        start = origin[match.start()]
        end = origin[match.end()] if match.end() < len(origin) else len(text)
        spans.append(Span(_normalize_syllable(match.group()), start, end))
    return spans


def normalize(text: str) -> str:
    """Normalized form used everywhere: syllables in NFC, lower case, new tone placement.

    Punctuation goes; words are separated by single spaces.

    Example:
        >>> normalize("  Thủ tục HOÀ GIẢI,  thuỷ sản!! ")
        'thủ tục hòa giải thủy sản'
    """
    return " ".join(span.text for span in syllables(text))


def _nfc_with_origin(text: str) -> tuple[str, list[int]]:
    """NFC of ``text`` and, for each NFC character, its offset in ``text``."""
    if unicodedata.is_normalized("NFC", text):
        return text, list(range(len(text) + 1))
    pieces: list[str] = []
    origin: list[int] = []
    cluster_start = 0
    for i in range(1, len(text) + 1):
        if i == len(text) or not unicodedata.combining(text[i]):
            composed = unicodedata.normalize("NFC", text[cluster_start:i])
            pieces.append(composed)
            origin.extend([cluster_start] * len(composed))
            cluster_start = i
    origin.append(len(text))
    return "".join(pieces), origin
