"""The semantic half of the search: question-to-procedure cosines from sentence embeddings.

A question's vector is the encoder's slowest step in a turn (about 18 ms on one core). It is
computed once per question text and kept for recent questions; ``prefetch`` starts it on a
background thread, so the work a turn does before it needs the cosines (reading the action
call, the lexical scores) runs meanwhile. The encoder releases the GIL while it computes.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from functools import lru_cache

import numpy as np

from knowledge.search.accents import AccentRestorer
from knowledge.search.documents import SearchDocument
from knowledge.search.embeddings import EmbeddingCache, Encoder, Progress, Vectors, get_encoder

logger = logging.getLogger(__name__)

QUERY_CACHE = 1024  # recent questions whose vectors are kept (a turn may search twice)

# One thread computes the vectors started ahead: the encoder serialises its calls anyway.
_prefetcher: ThreadPoolExecutor | None = None
_prefetcher_lock = threading.Lock()


def _background() -> ThreadPoolExecutor:
    global _prefetcher
    with _prefetcher_lock:
        if _prefetcher is None:
            _prefetcher = ThreadPoolExecutor(max_workers=1, thread_name_prefix="query-vector")
        return _prefetcher


class QueryVectors:
    """The vectors of recent question texts (at most ``maxsize``), each computed once.

    ``start(text)`` computes one on a background thread; calling the object with a text
    returns its vector, waiting for one already started, else computing it in the calling
    thread. With ``maxsize`` 0 nothing is kept and nothing is started ahead.
    """

    def __init__(self, encode: Callable[[str], Vectors], maxsize: int) -> None:
        self._encode = encode
        self.maxsize = maxsize
        self._vectors: OrderedDict[str, Future[Vectors]] = OrderedDict()
        self._lock = threading.Lock()

    def _claim(self, text: str) -> tuple[Future[Vectors], bool]:
        """The future of ``text``'s vector, and whether the caller must compute it."""
        with self._lock:
            future = self._vectors.get(text)
            if future is not None:
                self._vectors.move_to_end(text)
                return future, False
            future = Future()
            self._vectors[text] = future
            while len(self._vectors) > self.maxsize:
                self._vectors.popitem(last=False)
            return future, True

    def _compute(self, text: str, future: Future[Vectors]) -> None:
        try:
            future.set_result(self._encode(text))
        except BaseException as error:  # the caller gets it; a later call tries again
            with self._lock:
                if self._vectors.get(text) is future:
                    del self._vectors[text]
            future.set_exception(error)

    def start(self, text: str) -> None:
        """Begin computing ``text``'s vector in the background, unless known or under way."""
        if self.maxsize <= 0:
            return
        future, mine = self._claim(text)
        if mine:
            _background().submit(self._compute, text, future)

    def __call__(self, text: str) -> Vectors:
        """The vector of ``text``."""
        if self.maxsize <= 0:
            return self._encode(text)
        future, mine = self._claim(text)
        if mine:
            self._compute(text, future)
        return future.result()

    def cache_clear(self) -> None:
        """Forget every kept vector (benchmarks measure the encoder again)."""
        with self._lock:
            self._vectors.clear()


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
        self._query = QueryVectors(encoder.query, query_cache)
        # What the encoder reads of a question, computed by ``prefetch`` and ``cosines``.
        self._restored = lru_cache(maxsize=query_cache)(restorer.restore) if restorer else None

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
        return self._restored(question) if self._restored is not None else question

    def prefetch(self, question: str) -> None:
        """Start computing ``question``'s vector in the background (``cosines`` waits for it)."""
        self._query.start(self.query_text(question))

    def cosines(self, question: str) -> Vectors:
        """Cosine between ``question`` and every procedure (a narrow band near 0.8)."""
        return np.asarray(self.vectors @ self._query(self.query_text(question)))
