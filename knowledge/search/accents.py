"""Putting diacritics back on an accentless question, from the catalog's own wording.

The sentence encoder reads "dang ky ket hon" far worse than "đăng ký kết hôn", while
citizens often type without accents. ``AccentRestorer`` learns, from the catalog texts it
is given, the accented forms of every folded syllable n-gram (up to three syllables, so
"ket hon" becomes "kết hôn" and not "kết hơn") with how often each was seen, and rewrites a
question: each syllable takes the form its n-grams vote for, longer and more frequent ones
weighing more. Syllables it does not know are left as typed. The encoder reads the restored
text; BM25 works on folded terms and never needs it.

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
import math
import os
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache
from pathlib import Path

from knowledge.text import fold_accents, has_diacritics, syllables

MAX_N = 3
# The version of the table's format and of how it is learnt; part of the cache file's name
# (``EmbeddingCache.accents_path``), so a table written by an older version is rebuilt.
# 2: every form with its count, and sentence ends as a pseudo-syllable.
# 3: names (``NAME``, ``NAMES``).
TABLE_VERSION = 3
# How many catalog occurrences one everyday occurrence is worth. Tuned on the even FAQ rows
# (syllables put back right): 0 → 85.6 %, 1 → 91.2 %, 10 → 93.3 %, 30 → 94.0 %, 100 → 94.2 %.
EVERYDAY_WEIGHT = 30.0
# Syllables: letters only (digits and codes are kept as typed and break n-grams).
_SYLLABLE_RE = re.compile(r"[^\W\d_]+", re.UNICODE)
# Where a sentence ends: n-grams are learnt within sentences, and the end is a pseudo-syllable
# (``END``) so that "can" ending a question is "cần", which ends sentences, not "căn", which
# never does ("căn cứ", "căn cước"). A trailing space and the end of the text count too.
_SENTENCE_SPLIT = re.compile(r"[.?!;:\n]+")
_ENDS_SENTENCE = re.compile(r"\s*(?:[.?!;:\n]|$)")
END = "#"
# A name: a syllable written with a capital inside a sentence ("anh Nguyễn Văn A", "quận
# Hoàng Mai"). The words before a name see it as the pseudo-syllable ``NAME`` ("anh @" is
# the form of address, never the photo "ảnh"), and a run of names is read with the forms
# names were written in (``NAMES``-prefixed n-grams: "Nguyễn" 28, "Nguyên" 8 where the
# common word is "nguyên" 1,060 to "nguyễn" 28).
NAME = "@"
NAMES = "^"
# A reading with at least this share of the best reading's votes is likely (``likely_readings``):
# below it the restorer is sure enough to overrule a word table's folded match. At 1.0 (only
# the restorer's choice), "đổi" of "doi cccd" and "sai … doi lai" were overruled by "đối" and
# two questions of the tuning halves lost their action; at 0.5 none.
LIKELY = 0.5
Counts = defaultdict[str, defaultdict[str, float]]  # folded n-gram → accented form → count


@lru_cache(maxsize=100_000)
def _fold(word: str) -> str:
    return fold_accents(word)


class AccentRestorer:
    """Folded n-gram → the forms it was seen in, with how often (weighted) each was seen.

    The table keeps, per folded n-gram, its forms and counts as one string
    ("kết hôn\t412\tkết hơn\t3"): parsed only for the n-grams a question has, it takes half
    the memory of nested dictionaries (39 MB against 84 MB on the national catalog).
    """

    def __init__(self, table: Mapping[str, str | Mapping[str, float]]) -> None:
        """``table``: folded n-gram → its forms and counts, or a single form (seen once)."""
        self._table = {
            key: value if isinstance(value, str) and "\t" in value else _packed(value)
            for key, value in table.items()
        }

    @classmethod
    def learn(
        cls,
        texts: Iterable[str],
        min_count: int = 2,
        *,
        everyday: Iterable[str] = (),
        everyday_weight: float = EVERYDAY_WEIGHT,
        names: Iterable[str] = (),
        before_names: Iterable[str] = (),
    ) -> AccentRestorer:
        """Learn from accented ``texts``; forms seen fewer than ``min_count`` times are dropped.

        Args:
            texts: the catalog's texts.
            min_count: the fewest (weighted) occurrences an n-gram's form needs.
            everyday: texts as citizens write them; those without any diacritic are skipped
                (they would vote for the bare form).
            everyday_weight: what one everyday occurrence counts for.
            names: names as citizens write them (places), each counted ``min_count`` times
                as text and as a name: known, without outweighing the catalog ("Thái Nguyên"
                once at the everyday weight made "Nguyen" of "Nguyen Van A" "Nguyên").
            before_names: words that come before a person's name (forms of address: "anh",
                "bà"), each counted as an everyday "<word> <name>".

        Example:
            >>> AccentRestorer.learn(["Đăng ký kết hôn", "đăng ký kết hôn"]).restore("dang ky")
            'đăng ký'
            >>> AccentRestorer.learn(["tối đa", "tối thiểu"], everyday=["tôi hỏi"]).restore("toi")
            'tôi'
            >>> restorer = AccentRestorer.learn(["ảnh 4x6", "ảnh"], before_names=["anh"])
            >>> restorer.restore("nop anh"), restorer.restore("voi anh Nam")
            ('nop ảnh', 'voi anh Nam')
        """
        counts: Counts = defaultdict(lambda: defaultdict(float))
        _count(counts, texts, 1.0)
        _count(counts, (text for text in everyday if has_diacritics(text)), everyday_weight)
        for name in names:  # known, but no more than the catalog's own names ("Nguyễn")
            _count(counts, [name], min_count)
            _count_names(counts, name.lower().split(), min_count)
        for word in before_names:
            word = unicodedata.normalize("NFC", word).lower()
            counts[f"{_fold(word)} {NAME}"][f"{word} {NAME}"] += everyday_weight
        table = {}
        for key, forms in counts.items():
            kept = {form: count for form, count in forms.items() if count >= min_count}
            if kept:
                table[key] = kept
        return cls(table)

    def __len__(self) -> int:
        return len(self._table)

    def forms(self, key: str) -> dict[str, float]:
        """The forms of the folded n-gram ``key`` with their counts ({} when unseen).

        Example:
            >>> AccentRestorer({"ket hon": {"kết hôn": 12, "kết hơn": 1}}).forms("ket hon")
            {'kết hôn': 12.0, 'kết hơn': 1.0}
        """
        packed = self._table.get(key)
        if packed is None:
            return {}
        parts = packed.split("\t")
        return {parts[i]: float(parts[i + 1]) for i in range(0, len(parts), 2)}

    def save(self, path: Path) -> None:
        """Write the table as JSON (to a temporary name first, so readers never see half)."""
        temporary = path.with_name(f".{path.name}.{os.getpid()}")
        document = {"version": TABLE_VERSION, "table": self._table}
        temporary.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
        os.replace(temporary, path)

    @classmethod
    def load(cls, path: Path) -> AccentRestorer:
        """A table written by ``save`` (of this ``TABLE_VERSION``: an older one is refused)."""
        document = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(document, dict) or document.get("version") != TABLE_VERSION:
            raise ValueError(f"{path}: not an accent table of version {TABLE_VERSION}")
        return cls(document["table"])

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

        Every n-gram the table knows (up to ``MAX_N`` syllables, the end of a sentence
        counting as one) votes for each of its forms, with the logarithm of the form's count
        times the n-gram's length; each syllable takes the form with the most votes. Longer
        contexts weigh more, but a rare long one no longer overrules a frequent shorter one:
        "giay to o dau" keeps "giấy tờ" (seen thousands of times) over the catalog's rare
        "tổ ở đâu". Reading left to right instead, "lai xe can" (the catalog's "lái xe
        căn…") would win over "can giay to" ("cần giấy tờ") in "đổi bằng lái xe cần giấy tờ
        gì". Syllables typed with diacritics are kept and end an n-gram, as punctuation does.
        Syllables the table does not know are left as typed.
        """
        matches = list(_SYLLABLE_RE.finditer(text))
        votes = self._votes(text, matches)
        out: list[str] = []
        last = 0
        for match, forms in zip(matches, votes, strict=True):
            out.append(text[last : match.start()])
            word = match.group()
            if forms:  # a syllable typed with accents has none
                form = max(forms.items(), key=lambda item: item[1])[0]  # first seen on a tie
                out.append(_same_case(form, word))
            else:
                out.append(word)
            last = match.end()
        out.append(text[last:])
        return "".join(out)

    def syllable_votes(self, text: str) -> list[dict[str, float]]:
        """For each syllable of ``text`` (letters only), the votes for its forms ({} for one
        typed with accents or unknown): how sure the restorer is of each reading.

        Example:
            >>> [
            ...     {form: round(vote, 2) for form, vote in votes.items()}
            ...     for votes in AccentRestorer({"mat": {"mất": 9, "mặt": 3}}).syllable_votes("mat")
            ... ]
            [{'mất': 2.3, 'mặt': 1.39}]
        """
        return self._votes(text, list(_SYLLABLE_RE.finditer(text)))

    def _votes(self, text: str, matches: list[re.Match[str]]) -> list[dict[str, float]]:
        keys = [m.group().lower() for m in matches]
        accented = [_fold(key) != key for key in keys]
        ends = [bool(_ENDS_SENTENCE.match(text, m.end())) for m in matches]
        names = [i > 0 and not ends[i - 1] and _is_name(m.group()) for i, m in enumerate(matches)]
        votes: list[dict[str, float]] = [{} for _ in keys]
        for i in range(len(keys)):
            for n in range(1, MAX_N + 1):
                j = i + n - 1  # the n-gram's last syllable
                if j > i and ends[j - 1]:  # the sentence ended: its end is the last element
                    self._vote(votes, i, " ".join([*keys[i:j], END]), n)
                    break
                if j >= len(keys) or accented[j]:
                    break  # an n-gram never spans punctuation nor a word typed with accents
                if j > i and _SENTENCE_SPLIT.search(text, matches[j - 1].end(), matches[j].start()):
                    break
                if j > i and names[j] and not names[i]:  # a name follows, as one element
                    self._vote(votes, i, " ".join([*keys[i:j], NAME]), n)
                key = " ".join(keys[i : j + 1])
                if all(names[i : j + 1]) and self.forms(NAMES + key):
                    # Names in a row are read as names are written; a name alone (n = 1)
                    # only as names, its context as any word ("thẻ Căn cước").
                    self._vote(votes, i, NAMES + key, n)
                    if n == 1:
                        continue
                self._vote(votes, i, key, n)
        return votes

    def _vote(self, votes: list[dict[str, float]], start: int, key: str, size: int) -> None:
        """Add the votes of n-gram ``key`` (``size`` elements) for the syllables from ``start``."""
        for form, count in self.forms(key).items():
            weight = size * math.log1p(count)
            for k, word in enumerate(form.removeprefix(NAMES).split(" ")):
                if word not in (END, NAME):
                    votes[start + k][word] = votes[start + k].get(word, 0.0) + weight


