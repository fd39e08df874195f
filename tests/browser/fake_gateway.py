"""A stand-in for the chat gateway, the handoff API and staff sign-in, for the browser tests.

It serves exactly the public contract of issue 13 (``/api/chat/...``, ``/api/agent/handoffs...``,
``POST /api/auth/token``, ``GET /api/auth/me``) from memory, and relays citizen messages to the
fake Rasa's REST channel. ``install(app)`` adds only the routes the real application does not
have yet, so the same browser tests run against the real gateway once it is there.
The state lives in the API's process; tests drive it through the same HTTP API a browser uses,
plus ``POST /api/_test/office`` (open or closed hours) and ``POST /api/_test/reset``.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import re
import secrets
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from fastapi import (
    APIRouter,
    FastAPI,
    Header,
    HTTPException,
    Request,
    WebSocket,
    WebSocketDisconnect,
)
from starlette.routing import BaseRoute

HANDOFF_RE = re.compile(r"g[aặ]p (nh[aâ]n vi[eê]n|c[aá]n b[oộ])", re.IGNORECASE)
AGENTS = {"canbo1": ("matkhau-canbo1", "Nguyễn Thị Tổng Đài")}
CODE_RE = re.compile(r"\b\d\.\d{6}\b")


@dataclass
class Conversation:
    """One citizen's conversation."""

    id: str
    token: str
    messages: list[dict[str, Any]] = field(default_factory=list)
    sockets: list[WebSocket] = field(default_factory=list)
    handoff: int | None = None


@dataclass
class State:
    """Everything the fake keeps: conversations, handoffs, feedback, agent tokens."""

    conversations: dict[str, Conversation] = field(default_factory=dict)
    handoffs: dict[int, dict[str, Any]] = field(default_factory=dict)
    feedback: list[dict[str, Any]] = field(default_factory=list)
    tokens: dict[str, str] = field(default_factory=dict)
    office_open: bool = True
    ids: itertools.count = field(default_factory=lambda: itertools.count(1))


state = State()
router = APIRouter()


def _now() -> str:
    return datetime.now(timezone.utc).isoformat()


def _conversation(session_id: str, token: str | None) -> Conversation:
    conv = state.conversations.get(session_id)
    if conv is None or not token or not secrets.compare_digest(token, conv.token):
        raise HTTPException(404, "Không tìm thấy cuộc trò chuyện.")
    return conv


