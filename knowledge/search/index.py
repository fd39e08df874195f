"""Ranked procedure search: BM25 over names, fields and bodies, accent-folded and lexicon-expanded.

Each part of a procedure has its own bm25s index over folded syllable unigrams and bigrams
(``knowledge.search.terms``), so "dang ky ket hon" and "đăng ký kết hôn" score the same.
A question's score for a procedure is the weighted sum of the three BM25 scores and of the
catalog wordings the lexicon adds (scored against names only, where those wordings come
from), times a document prior that favours procedures with fuller records (BM25 brings long
bodies down more than their relevance warrants); plus a bonus for how much of the
procedure's name the question covers. Procedures served at the preferred levels (those the
question names, else the deployment's) get a multiplicative bonus; abolished ones a penalty.
The action a question names ("cấp lại", "thay đổi", "giải thể") favours the procedures whose
names carry it; a question naming none favours the base procedures, whose names carry no
action but a first issue ("Đăng ký thành lập …" before "Đăng ký thay đổi …"), as a clerk
answers the usual case first. The action words are ``data/dialogue/variants.yml``, the table
the dialogue chooses variants with.

With sentence embeddings (``knowledge.search.embeddings``), the cosine between the question
and each procedure's passage adds a share of the best lexical score: the procedures nearest
in meaning gain up to ``Weights.dense`` (``dense_accentless`` for a question typed without
diacritics, which are put back first for the encoder) times that best score. The fused
score keeps the lexical scale, so ratios between hits mean what they meant before.
"""

from __future__ import annotations

import logging
import re
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Protocol

import numpy as np
import numpy.typing as npt

from knowledge.enums import ProcedureStatus
from knowledge.schemas import SearchHit
from knowledge.search.accents import likely_readings
from knowledge.search.documents import SearchDocument
from knowledge.search.terms import folded_syllables, terms
from knowledge.text import Lexicon, get_lexicon, has_diacritics

if TYPE_CHECKING:
    import bm25s
    from sklearn.feature_extraction.text import TfidfVectorizer

    from knowledge.search.semantic import SemanticScorer

logger = logging.getLogger(__name__)

Scores = npt.NDArray[np.float32]  # one score per document of the index

# How a question names an administrative level, on folded text. Not "trợ cấp xã hội"
# (a social allowance), "cấp bổ sung" (issue more) nor a bare "trung ương", which mostly
# comes in "thành phố trực thuộc trung ương", a province.
LEVEL_PATTERNS = {
    "Cấp tỉnh": re.compile(r"\bcap tinh\b"),
    "Cấp xã": re.compile(r"\bcap (?:xa|phuong)\b(?! hoi)"),
    "Cấp bộ": re.compile(r"\bcap (?:bo|trung uong)\b(?! sung)"),
}
PARTS = ("name", "field", "body")
QUESTION_CACHE = 1024  # recent questions whose named actions are kept


@dataclass(frozen=True)
class Weights:
    """How much each signal counts; tuned on the even rows of ``bench.search_eval``."""

    name: float = 1.0
    field: float = 0.6
    body: float = 1.5
    expansion: float = 1.0  # lexicon wordings (scored against names only)
    coverage: float = 0.3  # share of a name the question covers, times the best BM25 score
    body_length: float = 1.5  # exponent of the prior: log body length / the catalog's median
    abolished: float = 0.5  # factor on the score of an abolished procedure
    dense: float = 0.3  # semantic share, times the best lexical score, for accented questions
    # The same for questions typed without diacritics (put back first for the encoder). On the
    # even FAQ rows, the full weight (0.3) ranks a little better in search alone (hit@5 0.867
    # against 0.853) but answers fewer of them end to end through the bot (0.762 against 0.783):
    # the bot's answer is what the citizen sees, and the accentless search gap stays under 0.03.
    dense_accentless: float = 0.2
    dense_depth: int = 1000  # cosines at or below the k-th best count 0; the best counts 1
    dense_power: float = 3.0  # exponent on that 0..1 share (favours the very nearest)
    # Bonus, as a fraction of the score, for the procedures whose names carry the action the
    # question names, or no action but a first issue when it names none. Even FAQ rows,
    # hit@5 accented / accentless: 0.881 / 0.853 without, 0.902 / 0.895 at 0.2 (flat from
    # 0.15 to 0.3); most gains are questions about a family ("đăng ký doanh nghiệp") whose
    # base procedure ("Đăng ký thành lập …") lost to "Hiệu đính …", "Dừng thực hiện …".
    action: float = 0.2


