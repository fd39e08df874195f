"""Build the folded word list that segments accentless text (``data/vi_words.txt``)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from knowledge.text.normalize import fold_accents, has_diacritics, syllables
from knowledge.text.segment import underthesea_groups


def build_word_list(texts: Iterable[str], *, min_count: int = 2) -> list[str]:
    """Multi-syllable words underthesea finds in accented ``texts``, folded, sorted.

    Example:
        >>> build_word_list(["Đăng ký khai sinh", "đăng ký kết hôn"], min_count=2)
        ['dang ky']
    """
    counts: Counter[str] = Counter()
    for text in texts:
        if not has_diacritics(text):
            continue
        for group in underthesea_groups(syllables(text)):
            if len(group) > 1:
                counts[fold_accents(" ".join(s.text for s in group))] += 1
    return sorted(word for word, n in counts.items() if n >= min_count)
