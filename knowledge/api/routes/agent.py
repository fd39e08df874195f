"""The call-center agents' side of the handoff: the queue, claiming, live messages, notes.

Every route needs a signed-in agent (or admin); each call also marks the agent present, which
is what lets the gateway queue citizens instead of offering the callback form. The console
receives new messages and queue changes on ``/api/agent/ws``, whose first message carries the
access token (``{"type": "auth", "token": …}``): a token in a URL ends up in access logs.
"""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import timedelta
from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, WebSocket, WebSocketDisconnect
from sqlalchemy.orm import Session

from knowledge.accounts import UserView, mark_seen, require, user_from_token
from knowledge.api.deps import AfterRowId, RowId, get_session, require_agent
from knowledge.chat import store
from knowledge.chat.gateway import hub, in_db
from knowledge.chat.schemas import (
    AgentMessageIn,
    HandoffList,
    HandoffView,
    MessageOut,
    MessagesOut,
    NoteIn,
)
from knowledge.clock import local_now
from knowledge.config import get_settings
from knowledge.db import commit, get_engine, session_scope
from knowledge.errors import KnowledgeError
from knowledge.models import UserRole
from knowledge.procedures import get_procedure

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/api/agent", tags=["agent"])

_ERRORS: dict[int | str, dict[str, Any]] = {401: {}, 403: {}, 404: {}, 409: {}}
AUTH_SECONDS = 10.0  # for the console socket's first message (the token)
AUTH_REFUSED = "Phiên đăng nhập không hợp lệ hoặc đã hết hạn."


def present_agent(user: UserView = Depends(require_agent)) -> str:
    """The signed-in agent's username, marked present at the console now.

    The mark is its own short transaction: the handlers write in theirs, and SQLite has one
    writer at a time.
    """
    with session_scope(get_engine()) as session:
        mark_seen(session, user.username)
    return user.username


def _publish(view: HandoffView, messages: list[MessageOut], event: str) -> None:
    hub.publish(view.session_id, messages)
    hub.publish_handoff(event, view.dict())


@router.get("/handoffs", response_model=HandoffList, responses=_ERRORS)
def list_handoffs(
    status: Literal["waiting", "active", "callback", "released", "closed"] = Query(
        "waiting", description="waiting: hàng chờ; active: đang hỗ trợ; callback: đề nghị gọi lại"
    ),
    _agent: str = Depends(present_agent),
    session: Session = Depends(get_session),
) -> HandoffList:
    """Danh sách yêu cầu gặp cán bộ theo trạng thái (cũ trước), kèm thủ tục bot đã trích dẫn."""
    return HandoffList(handoffs=store.list_handoffs(session, status))


@router.get("/handoffs/{handoff_id}", response_model=HandoffView, responses=_ERRORS)
def read_handoff(
    handoff_id: RowId, _agent: str = Depends(present_agent), session: Session = Depends(get_session)
) -> HandoffView:
    """Một yêu cầu gặp cán bộ."""
    return store.get_handoff(session, handoff_id)


@router.get("/handoffs/{handoff_id}/messages", response_model=MessagesOut, responses=_ERRORS)
def list_handoff_messages(
    handoff_id: RowId,
    after: AfterRowId = None,
    _agent: str = Depends(present_agent),
    session: Session = Depends(get_session),
) -> MessagesOut:
    """Toàn bộ cuộc trò chuyện (đã che số cá nhân) để cán bộ đọc trước khi trả lời."""
    session_id = store.handoff_session(session, handoff_id)
    return MessagesOut(messages=store.messages_after(session, session_id, after))


@router.post("/handoffs/{handoff_id}/claim", response_model=HandoffView, responses=_ERRORS)
async def claim_handoff(handoff_id: RowId, agent: str = Depends(present_agent)) -> HandoffView:
    """Nhận hỗ trợ một cuộc trò chuyện; người thứ hai nhận cùng yêu cầu bị từ chối (409)."""
    view, messages = await in_db(lambda s: store.claim(s, handoff_id, agent, local_now()))
    _publish(view, messages, "claimed")
    return view


