"""Putting diacritics back on an accentless question, from the catalog's own wording.

The sentence encoder reads "dang ky ket hon" far worse than "đăng ký kết hôn", while
citizens often type without accents. ``AccentRestorer`` learns, from the catalog texts it
is given, the most frequent accented form of every folded syllable n-gram (up to three
syllables, so "ket hon" becomes "kết hôn" and not "kết hơn"), and rewrites a question by
greedy longest match. Syllables it does not know are left as typed. Only the encoder reads
the restored text; BM25 works on folded terms and never needs it.

The catalog alone writes like a decree: its "toi" is "tối" (tối đa), its "nao" "nạo", its
"the" "thẻ", while a citizen writes "tôi", "nào", "thế". Everyday accented texts (the NLU
examples and the lexicon's citizen words) are therefore learnt too, each occurrence
counting ``EVERYDAY_WEIGHT`` times: on the even FAQ rows this puts back 94 % of syllables
right instead of 86 %.
"""

from __future__ import annotations

import json
import os
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from knowledge.text import fold_accents, has_diacritics

MAX_N = 3
# How many catalog occurrences one everyday occurrence is worth. Tuned on the even FAQ rows
# (syllables put back right): 0 → 85.6 %, 1 → 91.2 %, 10 → 93.3 %, 30 → 94.0 %, 100 → 94.2 %.
EVERYDAY_WEIGHT = 30.0
# Syllables: letters only (digits and codes are kept as typed and break n-grams).
_SYLLABLE_RE = re.compile(r"[^\W\d_]+", re.UNICODE)
Counts = defaultdict[str, defaultdict[str, float]]  # folded n-gram → accented form → count


@lru_cache(maxsize=100_000)
def _fold(word: str) -> str:
    return fold_accents(word)


class AccentRestorer:
    """Folded n-gram → its most frequent accented form in the texts it learnt from."""

    def __init__(self, table: dict[str, str]) -> None:
        self._table = table

    @classmethod
    def learn(
        cls,
        texts: Iterable[str],
        min_count: int = 2,
        *,
        everyday: Iterable[str] = (),
        everyday_weight: float = EVERYDAY_WEIGHT,
    ) -> AccentRestorer:
        """Learn from accented ``texts``; n-grams seen fewer than ``min_count`` times are dropped.

        Args:
            texts: the catalog's texts.
            min_count: the fewest (weighted) occurrences an n-gram's form needs.
            everyday: texts as citizens write them; those without any diacritic are skipped
                (they would vote for the bare form).
            everyday_weight: what one everyday occurrence counts for.

        Example:
            >>> AccentRestorer.learn(["Đăng ký kết hôn", "đăng ký kết hôn"]).restore("dang ky")
            'đăng ký'
            >>> AccentRestorer.learn(["tối đa", "tối thiểu"], everyday=["tôi hỏi"]).restore("toi")
            'tôi'
        """
        counts: Counts = defaultdict(lambda: defaultdict(float))
        _count(counts, texts, 1.0)
        _count(counts, (text for text in everyday if has_diacritics(text)), everyday_weight)
        table = {}
        for key, forms in counts.items():
            form, count = max(forms.items(), key=lambda item: item[1])  # first seen on a tie
            if count >= min_count and form != key:
                table[key] = form
        return cls(table)

    def __len__(self) -> int:
        return len(self._table)

    def save(self, path: Path) -> None:
        """Write the table as JSON (to a temporary name first, so readers never see half)."""
        temporary = path.with_name(f".{path.name}.{os.getpid()}")
        temporary.write_text(json.dumps(self._table, ensure_ascii=False), encoding="utf-8")
        os.replace(temporary, path)

    @classmethod
    def load(cls, path: Path) -> AccentRestorer:
        """A table written by ``save``."""
        return cls(json.loads(path.read_text(encoding="utf-8")))

    def restore(self, text: str) -> str:
        """``text`` with diacritics put back where the catalog knows the words; unchanged if
        it already has any (a citizen who types accents types them right, or nearly).

        Example:
            >>> AccentRestorer({"ket hon": "kết hôn"}).restore("Thu tuc ket hon?")
            'Thu tuc kết hôn?'
            >>> AccentRestorer({"ha noi": "hà nội", "the": "thẻ"}).restore("Ha Noi, THE")
            'Hà Nội, THẺ'
        """
        if has_diacritics(text):
            return text
        matches = list(_SYLLABLE_RE.finditer(text))
        out: list[str] = []
        last = 0
        i = 0
        while i < len(matches):
            for n in range(min(MAX_N, len(matches) - i), 0, -1):
                group = matches[i : i + n]
                if any(text[a.end() : b.start()] != " " for a, b in zip(group, group[1:])):  # noqa: B905
                    continue  # an n-gram never spans punctuation
                form = self._table.get(" ".join(m.group().lower() for m in group))
                if form is not None or n == 1:
                    out.append(text[last : group[0].start()])
                    if form is None:
                        out.append(group[0].group())
                    else:
                        typed = [m.group() for m in group]
                        out.append(" ".join(map(_same_case, form.split(" "), typed)))
                    last = group[-1].end()
                    i += n
                    break
        out.append(text[last:])
        return "".join(out)


def _same_case(form: str, typed: str) -> str:
    """``form`` (lower case) written in the case of the syllable as typed ("Ha" → "Hà").

    The encoder is case-sensitive: "Hà Nội" and "hà nội" are different tokens to it.
    """
    if len(typed) > 1 and typed.isupper():
        return form.upper()
    if typed[:1].isupper():
        return form[:1].upper() + form[1:]
    return form


def _count(counts: Counts, texts: Iterable[str], weight: float) -> None:
    """Add ``weight`` to ``counts[folded n-gram][accented form]`` for each n-gram of ``texts``."""
    for text in texts:
        if not text:
            continue
        words = _SYLLABLE_RE.findall(unicodedata.normalize("NFC", text).lower())
        folded = list(map(_fold, words))
        for n in range(1, MAX_N + 1):
            for i in range(len(words) - n + 1):
                counts[" ".join(folded[i : i + n])][" ".join(words[i : i + n])] += weight
