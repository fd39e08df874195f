"""Vietnamese word segmentation that gives the same words with or without diacritics.

Text typed with accents is segmented by underthesea. Text typed without accents
("thu tuc lam cccd") defeats underthesea's model, so it is segmented by longest match
against a list of multi-syllable words in folded form, which ``tthc text build-words``
derives from underthesea's segmentation of the catalog itself (``data/vi_words.txt``).
Both paths give each word a ``key``: its folded syllables joined by ``_``, which is what
the NLU featurizers and search compare.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from knowledge.config import PROJECT_ROOT
from knowledge.text.normalize import Span, fold_accents, has_diacritics, syllables

WORDS_FILE = PROJECT_ROOT / "data" / "vi_words.txt"
MAX_WORD_SYLLABLES = 4


@dataclass(frozen=True)
class Word:
    """A segmented word: normalized text ("đăng ký"), folded key ("dang_ky") and offsets."""

    text: str
    key: str
    start: int
    end: int


@lru_cache(maxsize=1)
def folded_words(path: Path = WORDS_FILE) -> frozenset[str]:
    """Multi-syllable words in folded form ("dang ky"), one per line of ``path``."""
    if not path.exists():
        return frozenset()
    lines = path.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


def segment(text: str) -> list[Word]:
    """Split ``text`` into words with offsets into the original text.

    Example:
        >>> [w.key for w in segment("Thủ tục đăng ký khai sinh")]
        ['thu_tuc', 'dang_ky', 'khai_sinh']
        >>> [w.key for w in segment("thu tuc dang ky khai sinh")]
        ['thu_tuc', 'dang_ky', 'khai_sinh']
    """
    spans = syllables(text)
    if not spans:
        return []
    if has_diacritics(text):
        groups = underthesea_groups(spans)
    else:
        groups = _longest_match_groups(spans, folded_words())
    return [_word(group) for group in groups]


def _word(group: list[Span]) -> Word:
    normalized = " ".join(s.text for s in group)
    return Word(
        normalized, fold_accents(normalized).replace(" ", "_"), group[0].start, group[-1].end
    )


def underthesea_groups(spans: list[Span]) -> list[list[Span]]:
    """Group syllables into the words underthesea finds in the normalized sentence."""
    from underthesea import word_tokenize  # heavy import, done on first use

    groups: list[list[Span]] = []
    position = 0
    for token in word_tokenize(" ".join(s.text for s in spans)):
        pieces = token.split()
        if [s.text for s in spans[position : position + len(pieces)]] != pieces:
            break  # underthesea rewrote something: keep the rest as single syllables
        groups.append(spans[position : position + len(pieces)])
        position += len(pieces)
    groups.extend([s] for s in spans[position:])
    return groups


def _longest_match_groups(spans: list[Span], words: Iterable[str]) -> list[list[Span]]:
    """Greedy longest match of folded syllables against the folded word list."""
    vocabulary = words if isinstance(words, set | frozenset) else set(words)
    folded = [fold_accents(s.text) for s in spans]
    groups: list[list[Span]] = []
    i = 0
    while i < len(spans):
        for size in range(min(MAX_WORD_SYLLABLES, len(spans) - i), 0, -1):
            if size == 1 or " ".join(folded[i : i + size]) in vocabulary:
                groups.append(spans[i : i + size])
                i += size
                break
    return groups
