"""Search terms: accent-folded syllables and syllable bigrams, so accents never change a score."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from knowledge.config import PROJECT_ROOT
from knowledge.text import fold_accents
from knowledge.text.abbreviations import get_abbreviations

STOPWORDS_FILE = PROJECT_ROOT / "data" / "search_stopwords.txt"

# The same syllable pattern as knowledge.text.normalize: letters and digits, punctuation dropped.
_SYLLABLE_RE = re.compile(r"[^\W_]+", re.UNICODE)


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    """Folded syllables that carry no meaning for search on their own ("toi", "khong")."""
    if not STOPWORDS_FILE.exists():
        return frozenset()
    lines = STOPWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(
        fold_accents(line.strip().lower()) for line in lines if line.strip() and line[0] != "#"
    )


@lru_cache(maxsize=200_000)
def _fold(syllable: str) -> str:
    return fold_accents(syllable)


def folded_syllables(text: str) -> list[str]:
    """Lower-case syllables of ``text`` without diacritics.

    Folding each distinct syllable once keeps indexing the whole catalog fast.

    Example:
        >>> folded_syllables("Đăng ký khai sinh, hoà giải")
        ['dang', 'ky', 'khai', 'sinh', 'hoa', 'giai']
    """
    return list(map(_fold, _SYLLABLE_RE.findall(unicodedata.normalize("NFC", text).lower())))


def terms(text: str) -> list[str]:
    """Folded unigrams (stopwords left out) followed by folded bigrams of ``text``.

    Abbreviations are spelt out first ("BHYT" → "bao hiem y te"), so that an abbreviated
    name and a question in full words (or the reverse) share their terms. A bigram is kept
    unless both of its syllables are stopwords, so "co quan" survives although "co" alone
    is dropped.

    Example:
        >>> terms("Tôi đăng ký kết hôn")
        ['dang', 'ky', 'ket', 'hon', 'toi dang', 'dang ky', 'ky ket', 'ket hon']
    """
    folded = get_abbreviations().expand(folded_syllables(text))
    stop = stopwords()
    unigrams = [s for s in folded if s not in stop]
    pairs = zip(folded, folded[1:])  # noqa: B905 (one shorter by design)
    bigrams = [a + " " + b for a, b in pairs if a not in stop or b not in stop]
    return unigrams + bigrams
