"""The chat gateway in front of the real bot: cited answers, and the handoff marker end to end."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.e2e.conftest import Servers

pytestmark = pytest.mark.e2e


def _say(servers: Servers, text: str, chat: dict[str, str]) -> list[dict[str, Any]]:
    response = httpx.post(
        f"{servers.api_url}/api/chat/sessions/{chat['session_id']}/messages",
        json={"text": text},
        headers={"Authorization": f"Bearer {chat['token']}"},
        timeout=120,
    )
    assert response.status_code == 200, response.text
    return response.json()["messages"]


@pytest.fixture()
def chat(servers: Servers) -> dict[str, str]:
    created = httpx.post(f"{servers.api_url}/api/chat/sessions", timeout=30)
    assert created.status_code == 201
    return created.json()


def test_an_answer_through_the_gateway_carries_its_citation(
    servers: Servers, chat: dict[str, str]
) -> None:
    messages = _say(servers, "lệ phí đăng ký khai sinh", chat)
    assert messages[0]["role"] == "user"
    bot = [m for m in messages if m["role"] == "bot"]
    assert bot and any("Mã thủ tục" in m["text"] for m in bot)
    assert any(m["procedure_codes"] for m in bot)


def test_asking_for_a_person_reaches_the_gateway(servers: Servers, chat: dict[str, str]) -> None:
    """No agent is signed in: the bot's handoff marker gives the callback form."""
    messages = _say(servers, "cho tôi gặp nhân viên", chat)
    assert any(m["role"] == "bot" and "tổng đài" in m["text"] for m in messages)
    assert messages[-1]["role"] == "system" and messages[-1]["callback_form"] is True
