"""A long question is answered on what its asking sentences name, not confirmed for its story.

The names are real records of the national catalog (../shared), read from the export.
"""

from __future__ import annotations

import pytest

from knowledge.db import session_scope
from knowledge.schemas import SearchHit
from knowledge.search.long_questions import answered_where_asked, asked_names
from knowledge.search.resolve import (
    Resolution,
    WordWeights,
    catalog_word_weights,
    weighing_words,
)
from knowledge.search.service import search_procedures

DRIVING_LICENCE_REISSUE = "3.000348"  # Cấp lại giấy phép lái xe
ADOPTION = "2.001263"  # Đăng ký việc nuôi con nuôi trong nước
STORY = (
    "Năm ngoái tôi chuyển công tác về tỉnh này, cả nhà thuê nhà ở phường Tân Phong. "
    "Hôm qua tôi bị móc túi mất ví, trong đó có cả giấy tờ xe và thẻ ngân hàng. "
)


@pytest.fixture(scope="module")
def weights(records: dict[str, SearchHit]) -> WordWeights:
    """The word weights of the whole national catalog."""
    return WordWeights.of_names(hit.name for hit in records.values())


@pytest.mark.parametrize(
    ("text", "code", "named"),
    [
        # The question names the procedure in a citizen's words ("bằng lái" → giấy phép lái xe).
        (STORY + "Tôi muốn làm lại bằng lái thì cần gì?", DRIVING_LICENCE_REISSUE, True),
        (
            "Nam ngoai toi chuyen cong tac ve tinh nay, ca nha thue nha o phuong Tan Phong. "
            "Hom qua toi bi moc tui mat vi. Toi muon lam lai bang lai thi can gi?",
            DRIVING_LICENCE_REISSUE,
            True,
        ),
        # The question names nothing: the story does, and a confirmation stays.
        (
            "Vợ chồng tôi cưới đã lâu mà chưa có con, nay muốn nhận một cháu ở chùa về nuôi "
            "làm con nuôi. Cần những giấy tờ gì?",
            ADOPTION,
            False,
        ),
        # The question names another procedure than the candidate.
        (STORY + "Tôi muốn làm lại bằng lái thì cần gì?", ADOPTION, False),
        # A short question: no story to read apart.
        ("Làm lại bằng lái thì cần gì?", DRIVING_LICENCE_REISSUE, False),
    ],
)
def test_the_asking_sentences_name_the_candidate(
    records: dict[str, SearchHit], weights: WordWeights, text: str, code: str, named: bool
) -> None:
    with weighing_words(weights):
        assert asked_names(text, records[code]) is named


MARRIAGE = "1.000894"  # Thủ tục đăng ký kết hôn (in the sample catalog, as the next)
MARRIAGE_FOREIGN = "2.000806"  # Thủ tục đăng ký kết hôn có yếu tố nước ngoài
LONG_MARRIAGE_QUESTION = (
    "Tôi và bạn gái quen nhau đã ba năm, cả hai đều thường trú tại xã, năm nay tôi 28 tuổi. "
    "Gia đình hai bên đã đồng ý, chúng tôi định tổ chức cưới vào tháng tới. "
    "Đăng ký kết hôn thì cần những giấy tờ gì?"
)


@pytest.mark.usefixtures("sample_database")
@pytest.mark.parametrize(("first", "answered"), [(MARRIAGE, True), (MARRIAGE_FOREIGN, False)])
def test_a_confirmation_is_answered_when_question_and_story_agree(
    first: str, answered: bool
) -> None:
    """Answered when the asking sentence names the first candidate and the search over the
    whole text ranks it first; a first candidate the question names as well but the search
    ranks lower (the case with a foreign partner the story does not tell) stays confirmed."""
    with session_scope() as session:
        hits = {h.code: h for h in search_procedures(session, "đăng ký kết hôn", 8)}
        other = MARRIAGE_FOREIGN if first == MARRIAGE else MARRIAGE
        confirm = Resolution("confirm", first, hits=(hits[first], hits[other]))
        with weighing_words(catalog_word_weights(session)):
            assert asked_names(LONG_MARRIAGE_QUESTION, hits[first])
        resolution = answered_where_asked(session, LONG_MARRIAGE_QUESTION, confirm)
    assert (resolution.outcome == "answer") is answered
    assert resolution.code == first
