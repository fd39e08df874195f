"""Over HTTP: questions NLU routes away from a procedure answer get one, and real lookups,
feedback and small talk stay where they belong.

Each test is a conversation with the real Rasa, action and API servers over the default
catalog (the national export when ../shared has it).
"""

from __future__ import annotations

import pytest

from bot.responses import response_text
from tests.e2e.conftest import Servers
from tests.e2e.test_dialogue_http import buttons, texts

pytestmark = pytest.mark.e2e

HOUSEHOLD_BUSINESS = "1.001612"  # Đăng ký thành lập hộ kinh doanh
MARRIAGE = "1.000894"
ASK_CODE = response_text("utter_ask_dossier_code")
FEEDBACK_THANKS = "Cảm ơn bạn đã góp ý"


def offered(reply: list[dict[str, str]]) -> str:
    """The texts of one turn and the payloads of its buttons, joined."""
    return texts(reply) + "\n" + "\n".join(buttons(reply).values())


def test_a_procedure_question_read_as_a_lookup_is_answered(servers: Servers, sender: str) -> None:
    """No dossier code and no cue of a filed dossier: the procedure is answered (or
    confirmed), the dossier code is not asked for."""
    reply = servers.send(
        sender,
        "Người dân nộp hồ sơ đăng ký thành lập hộ kinh doanh, có giấy biên nhận hồ sơ rồi thì"
        " khi nào nhận kết quả xử lý?",
    )
    assert ASK_CODE not in texts(reply)
    assert HOUSEHOLD_BUSINESS in offered(reply)


@pytest.mark.parametrize(
    "question", ["hồ sơ của tôi đến đâu rồi", "kiểm tra tình trạng hồ sơ", "tra cuu ho so"]
)
def test_real_status_questions_ask_for_the_dossier_code(
    servers: Servers, sender: str, question: str
) -> None:
    assert ASK_CODE in texts(servers.send(sender, question))


def test_a_long_story_naming_a_procedure_is_confirmed(servers: Servers, sender: str) -> None:
    reply = servers.send(
        sender,
        "Tôi năm nay ba mươi tuổi, làm công nhân ở khu công nghiệp, quen bạn gái cùng quê đã ba"
        " năm, hai bên gia đình đã gặp nhau và đồng ý. Cuối năm nay tôi cưới vợ thì hai đứa cần"
        " chuẩn bị những gì?",
    )
    assert texts(reply).startswith("Ý bạn là thủ tục «")
    assert MARRIAGE in offered(reply)


def test_small_talk_is_still_declined(servers: Servers, sender: str) -> None:
    said = texts(servers.send(sender, "thời tiết hôm nay thế nào"))
    assert said.startswith(response_text("utter_out_of_scope"))
    assert "Mã thủ tục" not in said


def test_a_portal_error_is_answered_not_stored_as_feedback(servers: Servers, sender: str) -> None:
    reply = servers.send(
        sender,
        "Tôi nộp hồ sơ đăng ký kết hôn trực tuyến nhưng trạng thái hồ sơ là thất bại. Hệ thống"
        " báo lỗi “Vui lòng kiểm tra lại thông tin người yêu cầu”",
    )
    assert FEEDBACK_THANKS not in texts(reply)
    assert MARRIAGE in offered(reply)


def test_real_feedback_is_still_stored(servers: Servers, sender: str) -> None:
    said = texts(servers.send(sender, "tôi muốn góp ý về thái độ cán bộ"))
    assert said.startswith(FEEDBACK_THANKS)
