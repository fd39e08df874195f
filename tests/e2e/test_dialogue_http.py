"""Answer first, over HTTP: the variant a citizen means, the Center itself, forms that let go.

Each test is a conversation with the real Rasa, action and API servers over the default
catalog (the national export when ../shared has it).
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from knowledge.config import get_settings
from tests.e2e.conftest import Servers
from tests.e2e.test_dossier_http import DIGITS, PREFIX, push

pytestmark = pytest.mark.e2e

MARRIAGE = "1.000894"
MARRIAGE_FOREIGN = "2.000806"
CCCD_FIRST = "1.014061"
CCCD_UNDER_14 = "1.014062"
CCCD_REISSUE = "1.014064"
CCCD_EXCHANGE = "1.014063"
BIRTH = "1.001193"
BIRTH_COPY = "2.000635"


def texts(messages: list[dict[str, Any]]) -> str:
    """All the bot's texts of one turn, joined."""
    return "\n".join(m.get("text", "") for m in messages)


def buttons(messages: list[dict[str, Any]]) -> dict[str, str]:
    """Title → payload of every button of one turn."""
    return {b["title"]: b["payload"] for m in messages for b in m.get("buttons", [])}


def cited(messages: list[dict[str, Any]]) -> str:
    """The first ``Mã thủ tục`` the turn cites."""
    for line in texts(messages).splitlines():
        if line.startswith("Mã thủ tục: "):
            return line.removeprefix("Mã thủ tục: ").strip()
    return ""


@pytest.fixture()
def national(servers: Servers) -> Servers:
    """The servers, when they hold the national catalog (the variants below are real)."""
    response = httpx.get(f"{servers.api_url}/health", timeout=10)
    if response.json().get("procedures", 0) < 1000:
        pytest.skip("the national catalog is absent: these variants exist only there")
    return servers


def test_the_base_variant_is_answered_with_the_others_as_short_buttons(
    national: Servers, sender: str
) -> None:
    """ "đăng ký kết hôn cần giấy tờ gì": the papers at once, the foreign case under them."""
    reply = national.send(sender, "đăng ký kết hôn cần những giấy tờ gì")
    assert cited(reply) == MARRIAGE
    assert texts(reply).startswith("Hồ sơ – Thủ tục đăng ký kết hôn")
    offered = buttons(reply)
    assert offered.get("Có yếu tố nước ngoài") == (
        f'/ask_documents{{"procedure_code":"{MARRIAGE_FOREIGN}"}}'
    )
    assert all(len(title) <= 40 for title in offered)
    chosen = national.send(sender, offered["Có yếu tố nước ngoài"])
    assert cited(chosen) == MARRIAGE_FOREIGN


@pytest.mark.parametrize(
    ("question", "code"),
    [
        ("mất căn cước làm lại bao nhiêu tiền", CCCD_REISSUE),
        ("làm căn cước cho con 10 tuổi cần gì", CCCD_UNDER_14),
        ("lấy chồng người Hàn Quốc đăng ký kết hôn cần giấy tờ gì", MARRIAGE_FOREIGN),
    ],
)
def test_action_words_and_qualifiers_pick_the_variant(
    national: Servers, sender: str, question: str, code: str
) -> None:
    """Lost → cấp lại; first time → cấp (never only cấp đổi/cấp lại); an age; a foreign spouse."""
    assert cited(national.send(sender, question)) == code


def test_a_first_time_question_never_gets_only_exchange_or_reissue(
    national: Servers, sender: str
) -> None:
    """ "làm cccd lần đầu" (accentless): the first issue answered or offered, never only
    "cấp đổi"/"cấp lại"."""
    reply = national.send(sender, "lam cccd lan dau can giay to gi")
    offered = {p.split('"')[-2] for p in buttons(reply).values() if "procedure_code" in p}
    assert cited(reply) == CCCD_FIRST or CCCD_FIRST in offered or CCCD_FIRST in texts(reply)
    assert cited(reply) not in (CCCD_EXCHANGE, CCCD_REISSUE)