class ActionWords(Protocol):
    """Which actions a question names and which a procedure's name carries (keys such as
    "issue", "reissue"); ``knowledge.search.resolve.VariantWords`` is the project's."""

    def question_actions(self, text: str) -> set[str]:
        """The actions ``text`` names; empty when none."""
        ...

    def name_actions(self, name: str) -> set[str]:
        """The actions a procedure's name carries; {"issue"} when no other."""
        ...


DEFAULT_WEIGHTS = Weights()


class NameCoverage:
    """For a query, the idf-weighted share of each name's terms that the query contains."""

    def __init__(self, names: Sequence[str]) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer  # heavy: on first build

        self._vectorizer: TfidfVectorizer = TfidfVectorizer(
            analyzer=terms, binary=True, norm=None, dtype=np.float32
        )
        self._matrix = self._vectorizer.fit_transform(names).tocsr()
        self._totals = np.maximum(np.asarray(self._matrix.sum(axis=1)).ravel(), 1e-9)

    def __call__(self, query_terms: Sequence[str]) -> Scores:
        """Coverage of every name in 0..1 (1 = every term of the name is in the query)."""
        vocabulary = self._vectorizer.vocabulary_
        present = np.zeros(len(vocabulary), dtype=np.float32)
        present[[vocabulary[t] for t in set(query_terms) if t in vocabulary]] = 1.0
        return np.asarray(self._matrix @ present).ravel() / self._totals


