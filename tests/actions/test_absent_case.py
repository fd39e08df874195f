"""A follow-up stating a case the catalog does not hold for the procedure answered ("ở nước
ngoài thì sao" after the passport issued at home): the usual case is answered and the bot
says where the case abroad is handled, on the sample catalog."""

from __future__ import annotations

import pytest

from actions.procedures import ActionAnswerAgency, ActionAnswerAspect, ActionAnswerDocuments
from tests.actions.test_procedures import run, slot, tracker

pytestmark = pytest.mark.usefixtures("sample_database")

PASSPORT = "1.001456"  # Cấp hộ chiếu phổ thông ở trong nước (thực hiện tại cấp tỉnh)
MARITAL_STATUS = "1.004873"  # Thủ tục cấp Giấy xác nhận tình trạng hôn nhân
BIRTH = "1.001193"  # Thủ tục đăng ký khai sinh


@pytest.mark.parametrize(
    ("text", "current", "action", "heading"),
    [
        ("ở nước ngoài thì làm ở đâu", PASSPORT, ActionAnswerAgency(), "Nơi giải quyết – "),
        ("o nuoc ngoai thi lam o dau", PASSPORT, ActionAnswerAgency(), "Nơi giải quyết – "),
        (
            "còn nếu tôi ở nước ngoài thì sao",
            MARITAL_STATUS,
            ActionAnswerDocuments(),
            "Hồ sơ – ",
        ),
    ],
)
def test_the_case_abroad_is_said_to_be_handled_abroad(
    text: str, current: str, action: ActionAnswerAspect, heading: str
) -> None:
    """The procedure stays, its aspect answered, then the note on the representative mission."""
    asked = tracker(text, slots={"procedure_code": current, "answered_aspect": "documents"})
    messages, events = run(action, asked)
    assert messages[0]["text"].startswith(heading)
    assert slot(events, "procedure_code") == current
    notes = [m["text"] for m in messages if "Cơ quan đại diện Việt Nam ở nước ngoài" in m["text"]]
    assert len(notes) == 1
    assert notes[0].startswith("Danh mục thủ tục của Trung tâm không có trường hợp")


def test_a_follow_up_without_the_case_has_no_note() -> None:
    """ "thế lệ phí bao nhiêu" after the passport: no case stated, no note."""
    asked = tracker("thế lệ phí bao nhiêu", slots={"procedure_code": PASSPORT})
    messages, _ = run(ActionAnswerAgency(), asked)
    assert not any("Cơ quan đại diện" in (m.get("text") or "") for m in messages)


def test_a_first_question_naming_abroad_is_no_follow_up() -> None:
    """A new question about the birth abroad is searched as such; no note on a follow-up."""
    asked = tracker("đăng ký khai sinh cần giấy tờ gì", slots={"procedure_code": PASSPORT})
    messages, events = run(ActionAnswerDocuments(), asked)
    assert slot(events, "procedure_code") == BIRTH
    assert not any("Cơ quan đại diện" in (m.get("text") or "") for m in messages)