def test_a_follow_up_keeps_the_answered_variant(national: Servers, sender: str) -> None:
    """After the answer, "thế lệ phí bao nhiêu" is about the same variant."""
    assert cited(national.send(sender, "mất căn cước làm lại cần gì")) == CCCD_REISSUE
    fee = national.send(sender, "thế lệ phí bao nhiêu")
    assert cited(fee) == CCCD_REISSUE
    assert texts(fee).startswith("Lệ phí – Cấp lại thẻ căn cước")


def test_a_replaced_paper_is_explained_with_its_legal_source(
    national: Servers, sender: str
) -> None:
    """ "sổ hộ khẩu" gets what replaced it and the law, beside the answer."""
    said = texts(national.send(sender, "làm sổ hộ khẩu cần giấy tờ gì"))
    assert "sổ hộ khẩu giấy không còn được cấp" in said
    assert "Luật Cư trú số 68/2020/QH14" in said


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("thứ 7 trung tâm có làm việc không", "Thứ Bảy:"),
        ("trung tam hanh chinh cong o dau", "Địa chỉ:"),
        ("lấy số thứ tự thế nào", "đặt lịch hẹn"),
        ("số đường dây nóng của trung tâm là gì", "Tổng đài hỗ trợ"),
        ("thứ bảy có nộp hồ sơ được không", "Thứ Bảy: sáng"),
        ("trua co nhan ho so k", "chiều 13h30"),
        ("tết trung tâm nghỉ mấy hôm", "Tết Nguyên đán"),
        ("đến trung tâm thì gửi xe máy chỗ nào", "bãi xe"),
        # Read by NLU as a procedure's result or channels: no procedure named, the Center.
        ("thứ bảy có trả kết quả không", "Thứ Bảy:"),
        ("lấy số online được ko", "đặt lịch hẹn"),
    ],
)
def test_questions_about_the_center_are_answered_from_its_configuration(
    servers: Servers, sender: str, question: str, expected: str
) -> None:
    """Address, Saturday, lunch, holidays, queue, hotline, parking: from data/center.yml."""
    said = texts(servers.send(sender, question))
    assert expected.lower() in said.lower()
    assert "Mã thủ tục" not in said


def test_code_and_digits_in_one_message_are_used_at_once(servers: Servers, sender: str) -> None:
    """ "hồ sơ <code>, sđt đuôi 3456": answered without asking for the digits."""
    code = f"{PREFIX}-0031"
    push(servers.database_url, code)
    answer = texts(servers.send(sender, f"tra cứu hồ sơ {code}, sđt đuôi {DIGITS}"))
    assert answer.startswith(f"Hồ sơ {code} — ")
    assert "đang giải quyết" in answer


def test_a_procedure_code_inside_the_lookup_is_a_procedure(servers: Servers, sender: str) -> None:
    """ "thủ tục 1.001193" while the form waits for a dossier code is answered as a procedure."""
    servers.send(sender, "tra cứu hồ sơ")
    said = texts(servers.send(sender, f"thủ tục {BIRTH}"))
    assert f"Mã thủ tục: {BIRTH}" in said
    assert "Mã hồ sơ gồm 4 phần" not in said


@pytest.mark.parametrize("typed", ["ho so", "cần hồ sơ gì"])
def test_a_terse_dossier_word_after_an_answer_asks_its_papers(
    servers: Servers, sender: str, typed: str
) -> None:
    """ "ho so" right after a procedure answer: its papers, not the dossier-status form."""
    assert cited(servers.send(sender, f"lệ phí thủ tục {BIRTH}")) == BIRTH
    reply = servers.send(sender, typed)
    assert cited(reply) == BIRTH
    assert texts(reply).startswith("Hồ sơ – ")
    assert "mã hồ sơ in trên Giấy tiếp nhận" not in texts(reply)


def test_a_real_lookup_after_an_answer_still_opens_the_form(servers: Servers, sender: str) -> None:
    """ "hồ sơ của tôi đến đâu rồi" after a procedure answer asks for the dossier code."""
    assert cited(servers.send(sender, f"lệ phí thủ tục {BIRTH}")) == BIRTH
    said = texts(servers.send(sender, "hồ sơ của tôi đến đâu rồi"))
    assert "mã hồ sơ in trên Giấy tiếp nhận" in said