class ProcedureIndex:
    """An in-memory ranked index of the catalog; build once, search many times."""

    def __init__(
        self,
        documents: Sequence[SearchDocument],
        retrievers: dict[str, bm25s.BM25],
        coverage: NameCoverage | None,
        *,
        preferred_levels: Sequence[str],
        level_preference: float,
        weights: Weights,
        lexicon: Lexicon | None,
        semantic: SemanticScorer | None = None,
        action_words: ActionWords | None = None,
    ) -> None:
        self.documents = list(documents)
        self.semantic = semantic
        self.preferred_levels = tuple(preferred_levels)
        self.level_preference = level_preference
        self.weights = weights
        self._retrievers = retrievers
        self._coverage = coverage
        self._lexicon = lexicon
        self._level_masks: dict[str, npt.NDArray[np.bool_]] = {}
        for position, document in enumerate(self.documents):
            for level in document.levels:
                mask = self._level_masks.setdefault(level, np.zeros(len(documents), dtype=bool))
                mask[position] = True
        self._status_factor = np.array(
            [
                weights.abolished if d.status == ProcedureStatus.abolished else 1.0
                for d in self.documents
            ],
            dtype=np.float32,
        )
        self._length_prior = _length_prior(self.documents, weights.body_length)
        # A turn may search the same question twice (resolution, then the aspect's answer).
        # The accent guide's reading is in the key: an accentless question's action words
        # are read with it inside a resolution (``knowledge.search.accents``).
        self._asked_actions = (
            lru_cache(maxsize=QUESTION_CACHE)(
                lambda question, _guide: action_words.question_actions(question)
            )
            if action_words is not None
            else None
        )
        # Per action, which procedures' names carry it; "issue" alone marks the base ones.
        self._action_masks: dict[str, npt.NDArray[np.bool_]] = {}
        self._base = np.zeros(len(self.documents), dtype=np.float32)
        if action_words is not None and weights.action:
            by_name: dict[str, set[str]] = {}  # many procedures share a name (one per level)
            for position, document in enumerate(self.documents):
                carried = by_name.get(document.name)
                if carried is None:
                    carried = by_name[document.name] = action_words.name_actions(document.name)
                self._base[position] = carried == {"issue"}
                for key in carried:
                    mask = self._action_masks.setdefault(
                        key, np.zeros(len(self.documents), dtype=bool)
                    )
                    mask[position] = True

    @classmethod
    def build(
        cls,
        documents: Sequence[SearchDocument],
        *,
        preferred_levels: Sequence[str] = (),
        level_preference: float = 0.15,
        weights: Weights = DEFAULT_WEIGHTS,
        lexicon: Lexicon | None = None,
        semantic: SemanticScorer | None = None,
        action_words: ActionWords | None = None,
    ) -> ProcedureIndex:
        """Index ``documents``.

        Args:
            documents: the procedures to search.
            preferred_levels: levels favoured when a question names none (``Cấp tỉnh``…).
            level_preference: the bonus for them, as a fraction of the score (0.15 = +15 %).
            weights: how much names, fields, bodies and the other signals count.
            lexicon: citizen-word lexicon; the project's (``get_lexicon()``) when None.
            semantic: the documents' sentence vectors and encoder; lexical search only
                when None (``knowledge.search.semantic.SemanticScorer.build``).
            action_words: the action words; the project's variant words when None.
        """
        import bm25s  # heavy (pulls in jax when installed): imported on first build

        # bm25s sets its own logger to DEBUG on import, which would flood the app's logs.
        logging.getLogger("bm25s").setLevel(logging.WARNING)
        started = time.perf_counter()
        if not documents:
            return cls(
                [],
                {},
                None,
                preferred_levels=preferred_levels,
                level_preference=level_preference,
                weights=weights,
                lexicon=lexicon,
                semantic=semantic,
            )
        if action_words is None and weights.action:
            action_words = _project_action_words()
        texts = {
            "name": [d.name for d in documents],
            "field": [d.field for d in documents],
            "body": [d.body for d in documents],
        }
        retrievers = {}
        for part in PARTS:
            retriever = bm25s.BM25()
            # A part without any term (no procedure has a field) makes bm25s divide 0 by a
            # 0 average length on an empty array: harmless, but numpy warns.
            with np.errstate(invalid="ignore", divide="ignore"):
                retriever.index(_term_ids(texts[part]), show_progress=False)
            retrievers[part] = retriever
        try:
            coverage: NameCoverage | None = NameCoverage(texts["name"])
        except ValueError:  # not one name has a term ("Thủ tục" only): nothing to cover
            coverage = None
        index = cls(
            documents,
            retrievers,
            coverage,
            preferred_levels=preferred_levels,
            level_preference=level_preference,
            weights=weights,
            lexicon=lexicon,
            semantic=semantic,
            action_words=action_words,
        )
        logger.info(
            "indexed %d procedures in %.2f s", len(documents), time.perf_counter() - started
        )
        return index

    def search(self, question: str, limit: int = 5) -> list[SearchHit]:
        """The ``limit`` best procedures for ``question``, best first; [] when nothing matches."""
        if not self.documents or limit < 1:
            return []
        scores = self.scores(question)
        count = min(limit, len(scores))
        top = np.argpartition(-scores, count - 1)[:count]
        top = top[np.lexsort((top, -scores[top]))]
        return [self._hit(int(i), float(scores[i])) for i in top if scores[i] > 0]

    def scores(self, question: str) -> Scores:
        """The score of every indexed procedure for ``question`` (0 = no match)."""
        w = self.weights
        own = list(dict.fromkeys(terms(question)))
        added = self._expansion(question)
        total = w.name * self._bm25("name", own)
        total += w.field * self._bm25("field", own) + w.body * self._bm25("body", own)
        if added:
            total += w.expansion * self._bm25("name", added)
        total *= self._length_prior
        best = float(total.max())
        if best > 0 and self._coverage is not None:
            total += w.coverage * best * self._coverage(own + added)
        total *= self._level_factor(question) * self._action_factor(question)
        best = float(total.max())
        if best > 0 and self.semantic is not None:
            accented = has_diacritics(question)
            weight = w.dense if accented else w.dense_accentless
            if weight:
                share = dense_share(self.semantic.cosines(question), w.dense_depth, w.dense_power)
                total += weight * best * share
        return total * self._status_factor

    def _expansion(self, question: str) -> list[str]:
        """The catalog wordings the lexicon gives for the question's citizen words, as terms."""
        lexicon = self._lexicon if self._lexicon is not None else get_lexicon()
        wordings = dict.fromkeys(
            wording for _, entry in lexicon.matches(question) for wording in entry.catalog
        )
        return [term for wording in wordings for term in terms(wording)]

    def named_levels(self, question: str) -> tuple[str, ...]:
        """The levels ``question`` names ("nộp ở cấp xã" → ("Cấp xã",))."""
        folded = " ".join(folded_syllables(question))
        return tuple(level for level, pattern in LEVEL_PATTERNS.items() if pattern.search(folded))

    def _bm25(self, part: str, query: list[str]) -> Scores:
        """BM25 score of every document's ``part`` for ``query``.

        Sums bm25s's precomputed per-term scores with one ``np.bincount`` instead of its
        ``get_scores``, whose ``np.add.at`` loop took two thirds of a search's time.
        """
        retriever = self._retrievers[part]
        matrix = retriever.scores
        ids = retriever.get_tokens_ids(query)
        if not ids:
            return np.zeros(len(self.documents), dtype=np.float32)
        indptr = matrix["indptr"]
        postings = np.concatenate([np.arange(indptr[i], indptr[i + 1]) for i in ids])
        return np.bincount(
            matrix["indices"][postings],
            weights=matrix["data"][postings],
            minlength=len(self.documents),
        ).astype(np.float32)

    def _level_factor(self, question: str) -> Scores | float:
        levels = self.named_levels(question) or self.preferred_levels
        masks = [self._level_masks[level] for level in levels if level in self._level_masks]
        if not masks or not self.level_preference:
            return 1.0
        return 1.0 + self.level_preference * np.logical_or.reduce(masks).astype(np.float32)

    def _action_factor(self, question: str) -> Scores | float:
        """1 + ``Weights.action`` for the procedures whose names carry the actions the
        question names, or for the base procedures when it names none; 1 for the others."""
        if self._asked_actions is None or not self.weights.action:
            return 1.0
        asked = self._asked_actions(question, likely_readings(question))
        if not asked:
            return 1.0 + self.weights.action * self._base
        masks = [self._action_masks[key] for key in asked if key in self._action_masks]
        if not masks:
            return 1.0
        return 1.0 + self.weights.action * np.logical_or.reduce(masks).astype(np.float32)

    def _hit(self, position: int, score: float) -> SearchHit:
        document = self.documents[position]
        return SearchHit(
            code=document.code,
            name=document.name,
            score=round(score, 4),
            levels=", ".join(document.levels),
            status=document.status,
        )