@router.post(
    "/handoffs/{handoff_id}/messages",
    response_model=MessageOut,
    status_code=201,
    responses={**_ERRORS, 422: {}},
)
async def create_agent_message(
    handoff_id: RowId, body: AgentMessageIn, agent: str = Depends(present_agent)
) -> MessageOut:
    """Gửi tin nhắn cho người dân (kèm mã thủ tục khi gửi thẻ thủ tục); đến ngay qua WebSocket."""

    def say(session: Session) -> MessageOut:
        if body.procedure_code:
            get_procedure(session, body.procedure_code)  # 404/422 for an unknown code
        return store.agent_say(
            session, handoff_id, agent, body.text, local_now(), body.procedure_code
        )

    message = await in_db(say)
    session_id = await in_db(lambda s: store.handoff_session(s, handoff_id))
    hub.publish(session_id, [message])
    return message


@router.post("/handoffs/{handoff_id}/release", response_model=HandoffView, responses=_ERRORS)
async def release_handoff(handoff_id: RowId, agent: str = Depends(present_agent)) -> HandoffView:
    """Trả cuộc trò chuyện cho trợ lý ảo (bot tiếp tục với ngữ cảnh cũ)."""
    view, messages = await in_db(lambda s: store.release(s, handoff_id, agent, local_now()))
    _publish(view, messages, "released")
    return view


@router.post("/handoffs/{handoff_id}/close", response_model=HandoffView, responses=_ERRORS)
async def close_handoff(handoff_id: RowId, agent: str = Depends(present_agent)) -> HandoffView:
    """Kết thúc hỗ trợ (hoặc đánh dấu đã gọi lại xong một đề nghị gọi lại)."""
    view, messages = await in_db(lambda s: store.close(s, handoff_id, agent, local_now()))
    _publish(view, messages, "closed")
    return view


@router.put("/handoffs/{handoff_id}/note", response_model=HandoffView, responses=_ERRORS)
def update_handoff_note(
    handoff_id: RowId,
    body: NoteIn,
    agent: str = Depends(present_agent),
    session: Session = Depends(get_session),
) -> HandoffView:
    """Ghi chú ngắn của cán bộ về cuộc trò chuyện hoặc cuộc gọi lại."""
    view = store.save_note(session, handoff_id, agent, body.note)
    commit(session)
    return view


@router.websocket("/ws")
async def agent_socket(websocket: WebSocket) -> None:
    """WebSocket của bảng điều khiển: tin đầu tiên {"type": "auth", "token": "<access token>"}.

    Sau đó: tin nhắn mới và thay đổi hàng chờ, theo thời gian thực. The token travels in the
    first message, never in the URL, which proxies and access logs keep.
    """
    await websocket.accept()
    user = await _authenticate(websocket)
    if user is None:
        return
    await websocket.send_json({"type": "ready", "username": user.username})
    queue = hub.subscribe_agents()
    presence = asyncio.create_task(_keep_present(user.username))
    pump = asyncio.create_task(_pump(websocket, queue))
    try:
        while True:
            try:
                data = json.loads(await websocket.receive_text())
            except ValueError:
                continue
            if isinstance(data, dict) and data.get("type") == "ping":
                queue.put_nowait({"type": "pong"})
    except WebSocketDisconnect:
        pass
    finally:
        pump.cancel()
        presence.cancel()
        hub.unsubscribe_agents(queue)


async def _authenticate(websocket: WebSocket) -> UserView | None:
    """The agent named by the socket's first message, or None once the socket is closed.

    Closes with 4401 (and a Vietnamese reason) when that message is not ``{"type": "auth",
    "token": …}`` with a valid agent token, or does not come within ``AUTH_SECONDS``.
    """
    try:
        first = await asyncio.wait_for(websocket.receive_text(), AUTH_SECONDS)
        data = json.loads(first)
        token = data.get("token") if isinstance(data, dict) and data.get("type") == "auth" else None
        if not isinstance(token, str) or not token:
            raise ValueError("no auth message")
        return await in_db(lambda s: require(user_from_token(s, token), UserRole.agent))
    except WebSocketDisconnect:
        return None
    except (asyncio.TimeoutError, ValueError, KnowledgeError):
        await websocket.close(code=4401, reason=AUTH_REFUSED)
        return None


async def _pump(websocket: WebSocket, queue: asyncio.Queue[dict[str, Any]]) -> None:
    while True:
        await websocket.send_json(await queue.get())


async def _keep_present(username: str) -> None:
    """Mark the agent present while the console's socket is open."""
    every = timedelta(seconds=get_settings().agent_presence_seconds).total_seconds() / 2
    while True:
        await in_db(lambda s: mark_seen(s, username))
        await asyncio.sleep(max(every, 1.0))
