"""The dense featurizer: the real encoder's query vector as the message's sentence feature."""

from __future__ import annotations

import socket
from pathlib import Path

import numpy as np
import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.components.sentence_encoder_featurizer import (
    SentenceEncoderFeaturizer,
    TextVectorCache,
)
from knowledge.search.embeddings import DIMENSIONS, Encoder

CONTEXT = ExecutionContext(GraphSchema({}), node_name="sentence_encoder")
QUESTIONS = ["lệ phí làm căn cước bao nhiêu", "le phi lam can cuoc bao nhieu", "mấy giờ mở cửa"]


class CountingEncoder(Encoder):
    """The real encoder, counting the texts it is asked to encode."""

    def __init__(self) -> None:
        super().__init__(threads=1)
        self.encoded: list[str] = []

    def queries(self, texts):  # type: ignore[no-untyped-def]
        self.encoded += texts
        return super().queries(texts)


@pytest.fixture(scope="module")
def encoder() -> Encoder:
    return Encoder(threads=1)


@pytest.fixture()
def featurizer(tmp_path: Path) -> SentenceEncoderFeaturizer:
    """A featurizer built the way Rasa builds it, caching under a fresh folder."""
    config = {"cache_dir": str(tmp_path)}
    return SentenceEncoderFeaturizer.create(config, None, None, CONTEXT)  # type: ignore[arg-type]


def sentence_vector(message: Message) -> np.ndarray:
    sequence, sentence = message.get_dense_features(TEXT)
    assert sequence is None  # a sentence feature only: the word features stay sparse
    assert sentence is not None
    (added,) = message.features  # one feature, named after the graph node
    assert (added.origin, added.type) == ("sentence_encoder", "sentence")
    return np.asarray(sentence.features)


def test_the_sentence_feature_is_the_encoders_query_vector(featurizer, encoder) -> None:
    message = Message(data={TEXT: QUESTIONS[0]})
    featurizer.process([message])
    vector = sentence_vector(message)
    assert vector.shape == (1, DIMENSIONS)
    assert np.allclose(vector[0], encoder.query(QUESTIONS[0]), atol=1e-5)
    assert np.linalg.norm(vector) == pytest.approx(1.0, abs=1e-3)


def test_a_batch_gives_the_vectors_of_single_texts(encoder) -> None:
    batch = encoder.queries(QUESTIONS)
    assert batch.shape == (len(QUESTIONS), DIMENSIONS)
    for row, text in zip(batch, QUESTIONS, strict=True):
        assert np.allclose(row, encoder.query(text), atol=1e-5)


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


def test_training_vectors_are_cached_on_disk_by_text_and_model_version(tmp_path) -> None:
    counting = CountingEncoder()
    first = TextVectorCache(tmp_path, counting)
    vectors = first.vectors([*QUESTIONS, QUESTIONS[0]], store=True)
    assert counting.encoded == QUESTIONS  # a repeated text is encoded once
    assert np.array_equal(vectors[0], vectors[3])
    assert first.path == tmp_path / first.encoder.version / "nlu-texts.sqlite3"
    assert not any(q.encode() in first.path.read_bytes() for q in QUESTIONS)  # keys, not texts

    counting = CountingEncoder()
    again = TextVectorCache(tmp_path, counting)  # another process, a retrain
    assert np.array_equal(again.vectors(QUESTIONS, store=True), vectors[:3])
    assert counting.encoded == []

    other_model = CountingEncoder()
    other_model.version += "-other"
    TextVectorCache(tmp_path, other_model).vectors(QUESTIONS[:1], store=True)
    assert other_model.encoded == QUESTIONS[:1]


def test_run_time_messages_are_not_written_to_disk(tmp_path) -> None:
    cache = TextVectorCache(tmp_path, CountingEncoder())
    cache.vectors(["sđt của tôi là 0912345678"], store=False)
    counting = CountingEncoder()
    TextVectorCache(tmp_path, counting).vectors(["sđt của tôi là 0912345678"], store=False)
    assert counting.encoded == ["sđt của tôi là 0912345678"]


def test_the_cached_vector_is_not_shared_with_messages(featurizer) -> None:
    first, second = (
        Message(data={TEXT: "đăng ký khai sinh"}),
        Message(data={TEXT: "đăng ký khai sinh"}),
    )
    featurizer.process([first])
    first.features[0].features[0, 0] += 1.0  # a later component changing its copy in place
    featurizer.process([second])
    assert not np.array_equal(sentence_vector(first), sentence_vector(second))


def test_nothing_is_downloaded(tmp_path, monkeypatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the encoder tried to open a network connection")

    monkeypatch.setattr(socket, "socket", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    cache = TextVectorCache(tmp_path, Encoder(threads=1))  # a fresh engine, loaded offline
    assert cache.vectors(["thủ tục cấp hộ chiếu"], store=True).shape == (1, DIMENSIONS)


@pytest.mark.parametrize("threads", [0, -1, "2", None, True])
def test_a_bad_thread_count_is_refused(threads: object, tmp_path) -> None:
    with pytest.raises(ValueError, match="threads"):
        SentenceEncoderFeaturizer.create(
            {"threads": threads, "cache_dir": str(tmp_path)},
            None,  # type: ignore[arg-type]
            None,  # type: ignore[arg-type]
            CONTEXT,
        )
