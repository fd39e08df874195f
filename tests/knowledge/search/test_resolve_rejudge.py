"""Causes of wrong replies found on tuning material when re-judging the cue-word rule and the
two-procedure split (issue 16, branch rejudge): a plain syllable read as the question word it
folds to ("thi" of "phí thi hành án" taken for "thì"), a listed topic word alone taken for a
fragment ("viện phí").

The names are real records of the national catalog (../shared), read from the export.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from knowledge.db import session_scope
from knowledge.schemas import SearchHit
from knowledge.search.resolve import (
    WordWeights,
    coverage,
    procedure_words,
    resolve,
    weighing_words,
)

ENFORCEMENT_FEE = "1.002548"  # Đề nghị miễn, giảm phí thi hành án
ENFORCEMENT = "1.003091"  # Yêu cầu thi hành án dân sự


@pytest.fixture(scope="module")
def weights(records: dict[str, SearchHit]) -> WordWeights:
    """The word weights of the whole national catalog."""
    return WordWeights.of_names(hit.name for hit in records.values())


def test_the_names_write_thi_and_chi_plain_beside_their_neighbours(weights: WordWeights) -> None:
    """ "thi hành", "chi trả": pairs in which a plain syllable is no question word."""
    assert ("thi", "hanh") in weights.plain_pairs
    assert ("chi", "tra") in weights.plain_pairs
    # "cho" is a filler word: "cho con" leaves "con" (còn) out, as before.
    assert ("cho", "con") not in weights.plain_pairs


@pytest.mark.parametrize(
    ("question", "kept"),
    [
        ("phí thi hành án", ["phí", "thi", "hành", "án"]),
        ("xin miễn giảm phí thi hành án", ["phí", "thi", "hành", "án"]),
        ("chi trả trợ cấp thất nghiệp", ["chi", "trả"]),
    ],
)
def test_a_plain_syllable_of_a_question_written_with_accents_is_read_as_written(
    weights: WordWeights, question: str, kept: list[str]
) -> None:
    with weighing_words(weights):
        words = procedure_words(question)
    assert all(word in words for word in kept), words


@pytest.mark.parametrize(
    ("question", "dropped"),
    [
        ("còn lệ phí thì sao", "thì"),
        ("lệ phí thi sao", "thi"),  # no neighbour the names write "thi" with
        ("làm ho chieu thi mat bao lau", "thi"),  # nearly without accents: folded
        ("làm khai sinh cho con", "con"),
    ],
)
def test_a_question_word_stays_one(weights: WordWeights, question: str, dropped: str) -> None:
    with weighing_words(weights):
        assert dropped not in procedure_words(question)


def test_the_enforcement_fee_fits_its_question_better_than_enforcement(
    weights: WordWeights, records: dict[str, SearchHit]
) -> None:
    """ "phí thi hành án" is the name of 1.002548 word for word; before, only "hành án" was
    kept, which every enforcement procedure carries alike."""
    with weighing_words(weights):
        words = procedure_words("phí thi hành án")
        assert coverage(words, records[ENFORCEMENT_FEE]) == 1.0
        assert coverage(words, records[ENFORCEMENT]) < 1.0


def test_outside_a_catalogs_context_nothing_is_read_as_written() -> None:
    assert "thi" not in procedure_words("phí thi hành án")


@pytest.fixture()
def session(sample_engine: Engine) -> Iterator[Session]:
    with session_scope(sample_engine) as session:
        yield session


@pytest.mark.parametrize("question", ["viện phí", "vien phi", "học phí"])
def test_a_listed_topic_word_alone_is_not_found(session: Session, question: str) -> None:
    """A citizen naming a topic the catalog lacks is told so, not asked which procedure."""
    assert resolve(session, question).outcome == "no_match"


def test_a_fragment_still_asks_which_procedure(session: Session) -> None:
    assert resolve(session, "cần ảnh cỡ nào").outcome == "need_procedure"
