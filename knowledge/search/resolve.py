"""Which procedure a message means: the one rule the bot and the agent console share.

``resolve(session, text)`` turns a citizen's message into a ``Resolution``:

* ``answer``: one procedure to answer, with the other variants that fit as short
  ``alternatives`` ("Có yếu tố nước ngoài", "Cấp tỉnh") to show under the answer;
* ``choose``: several candidates that differ in substance and the message gives no hint;
* ``confirm``: a weak match, to confirm first ("Ý bạn là …?");
* ``need_procedure``: only an aspect was asked and there is no procedure in context;
* ``no_match`` / ``invalid``.

Variants are chosen answer-first, as a clerk at the one-stop desk would: the action the
citizen names (first issue, lost, damaged, extend, correct, transfer, remove) and the
qualifiers they state (an age, a foreign spouse, a level) pick the variant; without a hint,
the base variant (no special case the question did not state) at the deployment's levels.
The word tables are data: ``data/dialogue/question_words.yml`` (aspect and filler words)
and ``data/dialogue/variants.yml`` (action words, qualifiers, levels).
"""

from __future__ import annotations

import math
import re
import weakref
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

from sqlalchemy.orm import Session

from knowledge.config import PROJECT_ROOT, get_settings
from knowledge.errors import InvalidInputError
from knowledge.schemas import SearchHit
from knowledge.search.accents import (
    AccentRestorer,
    accent_guide,
    guiding_accents,
    likely_readings,
)
from knowledge.search.index import ProcedureIndex
from knowledge.search.service import get_index, search_procedures
from knowledge.search.terms import stopwords
from knowledge.text import (
    Lexicon,
    fold_accents,
    get_lexicon,
    has_diacritics,
    normalize,
    syllables,
)
from knowledge.text.abbreviations import Abbreviations, get_abbreviations
from knowledge.text.segment import MAX_WORD_SYLLABLES, folded_words
from knowledge.text.yaml_tables import read_yaml_table

QUESTION_WORDS_FILE = PROJECT_ROOT / "data" / "dialogue" / "question_words.yml"
VARIANTS_FILE = PROJECT_ROOT / "data" / "dialogue" / "variants.yml"
REPLACED_PAPERS_FILE = PROJECT_ROOT / "data" / "dialogue" / "replaced_papers.yml"
PLACE_NAMES_FILE = PROJECT_ROOT / "data" / "dialogue" / "place_names.yml"
PROCEDURE_CODE_IN_TEXT = re.compile(r"(?<![\d.])\d{1,2}\.\d{6}(?![\d.])")
QUESTION_TOO_LONG = (
    "Câu hỏi dài quá (tối đa {max_chars} ký tự). Bạn hỏi ngắn gọn lại giúp mình nhé."
)
AGE = re.compile(r"(\d{1,3})\s*(?:tuổi|tuoi|t\b)", re.IGNORECASE)

MAX_BUTTONS = 4
# A weak match is confirmed with at most this many candidates in all ("Ý bạn là …?", then
# "Hay: …"): the likeliest, the search's best, the next ones; past MAX_BUTTONS - 1, only
# names that fit a fair share of the words. The match is uncertain, so one more fitting
# choice costs the citizen less than a miss (tuning FAQ rows: the asked procedure was often
# the fourth fair match).
CONFIRM_CANDIDATES = 4
SEARCH_DEPTH = 8
# A hit is a variant of the best one when it covers the same words of the question and
# scores at least this share of the best score (BM25 favours shorter names, so a longer
# variant such as "… có yếu tố nước ngoài" scores lower although it fits as well).
VARIANT_SCORE_RATIO = 0.6
# A hit whose coverage is this much below the best still competes as a variant: the action
# and qualifiers the citizen states then decide ("lần đầu" → first issue, not "cấp đổi").
VARIANT_COVERAGE_GAP = 0.2
# The best coverage is taken over the first few hits only: a deep hit that happens to cover
# the words (an abbreviation spelt out) must not outweigh the ranking.
BEST_OF = 3
# Share of the question's procedure words the best hit must cover to be answered directly,
# or merely offered for confirmation.
STRONG_COVERAGE = 0.6
WEAK_COVERAGE = 0.3
# A name covering this share of each of two procedures a message asks for does both (a
# liên thông procedure): it is answered, not the two apart (``combined_procedure``).
COMBINED_COVERAGE = 0.4
# A message of at most this many unmatched syllables is a fragment, not an unknown name.
SHORT_FRAGMENT = 2
MAX_LABEL_CHARS = 40
# An aspect or filler syllable in fewer of the catalog's names than this ("phí", "miễn",
# "bằng": under 100 of 2,642) may be a piece of a procedure's name: it is kept as a topic
# word where the names carry it beside the question's next or previous syllable ("phí thi
# hành án", "miễn thị thực", "cấp bằng Tổ quốc ghi công"). Common ones ("cho", "của", "tại",
# "với", "có": 300 names or more) join every topic and stay filler.
TOPIC_CUE_NAMES = 100
# A question with at least this share of its syllables written with diacritics is written
# with accents: a syllable of it written without them is read as written ("thi" of "phí thi
# hành án" is no "thì", "chi" of "chi trả" no "chị") beside a neighbour the catalog's names
# write it with. Below it (accents dropped: "làm ho chieu thi sao"), syllables fold.
WRITTEN_SHARE = 0.4
# A syllable in this many of the catalog's names or more ("giấy", "phép", "đăng ký", "cấp",
# "đổi" in the national catalog of 2,642) says nothing of which procedure, and a name sharing
# only such words with a question does not fit it. A small catalog has no such word.
GENERIC_NAMES = 350
# Two variants that go on alike from the answer's name are labelled with this many of the
# words they share, "…", then where each parts from the other.
SIBLING_HEAD_WORDS = 3
# Coverage is compared to this many decimals when it breaks a tie between variants.
FIT_DIGITS = 1
# Two names are variants of one procedure when this share of the shorter one's syllables is
# in the longer; otherwise an alternative is labelled with its own (shortened) name.
FAMILY_SHARE = 0.6
# A name's object (past its actions) of at most this many syllables is one phrase ("giấy
# phép lái xe"): a name that breaks the phrase with words of its own ("giấy phép đào tạo lái
# xe") is another procedure. A longer one lists its cases, which variants word apart.
SHORT_OBJECT = 6
# A question of more than this many procedure words is long (a story, not a name): it is
# searched as typed, since the context the word filter drops ranks the asked procedure
# higher (tuning FAQ rows through the bot: 0.762/0.783 -> 0.790/0.804, as
# written/accentless; short questions searched so lost 1-2 of the held-out tuning half),
# and the search's first few hits stay among the offered.
LONG_QUESTION = 8
KEPT_IN_LONG_QUESTION = 2
# Under an answer, "Thủ tục liên quan": other procedures among the search's first
# RELATED_DEPTH hits scoring at least RELATED_SCORE_RATIO of its best, at most RELATED_MAX
# (a phone screen is not flooded). Tuning FAQ rows, resolver alone: 115/115 -> 118/119
# right or offered, as written/accentless; depth 4-5 or a cap of 3 gained nothing more.
# Without the score floor the row showed under 44 % of the held-out tuning half's short,
# clear answers; with it under 8 %, for the same gain. The depth counts other procedures
# only, past the answer's own variants (its levels, its cases): 117/121 -> 122/123 of 143;
# the row then shows under 3 of the held-out tuning half's 78 answers (was 1), 11-12 of the
# fresh tuning half's 50 (was 10-11); a floor of 0.75 or a depth of 4 gained 1 more at most.
RELATED_DEPTH = 3
RELATED_MAX = 2
RELATED_SCORE_RATIO = 0.8


@dataclass(frozen=True)
class Alternative:
    """Another variant that fits, shown as a short button under the answer."""

    code: str
    label: str


@dataclass(frozen=True)
class Resolution:
    """Which procedure a message is about, or why no single one can be answered."""

    outcome: str  # answer | choose | confirm | need_procedure | no_match | invalid
    code: str | None = None
    hits: tuple[SearchHit, ...] = ()
    message: str = ""
    alternatives: tuple[Alternative, ...] = field(default=())
    notice: str = ""  # a paper the question names that no longer exists, and its successor
    # Other procedures the search ranked close to the answered one ("Thủ tục liên quan").
    related: tuple[Alternative, ...] = field(default=())


# --------------------------------------------------------------------------- words


def same_word(typed: str, catalog: str) -> bool:
    """Whether a typed syllable is the catalog's: exactly when typed with diacritics, else folded.

    Citizens often type without accents, so "gia" matches "giá" and "gia"; but "giá" typed
    with its accent is not "gia" (as in "hộ gia đình").

    Example:
        >>> same_word("gia", "giá"), same_word("giá", "gia"), same_word("giá", "giá")
        (True, False, True)
    """
    folded = _fold_word(typed)
    if folded != typed:  # typed with diacritics
        return typed == catalog
    return typed == _fold_word(catalog)


@lru_cache(maxsize=100_000)
def _fold_word(word: str) -> str:
    """``fold_accents`` of one syllable, remembered: ``same_word`` runs in every inner loop."""
    return fold_accents(word)


def split_phrases(text: str) -> list[tuple[str, ...]]:
    """The comma- or line-separated phrases of a word table's cell, each as its syllables."""
    return [
        tuple(normalize(piece).split())
        for piece in re.split(r"[,\n]", text)
        if normalize(piece).split()
    ]


@lru_cache(maxsize=4)
def question_phrases(
    path: Path = QUESTION_WORDS_FILE,
) -> tuple[dict[tuple[str, ...], list[tuple[str, ...]]], int]:
    """The aspect and filler phrases of ``path`` indexed by folded form, and the longest length."""
    groups = read_yaml_table(path, "bảng từ hỏi").get("phrases") or {}
    by_folded: dict[tuple[str, ...], list[tuple[str, ...]]] = {}
    for text in groups.values():
        for words in split_phrases(str(text)):
            by_folded.setdefault(tuple(fold_accents(w) for w in words), []).append(words)
    if not by_folded:
        raise InvalidInputError(f"{path}: bảng từ hỏi trống")
    return by_folded, max(len(p) for p in by_folded)


def _is_phrase(words: list[str]) -> bool:
    candidates = question_phrases()[0].get(tuple(fold_accents(w) for w in words), [])
    return any(all(map(same_word, words, phrase)) for phrase in candidates)


@lru_cache(maxsize=4)
def catalog_terms(lexicon: Lexicon) -> frozenset[tuple[str, ...]]:
    """The lexicon's catalog wordings of two syllables or more, folded: pieces of procedure
    names ("bản sao giấy khai sinh", "giám hộ"), never aspect or filler words, even when a
    word of theirs is one ("bản sao" asks for papers, "giam" folded is also "giảm")."""
    return frozenset(
        key
        for entry in lexicon.entries
        for wording in entry.catalog
        if len(key := tuple(fold_accents(normalize(wording)).split())) >= 2
    )


@lru_cache(maxsize=4)
def catalog_term_starts(lexicon: Lexicon) -> frozenset[tuple[str, ...]]:
    """The beginnings of two syllables or more of ``catalog_terms``: a question names a
    catalog wording by its first words ("nhà ở" of "nhà ở riêng lẻ", "chứng thực bản sao" of
    "chứng thực bản sao từ bản chính"), and those keep an aspect or filler word they hold
    ("ở", "bản sao") when they begin with a procedure word."""
    return frozenset(
        term[:size] for term in catalog_terms(lexicon) for size in range(2, len(term) + 1)
    )


