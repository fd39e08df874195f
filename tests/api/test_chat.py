"""The chat gateway against a stand-in Rasa on a local port: turns, limits, faults, handoff.

Rasa's failures are real connection failures (the stand-in's port is closed, then opened
again). Office hours are pinned open or closed here; ``tests/knowledge/chat/test_hours.py``
checks the calendar itself.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from bench.bot_servers import free_port
from knowledge.chat import store
from knowledge.chat.hours import OfficeStatus
from knowledge.chat.models import ChatFeedback, ChatMessage, Handoff
from knowledge.config import get_settings
from knowledge.db import get_engine, session_scope
from tests.api.fake_rasa import FakeRasa

Headers = Callable[[str, str], dict[str, str]]
PHONE, ID_NUMBER = "0912345678", "051090001234"


@pytest.fixture()
def fake_rasa(configured_database: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeRasa]:
    """A stand-in Rasa the gateway is pointed at (one attempt per turn, short timeout)."""
    fake = FakeRasa(free_port())
    fake.start()
    monkeypatch.setenv("TTHC_RASA_URL", fake.url)
    monkeypatch.setenv("TTHC_RASA_ATTEMPTS", "2")
    monkeypatch.setenv("TTHC_RASA_TIMEOUT", "5")
    get_settings.cache_clear()
    yield fake
    fake.stop()


@pytest.fixture()
def office_open(monkeypatch: pytest.MonkeyPatch) -> None:
    """The center is open now, whatever the day the tests run."""
    monkeypatch.setattr(store, "office_status", lambda now: OfficeStatus(True, None, None))


@pytest.fixture()
def chat(fake_rasa: FakeRasa, client: TestClient) -> TestClient:
    """The API client, its gateway talking to the stand-in Rasa."""
    return client


def open_chat(client: TestClient) -> tuple[str, dict[str, str]]:
    """A new conversation: its id and the Authorization header of its token."""
    created = client.post("/api/chat/sessions")
    assert created.status_code == 201
    body = created.json()
    return body["session_id"], {"Authorization": f"Bearer {body['token']}"}


def say(
    client: TestClient, session_id: str, headers: dict[str, str], text: str
) -> list[dict[str, Any]]:
    response = client.post(
        f"/api/chat/sessions/{session_id}/messages", json={"text": text}, headers=headers
    )
    assert response.status_code == 200, response.text
    return response.json()["messages"]


# --------------------------------------------------------------------------- turns


def test_a_turn_stores_the_question_and_the_cited_answer(
    chat: TestClient, fake_rasa: FakeRasa
) -> None:
    session_id, headers = open_chat(chat)
    messages = say(chat, session_id, headers, "lệ phí đăng ký khai sinh")
    assert [m["role"] for m in messages] == ["user", "bot", "bot"]
    assert messages[1]["procedure_codes"] == ["1.001193"]
    assert messages[2]["buttons"] == [{"title": "Giấy tờ cần nộp", "payload": "/ask_papers"}]
    assert fake_rasa.received == [{"sender": session_id, "message": "lệ phí đăng ký khai sinh"}]
    history = chat.get(f"/api/chat/sessions/{session_id}/messages", headers=headers).json()
    assert [m["id"] for m in history["messages"]] == [m["id"] for m in messages]
    assert set(messages[0]) >= {"id", "role", "text", "buttons", "created_at"}


def test_an_unanswered_turn_is_marked_and_reaches_the_admins_analytics(
    chat: TestClient, fake_rasa: FakeRasa, staff_headers: Headers
) -> None:
    session_id, headers = open_chat(chat)
    messages = say(chat, session_id, headers, "làm giấy ở nhờ ở đâu")
    assert [(m["role"], m["event"]) for m in messages] == [("user", None), ("bot", "unanswered")]
    say(chat, session_id, headers, "lệ phí đăng ký khai sinh")  # answered: not counted
    figures = chat.get(
        "/api/admin/analytics/summary", headers=staff_headers("canbo-an", "agent")
    ).json()
    assert figures["unanswered_questions"] == 1
    [group] = figures["question_groups"]
    assert group["samples"] == ["làm giấy ở nhờ ở đâu"] and group["term"] == "giấy ở nhờ"


@contextmanager
def _chat_limited_to(rate: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    """The app with each conversation limited to ``rate`` messages (e.g. "2/minute")."""
    monkeypatch.setenv("TTHC_CHAT_RATE_LIMIT", rate)
    get_settings.cache_clear()
    from knowledge.api.app import create_app

    with TestClient(create_app()) as client:
        yield client


def test_a_wrong_token_is_refused(chat: TestClient) -> None:
    session_id, _ = open_chat(chat)
    _, other = open_chat(chat)
    for headers in ({}, other, {"Authorization": "Bearer sai"}):
        response = chat.get(f"/api/chat/sessions/{session_id}/messages", headers=headers)
        assert response.status_code == 401
        assert "Phiên trò chuyện không hợp lệ" in response.json()["detail"]


def test_a_message_with_a_wrong_token_is_refused_before_anything_is_spent(
    fake_rasa: FakeRasa, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The turn checks the token itself (no separate dependency): a stranger's message is
    # neither stored, nor sent to Rasa, nor counted against the conversation's limit.
    with _chat_limited_to("2/minute", monkeypatch) as client:
        session_id, headers = open_chat(client)
        _, other = open_chat(client)
        url = f"/api/chat/sessions/{session_id}/messages"
        for wrong in ({}, other, {"Authorization": "Bearer sai"}):
            response = client.post(url, json={"text": "chào"}, headers=wrong)
            assert response.status_code == 401
            assert "Phiên trò chuyện không hợp lệ" in response.json()["detail"]
        query = client.post(f"{url}?token=sai", json={"text": "chào"})
        assert query.status_code == 401
        token = headers["Authorization"].removeprefix("Bearer ")
        assert client.post(f"{url}?token={token}", json={"text": "một"}).status_code == 200
        assert client.post(url, json={"text": "hai"}, headers=headers).status_code == 200
        assert client.post(url, json={"text": "ba"}, headers=headers).status_code == 429
    with session_scope(get_engine()) as session:
        users = session.scalars(select(ChatMessage.text).where(ChatMessage.role == "user")).all()
    assert users == ["một", "hai"]
    assert [m["message"] for m in fake_rasa.received] == ["một", "hai"]


def test_a_turn_takes_two_pooled_connections(chat: TestClient, fake_rasa: FakeRasa) -> None:
    # One to check the token and store the question, one to store the answers (there was a
    # third, and two more trips to the thread pool, for the token alone).
    from sqlalchemy import event

    session_id, headers = open_chat(chat)
    checkouts: list[object] = []

    def count(*_: object) -> None:
        checkouts.append(_)

    engine = get_engine()
    event.listen(engine, "checkout", count)
    try:
        say(chat, session_id, headers, "lệ phí đăng ký khai sinh")
    finally:
        event.remove(engine, "checkout", count)
    assert len(checkouts) == 2


def test_phone_and_id_numbers_are_masked_before_they_are_stored(
    chat: TestClient, fake_rasa: FakeRasa
) -> None:
    session_id, headers = open_chat(chat)
    say(chat, session_id, headers, f"số của tôi là {PHONE}, căn cước {ID_NUMBER}")
    with session_scope(get_engine()) as session:
        stored = session.scalars(select(ChatMessage.text)).all()
    assert stored and all(PHONE not in t and ID_NUMBER not in t for t in stored)
    assert "********78" in stored[0] and "**********34" in stored[0]
    # The bot still gets what the citizen wrote (the dossier lookup needs the digits).
    assert PHONE in fake_rasa.received[0]["message"]


def test_oversize_and_empty_messages_are_refused_in_vietnamese(chat: TestClient) -> None:
    session_id, headers = open_chat(chat)
    limit = get_settings().max_question_chars
    url = f"/api/chat/sessions/{session_id}/messages"
    long = chat.post(url, json={"text": "a" * (limit + 1)}, headers=headers)
    assert long.status_code == 422
    assert long.json()["detail"] == (
        f"Tin nhắn dài quá (tối đa {limit} ký tự). Bạn hỏi ngắn gọn lại giúp mình nhé."
    )
    empty = chat.post(url, json={"text": "   "}, headers=headers)
    assert empty.status_code == 422 and "Tin nhắn trống" in empty.json()["detail"]


def test_messages_are_rate_limited_per_conversation(
    fake_rasa: FakeRasa, monkeypatch: pytest.MonkeyPatch
) -> None:
    with _chat_limited_to("3/minute", monkeypatch) as client:
        session_id, headers = open_chat(client)
        url = f"/api/chat/sessions/{session_id}/messages"
        codes = [
            client.post(url, json={"text": f"câu {i}"}, headers=headers).status_code
            for i in range(4)
        ]
        refused = client.post(url, json={"text": "nữa"}, headers=headers)
        other_id, other = open_chat(client)  # another conversation is not held back
        assert (
            client.post(
                f"/api/chat/sessions/{other_id}/messages", json={"text": "chào"}, headers=other
            ).status_code
            == 200
        )
    assert codes == [200, 200, 200, 429]
    assert refused.json()["detail"] == "Bạn gửi nhanh quá. Bạn đợi một chút rồi gửi tiếp nhé."


def test_rasa_down_gives_the_hotline_and_the_gateway_recovers(
    chat: TestClient, fake_rasa: FakeRasa
) -> None:
    session_id, headers = open_chat(chat)
    fake_rasa.stop()
    down = say(chat, session_id, headers, "lệ phí đăng ký khai sinh")
    assert [m["role"] for m in down] == ["user", "system"]
    assert down[1]["event"] == "bot_unavailable"
    assert get_settings().hotline in down[1]["text"] and "tạm gián đoạn" in down[1]["text"]
    fake_rasa.start()
    back = say(chat, session_id, headers, "lệ phí đăng ký khai sinh")
    assert [m["role"] for m in back] == ["user", "bot", "bot"]


# --------------------------------------------------------------------------- reconnect


def test_reconnect_loses_nothing(
    chat: TestClient, fake_rasa: FakeRasa, office_open: None, staff_headers: Headers
) -> None:
    session_id, headers = open_chat(chat)
    token = headers["Authorization"].split()[1]
    agent = staff_headers("canbo.an", "agent")
    chat.get("/api/agent/handoffs", headers=agent)  # the agent is at the console
    with chat.websocket_connect(f"/api/chat/ws?session_id={session_id}&token={token}") as ws:
        ws.send_json({"type": "message", "text": "cho tôi gặp nhân viên"})
        received = [ws.receive_json() for _ in range(3)]
    assert [m["role"] for m in received] == ["user", "bot", "system"]
    last_seen = received[-1]["id"]
    # While the citizen is away: an agent claims and writes.
    [waiting] = chat.get("/api/agent/handoffs?status=waiting", headers=agent).json()["handoffs"]
    assert chat.post(f"/api/agent/handoffs/{waiting['id']}/claim", headers=agent).status_code == 200
    sent = chat.post(
        f"/api/agent/handoffs/{waiting['id']}/messages",
        json={"text": "Chào bạn, mình là cán bộ."},
        headers=agent,
    )
    assert sent.status_code == 201
    missed = chat.get(
        f"/api/chat/sessions/{session_id}/messages?after={last_seen}", headers=headers
    )
    assert [(m["role"], m["event"]) for m in missed.json()["messages"]] == [
        ("system", "agent_joined"),
        ("agent", None),
    ]
    with chat.websocket_connect(
        f"/api/chat/ws?session_id={session_id}&token={token}&after={last_seen}"
    ) as ws:
        replayed = [ws.receive_json() for _ in range(2)]
    assert [m["id"] for m in replayed] == [m["id"] for m in missed.json()["messages"]]


def test_a_socket_with_a_wrong_token_is_closed(chat: TestClient) -> None:
    from starlette.websockets import WebSocketDisconnect

    session_id, _ = open_chat(chat)
    with pytest.raises(WebSocketDisconnect) as closed:
        with chat.websocket_connect(f"/api/chat/ws?session_id={session_id}&token=sai"):
            pass
    assert closed.value.code == 4401


# --------------------------------------------------------------------------- handoff


def test_live_handoff_claim_talk_release(
    chat: TestClient, fake_rasa: FakeRasa, office_open: None, staff_headers: Headers
) -> None:
    first = staff_headers("canbo.an", "agent")
    second = staff_headers("canbo.binh", "agent")
    chat.get("/api/agent/handoffs", headers=first)
    session_id, headers = open_chat(chat)
    token = headers["Authorization"].split()[1]
    with chat.websocket_connect(f"/api/chat/ws?session_id={session_id}&token={token}") as ws:
        say(chat, session_id, headers, "lệ phí đăng ký khai sinh")
        [ws.receive_json() for _ in range(3)]
        ws.send_json({"type": "message", "text": "cho tôi gặp cán bộ"})
        user, bot, queued = (ws.receive_json() for _ in range(3))
        assert queued["event"] == "handoff_waiting"
        assert "vị trí số 1" in queued["text"] and "khoảng 6 phút" in queued["text"]
        [waiting] = chat.get("/api/agent/handoffs?status=waiting", headers=first).json()["handoffs"]
        assert waiting["procedure_codes"] == ["1.001193"] and waiting["position"] == 1
        assert waiting["last_message"] == "cho tôi gặp cán bộ"
        claimed = chat.post(f"/api/agent/handoffs/{waiting['id']}/claim", headers=first)
        assert claimed.status_code == 200 and claimed.json()["status"] == "active"
        assert ws.receive_json()["event"] == "agent_joined"
        refused = chat.post(f"/api/agent/handoffs/{waiting['id']}/claim", headers=second)
        assert refused.status_code == 409
        assert refused.json()["detail"] == "Yêu cầu này đã có cán bộ canbo.an nhận."
        # The citizen's messages now go to the agent, not the bot.
        asked = len(fake_rasa.received)
        ws.send_json({"type": "message", "text": "hồ sơ của tôi nộp hôm qua"})
        assert ws.receive_json()["role"] == "user"
        assert len(fake_rasa.received) == asked
        reply = chat.post(
            f"/api/agent/handoffs/{waiting['id']}/messages",
            json={"text": "Mình gửi bạn thủ tục đăng ký khai sinh.", "procedure_code": "1.001193"},
            headers=first,
        )
        assert reply.status_code == 201
        pushed = ws.receive_json()
        assert (pushed["role"], pushed["text"], pushed["procedure_codes"]) == (
            "agent",
            "Mình gửi bạn thủ tục đăng ký khai sinh.",
            ["1.001193"],
        )
        other = chat.post(
            f"/api/agent/handoffs/{waiting['id']}/messages",
            json={"text": "xin chào"},
            headers=second,
        )
        assert other.status_code == 403
        released = chat.post(f"/api/agent/handoffs/{waiting['id']}/release", headers=first)
        assert released.json()["status"] == "released"
        assert ws.receive_json()["event"] == "agent_left"
        # The bot answers again, in the same Rasa conversation (its context kept).
        ws.send_json({"type": "message", "text": "lệ phí đăng ký khai sinh"})
        assert [ws.receive_json()["role"] for _ in range(3)] == ["user", "bot", "bot"]
    assert fake_rasa.received[-1] == {"sender": session_id, "message": "lệ phí đăng ký khai sinh"}


def test_agent_routes_need_a_signed_in_agent(chat: TestClient) -> None:
    session_id, citizen = open_chat(chat)
    for headers in ({}, citizen):
        assert chat.get("/api/agent/handoffs", headers=headers).status_code == 401
        assert chat.post("/api/agent/handoffs/1/claim", headers=headers).status_code == 401


def test_close_ends_the_handoff_and_invites_a_rating(
    chat: TestClient, fake_rasa: FakeRasa, office_open: None, staff_headers: Headers
) -> None:
    agent = staff_headers("canbo.an", "agent")
    chat.get("/api/agent/handoffs", headers=agent)
    session_id, headers = open_chat(chat)
    queued = chat.post(f"/api/chat/sessions/{session_id}/handoff", headers=headers).json()[
        "messages"
    ]
    assert queued[0]["event"] == "handoff_waiting"
    [waiting] = chat.get("/api/agent/handoffs?status=waiting", headers=agent).json()["handoffs"]
    chat.post(f"/api/agent/handoffs/{waiting['id']}/claim", headers=agent)
    note = chat.put(
        f"/api/agent/handoffs/{waiting['id']}/note",
        json={"note": f"Gọi lại số {PHONE}"},
        headers=agent,
    )
    assert note.json()["note"] == "Gọi lại số ********78"
    closed = chat.post(f"/api/agent/handoffs/{waiting['id']}/close", headers=agent)
    assert closed.json()["status"] == "closed"
    last = chat.get(f"/api/chat/sessions/{session_id}/messages", headers=headers).json()[
        "messages"
    ][-1]
    assert last["event"] == "closed" and "đánh giá" in last["text"]
    again = chat.post(f"/api/agent/handoffs/{waiting['id']}/claim", headers=agent)
    assert again.status_code in (200, 409)


def test_outside_office_hours_the_callback_form_is_offered(
    chat: TestClient, fake_rasa: FakeRasa, monkeypatch: pytest.MonkeyPatch, staff_headers: Headers
) -> None:
    opening = datetime(2027, 2, 11, 7, 30)
    monkeypatch.setattr(
        store, "office_status", lambda now: OfficeStatus(False, "Mùng ba Tết Nguyên Đán", opening)
    )
    session_id, headers = open_chat(chat)
    messages = say(chat, session_id, headers, "cho tôi gặp nhân viên")
    offer = messages[-1]
    assert offer["callback_form"] is True and offer["event"] == "callback_form"
    assert "Mùng ba Tết Nguyên Đán" in offer["text"] and "07:30 thứ Năm 11/02/2027" in offer["text"]
    url = f"/api/chat/sessions/{session_id}/callback"
    bad = chat.post(url, json={"name": "An", "phone": "12345", "question": "x"}, headers=headers)
    assert bad.status_code == 422 and "Số điện thoại chưa đúng" in bad.json()["detail"]
    saved = chat.post(
        url,
        json={"name": "Nguyễn Văn An", "phone": "0912 345 678", "question": f"CCCD {ID_NUMBER}"},
        headers=headers,
    )
    assert saved.status_code == 201 and saved.json()["messages"][0]["event"] == "callback_saved"
    agent = staff_headers("canbo.an", "agent")
    [callback] = chat.get("/api/agent/handoffs?status=callback", headers=agent).json()["handoffs"]
    assert (callback["callback_name"], callback["callback_phone"]) == ("Nguyễn Văn An", PHONE)
    assert ID_NUMBER not in callback["callback_question"]


def test_no_agent_present_offers_the_callback_form(
    chat: TestClient, fake_rasa: FakeRasa, office_open: None
) -> None:
    session_id, headers = open_chat(chat)
    offer = say(chat, session_id, headers, "cho tôi gặp nhân viên")[-1]
    assert offer["callback_form"] is True
    assert "chưa có cán bộ nào trực tuyến" in offer["text"]


# --------------------------------------------------------------------------- feedback


def test_feedback_on_answers_and_the_conversation(chat: TestClient, fake_rasa: FakeRasa) -> None:
    session_id, headers = open_chat(chat)
    user, answer, _ = say(chat, session_id, headers, "lệ phí đăng ký khai sinh")
    url = f"/api/chat/sessions/{session_id}/feedback"
    down = chat.post(
        url,
        json={"message_id": answer["id"], "value": "down", "reason": f"sai, gọi {PHONE}"},
        headers=headers,
    )
    assert down.status_code == 201
    assert (
        chat.post(url, json={"message_id": user["id"], "value": "up"}, headers=headers).status_code
        == 404
    )
    assert chat.post(url, json={"rating": 6}, headers=headers).status_code == 422
    assert (
        chat.post(
            url, json={"rating": 5, "message_id": answer["id"], "value": "up"}, headers=headers
        ).status_code
        == 422
    )
    assert (
        chat.post(url, json={"rating": 4, "comment": "Nhanh"}, headers=headers).status_code == 201
    )
    with session_scope(get_engine()) as session:
        rows = session.scalars(select(ChatFeedback).order_by(ChatFeedback.id)).all()
        assert [(r.kind, r.value, r.procedure_codes) for r in rows] == [
            ("thumb", -1, "1.001193"),
            ("rating", 4, "1.001193"),
        ]
        assert rows[0].comment == "sai, gọi ********78"


# --------------------------------------------------------------------------- retention


def test_purge_deletes_old_conversations_and_keeps_feedback(
    chat: TestClient, fake_rasa: FakeRasa
) -> None:
    session_id, headers = open_chat(chat)
    say(chat, session_id, headers, "lệ phí đăng ký khai sinh")
    chat.post(f"/api/chat/sessions/{session_id}/feedback", json={"rating": 5}, headers=headers)
    with session_scope(get_engine()) as session:
        assert store.purge_conversations(session, datetime(2000, 1, 1)) == 0
        assert store.purge_conversations(session, datetime(2999, 1, 1)) == 1
    with session_scope(get_engine()) as session:
        assert session.scalars(select(ChatMessage)).all() == []
        assert session.scalars(select(Handoff)).all() == []
        assert len(session.scalars(select(ChatFeedback)).all()) == 1
    assert chat.get(f"/api/chat/sessions/{session_id}/messages", headers=headers).status_code == 401


# --------------------------------------------------------------------------- the console socket


def test_the_console_socket_takes_its_token_in_the_first_message(
    chat: TestClient, fake_rasa: FakeRasa, office_open: None, staff_headers: Headers
) -> None:
    agent = staff_headers("canbo.an", "agent")
    token = agent["Authorization"].split()[1]
    with chat.websocket_connect("/api/agent/ws") as console:
        console.send_json({"type": "auth", "token": token})
        assert console.receive_json() == {"type": "ready", "username": "canbo.an"}
        chat.get("/api/agent/handoffs", headers=agent)  # at the console: citizens are queued
        session_id, headers = open_chat(chat)
        say(chat, session_id, headers, "cho tôi gặp cán bộ")
        pushed = []
        while not any(p["type"] == "handoff" for p in pushed) and len(pushed) < 10:
            pushed.append(console.receive_json())
        assert pushed[-1]["event"] == "waiting"
        assert pushed[-1]["handoff"]["session_id"] == session_id
        assert any(p["type"] == "message" and p["session_id"] == session_id for p in pushed)
        console.send_json({"type": "ping"})
        assert console.receive_json() == {"type": "pong"}


@pytest.mark.parametrize(
    "first",
    [
        {"type": "ping"},  # anything before the token
        {"type": "auth", "token": "sai"},
        {"type": "auth"},
        ["auth"],
        "không phải JSON",
    ],
)
def test_the_console_socket_refuses_without_a_valid_first_message(
    chat: TestClient, staff_headers: Headers, first: Any
) -> None:
    from starlette.websockets import WebSocketDisconnect

    token = staff_headers("canbo.an", "agent")["Authorization"].split()[1]
    # A token in the URL counts for nothing: it no longer belongs there.
    with chat.websocket_connect(f"/api/agent/ws?token={token}") as console:
        if isinstance(first, str):
            console.send_text(first)
        else:
            console.send_json(first)
        with pytest.raises(WebSocketDisconnect) as closed:
            console.receive_json()
    assert closed.value.code == 4401


def test_the_console_socket_needs_an_agent_and_closes_when_nothing_comes(
    chat: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from starlette.websockets import WebSocketDisconnect

    from knowledge.api.routes import agent

    _, citizen = open_chat(chat)  # a citizen's chat token is not an agent's
    with chat.websocket_connect("/api/agent/ws") as console:
        console.send_json({"type": "auth", "token": citizen["Authorization"].split()[1]})
        with pytest.raises(WebSocketDisconnect) as closed:
            console.receive_json()
    assert closed.value.code == 4401
    monkeypatch.setattr(agent, "AUTH_SECONDS", 0.2)
    with chat.websocket_connect("/api/agent/ws") as console:
        with pytest.raises(WebSocketDisconnect) as closed:
            console.receive_json()
    assert closed.value.code == 4401