@pytest.mark.parametrize(
    "question", ["cấp lại giấy khai sinh bản sao", "trích lục khai sinh bản sao"]
)
def test_a_copy_of_the_birth_certificate_is_its_own_procedure(
    national: Servers, sender: str, question: str
) -> None:
    """ "… giấy khai sinh bản sao": the copy (2.000635) answered, its overview."""
    reply = national.send(sender, question)
    assert cited(reply) == BIRTH_COPY
    assert not texts(reply).startswith("Kết quả – ")


def test_a_permit_the_catalog_lacks_gets_the_not_found_with_its_topic(
    national: Servers, sender: str
) -> None:
    """ "xin giấy phép bán rượu": the hotline and what the catalog holds on "rượu"."""
    said = texts(national.send(sender, "xin giấy phép bán rượu"))
    assert "Mình chưa tìm thấy thủ tục nào khớp" in said
    assert "Có thể bạn cần thủ tục liên quan" in said


def test_asking_for_an_officer_inside_a_form_is_a_hand_off(servers: Servers, sender: str) -> None:
    """ "cho tôi gặp cán bộ" in the feedback form gets the hotline, not "thank you for feedback"."""
    servers.send(sender, "tôi muốn góp ý")
    said = texts(servers.send(sender, "cho tôi gặp cán bộ"))
    assert get_settings().hotline in said
    assert "Cảm ơn bạn đã góp ý" not in said


# --------------------------------------------------------------------------- follow-ups
# Conversations of bench/data/dialogue_probe.txt: what a citizen types after the first answer.

DEATH = "1.000656"  # Thủ tục đăng ký khai tử
DEATH_AGAIN = "1.005461"  # Đăng ký lại khai tử
RESIDENCE = "1.004222"  # Đăng ký thường trú


def test_a_button_typed_by_its_place_is_that_button(national: Servers, sender: str) -> None:
    """Fee of birth registration, then "cái thứ 2": the fee of the second other case, and
    "cần giấy tờ gì" stays on it."""
    first = national.send(sender, "lệ phí đăng ký khai sinh")
    assert cited(first) == BIRTH
    second = list(buttons(first).values())[1]
    chosen_code = second.split('"procedure_code":"')[1].split('"')[0]
    chosen = national.send(sender, "cái thứ 2")
    assert texts(chosen).startswith("Lệ phí – ")
    assert cited(chosen) == chosen_code
    assert cited(national.send(sender, "cần giấy tờ gì")) == chosen_code


def test_another_case_of_the_procedure_is_answered_within_it(
    national: Servers, sender: str
) -> None:
    """Identity card papers, then "con tôi 10 tuổi thì sao": the under-14 card's papers."""
    assert cited(national.send(sender, "cấp căn cước cần gì")) == CCCD_FIRST
    child = national.send(sender, "con tôi 10 tuổi thì sao")
    assert cited(child) == CCCD_UNDER_14
    assert texts(child).startswith("Hồ sơ – ")
    fee = national.send(sender, "thế lệ phí")
    assert cited(fee) == CCCD_UNDER_14


def test_a_stated_foreign_spouse_moves_to_that_variant_with_the_same_question(
    national: Servers, sender: str
) -> None:
    """Time of marriage registration, then "chồng tôi người Hàn Quốc": the foreign case's
    time (not a hand-off), and its papers after."""
    assert cited(national.send(sender, "đăng ký kết hôn mất bao lâu")) == MARRIAGE
    foreign = national.send(sender, "chồng tôi người Hàn Quốc")
    assert cited(foreign) == MARRIAGE_FOREIGN
    assert texts(foreign).startswith("Thời hạn giải quyết – ")
    assert cited(national.send(sender, "cần giấy tờ gì")) == MARRIAGE_FOREIGN


def test_thi_sao_asks_the_last_question_again_without_diacritics(
    national: Servers, sender: str
) -> None:
    """ "le phi khai tu" then "con dang ky lai khai tu thi sao": the fee again (and "le phi"
    is no question about the Center's holidays)."""
    fee = national.send(sender, "le phi khai tu")
    assert cited(fee) == DEATH
    again = national.send(sender, "con dang ky lai khai tu thi sao")
    assert cited(again) == DEATH_AGAIN
    assert texts(again).startswith("Lệ phí – ")
    assert texts(national.send(sender, "le phi bao nhieu")).startswith("Lệ phí – ")