def procedure_words(text: str) -> list[str]:
    """The words of ``text`` that may name a procedure: aspect and filler words removed.

    Citizen terms of the lexicon ("sổ đỏ", "cccd") are always kept.

    Example:
        >>> procedure_words("Còn lệ phí thì sao?")
        []
        >>> procedure_words("lệ phí làm sổ đỏ mất bao lâu")  # "làm sổ đỏ" is a lexicon term
        ['làm', 'sổ', 'đỏ']
    """
    spans = [s.text for s in syllables(text)]
    folded = [fold_accents(s) for s in spans]
    # Typed without accents, the syllables as the catalog's accents read them (inside
    # ``resolve``): they tell "cong dan" (công dân) from the channel word "cổng".
    guide = accent_guide(text) or spans
    longest = question_phrases()[1]
    citizen_terms = {tuple(term.split()) for term, _ in get_lexicon().matches(text)}
    citizen_terms |= catalog_terms(get_lexicon()) | topic_words()
    citizen_longest = max((len(t) for t in citizen_terms), default=0)
    term_starts = catalog_term_starts(get_lexicon())
    cue_pairs = _topic_pairs.get()
    plain = _plain_pairs.get()
    # Syllables as written, or as the catalog's accents guess them (typed without accents):
    # a plain one there is read as written. Nearly without accents and unguided, all fold.
    reading = spans if _written_with_accents(spans) else guide
    if reading is spans and guide is spans and not _written_with_accents(spans):
        plain = frozenset()
    stop = stopwords()
    words = folded_words()
    kept: list[str] = []
    i = 0
    while i < len(spans):
        term = next(
            (
                n
                for n in range(min(citizen_longest, len(spans) - i), 0, -1)
                if tuple(folded[i : i + n]) in citizen_terms
            ),
            0,
        )
        if term:
            kept += spans[i : i + term]
            i += term
            continue
        phrase = next(
            (
                n
                for n in range(min(longest, len(spans) - i), 0, -1)
                if _is_phrase(spans[i : i + n]) and not (n == 1 and _as_written(reading, i, plain))
            ),
            0,
        )
        if phrase and guide is not spans and _misread(folded, guide, i, phrase, words):
            kept.append(spans[i])
            i += 1
            continue
        start = 0 if phrase else _catalog_term_start(folded, i, term_starts, citizen_longest)
        if start:
            kept += spans[i : i + start]
            i += start
            continue
        if (
            phrase == 1
            and kept
            and kept[-1] is spans[i - 1]
            and _ends_word(folded, i, words)
            and not any(_is_phrase(spans[i + 1 : i + 1 + n]) for n in range(1, longest + 1))
        ):
            # The syllable ends a word the kept one begins ("xác nhận"): a piece of the
            # procedure's name, not the aspect or filler word it is on its own. Not when a
            # question phrase follows: "cần giấy tờ gì" after "giám hộ" is asked, though
            # "ho can" folded is also "hộ cận".
            kept.append(spans[i])
            i += 1
            continue
        if phrase and kept and kept[-1] is spans[i - 1] and _ends_a_name(spans, folded, i, phrase):
            kept += spans[i : i + phrase]  # "giấy khai sinh bản sao": the copy is the paper
            i += phrase
            continue
        after_kept = bool(kept) and kept[-1] is spans[i - 1]
        ahead_plain = _as_written(reading, i + 1, plain)
        if phrase == 1 and _names_topic(folded, i, cue_pairs, stop, after_kept, ahead_plain):
            kept.append(spans[i])  # "miễn thị thực", "phí thi hành án": a piece of the name
            i += 1
            continue
        if phrase:
            i += phrase
            continue
        if folded[i] not in stop:
            kept.append(spans[i])
        i += 1
    return kept


@lru_cache(maxsize=4)
def name_endings(path: Path = QUESTION_WORDS_FILE) -> tuple[tuple[str, ...], ...]:
    """The aspect phrases of ``path`` that name a paper when they end the procedure's words
    ("giấy khai sinh bản sao")."""
    table = read_yaml_table(path, "bảng từ hỏi")
    return tuple(split_phrases(str(table.get("name_endings") or "")))


@lru_cache(maxsize=4)
def topic_words(path: Path = QUESTION_WORDS_FILE) -> frozenset[tuple[str, ...]]:
    """Citizens' words holding an aspect or filler syllable that name a topic as a whole
    ("học phí", "bằng đại học"), folded: kept whole as procedure words, whether or not the
    catalog holds the topic (a topic it lacks then gets an honest "not found")."""
    table = read_yaml_table(path, "bảng từ hỏi")
    return frozenset(
        tuple(fold_accents(w) for w in words)
        for words in split_phrases(str(table.get("topic_words") or ""))
    )


@lru_cache(maxsize=4)
def procedure_requests(path: Path = QUESTION_WORDS_FILE) -> tuple[tuple[str, ...], ...]:
    """The phrases of ``path`` that ask for a procedure ("giấy phép", "đăng ký")."""
    table = read_yaml_table(path, "bảng từ hỏi")
    phrases = tuple(split_phrases(str(table.get("procedure_requests") or "")))
    if not phrases:
        raise InvalidInputError(f"{path}: thiếu mục 'procedure_requests'")
    return phrases


def asks_for_a_procedure(text: str) -> bool:
    """Whether ``text`` asks for a procedure in words of ``procedure_requests``.

    Example:
        >>> asks_for_a_procedure("xin giấy phép bán rượu"), asks_for_a_procedure("troi dep qua")
        (True, False)
    """
    spans = [s.text for s in syllables(normalize(text))]
    return any(
        all(map(same_word, spans[i : i + len(phrase)], phrase))
        for phrase in procedure_requests()
        for i in range(len(spans) - len(phrase) + 1)
    )


def _ends_a_name(spans: list[str], folded: list[str], i: int, size: int) -> bool:
    """Whether the question phrase of ``size`` syllables at ``i`` is a name ending (see
    ``name_endings``) followed only by meaningless words: it ends the procedure's name."""
    typed = spans[i : i + size]
    if not any(
        len(typed) == len(end) and all(map(same_word, typed, end)) for end in name_endings()
    ):
        return False
    stop = stopwords()
    return all(word in stop for word in folded[i + size :])


def _misread(
    folded: list[str], guide: list[str], i: int, phrase: int, words: frozenset[str]
) -> bool:
    """Whether question words matched folded at ``i`` are a piece of a name misread.

    Typed without accents, "dau tu" matches "đâu" (where) and "cong dan" the channel word
    "cổng". The syllable is a piece of the name when the accents the catalog puts back say
    it is not the question word, and it makes a word of the word list with a neighbour
    ("đầu tư", "công dân") that is no question phrase itself ("thế nào" stays asked). The
    guide alone misreads question words too ("ở đâu và" → "ở đầu và"): both must agree.
    """
    if _is_phrase(guide[i : i + phrase]):
        return False
    # Words of two to four syllables holding syllable i ("nhà đầu tư", "chủ đầu tư": "nha"
    # and "chu" are filler words when folded, and "nha dau" alone is no word).
    spans = [
        (start, end)
        for size in range(2, MAX_WORD_SYLLABLES + 1)
        for start in range(max(0, i - size + 1), min(i, len(folded) - size) + 1)
        for end in [start + size]
        if " ".join(folded[start:end]) in words or tuple(folded[start:end]) in _cue_words()
    ]
    return any(not question_phrases()[0].get(tuple(folded[a:b])) for a, b in spans)


@lru_cache(maxsize=1)
def _cue_words() -> frozenset[tuple[str, ...]]:
    """The action and qualifier phrases of two syllables or more, folded ("lan dau"): words
    of their own, like the word list's."""
    variants = get_variant_words()
    return frozenset(
        tuple(map(_fold_word, phrase))
        for word in (*variants.actions, *variants.qualifiers)
        for phrase in word.citizen
        if len(phrase) >= 2
    )


def _catalog_term_start(
    folded: list[str], i: int, starts: frozenset[tuple[str, ...]], longest: int
) -> int:
    """How many syllables from ``i`` begin a catalog wording (0 if none), the longest."""
    return next(
        (
            n
            for n in range(min(longest, len(folded) - i), 1, -1)
            if tuple(folded[i : i + n]) in starts
        ),
        0,
    )


def _names_topic(
    folded: list[str],
    i: int,
    pairs: frozenset[tuple[str, str]],
    stop: frozenset[str],
    after_kept: bool,
    ahead_plain: bool = False,
) -> bool:
    """Whether the aspect or filler syllable at ``i`` is a topic word: the catalog's names
    carry it beside the next syllable, a procedure word ("miễn" of "miễn thị thực"), or
    beside the previous one, kept ("Bằng" after "cấp" in "cấp bằng Tổ quốc ghi công").
    ``ahead_plain``: the next syllable, a question word folded, is read as written (``_as_written``:
    "thi" of "phí thi hành án")."""
    if not pairs:
        return False
    ahead = i + 1 < len(folded) and (folded[i], folded[i + 1]) in pairs
    next_asks = bool(ahead) and bool(question_phrases()[0].get((folded[i + 1],)))
    if ahead and folded[i + 1] not in stop and (not next_asks or ahead_plain):
        return True
    return after_kept and (folded[i - 1], folded[i]) in pairs


def _written_with_accents(spans: list[str]) -> bool:
    """Whether a question's syllables are written with diacritics (``WRITTEN_SHARE``)."""
    return sum(map(has_diacritics, spans)) >= WRITTEN_SHARE * len(spans) > 0


def _as_written(spans: list[str], i: int, plain: frozenset[tuple[str, str]]) -> bool:
    """Whether syllable ``i``, written without diacritics, is read as written rather than as
    the question word it folds to ("thi" of "phí thi hành án", not "thì"): it is so in one
    of ``plain``, the pairs the catalog's names write it in with a neighbour (``_plain_pairs``
    of the names), beside that neighbour. "cho con" stays filler: "cho" is no neighbour."""
    if not 0 <= i < len(spans) or has_diacritics(spans[i]) or not _plain_syllable(spans[i]):
        return False
    word = spans[i]
    before = i > 0 and (fold_accents(spans[i - 1]), word) in plain
    return before or (i + 1 < len(spans) and (word, fold_accents(spans[i + 1])) in plain)


@lru_cache(maxsize=4096)
def _plain_syllable(syllable: str) -> bool:
    """Whether ``syllable`` has no diacritics and folds to a one-syllable question word that
    has them ("thi": "thì"; not "sao", itself a question word as written)."""
    forms = question_phrases()[0].get((syllable,), [])
    return not has_diacritics(syllable) and bool(forms) and all(f != (syllable,) for f in forms)


def _plain_pairs_of(names: Iterable[list[str]]) -> frozenset[tuple[str, str]]:
    """The adjacent pairs of ``names`` (syllables as written, lower case), folded, in which
    one is a ``_plain_syllable`` and the other no question or stop word ("thi hành", "chi
    trả"): where a question written with accents reads the plain syllable as written."""
    phrases, stop = question_phrases()[0], stopwords()

    def neighbour(syllable: str) -> bool:
        folded = fold_accents(syllable)
        return (folded,) not in phrases and folded not in stop

    return frozenset(
        (fold_accents(a), fold_accents(b))
        for name in names
        for a, b in zip(name, name[1:], strict=False)
        if (_plain_syllable(a) and neighbour(b)) or (_plain_syllable(b) and neighbour(a))
    )


def _ends_word(folded: list[str], i: int, words: frozenset[str]) -> bool:
    """Whether syllable ``i`` and the one before form a word of the word list (folded)."""
    return f"{folded[i - 1]} {folded[i]}" in words


# A question compares its words with the name of every candidate, and the same names come
# back turn after turn: their side of the comparison is computed once per name (the lexicon
# and abbreviations are arguments, so a reloaded table is never served stale results).
@lru_cache(maxsize=20_000)
def _name_words(
    name: str,
    lexicon: Lexicon,
    abbreviations: Abbreviations,
    cue_pairs: frozenset[tuple[str, str]] | None = None,
    plain_pairs: frozenset[tuple[str, str]] | None = None,
) -> tuple[tuple[str, ...], str]:
    """A procedure name's procedure words, and its spelt-out folded form in spaces.

    ``cue_pairs``: those of the catalog (``WordWeights.cue_pairs``), so a name keeps the cue
    words a question keeps ("cấp bằng Tổ quốc ghi công"); None while they are computed.
    ``plain_pairs``: the same for the plain syllables it reads as written (``_as_written``)."""
    spelt = abbreviations.spell_out(name)
    token = _topic_pairs.set(cue_pairs or frozenset())
    plain = _plain_pairs.set(plain_pairs or frozenset())
    try:
        with guiding_accents(None):  # a name is written with its accents (and cached)
            words = tuple(procedure_words(spelt))
    finally:
        _plain_pairs.reset(plain)
        _topic_pairs.reset(token)
    return words, f" {fold_accents(normalize(spelt))} "


