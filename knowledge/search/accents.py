"""Putting diacritics back on an accentless question, from the catalog's own wording.

The sentence encoder reads "dang ky ket hon" far worse than "đăng ký kết hôn", while
citizens often type without accents. ``AccentRestorer`` learns, from the catalog texts it
is given, the most frequent accented form of every folded syllable n-gram (up to three
syllables, so "ket hon" becomes "kết hôn" and not "kết hơn"), and rewrites a question:
each syllable takes the form its longest n-grams vote for. Syllables it does not know are
left as typed. The encoder reads the
restored text; BM25 works on folded terms and never needs it.

The restored text also guides the word tables that are matched on syllables (the question
and filler words): folded, "cong" is "cổng" (a channel word) as much as "công", "dau" is
"đâu" (where) as much as "đầu" (đầu tư). Within ``guiding_accents(restorer)``,
``accent_guide(text)`` gives the syllables as the restorer reads them, and
``knowledge.search.resolve.procedure_words`` keeps "cong dan" as "công dân" instead of
dropping "cong" as the aspect word "cổng". Of the even FAQ rows and the held-out and new
questions (293, typed without accents), 103 lost procedure words that the same question
typed with accents kept; 44 with the guide.

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
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache
from pathlib import Path

from knowledge.text import fold_accents, has_diacritics, syllables

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
        return self.restore_syllables(text)

    def restore_syllables(self, text: str) -> str:
        """``text`` with each syllable without diacritics given the form its n-grams vote for.

        Every n-gram the table knows votes for the forms of the syllables it covers; a
        syllable takes the form of its longest n-grams when they agree or have a majority,
        else of its shorter ones. Reading left to right instead, "lai xe can" (the catalog's
        "lái xe căn…") would win over "can giay to" ("cần giấy tờ") in "đổi bằng lái xe cần
        giấy tờ gì". Syllables typed with diacritics are kept and end an n-gram, as
        punctuation does.
        """
        matches = list(_SYLLABLE_RE.finditer(text))
        typed = [m.group() for m in matches]
        keys = [word.lower() for word in typed]
        accented = [_fold(key) != key for key in keys]
        # votes[i][n]: forms for syllable i from the n-grams of length n covering it
        votes: list[list[dict[str, int]]] = [[{} for _ in range(MAX_N + 1)] for _ in typed]
        for i in range(len(typed)):
            for n in range(1, min(MAX_N, len(typed) - i) + 1):
                j = i + n - 1
                if accented[j] or (
                    n > 1 and text[matches[j - 1].end() : matches[j].start()] != " "
                ):
                    break  # an n-gram never spans punctuation nor a word typed with accents
                form = self._table.get(" ".join(keys[i : j + 1]))
                if form is None:
                    continue
                for k, word in enumerate(form.split(" ")):
                    votes[i + k][n][word] = votes[i + k][n].get(word, 0) + 1
        out: list[str] = []
        last = 0
        for match, word, by_length in zip(matches, typed, votes, strict=True):
            out.append(text[last : match.start()])
            form = _elected(by_length)
            out.append(word if form is None else _same_case(form, word))
            last = match.end()
        out.append(text[last:])
        return "".join(out)


def _elected(by_length: list[dict[str, int]]) -> str | None:
    """The form with a majority among the longest n-grams that have one (None: no n-gram)."""
    fallback = None
    for forms in reversed(by_length):
        if not forms:
            continue
        ranked = sorted(forms.items(), key=lambda item: -item[1])
        if len(ranked) == 1 or ranked[0][1] > ranked[1][1]:
            return ranked[0][0]
        fallback = fallback or ranked[0][0]
    return fallback


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


# The restorer of the catalog the current resolution reads (``guiding_accents`` sets it):
# the word tables are matched deep inside the resolution, and the catalog is the same
# throughout. Unset (a bare call, or no semantic search), accentless syllables are matched
# folded, as before.
_guide: ContextVar[AccentRestorer | None] = ContextVar("accent_guide", default=None)


@contextmanager
def guiding_accents(restorer: AccentRestorer | None) -> Iterator[None]:
    """Within the block, ``accent_guide`` reads accentless text with ``restorer``."""
    token = _guide.set(restorer)
    try:
        yield
    finally:
        _guide.reset(token)


def accent_guide(text: str) -> list[str] | None:
    """The syllables of ``text`` with the diacritics the guide puts back, one for each
    syllable of ``text`` (``normalize``d); None when no guide is set or the restored text
    does not line up syllable for syllable.

    The guide is set for a question typed without accents; its text may have some once
    abbreviations are spelt out ("bhyt" → "bảo hiểm y tế"): those syllables are kept.
    Syllables the guide does not know stay accentless: they are matched folded.

    Example:
        >>> with guiding_accents(AccentRestorer({"cong dan": "công dân"})):
        ...     accent_guide("cong dan o dau")
        ['công', 'dân', 'o', 'dau']
    """
    restorer = _guide.get()
    if restorer is None:
        return None
    typed = [span.text for span in syllables(text)]
    restored = [span.text for span in syllables(restorer.restore_syllables(text))]
    if len(restored) != len(typed) or any(map(_differs, restored, typed)):
        return None
    return restored


def _differs(restored: str, typed: str) -> bool:
    return _fold(restored) != _fold(typed)