def test_an_agents_terse_lookups_by_code(national: Servers, sender: str) -> None:
    """ "1.000656 phi", then "thoi gian": the fee, then the time, of that code."""
    fee = national.send(sender, f"{DEATH} phi")
    assert texts(fee).startswith("Lệ phí – ")
    assert cited(fee) == DEATH
    time = national.send(sender, "thoi gian")
    assert texts(time).startswith("Thời hạn giải quyết – ")
    assert cited(time) == DEATH


def test_a_lookup_left_midway_resumes_the_procedure(national: Servers, sender: str) -> None:
    """A dossier code in the middle of a procedure conversation, then "thôi": the next
    question about the procedure is answered about it."""
    assert cited(national.send(sender, "đăng ký thường trú mất bao lâu")) == RESIDENCE
    asked = texts(national.send(sender, f"hồ sơ {PREFIX}-0099 của tôi đến đâu rồi"))
    assert "4 số cuối" in asked
    assert "dừng tra cứu" in texts(national.send(sender, "thôi"))
    where = national.send(sender, "thế thường trú nộp ở đâu")
    assert cited(where) == RESIDENCE
    assert texts(where).startswith("Nơi giải quyết – ")


PASSPORT_PROVINCE = "1.001456"  # Cấp hộ chiếu phổ thông ở trong nước (thực hiện tại cấp tỉnh)


def test_two_procedures_in_one_message_are_both_answered(national: Servers, sender: str) -> None:
    """ "làm hộ chiếu và cccd cần gì": the papers of both, not a menu of card reissues."""
    reply = national.send(sender, "làm hộ chiếu và cccd cần gì")
    said = texts(reply)
    assert "Có vài thủ tục gần giống nhau" not in said
    assert "Hồ sơ – Cấp hộ chiếu phổ thông" in said
    assert "Hồ sơ – Cấp thẻ căn cước cho người từ đủ 14 tuổi" in said
    assert f"Mã thủ tục: {PASSPORT_PROVINCE}" in said
    # The later one is the current procedure: "thế lệ phí" asks its fee.
    assert cited(national.send(sender, "thế lệ phí")) == CCCD_FIRST


@pytest.mark.parametrize(
    ("opening", "stated", "code"),
    [
        ("xin cấp căn cước", "con tôi 12 tuổi", CCCD_UNDER_14),
        ("tôi muốn đăng ký kết hôn", "vợ tôi là người Hàn Quốc", MARRIAGE_FOREIGN),
    ],
)
def test_a_case_stated_alone_is_a_follow_up_not_small_talk(
    national: Servers, sender: str, opening: str, stated: str, code: str
) -> None:
    """A message stating only a case ("con tôi 12 tuổi"), which NLU takes for small talk,
    moves to that case of the current procedure; the next question stays on it."""
    national.send(sender, opening)
    case = national.send(sender, stated)
    assert "chỉ hỗ trợ về thủ tục hành chính" not in texts(case)
    assert cited(case) == code
    where = national.send(sender, "nộp ở đâu")
    assert cited(where) == code
    assert texts(where).startswith("Nơi giải quyết – ")


def test_a_correction_to_an_action_the_procedure_lacks_keeps_the_topic(
    national: Servers, sender: str
) -> None:
    """ "lệ phí hộ chiếu" then "không, ý tôi là gia hạn": the passport has no extension in
    the catalog; that is said, not the tax deadline's extension answered."""
    assert cited(national.send(sender, "lệ phí hộ chiếu")) == PASSPORT_PROVINCE
    extend = national.send(sender, "không, ý tôi là gia hạn")
    assert cited(extend) == PASSPORT_PROVINCE
    assert texts(extend).startswith("Lệ phí – ")
    assert "không có trường hợp «gia hạn»" in texts(extend)


def test_an_agents_code_and_terse_papers(national: Servers, sender: str) -> None:
    """ "1.000894 le phi", then "1.001193 ho so", then "thoi gian": the fee of the first
    code, the papers of the second, the time of the second."""
    assert cited(national.send(sender, f"{MARRIAGE} le phi")) == MARRIAGE
    papers = national.send(sender, f"{BIRTH} ho so")
    assert cited(papers) == BIRTH
    assert texts(papers).startswith("Hồ sơ – ")
    time = national.send(sender, "thoi gian")
    assert cited(time) == BIRTH
    assert texts(time).startswith("Thời hạn giải quyết – ")