def _bearer(authorization: str | None) -> str | None:
    scheme, _, value = (authorization or "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" else None


async def _post(conv: Conversation, role: str, text: str, **extra: Any) -> dict[str, Any]:
    message = {"id": next(state.ids), "role": role, "text": text, "buttons": [], **extra}
    message["created_at"] = _now()
    conv.messages.append(message)
    for ws in list(conv.sockets):
        try:
            await ws.send_text(json.dumps(message, ensure_ascii=False))
        except Exception:  # a socket that died: the client catches up with ?after=
            conv.sockets.remove(ws)
    return message


def _ask_rasa(sender: str, text: str) -> list[dict[str, Any]]:
    url = os.environ["TTHC_RASA_URL"].rstrip("/") + "/webhooks/rest/webhook"
    body = json.dumps({"sender": sender, "message": text}).encode()
    request = urllib.request.Request(url, body, {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (local fake)
        return list(json.loads(response.read()))


async def _citizen_says(conv: Conversation, text: str) -> list[dict[str, Any]]:
    out = [await _post(conv, "user", text)]
    handoff = state.handoffs.get(conv.handoff or 0)
    if handoff and handoff["status"] == "active":
        handoff["last_message"] = text
        return out  # a person holds the conversation: the bot stays quiet
    if HANDOFF_RE.search(text):
        if not state.office_open:
            out.append(
                await _post(
                    conv,
                    "system",
                    "Hiện ngoài giờ làm việc. Bạn để lại thông tin, cán bộ sẽ gọi lại.",
                    callback_form=True,
                )
            )
            return out
        hid = next(state.ids)
        waiting = sum(1 for h in state.handoffs.values() if h["status"] == "waiting") + 1
        state.handoffs[hid] = {
            "id": hid,
            "session_id": conv.id,
            "status": "waiting",
            "created_at": _now(),
            "position": waiting,
            "claimed_by": None,
            "procedure_codes": sorted(
                {c for m in conv.messages if m["role"] == "bot" for c in CODE_RE.findall(m["text"])}
            ),
            "last_message": text,
            "note": "",
        }
        conv.handoff = hid
        out.append(
            await _post(
                conv,
                "system",
                f"Đã chuyển bạn tới nhân viên. Bạn đang ở vị trí {waiting}, "
                "thời gian chờ dự kiến 2 phút.",
            )
        )
        return out
    try:
        replies = await asyncio.to_thread(_ask_rasa, conv.id, text)
    except OSError:
        sorry = "Trợ lý tạm thời gián đoạn, vui lòng gọi 1900 1234."
        out.append(await _post(conv, "system", sorry))
        return out
    for reply in replies:
        buttons = reply.get("buttons") or []
        out.append(await _post(conv, "bot", reply.get("text") or "", buttons=buttons))
    return out


@router.post("/api/chat/sessions")
def create_session() -> dict[str, str]:
    """Open a conversation."""
    conv = Conversation(id=secrets.token_hex(8), token=secrets.token_urlsafe(16))
    state.conversations[conv.id] = conv
    return {"session_id": conv.id, "token": conv.token}


@router.get("/api/chat/sessions/{session_id}/messages")
def list_messages(
    session_id: str, after: int = 0, authorization: str | None = Header(None)
) -> list[dict[str, Any]]:
    """Messages after a cursor."""
    conv = _conversation(session_id, _bearer(authorization))
    return [m for m in conv.messages if m["id"] > after]


@router.post("/api/chat/sessions/{session_id}/messages")
async def create_message(
    session_id: str, body: dict[str, Any], authorization: str | None = Header(None)
) -> list[dict[str, Any]]:
    """The HTTP fallback: a citizen's message, and what came back."""
    conv = _conversation(session_id, _bearer(authorization))
    return await _citizen_says(conv, str(body.get("text", "")))


@router.post("/api/chat/sessions/{session_id}/feedback", status_code=201)
def create_feedback(
    session_id: str, body: dict[str, Any], authorization: str | None = Header(None)
) -> dict[str, bool]:
    """Store a rating."""
    _conversation(session_id, _bearer(authorization))
    state.feedback.append({"session_id": session_id, **body})
    return {"ok": True}


@router.post("/api/chat/sessions/{session_id}/callback", status_code=201)
def create_callback(
    session_id: str, body: dict[str, Any], authorization: str | None = Header(None)
) -> dict[str, Any]:
    """A callback request for the agents' list."""
    _conversation(session_id, _bearer(authorization))
    hid = next(state.ids)
    state.handoffs[hid] = {
        "id": hid,
        "session_id": session_id,
        "status": "callback",
        "created_at": _now(),
        "claimed_by": None,
        "procedure_codes": [],
        "note": "",
        **{k: str(body.get(k, "")) for k in ("name", "phone", "question")},
    }
    return state.handoffs[hid]


@router.websocket("/api/chat/ws")
async def chat_socket(websocket: WebSocket, session_id: str, token: str) -> None:
    """The live channel of one conversation."""
    conv = state.conversations.get(session_id)
    if conv is None or not secrets.compare_digest(token, conv.token):
        await websocket.close(code=4401)
        return
    await websocket.accept()
    conv.sockets.append(websocket)
    try:
        while True:
            data = json.loads(await websocket.receive_text())
            if data.get("type") == "message":
                await _citizen_says(conv, str(data.get("text", "")))
    except WebSocketDisconnect:
        pass
    finally:
        if websocket in conv.sockets:
            conv.sockets.remove(websocket)


def _agent(authorization: str | None) -> str:
    name = state.tokens.get(_bearer(authorization) or "")
    if not name:
        raise HTTPException(401, "Mã truy cập không hợp lệ.")
    return name


@router.post("/api/auth/token")
async def create_access_token(request: Request) -> dict[str, str]:
    """Sign a staff member in (form fields, read by hand: no python-multipart needed)."""
    form = urllib.parse.parse_qs((await request.body()).decode())
    username = (form.get("username") or [""])[0]
    password = (form.get("password") or [""])[0]
    known = AGENTS.get(username)
    if not known or not secrets.compare_digest(password, known[0]):
        raise HTTPException(401, "Sai tên đăng nhập hoặc mật khẩu.")
    # The token the app's own agent check knows too (TTHC_AGENT_TOKENS), so /api/dossiers works.
    token = os.environ.get("TTHC_TEST_AGENT_TOKEN") or secrets.token_urlsafe(16)
    state.tokens[token] = username
    return {"access_token": token, "token_type": "bearer"}


@router.get("/api/auth/me")
def read_current_user(authorization: str | None = Header(None)) -> dict[str, str]:
    """Who is signed in."""
    name = _agent(authorization)
    return {"username": name, "full_name": AGENTS[name][1], "role": "agent"}


@router.get("/api/agent/handoffs")
def list_handoffs(status: str, authorization: str | None = Header(None)) -> list[dict[str, Any]]:
    """The queue by status."""
    _agent(authorization)
    return [h for h in state.handoffs.values() if h["status"] == status]


def _handoff(hid: int) -> dict[str, Any]:
    if hid not in state.handoffs:
        raise HTTPException(404, "Không tìm thấy yêu cầu hỗ trợ.")
    return state.handoffs[hid]


@router.get("/api/agent/handoffs/{hid}/messages")
def list_handoff_messages(
    hid: int, after: int = 0, authorization: str | None = Header(None)
) -> list[dict[str, Any]]:
    """The transcript of a handed-off conversation."""
    _agent(authorization)
    conv = state.conversations[_handoff(hid)["session_id"]]
    return [m for m in conv.messages if m["id"] > after]


@router.post("/api/agent/handoffs/{hid}/claim")
async def claim_handoff(hid: int, authorization: str | None = Header(None)) -> dict[str, Any]:
    """Take a waiting conversation."""
    name = _agent(authorization)
    h = _handoff(hid)
    if h["status"] != "waiting":
        raise HTTPException(409, "Cuộc trò chuyện đã có nhân viên khác nhận.")
    h.update(status="active", claimed_by=name)
    joined = "Nhân viên đã tham gia cuộc trò chuyện."
    await _post(state.conversations[h["session_id"]], "system", joined)
    return h


@router.post("/api/agent/handoffs/{hid}/messages")
async def create_agent_message(
    hid: int, body: dict[str, Any], authorization: str | None = Header(None)
) -> dict[str, Any]:
    """The agent writes to the citizen."""
    _agent(authorization)
    h = _handoff(hid)
    return await _post(state.conversations[h["session_id"]], "agent", str(body.get("text", "")))


@router.post("/api/agent/handoffs/{hid}/release")
async def release_handoff(hid: int, authorization: str | None = Header(None)) -> dict[str, Any]:
    """Back to the bot."""
    _agent(authorization)
    h = _handoff(hid)
    h["status"] = "released"
    await _post(state.conversations[h["session_id"]], "system", "Trợ lý ảo tiếp tục hỗ trợ bạn.")
    return h


@router.post("/api/agent/handoffs/{hid}/close")
async def close_handoff(hid: int, authorization: str | None = Header(None)) -> dict[str, Any]:
    """Close the conversation or the callback."""
    _agent(authorization)
    h = _handoff(hid)
    was, h["status"] = h["status"], "closed"
    if was != "callback":
        await _post(state.conversations[h["session_id"]], "system", "Nhân viên đã kết thúc hỗ trợ.")
    return h


@router.put("/api/agent/handoffs/{hid}/note")
def update_handoff_note(
    hid: int, body: dict[str, Any], authorization: str | None = Header(None)
) -> dict[str, Any]:
    """The agent's call note."""
    _agent(authorization)
    h = _handoff(hid)
    h["note"] = str(body.get("note", ""))[:500]
    return h


@router.post("/api/_test/office")
def set_office(body: dict[str, Any]) -> dict[str, bool]:
    """Open or close office hours."""
    state.office_open = bool(body.get("open", True))
    return {"open": state.office_open}


@router.post("/api/_test/drop")
async def drop_sockets(body: dict[str, Any]) -> dict[str, int]:
    """Close every socket (a network drop), then say ``body["say"]`` to everyone, unheard."""
    dropped = 0
    for conv in state.conversations.values():
        for ws in list(conv.sockets):
            conv.sockets.remove(ws)
            await ws.close(code=1012)
            dropped += 1
        if body.get("say"):
            await _post(conv, "system", str(body["say"]))
    return {"dropped": dropped}


@router.get("/api/_test/state")
def read_state() -> dict[str, Any]:
    """What was stored (feedback, handoffs), for assertions."""
    return {"feedback": state.feedback, "handoffs": list(state.handoffs.values())}


def install(app: FastAPI) -> list[str]:
    """Add the routes the app lacks (by method and path); returns the paths added."""
    have = {
        (method, route.path)
        for route in app.router.routes
        for method in (getattr(route, "methods", None) or {"WS"})
    }
    added: list[BaseRoute] = []
    for route in router.routes:
        methods = getattr(route, "methods", None) or {"WS"}
        if not any((m, route.path) in have for m in methods):  # type: ignore[attr-defined]
            added.append(route)
    app.router.routes[:0] = added  # before the pages' catch-all routes
    return [r.path for r in added]  # type: ignore[attr-defined]