@dataclass(frozen=True)
class WordWeights:
    """How much each syllable says about WHICH procedure is meant: its inverse document
    frequency among the catalog's procedure names, folded.

    "giấy", "phép", "cấp", "đăng ký" are in hundreds of names and weigh little; "rượu",
    "karaoke" or "lao động" weigh much, so a question whose topic words no name carries is
    not taken for the procedure whose generic words it shares ("xin giấy phép bán rượu" is no
    "Cấp lại giấy phép lái xe"). A syllable no name has weighs most: it names a topic the
    catalog does not hold, or is a word the lexicon does not know.
    """

    idf: Mapping[str, float]
    unseen: float
    generic: float = 0.0  # the weight under which a word is generic (GENERIC_NAMES)
    # Pairs of adjacent syllables of the names (folded) in which one is an aspect or filler
    # syllable rare enough to name a topic (TOPIC_CUE_NAMES) and the other is not one.
    cue_pairs: frozenset[tuple[str, str]] = frozenset()
    # Pairs of adjacent syllables of the names (folded) in which one is written without the
    # diacritics of the question word it folds to ("thi hành": "thì"), the other no such word.
    plain_pairs: frozenset[tuple[str, str]] = frozenset()

    @classmethod
    def of_names(cls, names: Iterable[str]) -> WordWeights:
        """The weights of the procedure words of ``names`` (one document per name)."""
        lexicon, abbreviations = get_lexicon(), get_abbreviations()
        documents = Counter[str]()
        syllables_in = Counter[str]()
        spelt: list[list[str]] = []
        total = 0
        for name in names:
            total += 1
            words, folded_name = _name_words(name, lexicon, abbreviations)
            documents.update({fold_accents(w) for w in words})
            spelt.append([s.text for s in syllables(abbreviations.spell_out(name))])
            syllables_in.update({fold_accents(w) for w in spelt[-1]})
        return cls(
            idf={word: _idf(total, count) for word, count in documents.items()},
            unseen=_idf(total, 0),
            generic=_idf(total, GENERIC_NAMES) if total > GENERIC_NAMES else 0.0,
            cue_pairs=_cue_pairs(spelt, syllables_in),
            plain_pairs=_plain_pairs_of(spelt),
        )

    def weight(self, word: str) -> float:
        """The weight of one typed syllable (with or without diacritics)."""
        return self.idf.get(fold_accents(word), self.unseen)

    @property
    def floor(self) -> float:
        """The weight of a word every name has: what a place name weighs in a question."""
        return _idf(1, 1)


def _cue_pairs(names: list[list[str]], syllables_in: Counter[str]) -> frozenset[tuple[str, str]]:
    """The adjacent pairs of ``names`` (their syllables as written, lower case), folded, in
    which one syllable is an aspect or filler syllable in fewer than TOPIC_CUE_NAMES names
    and the other is no such word; a ``_plain_syllable`` is read as written ("thi" of "phí
    thi hành án" is no "thì")."""
    phrases, stop = question_phrases()[0], stopwords()

    def cue(syllable: str) -> bool:
        return (fold_accents(syllable),) in phrases and not _plain_syllable(syllable)

    def topical(syllable: str) -> bool:
        return cue(syllable) and syllables_in[fold_accents(syllable)] < TOPIC_CUE_NAMES

    return frozenset(
        (fold_accents(a), fold_accents(b))
        for name in names
        for a, b in zip(name, name[1:], strict=False)
        if (topical(a) and not cue(b) and fold_accents(b) not in stop)
        or (topical(b) and not cue(a) and fold_accents(a) not in stop)
    )


def _idf(documents: int, containing: int) -> float:
    """Smoothed inverse document frequency, at least 1: a word in every name still counts."""
    return math.log((1 + documents) / (1 + containing)) + 1.0


# The word weights of the catalog the current resolution reads (``resolve`` sets them):
# ``coverage`` is called deep inside the resolution, once per candidate, and the catalog it
# compares names of is the same throughout. Unset (a bare call), every word weighs the same.
_word_weights: ContextVar[WordWeights | None] = ContextVar("word_weights", default=None)
# The catalog's cue pairs (``WordWeights.cue_pairs``) ``procedure_words`` reads: set with the
# weights, and for a name by ``_name_words``. Unset, no cue word is kept as a topic word.
_topic_pairs: ContextVar[frozenset[tuple[str, str]]] = ContextVar(
    "topic_pairs", default=frozenset()
)
# The catalog's plain pairs (``WordWeights.plain_pairs``) ``procedure_words`` reads as
# written; set with the weights, and for a name by ``_name_words``. Unset, none is.
_plain_pairs: ContextVar[frozenset[tuple[str, str]]] = ContextVar(
    "plain_pairs", default=frozenset()
)
_weights_by_index: weakref.WeakKeyDictionary[ProcedureIndex, WordWeights] = (
    weakref.WeakKeyDictionary()
)


def catalog_word_weights(session: Session, index: ProcedureIndex | None = None) -> WordWeights:
    """The word weights of the catalog ``session`` reads, computed once per search index
    (a rebuilt index, after a catalog change, gets its own); ``index``: the one
    ``get_index(session)`` gave earlier in the same turn."""
    index = index if index is not None else get_index(session)
    weights = _weights_by_index.get(index)
    if weights is None:
        weights = WordWeights.of_names(d.name for d in index.documents)
        _weights_by_index[index] = weights
    return weights


@contextmanager
def weighing_words(weights: WordWeights | None) -> Iterator[None]:
    """Within the block, ``coverage`` weighs words by ``weights`` (None: all alike)."""
    token = _word_weights.set(weights)
    pairs = _topic_pairs.set(weights.cue_pairs if weights is not None else frozenset())
    plain = _plain_pairs.set(weights.plain_pairs if weights is not None else frozenset())
    try:
        yield
    finally:
        _plain_pairs.reset(plain)
        _topic_pairs.reset(pairs)
        _word_weights.reset(token)


def coverage(words: list[str], hit: SearchHit) -> float:
    """How well ``hit``'s name accounts for ``words`` (a question's procedure words), 0–1.

    Words are matched in adjacent pairs, since Vietnamese words are mostly two syllables:
    "du hành" must appear as such in the name, not "du" in one word and "hành" in another.
    A lexicon citizen term counts when its catalog wording is in the name ("sổ đỏ" →
    "giấy chứng nhận quyền sử dụng đất"). The share is the larger of: the question's words
    found in the name, and the name's own words found in the question (a long question
    quoting a short name). Within ``weighing_words`` (as ``resolve`` runs), each word counts
    by how rare it is among the catalog's names (``WordWeights``): the generic words a name
    shares with the question ("giấy phép", "cấp") cover little of it.
    """
    question_share, name_share, _ = coverage_parts(words, hit)
    return max(question_share, name_share)


def coverage_parts(words: list[str], hit: SearchHit) -> tuple[float, float, frozenset[int]]:
    """The two shares ``coverage`` takes the larger of: of the question's words the name
    accounts for, and of the name's own words the question has; and the positions of the
    question's words it accounts for."""
    if not words:
        return 0.0, 0.0, frozenset()
    name, folded_name = _name_words(
        hit.name, get_lexicon(), get_abbreviations(), _topic_pairs.get(), _plain_pairs.get()
    )
    covered: set[int] = set()
    matched: set[int] = set()
    for i in range(len(words) - 1):
        for j in range(len(name) - 1):
            if same_word(words[i], name[j]) and same_word(words[i + 1], name[j + 1]):
                covered.update((i, i + 1))
                matched.update((j, j + 1))
    folded_words = [fold_accents(w) for w in words]
    spell_out = get_abbreviations().spell_out
    folded_name_words = [fold_accents(w) for w in name]
    for term, entry in get_lexicon().matches(" ".join(words)):
        wordings = [fold_accents(normalize(spell_out(w))).split() for w in entry.catalog]
        in_name = [w for w in wordings if f" {' '.join(w)} " in folded_name]
        if not in_name:
            continue
        size = len(term.split())
        for start in range(len(folded_words) - size + 1):
            if " ".join(folded_words[start : start + size]) != term:
                continue
            covered.update(range(start, start + size))
            # A word beside the citizen's term fits a name word beside its wording, as a pair
            # of words would: "nghỉ đẻ được hưởng" and "hưởng chế độ thai sản" share "hưởng".
            beside = [i for i in (start - 1, start + size) if 0 <= i < len(words)]
            for wording in in_name:
                for j in _occurrences_of(folded_name_words, wording):
                    for k in (j - 1, j + len(wording)):
                        if 0 <= k < len(name):
                            for i in beside:
                                if same_word(words[i], name[k]):
                                    covered.add(i)
                                    matched.add(k)
    if not covered:
        return 0.0, 0.0, frozenset()
    weights = _word_weights.get()
    if weights is None:
        question_share = len(covered) / len(words)
        name_share = len(matched) / len(name) if name else 0.0
        return question_share, name_share, frozenset(covered)
    question = [weights.weight(w) for w in words]
    for i in _place_positions(folded_words):
        question[i] = weights.floor
    # Generic words alone ("giấy phép", "đăng ký", "cấp") say nothing of which procedure:
    # a name sharing only those with the question does not fit it at all ("xin giấy phép bán
    # rượu" is no "Cấp lại giấy phép lái xe", not even for a confirmation).
    if max(weights.weight(words[i]) for i in covered) <= weights.generic:
        return 0.0, 0.0, frozenset()
    question_share = sum(question[i] for i in covered) / sum(question)
    # The name's own action ("Thủ tục đăng ký …", "Cấp …") says which variant, as a
    # question's does: "bà mất rồi làm khai tử" quotes all of "Thủ tục đăng ký khai tử".
    # Unweighted: the words of a name that a question leaves out ("xác nhận" of "Xác nhận
    # chuyên gia") are what it does not ask, however common they are.
    kept = _name_without_actions(hit.name) or tuple(range(len(name)))
    name_share = len(matched.intersection(kept)) / len(kept)
    return question_share, name_share, frozenset(covered)


def _occurrences_of(words: list[str], part: list[str]) -> list[int]:
    """Where the word sequence ``part`` starts in ``words``."""
    size = len(part)
    return [j for j in range(len(words) - size + 1) if words[j : j + size] == part]


@lru_cache(maxsize=1)
def get_place_names(path: Path = PLACE_NAMES_FILE) -> frozenset[tuple[str, ...]]:
    """The places of ``path`` (``data/dialogue/place_names.yml``), folded, read once."""
    places = read_yaml_table(path, "bảng địa danh").get("places")
    if not isinstance(places, list) or not places:
        raise InvalidInputError(f"{path}: thiếu mục 'places'")
    return frozenset(
        tuple(fold_accents(w) for w in phrase) for phrase in split_phrases(", ".join(places))
    )


def _place_positions(folded: list[str]) -> set[int]:
    """The positions of ``folded`` (a question's folded procedure words) inside a place name.

    Example:
        >>> sorted(_place_positions(["lam", "ho", "chieu", "quang", "ngai"]))
        [3, 4]
    """
    places = get_place_names()
    longest = max(len(p) for p in places)
    found: set[int] = set()
    for start in range(len(folded)):
        for size in range(min(longest, len(folded) - start), 0, -1):
            if tuple(folded[start : start + size]) in places:
                found.update(range(start, start + size))
                break
    return found


@lru_cache(maxsize=20_000)
def _name_without_actions(name: str) -> tuple[int, ...]:
    """The positions of a name's procedure words that are not its action's words, nor
    "thủ tục" ("Thủ tục đăng ký khai tử" → those of "khai tử")."""
    words, _ = _name_words(
        name, get_lexicon(), get_abbreviations(), _topic_pairs.get(), _plain_pairs.get()
    )
    typed = list(words)
    drop: set[int] = set()
    for action in get_variant_words().actions:
        if action.in_fit:
            continue
        for phrase in action.catalog:
            size = len(phrase)
            for start in range(len(typed) - size + 1):
                if tuple(w.lower() for w in typed[start : start + size]) == phrase:
                    drop.update(range(start, start + size))
    return tuple(j for j in range(len(typed)) if j not in drop)


# --------------------------------------------------------------------------- variants


@dataclass(frozen=True)
class VariantWord:
    """An action or qualifier of ``data/dialogue/variants.yml``."""

    key: str
    label: str
    catalog: tuple[tuple[str, ...], ...]  # phrases found in procedure names (with diacritics)
    citizen: tuple[tuple[str, ...], ...]  # phrases found in questions, as written
    not_before: frozenset[str] = frozenset()
    # Syllables that, after one citizen phrase only, say it is not the action: "mở lại",
    # "mở khóa" restore, while "thi bằng lái" is still a first issue ("lai" folds "lái" too).
    phrase_not_before: tuple[tuple[tuple[str, ...], frozenset[str]], ...] = ()
    # citizen phrases matched only as typed with diacritics: folded, "ban" is "bán" (sell)
    # but also "bản" (a copy), "mo" is "mờ" (faded) but also "mở" (open)
    accented: frozenset[tuple[str, ...]] = frozenset()
    ages: tuple[int, int] | None = None
    default: bool = False
    level: bool = False  # a level ("cấp tỉnh"): ranked by the deployment's levels instead
    # Rarely meant unless named: a procedure carrying it, unnamed, is confirmed, not answered.
    ask_first: bool = False
    # An action whose catalog words count in a name's fit ("thay đổi nội dung"): not dropped
    # with the other action words by ``_name_without_actions``.
    in_fit: bool = False
    # Asked for and carried by no candidate, the answer would be another procedure on the
    # topic ("báo cáo tai nạn lao động" is no "Giải quyết hưởng chế độ TNLĐ"): confirmed.
    must_match: bool = False
    # Said when a follow-up states this case and the procedure answered lacks it.
    absent: str = ""
    # A qualifier's label for the variant WITHOUT it, under an answer that has it
    # ("Không có yếu tố nước ngoài" under the foreign marriage): "" to name nothing.
    without: str = ""


