"""A second opinion on the intent, averaged with DIET's ranking.

DIET sees raw token counts. A logistic regression over the same sparse features, weighted
by TF-IDF (sublinear counts, rare words up), makes different mistakes: in cross-validation
it scores a point above DIET alone, and the weighted average of the two beats both
(``bench/bot_nlu_cv.py``). The component goes right after DIET (configured with
``ranking_length: 0``, so that every intent's confidence is blended): it fits on the
featurizers' sentence features, then replaces the message's intent and ranking with
``weight × DIET + (1 − weight) × regression``, so the FallbackClassifier after it judges
the blended confidence.
"""

from __future__ import annotations

import logging
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.nlu.featurizers.featurizer import Featurizer
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from scipy.sparse import csr_matrix, vstack
from sklearn.feature_extraction.text import TfidfTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline

logger = logging.getLogger(__name__)

MODEL_FILE = "intent_blender.skops"
# Beyond scikit-learn's own classes, the saved pipeline holds one SciPy matrix (the IDF weights).
TRUSTED_TYPES = ["scipy.sparse._csr.csr_matrix"]


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class IntentBlender(GraphComponent, IntentClassifier):
    """Averages DIET's intent ranking with a TF-IDF logistic regression's probabilities."""

    @classmethod
    def required_components(cls) -> list[type]:
        """Sparse features to fit on. (DIET must come before it too, but Rasa checks only
        what a component's training depends on, and the regression trains without DIET.)"""
        return [Featurizer]

    @staticmethod
    def required_packages() -> list[str]:
        """Python packages the component imports."""
        return ["sklearn", "skops"]

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """``weight``: DIET's share of the blend; ``C``: inverse regularization strength;
        ``ranking_length``: intents kept in the output ranking."""
        return {"weight": 0.3, "C": 50.0, "ranking_length": 10}

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        model: Pipeline | None = None,
    ) -> None:
        self.config = {**self.get_default_config(), **config}
        if not 0.0 <= self.config["weight"] <= 1.0:
            weight = self.config["weight"]
            raise ValueError(f"IntentBlender: weight must be in [0, 1], got {weight}")
        self._model_storage = model_storage
        self._resource = resource
        self.model = model

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> IntentBlender:
        """An untrained blender."""
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        """Fit the regression on every example with a text and an intent, and save it."""
        examples = [m for m in training_data.intent_examples if m.get(TEXT) and m.get(INTENT)]
        if len({m.get(INTENT) for m in examples}) < 2:
            logger.debug("IntentBlender: fewer than two intents to learn; DIET decides alone.")
            return self._resource
        model = make_pipeline(
            TfidfTransformer(sublinear_tf=True),
            LogisticRegression(C=self.config["C"], max_iter=3000),
        )
        model.fit(self._features(examples), [m.get(INTENT) for m in examples])
        self.model = model
        self._persist()
        return self._resource

    def process(self, messages: list[Message]) -> list[Message]:
        """Replace each message's intent and ranking with the blend."""
        if self.model is None or not messages:
            return messages
        probabilities = self.model.predict_proba(self._features(messages))
        intents = list(self.model.classes_)
        weight = self.config["weight"]
        for message, regression in zip(messages, probabilities, strict=True):
            blend = dict(zip(intents, (1.0 - weight) * regression, strict=True))
            for entry in message.get(INTENT_RANKING_KEY) or []:
                blend[entry["name"]] = blend.get(entry["name"], 0.0) + weight * entry["confidence"]
            ranking = [
                {"name": name, "confidence": float(confidence)}
                for name, confidence in sorted(blend.items(), key=lambda item: -item[1])
            ]
            message.set(INTENT, ranking[0], add_to_output=True)
            message.set(
                INTENT_RANKING_KEY, ranking[: self.config["ranking_length"]], add_to_output=True
            )
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Nothing to add to the training data."""
        return training_data

    @staticmethod
    def _features(messages: list[Message]) -> csr_matrix:
        """The featurizers' sentence-level sparse features, one row per message."""
        rows = []
        for message in messages:
            _, sentence = message.get_sparse_features(TEXT)
            if sentence is None:
                raise ValueError("IntentBlender needs a sparse featurizer before it")
            rows.append(csr_matrix(sentence.features))
        return vstack(rows).tocsr()

    def _persist(self) -> None:
        import skops.io as sio  # imported here: its import walks every sklearn estimator (s)

        with self._model_storage.write_to(self._resource) as model_dir:
            sio.dump(self.model, model_dir / MODEL_FILE)

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> IntentBlender:
        """The trained blender, or an untrained one (DIET alone) if nothing was saved."""
        import skops.io as sio

        try:
            with model_storage.read_from(resource) as model_dir:
                path = model_dir / MODEL_FILE
                model = sio.load(path, trusted=TRUSTED_TYPES)
        except ValueError:
            return cls.create(config, model_storage, resource, execution_context)
        return cls(config, model_storage, resource, model)
