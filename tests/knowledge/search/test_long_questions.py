"""A long question is answered on what its asking sentences name, not confirmed for its story.

The names are real records of the national catalog (../shared), read from the export.
"""

from __future__ import annotations

import pytest

from knowledge.schemas import SearchHit
from knowledge.search.long_questions import asked_names
from knowledge.search.resolve import WordWeights, weighing_words

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