@dataclass(frozen=True)
class VariantWords:
    """The action words, the qualifiers and the deployment's levels (the setting)."""

    actions: tuple[VariantWord, ...]
    qualifiers: tuple[VariantWord, ...]
    levels: tuple[str, ...]
    # The words before an age's number that bound it ("dưới 14 tuổi"): kind → folded phrases.
    age_bounds: tuple[tuple[str, tuple[tuple[str, ...], ...]], ...] = ()

    def question_actions(self, text: str) -> set[str]:
        """The actions ``text`` names: "mất căn cước làm lại" → {"reissue", "report_loss"}.

        Both are named here: the loss ("mất") and the new card ("làm lại").

        Example:
            >>> sorted(get_variant_words().question_actions("bị mất cccd làm lại cần gì"))
            ['reissue', 'report_loss']
            >>> sorted(get_variant_words().question_actions("lam cccd mat bao lau"))
            []
        """
        return set(_question_actions(self, text, _guide_of(text)))

    def question_qualifiers(self, text: str) -> set[str]:
        """The qualifiers ``text`` states, an age included: "con 10 tuổi" → {"under_14"}.

        Example:
            >>> sorted(get_variant_words().question_qualifiers("làm căn cước cho con 10 tuổi"))
            ['under_14']
            >>> sorted(get_variant_words().question_qualifiers("căn cước cho trẻ dưới 14 tuổi"))
            ['under_14']
            >>> sorted(get_variant_words().question_qualifiers("lấy chồng người Hàn Quốc"))
            ['foreign']
            >>> sorted(get_variant_words().question_qualifiers("vo toi quoc tich my"))
            ['foreign']
        """
        return set(_question_qualifiers(self, text, _guide_of(text)))

    def name_actions(self, name: str) -> set[str]:
        """The actions a procedure's name carries; a first issue when none other.

        Example:
            >>> sorted(get_variant_words().name_actions("Cấp lại thẻ căn cước"))
            ['reissue']
            >>> sorted(get_variant_words().name_actions("Thủ tục đăng ký khai sinh"))
            ['issue']
        """
        folded = _folded_name(name)
        spans = [
            (start, start + len(text), w.key)
            for w in self.actions
            if w.key != "issue"
            for phrase in w.catalog
            for text in [f" {' '.join(phrase)} "]
            for start in _occurrences(folded, text)
        ]
        # A phrase inside a longer one of another action is that action's ("chuyển đổi
        # công ty" converts, it does not exchange a paper).
        found = {
            key
            for start, end, key in spans
            if not any(
                other != key and s <= start and end <= e and e - s > end - start
                for s, e, other in spans
            )
        }
        return found or {"issue"}

    def names_first_issue(self, name: str) -> bool:
        """Whether ``name`` says its first-issue action outright ("Cấp thẻ căn cước"), rather
        than by naming no action at all ("Khai thác thông tin công dân …").

        Example:
            >>> get_variant_words().names_first_issue("Cấp thẻ căn cước")
            True
            >>> get_variant_words().names_first_issue("Khai thác thông tin trong cơ sở dữ liệu")
            False
        """
        folded = _folded_name(name)
        return any(w.key == "issue" and _in_name(folded, w) for w in self.actions)

    def name_qualifiers(self, name: str) -> set[str]:
        """The qualifiers a procedure's name carries ("… có yếu tố nước ngoài" → foreign)."""
        folded = _folded_name(name)
        return {w.key for w in self.qualifiers if _in_name(folded, w)}

    def without_variant_words(self, words: list[str], *, actions: bool = True) -> list[str]:
        """``words`` without the action and qualifier phrases and ages: they say which
        variant, not which procedure ("bị mất căn cước" → "căn cước", "con 5 tuổi" → "con").

        Example:
            >>> get_variant_words().without_variant_words(["căn", "cước", "bé", "5", "tuổi"])
            ['căn', 'cước']
        """
        drop: set[int] = set()
        # An age ("5 tuổi", "15t") says which variant too: "cho người dưới 14 tuổi".
        for start in range(len(words) - 1):
            if words[start].isdigit() and AGE.fullmatch(f"{words[start]} {words[start + 1]}"):
                drop.update((start, start + 1))
        guide = _guide_of(" ".join(words))
        present = {_fold_word(w.lower()) for w in words}
        for word in (*(self.actions if actions else ()), *self.qualifiers):
            for phrase in word.citizen:
                if _fold_word(phrase[0]) not in present:
                    continue  # its first syllable is not in the question at all
                size = len(phrase)
                for start in range(len(words) - size + 1):
                    if _says(words[start : start + size], phrase, word, guide, start):
                        drop.update(range(start, start + size))
        return [w for i, w in enumerate(words) if i not in drop]

    def in_name_order(self, name: str, keys: Iterable[str]) -> list[str]:
        """The action ``keys`` in the order ``name`` says them, so a label reads as the name
        does ("Cấp lại …, Cấp đổi sang …" → reissue, exchange).

        Example:
            >>> name = "Cấp lại Giấy chứng nhận, Cấp đổi sang Giấy chứng nhận"
            >>> get_variant_words().in_name_order(name, {"exchange", "reissue"})
            ['reissue', 'exchange']
        """
        folded = _folded_name(name)

        def first(key: str) -> int:
            word = next((w for w in self.actions if w.key == key), None)
            found = [
                start
                for phrase in (word.catalog if word else ())
                for start in _occurrences(folded, f" {' '.join(phrase)} ")
            ]
            return min(found, default=len(folded))

        return sorted(keys, key=lambda key: (first(key), key))

    def label(self, key: str) -> str:
        """The short label of an action or qualifier."""
        return next(w.label for w in (*self.actions, *self.qualifiers) if w.key == key)


# A question's actions and qualifiers are asked for by the search's action factor, the
# variant hints and the variant choice of one turn: worked out once per recent question.
# The accent guide's reading is part of the key: within a resolution, an accentless
# question's cue words are read with it, elsewhere folded.
@lru_cache(maxsize=1024)
def _question_actions(
    words: VariantWords, text: str, guide: tuple[frozenset[str], ...] | None
) -> frozenset[str]:
    spans = [s.text for s in syllables(text)]
    return frozenset(w.key for w in words.actions if _in_question(spans, w, guide))


@lru_cache(maxsize=1024)
def _question_qualifiers(
    words: VariantWords, text: str, guide: tuple[frozenset[str], ...] | None
) -> frozenset[str]:
    spans = [s.text for s in syllables(text)]
    ages = stated_ages(text, words)
    found = set()
    for word in words.qualifiers:
        if word.ages and ages:
            # A stated age overrides the qualifier's phrases ("con dưới 14 tuổi" is no
            # "trẻ em" over 14): the qualifier holds when all the bounded ages are its own.
            if any(word.ages[0] <= low and high <= word.ages[1] for low, high in ages):
                found.add(word.key)
            continue
        if _in_question(spans, word, guide):
            found.add(word.key)
    return frozenset(found)


# The oldest age a bound reaches ("trên 60 tuổi": 61 to this).
OLDEST = 200


def stated_ages(text: str, words: VariantWords | None = None) -> list[tuple[int, int]]:
    """The ages ``text`` states, each as the range its words bound it to.

    Example:
        >>> stated_ages("làm căn cước cho con dưới 14 tuổi")
        [(0, 13)]
        >>> stated_ages("con 15 tuoi"), stated_ages("người trên 60 tuổi")
        ([(15, 15)], [(61, 200)])
    """
    words = words or get_variant_words()
    found = []
    for match in AGE.finditer(text):
        age = int(match.group(1))
        before = tuple(fold_accents(s.text) for s in syllables(text[: match.start()]))
        # The longest phrase first: "chưa đủ 14" is below, "đủ 14" from.
        bound = next(
            (
                kind
                for kind, phrase in sorted(
                    ((kind, phrase) for kind, phrases in words.age_bounds for phrase in phrases),
                    key=lambda pair: -len(pair[1]),
                )
                if before[-len(phrase) :] == phrase
            ),
            None,
        )
        if bound == "below":
            found.append((0, max(age - 1, 0)))
        elif bound == "at_most":
            found.append((0, age))
        elif bound == "above":
            found.append((age + 1, OLDEST))
        elif bound == "from":
            found.append((age, OLDEST))
        else:
            found.append((age, age))
    return found


@lru_cache(maxsize=20_000)  # a pure function of the name, asked for every candidate
def _folded_name(name: str) -> str:
    """A catalog name's syllables, lower case WITH their diacritics: names are always written
    with them, and folding would read "đối với" as "đổi"."""
    return f" {' '.join(s.text for s in syllables(normalize(name)))} "


def _occurrences(text: str, part: str) -> list[int]:
    """Where ``part`` starts in ``text``, overlaps included."""
    found, start = [], text.find(part)
    while start >= 0:
        found.append(start)
        start = text.find(part, start + 1)
    return found


def _in_name(folded_name: str, word: VariantWord) -> bool:
    return any(f" {' '.join(phrase)} " in folded_name for phrase in word.catalog)


def _guide_of(text: str) -> tuple[frozenset[str], ...] | None:
    """The readings the accent guide finds likely for each syllable of ``text``."""
    return likely_readings(text)


def _says(
    typed: list[str],
    phrase: tuple[str, ...],
    word: VariantWord,
    guide: tuple[frozenset[str], ...] | None = None,
    start: int = 0,
) -> bool:
    """Whether the syllables ``typed`` are ``word``'s citizen ``phrase``.

    Typed without accents, a one-syllable phrase matched folded is ambiguous ("mat" is
    "mất" but also "mặt" of "tiền mặt", "hong" is "hỏng" but also "hồng" of "sổ hồng"):
    with the readings the accent guide finds likely (``guide``, whose syllable ``start`` is
    ``typed[0]``), it is the phrase only when that is one of them or the guide does not
    know the syllable. Longer phrases ("đóng cửa", "lần đầu") are rarely misread folded,
    while the catalog's accents can be ("đóng cửa" is rare in it).
    """
    if phrase in word.accented:
        return tuple(s.lower() for s in typed) == phrase
    if not all(map(same_word, typed, phrase)):
        return False
    if len(phrase) == 1 and guide is not None and start < len(guide) and guide[start]:
        return phrase[0] in guide[start] or _fold_word(typed[0]) != typed[0]
    return True


def _in_question(
    spans: list[str], word: VariantWord, guide: tuple[frozenset[str], ...] | None = None
) -> bool:
    # The nationalities alone are some 450 phrases: only those whose first syllable the
    # question has are looked for.
    present = {_fold_word(span.lower()) for span in spans}
    for phrase in word.citizen:
        if _fold_word(phrase[0]) not in present:
            continue
        size = len(phrase)
        for start in range(len(spans) - size + 1):
            if _says(spans[start : start + size], phrase, word, guide, start):
                after = fold_accents(spans[start + size]) if start + size < len(spans) else ""
                if after in word.not_before:
                    continue
                if any(after in words for said, words in word.phrase_not_before if said == phrase):
                    continue
                return True
    return False


def _not_before(value: object) -> frozenset[str]:
    """The ``not_before`` syllables that follow any citizen phrase (a list in the table)."""
    if not isinstance(value, list):
        return frozenset()
    return frozenset(fold_accents(normalize(str(w))) for w in value)


def _phrase_not_before(value: object) -> tuple[tuple[tuple[str, ...], frozenset[str]], ...]:
    """The ``not_before`` syllables of single citizen phrases (a mapping in the table:
    ``{mở: [khoa, lai]}``)."""
    if not isinstance(value, dict):
        return ()
    return tuple(
        (phrase, frozenset(fold_accents(normalize(str(w))) for w in syllables_after))
        for said, syllables_after in value.items()
        for phrase in split_phrases(str(said))
    )