def _packed(forms: str | Mapping[str, float]) -> str:
    """Forms and counts as the table keeps them: "form\tcount\tform\tcount…"."""
    if isinstance(forms, str):
        forms = {forms: 1.0}
    return "\t".join(f"{form}\t{count:g}" for form, count in forms.items())


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
    """Add ``weight`` to ``counts[folded n-gram][accented form]`` for each n-gram of ``texts``,
    within sentences, the end of each sentence being the pseudo-syllable ``END``."""
    for text in texts:
        if not text:
            continue
        for sentence in _SENTENCE_SPLIT.split(unicodedata.normalize("NFC", text)):
            typed = _SYLLABLE_RE.findall(sentence)
            if not typed:
                continue
            words = [word.lower() for word in typed]
            words.append(END)
            folded = list(map(_fold, words))
            for n in range(1, MAX_N + 1):
                for i in range(len(words) - n + 1):
                    if n == 1 and i == len(words) - 1:
                        continue  # the end alone
                    counts[" ".join(folded[i : i + n])][" ".join(words[i : i + n])] += weight
            run: list[str] = []  # the names in a row
            for i, word in enumerate([*typed, ""]):
                if i > 0 and _is_name(word):
                    if not run:  # the words before a name
                        for n in range(2, MAX_N + 1):
                            if i - n + 1 >= 0 and not _is_name(typed[i - n + 1]):
                                before = words[i - n + 1 : i]
                                key = " ".join([*folded[i - n + 1 : i], NAME])
                                counts[key][" ".join([*before, NAME])] += weight
                    run.append(words[i])
                elif run:
                    _count_names(counts, run, weight)
                    run = []