def dense_share(cosines: Scores, depth: int, power: float) -> Scores:
    """Each cosine as a 0..1 share: 1 for the nearest procedure, 0 at or below the ``depth``-th.

    e5's cosines crowd into a narrow band (0.75–0.90 for any Vietnamese text), so only their
    order near the top carries meaning; ``power`` > 1 favours the very nearest.
    """
    if len(cosines) <= depth:
        floor = float(cosines.min())
    else:
        floor = float(np.partition(cosines, len(cosines) - depth - 1)[len(cosines) - depth - 1])
    top = float(cosines.max())
    share = np.clip((cosines - floor) / max(top - floor, 1e-6), 0.0, 1.0)
    return (share**power).astype(np.float32)


def _project_action_words() -> ActionWords:
    """The project's action words (``data/dialogue/variants.yml``), read once."""
    # Imported here: the dialogue's module imports the search service, which imports this one.
    from knowledge.search.resolve import get_variant_words

    return get_variant_words()


def _length_prior(documents: Sequence[SearchDocument], exponent: float) -> Scores:
    """Each document's prior: (log body length / the catalog's median of it) ** ``exponent``.

    Tuned on the even rows of ``bench.search_eval``: of two procedures that match alike, the
    one with the fuller record is more often the one asked about. A procedure published with
    a name only (an index sheet row) gets the neutral 1: its length says nothing about it.
    """
    lengths = np.log1p(np.array([len(d.body) for d in documents], dtype=np.float32))
    described = lengths > 0
    if not exponent or not described.any():
        return np.ones(len(documents), dtype=np.float32)
    ratio = np.where(described, lengths / np.median(lengths[described]), 1.0)
    return (np.maximum(ratio, 0.5) ** exponent).astype(np.float32)


def _term_ids(texts: Sequence[str]) -> tuple[list[list[int]], dict[str, int]]:
    """Each text's terms as ids, and the vocabulary: the ``(ids, vocab)`` input of bm25s.

    Ids rather than term lists drop each text's strings as soon as they are numbered, which
    keeps the build of a large catalog within memory; numbering through a defaultdict whose
    factory is its own ``__len__`` (a new term gets the next id) is the fastest way found.
    """
    # bm25s's empty token, present up front so that a part with no terms at all is valid.
    vocabulary: defaultdict[str, int] = defaultdict(None, {"": 0})
    vocabulary.default_factory = vocabulary.__len__
    ids = [list(map(vocabulary.__getitem__, terms(text))) for text in texts]
    return ids, dict(vocabulary)