@lru_cache(maxsize=4)
def get_variant_words(path: Path = VARIANTS_FILE) -> VariantWords:
    """The variant words of ``path`` (``data/dialogue/variants.yml``), read once."""
    table = read_yaml_table(path, "bảng biến thể thủ tục")

    def words(section: str) -> tuple[VariantWord, ...]:
        rows = table.get(section) or {}
        if not isinstance(rows, dict) or not rows:
            raise InvalidInputError(f"{path}: thiếu mục '{section}'")
        built = []
        for key, row in rows.items():
            try:
                ages = row.get("ages")
                built.append(
                    VariantWord(
                        key=str(key),
                        label=str(row["label"]),
                        catalog=tuple(split_phrases(", ".join(row["catalog"]))),
                        citizen=(
                            *split_phrases(", ".join(row.get("citizen") or [])),
                            *_nationality_phrases(row.get("nationality")),
                        ),
                        not_before=_not_before(row.get("not_before")),
                        phrase_not_before=_phrase_not_before(row.get("not_before")),
                        accented=frozenset(split_phrases(", ".join(row.get("accented") or []))),
                        ages=(int(ages[0]), int(ages[1])) if ages else None,
                        default=bool(row.get("default", False)),
                        level=bool(row.get("level", False)),
                        ask_first=bool(row.get("ask_first", False)),
                        in_fit=bool(row.get("in_fit", False)),
                        must_match=bool(row.get("must_match", False)),
                        absent=" ".join(str(row.get("absent") or "").split()),
                        without=str(row.get("without") or ""),
                    )
                )
            except (KeyError, TypeError, ValueError, IndexError) as exc:
                raise InvalidInputError(f"{path}: mục '{section}.{key}' sai dạng: {exc}") from exc
        return tuple(built)

    bounds = table.get("age_bounds") or {}
    if not isinstance(bounds, dict):
        raise InvalidInputError(f"{path}: mục 'age_bounds' sai dạng")
    return VariantWords(
        actions=words("actions"),
        qualifiers=words("qualifiers"),
        levels=tuple(get_settings().deployment_levels),
        age_bounds=tuple(
            (
                str(kind),
                tuple(
                    tuple(fold_accents(w) for w in phrase)
                    for phrase in split_phrases(", ".join(map(str, phrases or [])))
                ),
            )
            for kind, phrases in bounds.items()
        ),
    )


def _nationality_phrases(value: object) -> list[tuple[str, ...]]:
    """A qualifier's phrases stating a nationality: each country after each cue ("người
    Nhật", "quốc tịch Mỹ", "vợ Hàn"), from its ``nationality`` cell (``cues``, ``countries``).
    """
    if not isinstance(value, dict):
        return []
    cues = split_phrases(", ".join(map(str, value.get("cues") or [])))
    countries = split_phrases(", ".join(map(str, value.get("countries") or [])))
    return [(*cue, *country) for cue in cues for country in countries]


def _hit_levels(hit: SearchHit) -> list[str]:
    return [level.strip() for level in hit.levels.split(",") if level.strip()]


def preference(text: str, hit: SearchHit, words: VariantWords | None = None) -> float:
    """How likely ``hit`` is the variant ``text`` means, from its action, qualifiers and level.

    Higher is likelier; only differences between variants of one question matter.
    """
    words = words or get_variant_words()
    return case_preference(text, hit, words) + level_preference(hit, words)


def level_preference(hit: SearchHit, words: VariantWords | None = None) -> float:
    """The deployment's levels before another's: +0.5 for a variant at one of them, -0.5 for
    one only at another level (a ministry's), 0 for a name with no level."""
    words = words or get_variant_words()
    levels = _hit_levels(hit)
    if words.levels and levels:
        # The deployment's levels alike (search order decides between them); a variant only
        # at another level, a ministry's, after them.
        return 0.5 if set(levels) & set(words.levels) else -0.5
    return 0.0


def case_preference(text: str, hit: SearchHit, words: VariantWords | None = None) -> float:
    """How likely ``hit`` is the case ``text`` means, from its action and qualifiers (its
    level aside)."""
    words = words or get_variant_words()
    asked, stated = _question_hints(words, text)
    actions = words.name_actions(hit.name)
    # A name of several clauses ("Đăng ký thành lập hợp tác xã …; đăng ký chuyển đổi tổ
    # hợp tác …") is about its first one: its action is the name's, the others' are extras.
    head = words.name_actions(_name_head(hit.name))
    actions |= head
    qualifiers = words.name_qualifiers(hit.name)
    score = 0.0
    if asked:
        score += 3.0 if actions & asked else -3.0
        score -= 0.5 * len(head - asked)  # "Cấp lại, đổi, điều chỉnh …" is less specific
        if "issue" in asked and words.names_first_issue(hit.name):
            score += 1.0  # "lần đầu": a name saying "Cấp …" over one that names no action
        if not actions & asked and actions == {"issue"}:
            # The asked action is in no name of this kind ("bán" of "hộ kinh doanh bán tạp
            # hóa" sells goods, it transfers nothing): the base procedure is likelier than
            # another action the citizen did not name ("Dừng thực hiện thủ tục …").
            score += 0.5
    elif actions == {"issue"}:
        score += 1.0  # no action named: the base procedure, not "cấp lại"/"cấp đổi"
    defaults = {w.key for w in words.qualifiers if w.default or w.level}
    for key in qualifiers:
        if key in stated:
            score += 2.0
        elif key not in defaults:
            score -= 1.5  # a special case the question did not state
    ages_stated = {w.key for w in words.qualifiers if w.ages} & stated
    if (
        ages_stated
        and not ages_stated & qualifiers
        and qualifiers & {w.key for w in words.qualifiers if w.ages}
    ):
        score -= 3.0  # an age stated that the variant excludes
    return score


def _name_head(name: str) -> str:
    """A name's first clause, before its list of cases: "Đăng ký biến động … trong các
    trường hợp chuyển đổi …, chuyển nhượng, thừa kế …" registers a change; the actions it
    lists are the cases it covers, not what it is."""
    head = name.split(";")[0]
    cases = re.search(r"\b(?:trong|đối với|đối với các)?\s*(?:các )?trường hợp\b", head, re.I)
    return head[: cases.start()] if cases and cases.start() > 0 else head


@lru_cache(maxsize=64)
def _hints(
    words: VariantWords, text: str, guide: tuple[frozenset[str], ...] | None
) -> tuple[frozenset[str], frozenset[str]]:
    return frozenset(words.question_actions(text)), frozenset(words.question_qualifiers(text))


def _question_hints(words: VariantWords, text: str) -> tuple[frozenset[str], frozenset[str]]:
    """The actions and qualifiers ``text`` states, computed once per question (and accent
    guide) rather than once per candidate ``preference`` weighs."""
    return _hints(words, text, _guide_of(text))


def variant_label(hit: SearchHit, chosen: SearchHit, words: VariantWords | None = None) -> str:
    """A short button title naming only what distinguishes ``hit`` from ``chosen``.

    Example: "Có yếu tố nước ngoài", "Cấp lại · Cấp tỉnh", never the 300-character name.
    """
    if not same_family(hit.name, chosen.name):
        return _short_label(_plain_name(hit.name))
    words = words or get_variant_words()
    parts: list[str] = []
    actions = words.name_actions(hit.name) - words.name_actions(chosen.name)
    parts += [words.label(key) for key in words.in_name_order(hit.name, actions)]
    qualifiers = words.name_qualifiers(hit.name) - words.name_qualifiers(chosen.name)
    level_keys = {"central", "province"}
    parts += [words.label(key) for key in sorted(qualifiers - level_keys)]
    # The usual case under an answer for a special one ("Thủ tục đăng ký kết hôn" under the
    # foreign marriage): named by what it lacks, not by its whole name.
    lacking = words.name_qualifiers(chosen.name) - words.name_qualifiers(hit.name)
    parts += [w.without for w in words.qualifiers if w.key in lacking and w.without]
    levels = [lvl for lvl in _hit_levels(hit) if lvl not in _hit_levels(chosen)]
    if qualifiers & level_keys and not levels:
        parts += [words.label(key) for key in sorted(qualifiers & level_keys)]
    if not parts and levels and _one_of_several(hit.name, chosen.name):
        # "Cấp thẻ bảo hiểm y tế" under a joint procedure that lists it with others ("Liên
        # thông … đăng ký khai sinh, …, cấp thẻ bảo hiểm y tế …"): its level alone would read
        # as the joint procedure at another level.
        parts = [_difference_label(hit, chosen)]
    parts += levels
    if not parts and _level_note(hit.name) != _level_note(chosen.name):
        parts = [_level_note(hit.name)]  # "… (thực hiện tại cấp huyện)" against "… cấp xã)"
    if not parts:
        parts = [_difference_label(hit, chosen)]
    return _short_label(" · ".join(dict.fromkeys(p for p in parts if p)))


def _one_of_several(name: str, other: str) -> bool:
    """Whether one of two names holds the other among much more of its own (a joint
    procedure listing the other with more): most of the longer one's syllables are not in
    the shorter.

    Example:
        >>> _one_of_several("Cấp thẻ bảo hiểm y tế (thực hiện tại cấp tỉnh)",
        ...     "Liên thông các thủ tục hành chính về đăng ký khai sinh, cấp Thẻ bảo hiểm y tế")
        True
        >>> _one_of_several("Cấp lại thẻ căn cước (thực hiện tại cấp tỉnh)", "Cấp lại thẻ căn cước")
        False
    """
    mine = {fold_accents(s.text) for s in syllables(_plain_name(name))}
    theirs = {fold_accents(s.text) for s in syllables(_plain_name(other))}
    shorter, longer = sorted((mine, theirs), key=len)
    return bool(longer) and len(shorter & longer) < FAMILY_SHARE * len(longer)


LEVEL_NOTE = re.compile(r"\s*\((?:thực hiện )?tại cấp[^)]*\)\s*$", re.IGNORECASE)


def same_family(name: str, other: str) -> bool:
    """Whether two catalog names are variants of one procedure: most syllables of the
    shorter one are in the longer ("Đăng ký kết hôn" and "… có yếu tố nước ngoài"), rather
    than two procedures that share a word or two ("Tạm ngừng kinh doanh …" and "Chuyển đổi
    công ty trách nhiệm hữu hạn …"). Only then does a label name just the difference.

    Example:
        >>> same_family("Thủ tục đăng ký kết hôn", "Thủ tục đăng ký kết hôn lưu động")
        True
        >>> same_family("Tạm ngừng kinh doanh", "Chuyển đổi công ty trách nhiệm hữu hạn")
        False
    """
    mine = {fold_accents(s.text) for s in syllables(_plain_name(name))}
    theirs = {fold_accents(s.text) for s in syllables(_plain_name(other))}
    if not mine or not theirs:
        return False
    if len(mine & theirs) < FAMILY_SHARE * min(len(mine), len(theirs)):
        return False
    # What the names are about, past their actions, reads alike in one run: "Cấp giấy phép
    # lái xe" is no variant of "Cấp Giấy phép đào tạo lái xe" (a driving school's permit),
    # though it shares all its syllables; "Trình báo mất hộ chiếu phổ thông" is one of "Cấp
    # hộ chiếu phổ thông".
    first, second = _name_object(name), _name_object(other)
    if not first or not second or min(len(first), len(second)) > SHORT_OBJECT:
        return True
    return _longest_run(first, second) >= FAMILY_SHARE * min(len(first), len(second))


@lru_cache(maxsize=4096)
def _name_object(name: str) -> tuple[str, ...]:
    """The folded syllables of a name past the actions it begins with ("cấp lại", "trình báo
    mất"): what it is about."""
    folded = tuple(fold_accents(s.text) for s in syllables(_plain_name(name)))
    phrases = sorted(
        (tuple(map(fold_accents, p)) for w in get_variant_words().actions for p in w.catalog),
        key=len,
        reverse=True,
    )
    start = 0
    while phrase := next((p for p in phrases if p and folded[start : start + len(p)] == p), None):
        start += len(phrase)
    return folded[start:]


def _longest_run(first: tuple[str, ...], second: tuple[str, ...]) -> int:
    """The length of the longest run of syllables ``first`` and ``second`` share."""
    best = 0
    previous = [0] * (len(second) + 1)
    for a in first:
        current = [0] * (len(second) + 1)
        for j, b in enumerate(second, 1):
            if a == b:
                current[j] = previous[j - 1] + 1
                best = max(best, current[j])
        previous = current
    return best


def _plain_name(name: str) -> str:
    """A catalog name without "Thủ tục" in front and its level note at the end."""
    plain = re.sub(r"^\s*thủ tục\s+", "", name.strip(), flags=re.IGNORECASE)
    return LEVEL_NOTE.sub("", plain).strip() or name


def _short_label(label: str, limit: int = MAX_LABEL_CHARS) -> str:
    """``label`` cut at a word to ``limit`` characters, capitalised."""
    if len(label) > limit:
        label = label[: limit - 1].rsplit(" ", 1)[0].rstrip(" ,;·(") + "…"
    return label[:1].upper() + label[1:]


