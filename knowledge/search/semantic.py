"""The semantic half of the search: question-to-procedure cosines from sentence embeddings."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from functools import lru_cache

import numpy as np

from knowledge.search.accents import AccentRestorer
from knowledge.search.documents import SearchDocument
from knowledge.search.embeddings import EmbeddingCache, Encoder, Progress, Vectors, get_encoder

logger = logging.getLogger(__name__)

QUERY_CACHE = 1024  # recent questions whose vectors are kept (a turn may search twice)


class SemanticScorer:
    """Procedure vectors (row i = document i of the index) and the encoder for questions."""

    def __init__(
        self,
        vectors: Vectors,
        encoder: Encoder,
        restorer: AccentRestorer | None = None,
        *,
        query_cache: int = QUERY_CACHE,
    ) -> None:
        self.vectors = vectors
        self.encoder = encoder
        self.restorer = restorer
        self._query = lru_cache(maxsize=query_cache)(encoder.query)

    def with_vectors(self, vectors: Vectors, *, query_cache: int = QUERY_CACHE) -> SemanticScorer:
        """The same encoder and restorer over other vectors (a benchmark's scaled catalog)."""
        return SemanticScorer(vectors, self.encoder, self.restorer, query_cache=query_cache)

    @classmethod
    def build(
        cls,
        documents: Sequence[SearchDocument],
        *,
        cache: EmbeddingCache | None = None,
        progress: Progress | None = None,
    ) -> SemanticScorer:
        """Vectors of ``documents`` from the disk cache (embedding only the missing ones).

        Args:
            documents: the procedures, in the index's order.
            cache: where vectors are kept; the project's ``var/embeddings`` when None.
            progress: called with (done, total) while passages are embedded.
        """
        cache = cache or EmbeddingCache(encoder=get_encoder())
        vectors = cache.vectors(documents, progress)
        return cls(vectors, cache.encoder, cache.restorer(documents))

    def query_text(self, question: str) -> str:
        """What the encoder reads of ``question``: diacritics put back when it has none."""
        return self.restorer.restore(question) if self.restorer is not None else question

    def cosines(self, question: str) -> Vectors:
        """Cosine between ``question`` and every procedure (a narrow band near 0.8)."""
        return np.asarray(self.vectors @ self._query(self.query_text(question)))
