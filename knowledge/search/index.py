"""Ranked procedure search: BM25 over names, fields and bodies, accent-folded and lexicon-expanded.

Each part of a procedure has its own bm25s index over folded syllable unigrams and bigrams
(``knowledge.search.terms``), so "dang ky ket hon" and "đăng ký kết hôn" score the same.
A question's score for a procedure is the weighted sum of the three BM25 scores, the
catalog wordings the lexicon adds counting at a lower weight than the citizen's own words.
Procedures served at the preferred levels (those the question names, else the deployment's)
get a multiplicative bonus; abolished ones a penalty.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from knowledge.schemas import SearchHit
from knowledge.search.documents import SearchDocument
from knowledge.search.terms import folded_syllables, terms
from knowledge.text import Lexicon, get_lexicon

if TYPE_CHECKING:
    import bm25s

logger = logging.getLogger(__name__)

# Folded phrases by which a question names an administrative level.
LEVEL_PHRASES = {
    "cap tinh": "Cấp tỉnh",
    "cap xa": "Cấp xã",
    "cap phuong": "Cấp xã",
    "cap bo": "Cấp bộ",
    "trung uong": "Cấp bộ",
}
ABOLISHED = "abolished"


@dataclass(frozen=True)
class Weights:
    """How much each part of a procedure, and each source of query terms, counts."""

    name: float = 1.0
    field: float = 0.3
    body: float = 0.1
    expansion: float = 0.5  # lexicon wordings, relative to the question's own words
    abolished: float = 0.5  # factor on the score of an abolished procedure


DEFAULT_WEIGHTS = Weights()


class ProcedureIndex:
    """An in-memory ranked index of the catalog; build once, search many times."""

    def __init__(
        self,
        documents: Sequence[SearchDocument],
        retrievers: dict[str, bm25s.BM25],
        *,
        preferred_levels: Sequence[str],
        level_preference: float,
        weights: Weights,
        lexicon: Lexicon | None,
    ) -> None:
        self.documents = list(documents)
        self.preferred_levels = tuple(preferred_levels)
        self.level_preference = level_preference
        self.weights = weights
        self._retrievers = retrievers
        self._lexicon = lexicon
        self._level_masks: dict[str, np.ndarray] = {}
        for position, document in enumerate(self.documents):
            for level in document.levels:
                mask = self._level_masks.setdefault(level, np.zeros(len(documents), dtype=bool))
                mask[position] = True
        self._status_factor = np.array(
            [weights.abolished if d.status == ABOLISHED else 1.0 for d in self.documents],
            dtype=np.float32,
        )

    @classmethod
    def build(
        cls,
        documents: Sequence[SearchDocument],
        *,
        preferred_levels: Sequence[str] = (),
        level_preference: float = 0.15,
        weights: Weights = DEFAULT_WEIGHTS,
        lexicon: Lexicon | None = None,
    ) -> ProcedureIndex:
        """Index ``documents``.

        Args:
            documents: the procedures to search.
            preferred_levels: levels favoured when a question names none (``Cấp tỉnh``…).
            level_preference: the bonus for them, as a fraction of the score (0.15 = +15 %).
            weights: weights of names, fields, bodies, lexicon terms and abolished procedures.
            lexicon: citizen-word lexicon; the project's (``get_lexicon()``) when None.
        """
        import bm25s  # heavy (pulls in jax when installed): imported on first build

        started = time.perf_counter()
        texts = {
            "name": [d.name for d in documents],
            "field": [d.field for d in documents],
            "body": [d.body for d in documents],
        }
        retrievers = {}
        for part, corpus in texts.items():
            retriever = bm25s.BM25()
            retriever.index([terms(text) for text in corpus], show_progress=False)
            retrievers[part] = retriever
        index = cls(
            documents,
            retrievers,
            preferred_levels=preferred_levels,
            level_preference=level_preference,
            weights=weights,
            lexicon=lexicon,
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

    def scores(self, question: str) -> np.ndarray:
        """The score of every indexed procedure for ``question`` (0 = no match)."""
        own = terms(question)
        lexicon = self._lexicon if self._lexicon is not None else get_lexicon()
        added = [term for wording in lexicon.expand(question) for term in terms(wording)]
        w = self.weights
        total = np.zeros(len(self.documents), dtype=np.float32)
        for part, weight in (("name", w.name), ("field", w.field), ("body", w.body)):
            if weight:
                total += weight * self._bm25(part, own)
                if added and w.expansion:
                    total += weight * w.expansion * self._bm25(part, added)
        return total * self._level_factor(question) * self._status_factor

    def named_levels(self, question: str) -> tuple[str, ...]:
        """The levels ``question`` names ("ở cấp xã" → ("Cấp xã",)), in LEVEL_PHRASES order."""
        folded = f" {' '.join(folded_syllables(question))} "
        found = [level for phrase, level in LEVEL_PHRASES.items() if f" {phrase} " in folded]
        return tuple(dict.fromkeys(found))

    def _bm25(self, part: str, query: list[str]) -> np.ndarray:
        retriever = self._retrievers[part]
        ids = retriever.get_tokens_ids(query)
        if not ids:
            return np.zeros(len(self.documents), dtype=np.float32)
        return retriever.get_scores_from_ids(ids)

    def _level_factor(self, question: str) -> np.ndarray | float:
        levels = self.named_levels(question) or self.preferred_levels
        masks = [self._level_masks[level] for level in levels if level in self._level_masks]
        if not masks or not self.level_preference:
            return 1.0
        return 1.0 + self.level_preference * np.logical_or.reduce(masks).astype(np.float32)

    def _hit(self, position: int, score: float) -> SearchHit:
        document = self.documents[position]
        return SearchHit(
            code=document.code,
            name=document.name,
            score=round(score, 4),
            levels=", ".join(document.levels),
            status=document.status,
        )