def _level_note(name: str) -> str:
    """The level a name's closing note states ("… (thực hiện tại cấp huyện)" → "Cấp huyện")."""
    note = LEVEL_NOTE.search(name)
    if not note:
        return ""
    level = re.search(r"cấp[^)]*", note.group(), flags=re.IGNORECASE)
    return _short_label(level.group().strip()) if level else ""


def _difference_label(hit: SearchHit, chosen: SearchHit) -> str:
    """What tells ``hit`` from ``chosen`` when no action, qualifier or level does: its name
    when short ("Chấm dứt hoạt động hộ kinh doanh", not "Hộ"), else the words ``chosen``
    lacks."""
    plain = _plain_name(hit.name)
    base = _plain_name(chosen.name)
    rest = plain[len(base) :].strip(" ,;")
    if plain.lower().startswith(base.lower()) and plain[len(base) : len(base) + 1] == " " and rest:
        # The answered name and more ("Cấp giấy phép lái xe" + "quốc tế"): the more.
        return rest
    if len(plain) <= MAX_LABEL_CHARS:
        return plain
    # How the name goes on from where it parts from the answered one reads as a name
    # ("Đăng ký, … trường hợp chuyển nhượng dự án"); the scattered words it alone has do not
    # ("Đối trường hợp đầu tư có").
    return _name_after_common_start(hit.name, [chosen.name])


def _sibling_label(name: str, chosen: str, twins: list[str]) -> str:
    """What a variant's name adds to the answered one's (``chosen``), told apart from
    ``twins`` (variants that add alike) by where it parts from them, with no repeated head.

    Example:
        >>> _sibling_label("Cấp Phiếu theo yêu cầu của cơ quan nhà nước", "Cấp Phiếu cho công dân",
        ...                ["Cấp Phiếu theo yêu cầu của cơ quan tiến hành tố tụng"])
        'Theo yêu cầu … nhà nước'
    """
    rest = _words_after_common_start(name, [chosen])
    if not rest:
        return _difference_label_of(name, chosen)
    others = [_words_after_common_start(twin, [chosen]) for twin in twins]
    shared = 0
    while (
        others
        and shared < len(rest)
        and all(shared < len(o) and _bare(o[shared]) == _bare(rest[shared]) for o in others)
    ):
        shared += 1
    if shared and shared < len(rest):
        head = rest[: min(shared, SIBLING_HEAD_WORDS)]
        words = [*head, "…", *rest[shared:]] if shared > len(head) else rest
    else:
        words = rest
    label = " ".join(words)
    if len(label) > MAX_LABEL_CHARS:
        # A parenthesis ("(đối tượng là …)") qualifies; cut short, it is only a scrap.
        label = re.sub(r"\s*\([^)]*\)?", "", label).strip() or label
    return label[:1].upper() + label[1:]


def _words_after_common_start(name: str, names: list[str]) -> list[str]:
    """The words of ``name`` (plain) from where it parts from every one of ``names``."""
    mine = _plain_name(name).split()
    others = [_plain_name(other).split() for other in names if other != name]
    start = 0
    while (
        others
        and start < len(mine)
        and all(
            start < len(other) and _bare(other[start]) == _bare(mine[start]) for other in others
        )
    ):
        start += 1
    return mine[start:]


def _bare(word: str) -> str:
    """A word of a name without the punctuation it carries, lower case: "ký," of "Đăng ký,
    cấp …" is the "ký" of "Đăng ký biến động" (else a label begins "Ký, cấp …")."""
    return word.strip(",;.:()").lower()


def _difference_label_of(name: str, chosen: str) -> str:
    """The words of ``name`` that ``chosen`` lacks, or its level."""
    return _level_note(name) or _name_difference(_plain_name(name), chosen)


def _name_after_common_start(name: str, names: list[str]) -> str:
    """``name`` from the first syllable where it parts from ``names``, after "…".

    Example:
        >>> _name_after_common_start("Chuyển đổi công ty cổ phần", ["Chuyển đổi công ty X"])
        'Chuyển đổi … cổ phần'
    """
    mine = _plain_name(name).split()
    parted = _words_after_common_start(name, names)
    start = len(mine) - len(parted)
    rest = " ".join(parted)
    if not rest:
        # The same name at another level ("Trình báo mất hộ chiếu phổ thông (thực hiện tại
        # cấp huyện)" and "… cấp xã)"): the level alone tells them apart.
        return _level_note(name) or _plain_name(name)
    if not start:
        return _plain_name(name)
    head = " ".join(mine[: min(start, 2)])  # the action, so the label still reads as a name
    return f"{head} … {rest}"


def _name_difference(name: str, other: str) -> str:
    """The words of ``name`` that ``other`` lacks, in order ("lưu động")."""
    others = {fold_accents(s.text) for s in syllables(other)}
    extra = [s.text for s in syllables(name) if fold_accents(s.text) not in others]
    return " ".join(extra) or name


# --------------------------------------------------------------------------- replaced papers


@dataclass(frozen=True)
class ReplacedPaper:
    """A paper no longer issued or valid (sổ hộ khẩu giấy, CMND), what replaced it, the law."""

    key: str
    citizen: tuple[tuple[str, ...], ...]
    note: str
    source: str

    def notice(self) -> str:
        """The note with its legal source: "Lưu ý: … (Căn cứ: Luật Cư trú …)"."""
        return f"{self.note.strip()} (Căn cứ: {self.source})"


@lru_cache(maxsize=4)
def get_replaced_papers(path: Path = REPLACED_PAPERS_FILE) -> tuple[ReplacedPaper, ...]:
    """The replaced papers of ``path`` (``data/dialogue/replaced_papers.yml``), read once."""
    rows = read_yaml_table(path, "bảng giấy tờ đã thay thế").get("papers") or {}
    try:
        return tuple(
            ReplacedPaper(
                key=str(key),
                citizen=tuple(split_phrases(", ".join(row["citizen"]))),
                note=" ".join(str(row["note"]).split()),
                source=str(row["source"]),
            )
            for key, row in rows.items()
        )
    except (KeyError, TypeError, AttributeError) as exc:
        raise InvalidInputError(f"{path}: bảng giấy tờ đã thay thế sai dạng: {exc}") from exc


def replaced_paper_notice(text: str) -> str:
    """The notes on the replaced papers ``text`` names, or "".

    Example:
        >>> replaced_paper_notice("làm sổ hộ khẩu cần gì")[:40]
        'Lưu ý: sổ hộ khẩu giấy không còn được cấ'
        >>> replaced_paper_notice("đăng ký thường trú")
        ''
    """
    spans = [s.text for s in syllables(text)]
    notes = []
    for paper in get_replaced_papers():
        word = VariantWord(key=paper.key, label="", catalog=(), citizen=paper.citizen)
        if _in_question(spans, word):
            notes.append(paper.notice())
    return "\n".join(notes)


# --------------------------------------------------------------------------- resolving


def resolve(
    session: Session,
    text: str,
    *,
    chosen_code: str | None = None,
    current_code: str | None = None,
    candidates: tuple[str, ...] = (),
    strict: bool = False,
    confirm_weak: bool = False,
) -> Resolution:
    """Decide which procedure ``text`` is about.

    Args:
        session: a catalog session.
        text: the user's message as typed.
        chosen_code: a code carried by the message (a button's ``procedure_code`` entity).
        current_code: the procedure of the conversation so far (the slot), if any.
        candidates: the procedures of a menu or confirmation the bot showed last, most
            likely first: a follow-up typed past the menu ("thế cần giấy tờ gì") answers
            the first, so the topic is not lost.
        strict: only accept a strong match (for messages NLU did not take as a question
            about a procedure: out of scope, fallback); never fall back on the context.
        confirm_weak: with ``strict``, offer a weak match (a name that covers a fair share
            of the words) for confirmation, "Ý bạn là …?", instead of dropping it: the
            fallback's clarification of a question NLU was unsure of. Unlike a question NLU
            understood, a long message matching no name that well is not offered one.
    """
    if chosen_code:
        return Resolution("answer", chosen_code)
    index = get_index(session)  # read once a message: the word weights and the search share it
    # Typed without accents, the question's words are read as the catalog's accents guess.
    guide = None if has_diacritics(text or "") else _restorer(index)
    with weighing_words(catalog_word_weights(session, index)), guiding_accents(guide):
        resolution = _resolve(
            session,
            text or "",
            index=index,
            current_code=current_code,
            candidates=candidates,
            strict=strict,
            confirm_weak=confirm_weak,
        )
    if resolution.outcome in ("answer", "choose", "confirm") and not text.startswith("/"):
        notice = replaced_paper_notice(text)
        if notice:
            resolution = replace(resolution, notice=notice)
    return resolution


def named_outright(session: Session, text: str) -> str | None:
    """The code of the procedure ``text`` does nothing but name, else None.

    A message that is a procedure's name and nothing more ("mien giam tien dich vu moi truong
    rung", as an agent or a citizen types it) asks about it, whatever NLU took it for: every
    one of its procedure words is a word of the name ``resolve`` answers (compared without
    diacritics). A message that names a procedure and says more of it ("thủ tục khai sinh rườm
    rà quá") is not.
    """
    words = [fold_accents(word) for word in procedure_words(get_abbreviations().spell_out(text))]
    if not words:
        return None
    resolution = resolve(session, text, strict=True)
    if resolution.outcome != "answer" or resolution.code is None:
        return None
    names = {document.code: document.name for document in get_index(session).documents}
    name = names.get(resolution.code, "")
    said = set(fold_accents(normalize(get_abbreviations().spell_out(name))).split())
    return resolution.code if all(word in said for word in words) else None


def _restorer(index: ProcedureIndex) -> AccentRestorer | None:
    """The accent restorer of the catalog ``index`` (None without semantic search)."""
    semantic = index.semantic
    return semantic.restorer if semantic is not None else None


def _resolve(
    session: Session,
    text: str,
    *,
    index: ProcedureIndex | None = None,
    current_code: str | None,
    candidates: tuple[str, ...],
    strict: bool,
    confirm_weak: bool,
) -> Resolution:
    context = current_code or (candidates[0] if candidates else None)
    if text.startswith("/"):  # a payload without a code: a follow-up by button
        return _follow_up(context, strict)
    typed = PROCEDURE_CODE_IN_TEXT.search(text)
    if typed:
        return Resolution("answer", typed.group())
    max_chars = get_settings().max_question_chars
    if len(text) > max_chars:
        return Resolution("invalid", message=QUESTION_TOO_LONG.format(max_chars=max_chars))
    spelt = get_abbreviations().spell_out(text)
    words = procedure_words(spelt)
    if not words:
        return _follow_up(context, strict)
    try:
        query = " ".join(words) if len(words) <= LONG_QUESTION else spelt
        hits = search_procedures(session, query, limit=SEARCH_DEPTH, index=index)
    except InvalidInputError as exc:
        return Resolution("invalid", message=exc.message)
    if not hits:
        return _follow_up(context, strict) if context else Resolution("no_match")
    variant_free = get_variant_words().without_variant_words(words)
    unqualified = get_variant_words().without_variant_words(words, actions=False)
    _, stated = _question_hints(get_variant_words(), spelt)
    shares = [_share(words, variant_free, unqualified, hit, stated) for hit in hits]
    best = max(shares[:BEST_OF])
    named_topic = tuple(fold_accents(w) for w in words) in topic_words()
    if not best and not context and len(words) <= SHORT_FRAGMENT and not named_topic:
        # "cần ảnh cỡ nào?": a fragment, not a name. A listed topic word ("viện phí") names
        # a topic: the catalog's lack of it is said, not "which procedure?" asked.
        return Resolution("need_procedure")
    if best >= STRONG_COVERAGE:
        # Variants: hits that fit nearly as well as the best and score close to it (BM25
        # favours shorter names, so "… có yếu tố nước ngoài" scores lower though it fits).
        fitting = [
            (hit, share)
            for hit, share in zip(hits, shares, strict=True)
            if share >= max(STRONG_COVERAGE, best - VARIANT_COVERAGE_GAP)
        ]
        top_score = max(hit.score for hit, _ in fitting)
        variants = [hit for hit, _ in fitting if hit.score >= VARIANT_SCORE_RATIO * top_score]
        variants += _naming_asked_action(spelt, variants, hits, shares)
        fit = _quoted_fit(words, variants, dict(zip((h.code for h in hits), shares, strict=True)))
        resolution = choose_variant(spelt, variants, hits, fit=fit)
        resolution = _keep_search_first(
            resolution, hits, shares, long_question=len(words) > LONG_QUESTION
        )
        return with_related(resolution, hits)
    weak = best >= WEAK_COVERAGE
    if strict and not (confirm_weak and weak):
        # What the catalog holds on the question's topic word, for the fallback's "not found".
        return Resolution("no_match", hits=tuple(hits), related=_sharing_topic(words, hits))
    if context and (not weak or context in {h.code for h in hits[:5]}):
        return Resolution("answer", context)
    if weak or len(unqualified) > 6:
        # A long message (a story) is confirmed on a fainter match; its qualifiers do not
        # make it long ("giấy phép lao động cho người nước ngoài" is a name, not a story).
        # Confirm the likeliest of the hits that fit a fair share, by action and qualifiers.
        pool = [h for h, share in zip(hits, shares, strict=True) if share >= WEAK_COVERAGE]
        fit = {hit.code: share for hit, share in zip(hits, shares, strict=True)}
        ordered = rank_variants(spelt, pool or hits[:1], fit=fit)
        ordered += [h for h in hits if h not in ordered]
        offered = ordered[: MAX_BUTTONS - 1]
        if hits[0] not in offered:
            # The search's best stays among the buttons ("Hay: …"): in a long question the
            # action words that ranked the pool may be incidental to what is asked.
            offered = [offered[0], hits[0], *offered[1:]][: MAX_BUTTONS - 1]
        # One more candidate when it too fits a fair share of the words.
        offered += [h for h in ordered if h not in offered and h in pool]
        offered = offered[:CONFIRM_CANDIDATES]
        return Resolution("confirm", offered[0].code, hits=tuple(offered))
    return Resolution("no_match", hits=tuple(hits), related=_sharing_topic(words, hits))