def test_a_lookup_abandoned_then_a_question(national: Servers, sender: str) -> None:
    """ "tra cứu hồ sơ" → "thôi" → "lệ phí đăng ký kết hôn bao nhiêu": cancelled, answered;
    and a new question in the form's place cancels it too."""
    assert "mã hồ sơ" in texts(national.send(sender, "tra cứu hồ sơ"))
    assert "dừng tra cứu" in texts(national.send(sender, "thôi"))
    fee = national.send(sender, "lệ phí đăng ký kết hôn bao nhiêu")
    assert cited(fee) == MARRIAGE
    assert texts(fee).startswith("Lệ phí – ")
    assert "mã hồ sơ" in texts(national.send(sender, "tôi muốn tra cứu hồ sơ"))
    passport = national.send(sender, "làm hộ chiếu cần giấy tờ gì")
    assert cited(passport) == PASSPORT_PROVINCE
    assert texts(passport).startswith("Hồ sơ – ")


def test_accentless_follow_ups_and_small_replies_keep_the_topic(
    national: Servers, sender: str
) -> None:
    """Death registration papers, "the con le phi", "nop online duoc ko", then "👍" and
    "thế lệ phí": every answer about the same procedure, the emoji acknowledged."""
    assert cited(national.send(sender, "đăng ký khai tử cần gì")) == DEATH
    fee = national.send(sender, "the con le phi")
    assert cited(fee) == DEATH
    assert texts(fee).startswith("Lệ phí – ")
    online = national.send(sender, "nop online duoc ko")
    assert cited(online) == DEATH
    assert texts(online).startswith("Cách nộp – ")
    assert "Dạ" in texts(national.send(sender, "👍"))
    assert cited(national.send(sender, "thế lệ phí")) == DEATH


def test_a_request_for_a_human_mid_conversation(national: Servers, sender: str) -> None:
    """ "cho tôi gặp cán bộ" after an answer: the hotline, naming the procedure discussed."""
    assert cited(national.send(sender, "đăng ký thường trú cần gì")) == RESIDENCE
    human = national.send(sender, "cho tôi gặp cán bộ")
    assert get_settings().hotline in texts(human)
    assert RESIDENCE in texts(human)
    assert any(m.get("custom", {}).get("handoff") for m in human)


def test_a_vehicles_registration_fee_is_the_other_assets_one(
    national: Servers, sender: str
) -> None:
    """ "lệ phí trước bạ xe ô tô": a car is among the "tài sản khác", not the house and land."""
    assert cited(national.send(sender, "lệ phí trước bạ xe ô tô")) == "1.007700"


@pytest.mark.parametrize(
    "question", ["làm giấy khai sinh kèm cả thẻ BHYT", "lam giay khai sinh kem ca the bhyt"]
)
def test_kem_joins_two_procedures_one_liên_thông_does(
    national: Servers, sender: str, question: str
) -> None:
    """ "kèm cả" joins the birth registration and the health card: the liên thông procedure
    doing both is answered, not the health card alone."""
    assert cited(national.send(sender, question)) in {"2.001023", "2.000986"}


@pytest.mark.parametrize(
    "question",
    ["mien giam tien dich vu moi truong rung", "miễn giảm tiền dịch vụ môi trường rừng"],
)
def test_a_bare_procedure_name_is_no_feedback(
    national: Servers, sender: str, question: str
) -> None:
    """A procedure's name and nothing more, with "dịch vụ" in it, is answered, not thanked
    for as feedback."""
    reply = national.send(sender, question)
    assert "góp ý" not in texts(reply)
    assert cited(reply) in {"1.000058", "1.000095"}


def test_a_topic_the_catalog_lacks_is_said_so(national: Servers, sender: str) -> None:
    """ "xin hỗ trợ viện phí": no procedure of the catalog supports hospital fees; not the
    investment support "Hỗ trợ chi phí"."""
    reply = national.send(sender, "xin hỗ trợ viện phí")
    assert "Mình chưa tìm thấy thủ tục nào khớp" in texts(reply)
    assert cited(reply) == ""
