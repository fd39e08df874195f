"""Conversations with the running bot over HTTP: cited codes, aspect content, context, buttons."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.e2e.conftest import RASA_TOKEN, Servers

pytestmark = pytest.mark.e2e

CCCD_COMMUNE = "1.014063"  # Cấp đổi thẻ căn cước (Cấp xã)
BIRTH = "1.001193"  # Thủ tục đăng ký khai sinh
MARRIAGE = "1.000894"
MARRIAGE_FOREIGN = "2.000806"


def texts(messages: list[dict[str, Any]]) -> str:
    """All the bot's texts of one turn, joined."""
    return "\n".join(m.get("text", "") for m in messages)


def payloads(messages: list[dict[str, Any]]) -> list[str]:
    """The payloads of every button of one turn."""
    return [b["payload"] for m in messages for b in m.get("buttons", [])]


def answer_about(servers: Servers, sender: str, question: str, code: str) -> str:
    """Ask ``question``; if the bot offers buttons, pick the one for ``code``; return the answer."""
    messages = servers.send(sender, question)
    if f"Mã thủ tục: {code}" in texts(messages):
        return texts(messages)
    chosen = [p for p in payloads(messages) if f'"{code}"' in p]
    assert chosen, f"{code} neither answered nor offered for {question!r}: {messages}"
    return texts(servers.send(sender, chosen[0]))


def test_fee_question_cites_the_code_and_gives_fees_per_channel(
    servers: Servers, sender: str
) -> None:
    """An accented fee question: the procedure named, fees per channel, code and link."""
    answer = answer_about(
        servers, sender, "Lệ phí cấp đổi thẻ căn cước là bao nhiêu?", CCCD_COMMUNE
    )
    assert answer.startswith("Lệ phí – Cấp đổi thẻ căn cước (Cấp xã):")
    assert "Trực tiếp" in answer and "50.000 đồng" in answer
    assert f"Mã thủ tục: {CCCD_COMMUNE}" in answer
    assert "Chi tiết: https://" in answer


def test_accentless_question_and_follow_ups_keep_the_context(servers: Servers, sender: str) -> None:
    """Typed without accents; then "nộp ở đâu?" and "mất bao lâu?" stay on the same procedure."""
    first = answer_about(servers, sender, "le phi cap doi the can cuoc bao nhieu", CCCD_COMMUNE)
    assert "50.000 đồng" in first
    where = texts(servers.send(sender, "nộp ở đâu?"))
    assert where.startswith("Nơi giải quyết – Cấp đổi thẻ căn cước")
    assert "Công an" in where and f"Mã thủ tục: {CCCD_COMMUNE}" in where
    how_long = texts(servers.send(sender, "mất bao lâu?"))
    assert how_long.startswith("Thời hạn giải quyết – Cấp đổi thẻ căn cước")
    assert "7 ngày làm việc" in how_long


def test_several_variants_answer_the_base_one_with_the_others_under_it(
    servers: Servers, sender: str
) -> None:
    """One question fitting several variants: the base one answered at once, the others as
    short buttons under it; a button answers its variant, and the follow-up stays on it."""
    messages = servers.send(sender, "đăng ký kết hôn cần những giấy tờ gì")
    assert texts(messages).startswith("Hồ sơ – Thủ tục đăng ký kết hôn")
    assert f"Mã thủ tục: {MARRIAGE}" in texts(messages)
    offered = payloads(messages)
    assert 1 <= len(offered) <= 3
    assert f'/ask_documents{{"procedure_code":"{MARRIAGE_FOREIGN}"}}' in offered
    chosen = texts(servers.send(sender, f'/ask_documents{{"procedure_code":"{MARRIAGE_FOREIGN}"}}'))
    assert chosen.startswith("Hồ sơ – Thủ tục đăng ký kết hôn có yếu tố nước ngoài")
    assert f"Mã thủ tục: {MARRIAGE_FOREIGN}" in chosen
    fee = texts(servers.send(sender, "còn lệ phí thì sao?"))
    assert fee.startswith("Lệ phí – Thủ tục đăng ký kết hôn có yếu tố nước ngoài")


def test_naming_a_new_procedure_switches_context(servers: Servers, sender: str) -> None:
    """After one procedure, a question naming another answers about the new one."""
    answer_about(servers, sender, "lệ phí cấp đổi thẻ căn cước", CCCD_COMMUNE)
    switched = answer_about(servers, sender, "còn đăng ký khai sinh thì cần giấy tờ gì", BIRTH)
    assert switched.startswith("Hồ sơ – Thủ tục đăng ký khai sinh")
    again = texts(servers.send(sender, "lệ phí thế nào?"))
    assert again.startswith("Lệ phí – Thủ tục đăng ký khai sinh")


def test_unknown_procedure_gives_the_hotline(servers: Servers, sender: str) -> None:
    """No match: said plainly, with the hotline and a button to reach a person."""
    messages = servers.send(sender, "thủ tục xin phép du hành lên sao hỏa mất bao lâu")
    assert "Mình chưa tìm thấy thủ tục nào" in texts(messages)
    assert "/request_human" in payloads(messages)
    # The mark the chat gateway keeps for the admins' analytics (unanswered questions).
    assert {"answer_quality": "unanswered"} in [m.get("custom") for m in messages]


def test_small_talk_and_hand_off(servers: Servers, sender: str) -> None:
    """Greeting, out-of-scope and a request for a human are answered politely."""
    assert "trợ lý ảo" in texts(servers.send(sender, "xin chào"))
    joke = servers.send(sender, "kể chuyện cười đi")
    assert "mình chỉ hỗ trợ về thủ tục hành chính" in texts(joke)
    assert {"answer_quality": "unanswered"} in [m.get("custom") for m in joke]
    assert "tổng đài" in texts(servers.send(sender, "cho tôi gặp nhân viên tư vấn"))


def test_a_10000_character_message_gets_a_polite_answer(servers: Servers, sender: str) -> None:
    """A huge message never breaks the bot."""
    messages = servers.send(sender, "lệ phí đăng ký khai sinh " * 400)
    assert messages and all(m.get("text") for m in messages)


def test_http_api_needs_the_token(servers: Servers) -> None:
    """Rasa's HTTP API is on, and closed without the configured token."""
    assert httpx.get(f"{servers.rasa_url}/status", timeout=10).status_code == 401
    status = httpx.get(f"{servers.rasa_url}/status", params={"token": RASA_TOKEN}, timeout=10)
    assert status.status_code == 200 and status.json()["model_file"].endswith("tthc.tar.gz")


def test_api_serves_the_same_catalog(servers: Servers) -> None:
    """The API reads the same database as the actions."""
    response = httpx.get(f"{servers.api_url}/api/procedures/{BIRTH}", timeout=30)
    assert response.status_code == 200
    assert response.json()["code"] == BIRTH