def _sharing_topic(words: list[str], hits: list[SearchHit]) -> tuple[Alternative, ...]:
    """Under a "not found", the hits whose names carry the question's rarest word the catalog
    knows ("rượu" of "xin giấy phép bán rượu"), at most RELATED_MAX: what the catalog holds on
    that topic, for a citizen to check ("có thể liên quan"), never an answer."""
    weights = _word_weights.get()
    if weights is None:
        return ()
    folded = [fold_accents(w) for w in words]
    places = _place_positions(folded)
    known = [
        (weights.weight(word), word)
        for i, word in enumerate(folded)
        if i not in places and word in weights.idf and weights.weight(word) > weights.generic
    ]
    if not known:
        return ()
    _, topic = max(known)
    lexicon, abbreviations = get_lexicon(), get_abbreviations()
    sharing = [
        hit
        for hit in hits
        if any(fold_accents(w) == topic for w in _name_words(hit.name, lexicon, abbreviations)[0])
        and not _leaves_topic_word(words, hit)  # "hỗ trợ" is not the topic of "hỗ trợ viện phí"
    ]
    return tuple(
        Alternative(hit.code, _short_label(_plain_name(hit.name))) for hit in sharing[:RELATED_MAX]
    )


def _share(
    words: list[str],
    variant_free: list[str],
    unqualified: list[str],
    hit: SearchHit,
    stated: frozenset[str] = frozenset(),
) -> float:
    """How well ``hit``'s name fits a question: the better coverage of its words with and
    without the action and qualifier words; none when the name shares only its qualifiers.

    A name that has the qualifier the question states but nothing of what it asks for
    ("người nước ngoài" of "Thủ tục đăng ký kết hôn có yếu tố nước ngoài" for "xin giấy phép
    lao động cho người nước ngoài") is another procedure for the same people.

    A qualifier the question states (``stated``) in words of its own fits the name's wording
    of it: "vợ tôi là người Nhật … kết hôn" fits "… kết hôn có yếu tố nước ngoài" as well as
    "Thủ tục đăng ký kết hôn", and the variant choice decides. An age the question states
    that the name's excludes gets no credit for the name's age words ("căn cước cho con 16
    tuổi" is not the lexicon's "căn cước cho con", the card under 14).
    """
    if len(unqualified) >= 2 and len(unqualified) < len(words) and not coverage(unqualified, hit):
        return 0.0
    if _leaves_topic_word(words, hit):
        return 0.0
    share = max(coverage(words, hit), coverage(variant_free, hit))
    if not stated:
        return share
    variant_words = get_variant_words()
    carried = variant_words.name_qualifiers(hit.name)
    by_age = {w.key for w in variant_words.qualifiers if w.ages}
    fitting = {w.key for w in variant_words.qualifiers if w.key in carried & stated and not w.level}
    excluded = (carried & by_age) - stated if stated & by_age else set()
    if not fitting | excluded:
        return share
    bare = hit.copy(update={"name": _without_qualifiers(hit.name, fitting | excluded)})
    bare_share = max(coverage(unqualified, bare), coverage(variant_free, bare))
    return min(share, bare_share) if excluded else max(share, bare_share)


def _leaves_topic_word(words: list[str], hit: SearchHit) -> bool:
    """Whether the question ``words`` hold a listed topic word (``topic_words``: "viện phí",
    "học phí") that ``hit``'s name does not account for: the citizen named a topic and this
    procedure is about another, however many of the other words it shares ("xin hỗ trợ viện
    phí" is no "Hỗ trợ chi phí", the investment support whose name reads "hỗ trợ" once its
    aspect word "chi phí" is set aside)."""
    folded = [fold_accents(w) for w in words]
    topics = topic_words()
    at = {
        i
        for size in {len(topic) for topic in topics}
        for start in range(len(folded) - size + 1)
        if tuple(folded[start : start + size]) in topics
        for i in range(start, start + size)
    }
    return bool(at) and not at <= coverage_parts(words, hit)[2]


def _without_qualifiers(name: str, keys: Iterable[str]) -> str:
    """``name`` (its syllables, lower case) without the catalog words of the qualifiers
    ``keys``: "Thủ tục đăng ký kết hôn có yếu tố nước ngoài" → "thủ tục đăng ký kết hôn"."""
    phrases = sorted(
        (phrase for w in get_variant_words().qualifiers if w.key in keys for phrase in w.catalog),
        key=len,
        reverse=True,
    )
    folded = _folded_name(_plain_name(name))
    for phrase in phrases:
        folded = folded.replace(f" {' '.join(phrase)} ", " ")
    return folded.strip()


def _quoted_fit(
    words: list[str], variants: list[SearchHit], fit: dict[str, float]
) -> dict[str, float]:
    """``fit`` (code → share) with a name the question quotes in full fitted by its share of
    the question's words when another variant accounts for every word it does and much more:
    "làm khai sinh với thẻ bhyt cho bé" quotes "Thủ tục đăng ký khai sinh" and "Cấp thẻ bảo
    hiểm y tế", and the joint procedure ("Liên thông … đăng ký khai sinh, … cấp thẻ bảo hiểm
    y tế …") accounts for both: it wins where the variants are equally likely. A name that
    accounts for a word no fuller one does ("… nhập khẩu" of a long question listing other
    cases) keeps its fit."""
    parts = {hit.code: coverage_parts(words, hit) for hit in variants}

    def outdone(code: str) -> bool:
        own, _, covered = parts[code]
        return any(
            other[0] >= max(own + VARIANT_COVERAGE_GAP, STRONG_COVERAGE) and other[2] >= covered
            for key, other in parts.items()
            if key != code
        )

    return {
        code: parts[code][0] if code in parts and outdone(code) else share
        for code, share in fit.items()
    }


def _naming_asked_action(
    text: str, variants: list[SearchHit], hits: list[SearchHit], shares: list[float]
) -> list[SearchHit]:
    """Hits that name the action ``text`` asks for ("tạm ngừng kinh doanh") when no variant
    does: a fair match that carries the asked action competes with the best-covered names.

    Unless the search ranks it among its first, the hit must also name something the
    action is done to: "Trình báo mất giấy thông hành" shares only "mất giấy" with "mất giấy
    khai sinh xin bản sao", so it does not compete; "thay đổi, cải chính … hộ tịch", first
    for "sửa sai tên trong giấy khai sinh", does.
    """
    words = get_variant_words()
    asked, _ = _question_hints(words, text)
    if not asked or any(words.name_actions(hit.name) & asked for hit in variants):
        return []
    thing = words.without_variant_words(procedure_words(text))
    return [
        hit
        for rank, (hit, share) in enumerate(zip(hits, shares, strict=True))
        if share >= WEAK_COVERAGE
        and hit not in variants
        and words.name_actions(hit.name) & asked
        and (rank < BEST_OF or coverage(thing, hit) > 0)
    ]


def with_related(resolution: Resolution, hits: list[SearchHit]) -> Resolution:
    """``resolution`` with the other procedures the search ranked close to the answered one,
    as a clerk adds "có thể bạn cần: …": among the first RELATED_DEPTH other procedures the
    search ranked (``_other_procedures``: not variants of the answer), those not already
    offered, scoring at least RELATED_SCORE_RATIO of the search's best, at most
    RELATED_MAX."""
    if resolution.outcome != "answer" or not hits:
        return resolution
    chosen = next((h for h in hits if h.code == resolution.code), None)
    if chosen is None:
        return resolution
    shown = {resolution.code, *(alt.code for alt in resolution.alternatives)}
    related: list[SearchHit] = []
    for hit in _other_procedures(hits, chosen)[:RELATED_DEPTH]:
        if hit.code in shown or hit.score < RELATED_SCORE_RATIO * hits[0].score:
            continue
        shown.add(hit.code)
        related.append(hit)
    return replace(resolution, related=related_buttons(related[:RELATED_MAX]))


def related_buttons(related: Sequence[SearchHit]) -> tuple[Alternative, ...]:
    """``related`` as short buttons ("Thủ tục liên quan"): each its plain name, cut short;
    two names that begin alike are told apart by how each goes on."""
    names = [hit.name for hit in related]
    labels = [_short_label(_plain_name(hit.name)) for hit in related]
    return tuple(
        Alternative(
            hit.code,
            _short_label(_name_after_common_start(hit.name, names))
            if labels.count(label) > 1
            else label,
        )
        for hit, label in zip(related, labels, strict=True)
    )


def _other_procedures(hits: list[SearchHit], chosen: SearchHit) -> list[SearchHit]:
    """``hits`` that are other procedures than ``chosen``, not variants of it (its levels,
    its cases): the answer's variants ranked between them must not push the next distinct
    procedures out of reach ("Cấp thẻ bảo hiểm y tế" at two levels, "Cấp đổi …" at two,
    before "Đăng ký đóng, cấp thẻ BHYT …")."""
    return [
        hit for hit in hits if hit.code != chosen.code and not same_family(hit.name, chosen.name)
    ]


def _keep_search_first(
    resolution: Resolution, hits: list[SearchHit], shares: list[float], *, long_question: bool
) -> Resolution:
    """``resolution`` with the search's first hit (its first two for a long question) among
    the alternatives, when they cover a fair share of the words. A long question is a story
    around the procedure: its best-covered name may be one it merely quotes, and on the
    tuning FAQ rows keeping the second hit too offered the asked procedure more often
    (0.706/0.755 -> 0.734/0.762, as written/accentless; a third hit: 0.741/0.755)."""
    kept = hits[:KEPT_IN_LONG_QUESTION] if long_question else hits[:1]
    for hit, share in reversed(list(zip(kept, shares, strict=False))):
        if share >= WEAK_COVERAGE:
            resolution = _keep_search_best(resolution, hit)
    return _with_distinct_labels(resolution, hits)


def _with_distinct_labels(resolution: Resolution, hits: list[SearchHit]) -> Resolution:
    """``resolution`` with no two alternatives labelled alike: a label two of them share
    ("Cấp lần đầu" for both "Đăng ký thành lập …" and "Đăng ký cập nhật …") gives way to
    the words of each name that the answered one lacks."""
    labels = [alt.label for alt in resolution.alternatives]
    if len(set(labels)) == len(labels) or resolution.code is None:
        return resolution
    by_code = {hit.code: hit for hit in hits}
    chosen = by_code.get(resolution.code)
    alternatives = []
    for alt in resolution.alternatives:
        hit = by_code.get(alt.code)
        if labels.count(alt.label) > 1 and hit is not None and chosen is not None:
            if same_family(hit.name, chosen.name):
                # Variants of the answer: how each goes on where it parts from the answer,
                # and, when two go on alike ("Cấp Phiếu … theo yêu cầu của cơ quan nhà nước" /
                # "… tiến hành tố tụng"), where they part from each other.
                twins = [
                    by_code[other.code].name
                    for other in resolution.alternatives
                    if other.label == alt.label and other.code in by_code and other != alt
                ]
                label = _sibling_label(hit.name, chosen.name, twins)
            else:
                # Two other procedures whose names begin alike ("Chuyển đổi công ty trách
                # nhiệm hữu hạn …"): each is told by how its own name goes on.
                twins = [
                    by_code[other.code].name
                    for other in resolution.alternatives
                    if other.label == alt.label and other.code in by_code
                ]
                label = _name_after_common_start(hit.name, twins)
            if label == _level_note(hit.name):
                label = _label_with_level(hit, chosen, label)
            alt = Alternative(alt.code, _short_label(label))
        alternatives.append(alt)
    return replace(resolution, alternatives=tuple(alternatives))


