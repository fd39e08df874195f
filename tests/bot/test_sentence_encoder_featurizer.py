"""The dense featurizer: the real encoder's query vector as the message's sentence feature."""

from __future__ import annotations

import numpy as np
import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.components.sentence_encoder_featurizer import SentenceEncoderFeaturizer
from knowledge.search.embeddings import DIMENSIONS, Encoder

CONTEXT = ExecutionContext(GraphSchema({}), node_name="sentence_encoder")


@pytest.fixture(scope="module")
def featurizer() -> SentenceEncoderFeaturizer:
    """A featurizer built the way Rasa builds it."""
    return SentenceEncoderFeaturizer.create({}, None, None, CONTEXT)  # type: ignore[arg-type]


def sentence_vector(message: Message) -> np.ndarray:
    sequence, sentence = message.get_dense_features(TEXT)
    assert sequence is None  # a sentence feature only: the word features stay sparse
    assert sentence is not None
    (added,) = message.features  # one feature, named after the graph node
    assert (added.origin, added.type) == ("sentence_encoder", "sentence")
    return np.asarray(sentence.features)


def test_the_sentence_feature_is_the_encoders_query_vector(featurizer) -> None:
    message = Message(data={TEXT: "lệ phí làm căn cước bao nhiêu"})
    featurizer.process([message])
    vector = sentence_vector(message)
    assert vector.shape == (1, DIMENSIONS)
    expected = Encoder(threads=1).query("lệ phí làm căn cước bao nhiêu")
    assert np.allclose(vector[0], expected, atol=1e-5)
    assert np.linalg.norm(vector) == pytest.approx(1.0, abs=1e-3)


def test_similar_questions_are_closer_than_different_ones(featurizer) -> None:
    fee, fee_again, hours = (
        Message(data={TEXT: text})
        for text in ("lệ phí làm hộ chiếu", "làm hộ chiếu mất bao nhiêu tiền", "mấy giờ mở cửa")
    )
    featurizer.process([fee, fee_again, hours])
    first, second, third = (sentence_vector(m)[0] for m in (fee, fee_again, hours))
    assert first @ second > first @ third


def test_training_examples_are_featurized_and_empty_texts_skipped(featurizer) -> None:
    examples = [
        Message(data={TEXT: "cảm ơn bạn", INTENT: "thank"}),
        Message(data={TEXT: "   ", INTENT: "thank"}),
    ]
    featurizer.process_training_data(TrainingData(examples))
    assert sentence_vector(examples[0]).shape == (1, DIMENSIONS)
    assert examples[1].get_dense_features(TEXT) == (None, None)


def test_the_cached_vector_is_not_shared_with_messages(featurizer) -> None:
    first, second = (
        Message(data={TEXT: "đăng ký khai sinh"}),
        Message(data={TEXT: "đăng ký khai sinh"}),
    )
    featurizer.process([first])
    first.features[0].features[0, 0] += 1.0  # a later component changing its copy in place
    featurizer.process([second])
    assert not np.array_equal(sentence_vector(first), sentence_vector(second))


@pytest.mark.parametrize("threads", [0, -1, "2", None])
def test_a_bad_thread_count_is_refused(threads: object) -> None:
    with pytest.raises(ValueError, match="threads"):
        SentenceEncoderFeaturizer.create({"threads": threads}, None, None, CONTEXT)  # type: ignore[arg-type]
