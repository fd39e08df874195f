"""The intent blender: DIET's ranking averaged with a TF-IDF logistic regression."""

from __future__ import annotations

from pathlib import Path

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import (
    CountVectorsFeaturizer,
)
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.components.intent_blender import IntentBlender
from bot.components.vietnamese_tokenizer import VietnameseTokenizer

EXAMPLES = {
    "ask_fee": ["lệ phí bao nhiêu", "phí làm hộ chiếu", "mất bao nhiêu tiền", "le phi bao nhieu"],
    "ask_documents": ["cần giấy tờ gì", "hồ sơ gồm những gì", "giấy gì", "can giay to gi"],
    "thank": ["cảm ơn bạn", "cám ơn nhiều", "thanks bot", "cam on nhe"],
}
CONTEXT = ExecutionContext(GraphSchema({}), node_name="blender")


class Pipeline:
    """The tokenizer and word-count featurizer of bot/config.yml, trained on ``EXAMPLES``."""

    def __init__(self, storage: LocalModelStorage) -> None:
        self.tokenizer = VietnameseTokenizer.create({}, storage, Resource("tok"), CONTEXT)
        self.featurizer = CountVectorsFeaturizer.create(
            {**CountVectorsFeaturizer.get_default_config(), "max_ngram": 2},
            storage,
            Resource("cvf"),
            CONTEXT,
        )
        messages = [Message(data={TEXT: t, INTENT: i}) for i, ts in EXAMPLES.items() for t in ts]
        data = self.tokenizer.process_training_data(TrainingData(messages))
        self.featurizer.train(data)
        self.training_data = self.featurizer.process_training_data(data)

    def message(self, text: str, diet: dict[str, float]) -> Message:
        """A featurized message carrying ``diet`` as DIET's intent ranking."""
        message = Message(data={TEXT: text})
        self.tokenizer.process([message])
        self.featurizer.process([message])
        ranking = [{"name": n, "confidence": c} for n, c in diet.items()]
        message.set(INTENT_RANKING_KEY, ranking)
        message.set(INTENT, ranking[0])
        return message


@pytest.fixture
def storage(tmp_path: Path) -> LocalModelStorage:
    return LocalModelStorage(tmp_path)


@pytest.fixture
def pipeline(storage: LocalModelStorage) -> Pipeline:
    return Pipeline(storage)


def trained(storage: LocalModelStorage, pipeline: Pipeline, **config: float) -> IntentBlender:
    blender = IntentBlender.create(config, storage, Resource("blender"), CONTEXT)
    blender.train(pipeline.training_data)
    return blender


def ranking(message: Message) -> dict[str, float]:
    return {entry["name"]: entry["confidence"] for entry in message.get(INTENT_RANKING_KEY)}


def test_the_blend_is_the_weighted_average_of_both_rankings(storage, pipeline) -> None:
    blender = trained(storage, pipeline, weight=0.3)
    message = pipeline.message("lệ phí bao nhiêu tiền", {"thank": 0.9, "ask_fee": 0.1})
    regression = dict(
        zip(
            blender.model.classes_,
            blender.model.predict_proba(blender._features([message]))[0],
            strict=True,
        )
    )
    assert max(regression, key=regression.get) == "ask_fee"

    blender.process([message])

    blended = ranking(message)
    for intent in EXAMPLES:
        diet = {"thank": 0.9, "ask_fee": 0.1}.get(intent, 0.0)
        assert blended[intent] == pytest.approx(0.3 * diet + 0.7 * regression[intent])
    assert sum(blended.values()) == pytest.approx(1.0)
    assert message.get(INTENT)["name"] == "ask_fee"
    assert list(blended) == sorted(blended, key=blended.get, reverse=True)


def test_weight_one_keeps_diets_answer(storage, pipeline) -> None:
    blender = trained(storage, pipeline, weight=1.0)
    message = pipeline.message("lệ phí bao nhiêu", {"thank": 0.6, "ask_fee": 0.4})
    blender.process([message])
    assert message.get(INTENT) == {"name": "thank", "confidence": pytest.approx(0.6)}


def test_the_regression_alone_reads_accentless_text(storage, pipeline) -> None:
    blender = trained(storage, pipeline, weight=0.0)
    message = pipeline.message("ho so gom nhung gi", {"thank": 1.0})
    blender.process([message])
    assert message.get(INTENT)["name"] == "ask_documents"


def test_a_saved_blender_loads_and_answers_the_same(storage, pipeline) -> None:
    trained(storage, pipeline)
    loaded = IntentBlender.load({}, storage, Resource("blender"), CONTEXT)
    fresh = trained(storage, pipeline)
    first = pipeline.message("cảm ơn nhé", {"ask_fee": 0.5, "thank": 0.5})
    second = pipeline.message("cảm ơn nhé", {"ask_fee": 0.5, "thank": 0.5})
    loaded.process([first])
    fresh.process([second])
    assert ranking(first) == pytest.approx(ranking(second))
    assert first.get(INTENT)["name"] == "thank"


def test_without_a_saved_model_diet_decides_alone(storage, pipeline) -> None:
    blender = IntentBlender.load({}, storage, Resource("never-trained"), CONTEXT)
    message = pipeline.message("lệ phí", {"thank": 0.7, "ask_fee": 0.3})
    blender.process([message])
    assert message.get(INTENT)["name"] == "thank"
    assert ranking(message) == {"thank": 0.7, "ask_fee": 0.3}


def test_a_weight_outside_zero_to_one_is_refused(storage) -> None:
    with pytest.raises(ValueError, match="weight"):
        IntentBlender.create({"weight": 1.5}, storage, Resource("blender"), CONTEXT)