def _count_names(counts: Counts, run: list[str], weight: float) -> None:
    """Count the n-grams of a run of names (lower case) under the ``NAMES`` prefix."""
    folded = list(map(_fold, run))
    for n in range(1, MAX_N + 1):
        for i in range(len(run) - n + 1):
            counts[NAMES + " ".join(folded[i : i + n])][NAMES + " ".join(run[i : i + n])] += weight


def _is_name(word: str) -> bool:
    """A syllable written as a name: a capital first, not all capitals ("Nam", not "UBND")."""
    return word[:1].isupper() and not (len(word) > 1 and word.isupper())


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
    guided = _guided(restorer, text)
    return list(guided) if guided is not None else None


@lru_cache(maxsize=1024)  # asked for by several steps of one resolution, for each candidate
def _guided(restorer: AccentRestorer, text: str) -> tuple[str, ...] | None:
    typed = [span.text for span in syllables(text)]
    restored = tuple(span.text for span in syllables(restorer.restore_syllables(text)))
    if len(restored) != len(typed) or any(map(_differs, restored, typed)):
        return None
    return restored


def likely_readings(text: str) -> tuple[frozenset[str], ...] | None:
    """For each syllable of ``text`` (as ``syllables`` splits it), the forms the guide finds
    likely: those with at least ``LIKELY`` times the votes of the best. Empty for a syllable
    it does not know or typed with accents; None when no guide is set.

    A word table matched on folded syllables asks it whether its accented word is a likely
    reading: folded, "mat" of "tien mat" is "mặt" far more than "mất".

    Example:
        >>> restorer = AccentRestorer({"so hong": {"sổ hồng": 50, "sổ hỏng": 2}, "hong": "hỏng"})
        >>> with guiding_accents(restorer):
        ...     [sorted(forms) for forms in likely_readings("so hong, hong")]
        [['sổ'], ['hồng'], ['hỏng']]
    """
    restorer = _guide.get()
    if restorer is None:
        return None
    return _likely(restorer, text)


@lru_cache(maxsize=1024)
def _likely(restorer: AccentRestorer, text: str) -> tuple[frozenset[str], ...]:
    by_start = dict(
        zip(
            (m.start() for m in _SYLLABLE_RE.finditer(text)),
            restorer.syllable_votes(text),
            strict=True,
        )
    )
    readings = []
    for span in syllables(text):
        votes = by_start.get(span.start, {})
        best = max(votes.values(), default=0.0)
        readings.append(frozenset(form for form, vote in votes.items() if vote >= LIKELY * best))
    return tuple(readings)


def _differs(restored: str, typed: str) -> bool:
    return _fold(restored) != _fold(typed)