def _label_with_level(hit: SearchHit, chosen: SearchHit, level: str) -> str:
    """The label of ``hit``, alike to another's but for its ``level`` ("Trình báo mất hộ chiếu
    phổ thông" at district and commune, under "Cấp hộ chiếu"): the actions ``chosen`` lacks
    and the level ("Trình báo mất · Cấp huyện"), or the name cut at a word, never mid-phrase
    with "…", to leave room for the level."""
    words = get_variant_words()
    actions = words.name_actions(hit.name) - words.name_actions(chosen.name)
    named = " · ".join(words.label(key) for key in words.in_name_order(hit.name, actions))
    if not named:
        room = MAX_LABEL_CHARS - len(level) - 3
        named = _plain_name(hit.name)
        while len(named) > room and " " in named:
            named = named.rsplit(" ", 1)[0].rstrip(" ,;(")
    return f"{named} · {level}"


def combined_procedure(
    parts: Sequence[str],
    hits: Iterable[SearchHit],
    apart: Sequence[SearchHit],
    weights: WordWeights | None,
) -> SearchHit | None:
    """The first of ``hits`` (the whole message's), none of ``apart`` (the parts' own
    answers, in the order of ``parts``), whose name covers every part at least
    COMBINED_COVERAGE and better than the other part's answer covers it: one procedure doing
    both ("khai sinh và thường trú cho con" → "Liên thông … đăng ký khai sinh, đăng ký thường
    trú, …"; "khai sinh và nhận cha" → "… khai sinh kết hợp đăng ký nhận cha, mẹ, con"), or
    None. A name holding only what both parts share ("hộ kinh doanh" of "chấm dứt hộ kinh
    doanh và đăng ký thành lập hộ kinh doanh") does not do both. ``weights``: the catalog's
    (``catalog_word_weights``)."""
    if len(parts) != 2 or len(apart) != 2:
        return None
    abbreviations, skip = get_abbreviations(), {hit.code for hit in apart}
    with weighing_words(weights):
        words = [procedure_words(abbreviations.spell_out(part)) for part in parts]
        if not all(words) or max(map(len, words)) > LONG_QUESTION:
            return None  # a part that tells a story names no procedure: its words fit many
        names = [[fold_accents(w) for w in procedure_words(hit.name)] for hit in apart]
        # What each answer's name says that the other's does not ("chấm dứt hoạt động",
        # "thành lập"; "khai sinh", "thường trú"): a name doing both says both.
        own = [
            [w for w in name if w not in other]
            for name, other in zip(names, names[::-1], strict=True)
        ]
        if not all(own):
            return None
        for hit in hits:
            if hit.code in skip:
                continue
            if all(coverage(part, hit) >= COMBINED_COVERAGE for part in [*words, *own]):
                return hit
    return None


def _keep_search_best(resolution: Resolution, best: SearchHit) -> Resolution:
    """``resolution`` with the search's best hit among the alternatives when another
    procedure was answered: a long question's best-covered name (a short one it quotes,
    "đăng ký khai sinh") is not always what the whole question is about."""
    if resolution.outcome != "answer" or resolution.code in (None, best.code):
        return resolution
    if any(alt.code == best.code for alt in resolution.alternatives):
        return resolution
    chosen = next((h for h in resolution.hits if h.code == resolution.code), None)
    if chosen is None:
        return resolution
    alternative = Alternative(best.code, variant_label(best, chosen))
    alternatives = (alternative, *resolution.alternatives)[: MAX_BUTTONS - 1]
    return replace(resolution, alternatives=alternatives)


def rank_variants(
    text: str, variants: list[SearchHit], *, fit: dict[str, float] | None = None
) -> list[SearchHit]:
    """``variants`` from likeliest to least likely for ``text`` (``likelihoods``); between
    equally likely ones, the name that fits the question better (``fit``: code → coverage,
    to a tenth), then the search order."""
    fit = fit or {}
    likely = likelihoods(text, variants)
    ranked = sorted(
        enumerate(variants),
        key=lambda pair: (
            tuple(-part for part in likely[pair[0]]),
            -round(fit.get(pair[1].code, 0.0), FIT_DIGITS),
            pair[0],
        ),
    )
    return [hit for _, hit in ranked]


def likelihoods(text: str, variants: list[SearchHit]) -> list[tuple[float, float]]:
    """How likely each of ``variants`` is what ``text`` means: the case it is (action,
    qualifiers), then its level, the deployment's first.

    A name that breaks more of the question's word pairs than another (``kept_pairs``, on
    the words past actions and qualifiers) gains nothing over it by its level: "cấp giấy phép
    lái xe" is "Cấp giấy phép lái xe" (a ministry's) rather than "Cấp Giấy phép đào tạo lái
    xe …" (a province's), whose name breaks "giấy phép lái xe"; the two then go by their fit
    and the search order. Variants of one name at two levels keep the same pairs, and the
    deployment's level goes first.
    """
    words = get_variant_words()
    thing = words.without_variant_words(procedure_words(text))
    kept = [kept_pairs(thing, hit) for hit in variants]
    levels = [level_preference(hit, words) for hit in variants]
    most = max(kept, default=0)
    keeping = min(
        (lvl for lvl, pairs in zip(levels, kept, strict=True) if pairs == most), default=0.0
    )
    return [
        (case_preference(text, hit, words), level if pairs == most else min(level, keeping))
        for hit, level, pairs in zip(variants, levels, kept, strict=True)
    ]


def kept_pairs(words: list[str], hit: SearchHit) -> int:
    """How many adjacent pairs of ``words`` (a question's) ``hit``'s name has side by side.

    Example:
        >>> hit = SearchHit(code="1.001777", name="Cấp Giấy phép đào tạo lái xe", score=1.0)
        >>> kept_pairs(["cấp", "giấy", "phép", "lái", "xe"], hit)
        3
    """
    name, _ = _name_words(hit.name, get_lexicon(), get_abbreviations(), _topic_pairs.get())
    pairs = set(zip(name, name[1:], strict=False))
    return sum(
        any(same_word(a, x) and same_word(b, y) for x, y in pairs)
        for a, b in zip(words, words[1:], strict=False)
    )


def breaks_pairs(words: list[str], hit: SearchHit) -> bool:
    """Whether ``hit``'s name holds apart two adjacent syllables of a catalog wording the
    question ``words`` say (``catalog_terms``: "giấy phép lái xe"), action and qualifier words
    of both set aside: another thing named with the same words ("Cấp lại Giấy phép đào tạo
    lái xe ô tô …" holds "phép" and "lái" apart), not a case of what was asked ("Đăng ký lại
    kết hôn" is one of "đăng ký kết hôn": "lại" is an action word). A citizen's own wording
    counts for nothing here: its order is not the catalog's ("chứng thực bản sao" is "bản sao
    có chứng thực" too).

    Example:
        >>> asked = ["giấy", "phép", "lái", "xe", "bị", "mất"]
        >>> school = "Cấp lại Giấy phép đào tạo lái xe ô tô"
        >>> breaks_pairs(asked, SearchHit(code="1.005210", name=school, score=1.0))
        True
        >>> licence = "Cấp lại giấy phép lái xe"
        >>> breaks_pairs(asked, SearchHit(code="3.000348", name=licence, score=1.0))
        False
    """
    variant_words = get_variant_words()
    asked = [_fold_word(w) for w in variant_words.without_variant_words(words)]
    terms = catalog_terms(get_lexicon())
    sizes = {len(term) for term in terms}
    pairs = {
        pair
        for size in sizes
        for start in range(len(asked) - size + 1)
        if tuple(asked[start : start + size]) in terms
        for pair in zip(
            asked[start : start + size - 1], asked[start + 1 : start + size], strict=True
        )
    }
    if not pairs:
        return False
    name_words, _ = _name_words(hit.name, get_lexicon(), get_abbreviations(), _topic_pairs.get())
    name = [_fold_word(w) for w in variant_words.without_variant_words(list(name_words))]
    adjacent = set(zip(name, name[1:], strict=False))
    return any(a in name and b in name and (a, b) not in adjacent for a, b in pairs if a != b)


def choose_variant(
    text: str,
    variants: list[SearchHit],
    hits: list[SearchHit] | None = None,
    *,
    fit: dict[str, float] | None = None,
) -> Resolution:
    """Answer the likeliest of ``variants`` for ``text``, the others under it as alternatives.

    A menu ("choose") only when two candidates are equally likely, differ in their action,
    and the question gives no hint. ``hits`` are all the search hits (kept for the caller).
    """
    hits = hits or variants
    words = get_variant_words()
    order = rank_variants(text, variants, fit=fit)
    top = order[0]
    if _asks_first(text, top, words) or _unmet_action(text, order, words):
        # The likeliest is a case the citizen rarely means without naming it, and they did
        # not: confirmed, with the other candidates, rather than answered as if asked.
        others = [hit for hit in hits if hit not in order]
        return Resolution("confirm", top.code, hits=tuple([*order, *others][:CONFIRM_CANDIDATES]))
    if len(variants) == 1:
        return Resolution("answer", variants[0].code, hits=tuple(hits))
    scores = likelihoods(text, order)
    hinted = bool(words.question_actions(text) or words.question_qualifiers(text))
    # Two candidates equally likely, with different actions and no hint in the question:
    # "giấy phép lái xe" (cấp? đổi? cấp lại?) is asked back rather than guessed.
    if (
        not hinted
        and scores[0] == scores[1]
        and words.name_actions(top.name) != words.name_actions(order[1].name)
    ):
        return Resolution("choose", hits=tuple(order[:MAX_BUTTONS]))
    # The likeliest is a special case the question did not state ("… trực tuyến toàn trình",
    # "… xe nhập khẩu") while another candidate is not: the usual case was not found among
    # the variants of the asked action, so which case the citizen is in is a guess.
    if _unstated_special_case(text, top, order[1:], words):
        return Resolution("choose", hits=tuple(order[:MAX_BUTTONS]))
    # Another thing named with the same words is no other case of the answer.
    asked = procedure_words(text)
    cases = [hit for hit in order[1:] if breaks_pairs(asked, top) or not breaks_pairs(asked, hit)]
    alternatives = tuple(
        Alternative(hit.code, variant_label(hit, top, words)) for hit in cases[: MAX_BUTTONS - 1]
    )
    resolution = Resolution("answer", top.code, hits=tuple(order), alternatives=alternatives)
    return _with_distinct_labels(resolution, order)


def _asks_first(text: str, hit: SearchHit, words: VariantWords) -> bool:
    """Whether ``hit`` carries an ``ask_first`` action or qualifier that ``text`` does not
    name ("Ủy quyền lĩnh thay …" for "xin trợ cấp thất nghiệp")."""
    asked, stated = _question_hints(words, text)
    head = words.name_actions(hit.name.split(";")[0])
    return any(w.ask_first and w.key not in asked for w in words.actions if w.key in head) or any(
        w.ask_first and w.key not in stated
        for w in words.qualifiers
        if w.key in words.name_qualifiers(hit.name)
    )


def _unmet_action(text: str, variants: list[SearchHit], words: VariantWords) -> bool:
    """Whether ``text`` asks for a ``must_match`` action that none of ``variants`` carries."""
    asked, _ = _question_hints(words, text)
    needed = {w.key for w in words.actions if w.must_match} & asked
    return bool(needed) and not any(needed & words.name_actions(hit.name) for hit in variants)


def _unstated_special_case(
    text: str, top: SearchHit, others: list[SearchHit], words: VariantWords
) -> bool:
    """Whether ``top`` carries a special case ``text`` does not state that some of
    ``others`` lack (the qualifiers of the usual case and levels are no special case)."""
    usual = {w.key for w in words.qualifiers if w.default or w.level}
    special = words.name_qualifiers(top.name) - words.question_qualifiers(text) - usual
    return bool(special) and any(not words.name_qualifiers(h.name) & special for h in others)


def _follow_up(current_code: str | None, strict: bool) -> Resolution:
    if current_code and not strict:
        return Resolution("answer", current_code)
    return Resolution("need_procedure")
