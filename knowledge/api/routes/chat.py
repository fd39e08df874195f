"""The citizens' chat gateway: sessions, a WebSocket, the HTTP fallback, callback and feedback.

The only public way to the assistant. A conversation starts with ``POST /api/chat/sessions``
(``{"session_id", "token"}``); the token then goes in ``Authorization: Bearer …`` (HTTP) or
``?token=`` (WebSocket). The turn itself lives in ``knowledge.chat.gateway``.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from fastapi import (
    APIRouter,
    Depends,
    Header,
    Query,
    Request,
    WebSocket,
    WebSocketDisconnect,
    status,
)
from sqlalchemy.orm import Session

from knowledge.api.deps import AfterRowId, get_session
from knowledge.chat import store
from knowledge.chat.gateway import citizen_turn, hub, in_db
from knowledge.chat.schemas import (
    CallbackIn,
    FeedbackIn,
    FeedbackSaved,
    MessageIn,
    MessagesOut,
    SessionCreated,
)
from knowledge.clock import local_now
from knowledge.config import get_settings
from knowledge.db import commit
from knowledge.errors import KnowledgeError

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/api/chat", tags=["chat"])

_TOKEN_DOC = "Mã phiên trò chuyện (token) nhận khi tạo phiên, gửi trong Authorization: Bearer …"


def chat_token(
    authorization: str | None = Header(None, description=_TOKEN_DOC),
    token: str | None = Query(None, description="Mã phiên (thay cho tiêu đề Authorization)"),
) -> str:
    """The conversation's token as given (``Authorization: Bearer`` or ``?token=``), unchecked."""
    scheme, _, bearer = (authorization or "").partition(" ")
    given = bearer.strip() if scheme.lower() == "bearer" else ""
    return given or token or ""


def chat_session(
    session_id: str,
    token: str = Depends(chat_token),
    session: Session = Depends(get_session),
) -> str:
    """The conversation id, once its token (header or query) is checked."""
    store.open_session(session, session_id, token)
    # A read: end its transaction so the connection goes back to the pool now. Otherwise a
    # turn holds it while Rasa answers, and 25 turns at once exhausted the pool (5 + 10) of
    # an API worker (bench/cluster_load.py: QueuePool timeouts at 50 conversations).
    session.rollback()
    return session_id


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


@router.post(
    "/sessions",
    response_model=SessionCreated,
    status_code=status.HTTP_201_CREATED,
    responses={429: {}},
)
def create_chat_session(
    request: Request, session: Session = Depends(get_session)
) -> SessionCreated:
    """Mở một cuộc trò chuyện mới: trả về session_id và token (giữ bí mật ở trình duyệt)."""
    request.app.state.limits.check(
        get_settings().chat_sessions_rate_limit, f"sessions:{_client(request)}"
    )
    created = store.new_session(session, local_now())
    commit(session)  # the token must work for the request that follows at once
    return created


@router.get("/sessions/{session_id}/messages", response_model=MessagesOut, responses={401: {}})
def list_chat_messages(
    after: AfterRowId = None,
    session_id: str = Depends(chat_session),
    session: Session = Depends(get_session),
) -> MessagesOut:
    """Tin nhắn của cuộc trò chuyện (đã che số điện thoại, số định danh), sau id ``after``."""
    return MessagesOut(messages=store.messages_after(session, session_id, after))


@router.post(
    "/sessions/{session_id}/messages",
    response_model=MessagesOut,
    responses={401: {}, 422: {}, 429: {}},
)
async def create_chat_message(
    request: Request, body: MessageIn, session_id: str, token: str = Depends(chat_token)
) -> MessagesOut:
    """Gửi một tin nhắn (cách dự phòng khi không dùng WebSocket); trả về các tin nhắn mới."""
    # The token is checked by the turn, in the transaction that stores the message: one trip
    # to the thread pool and one pooled connection per turn fewer than ``chat_session``.
    limits = request.app.state.limits
    return MessagesOut(messages=await citizen_turn(session_id, body.text, limits, token=token))


@router.post("/sessions/{session_id}/handoff", response_model=MessagesOut, responses={401: {}})
async def create_handoff_request(session_id: str = Depends(chat_session)) -> MessagesOut:
    """Đề nghị gặp cán bộ: vào hàng chờ, hoặc nhận mẫu đề nghị gọi lại khi không có ai trực."""
    messages = await in_db(lambda s: store.ask_for_human(s, session_id, "asked", local_now()))
    hub.publish(session_id, messages)
    if any(m.event == "handoff_waiting" for m in messages):
        for handoff in await in_db(lambda s: store.list_handoffs(s, "waiting")):
            hub.publish_handoff("waiting", handoff.dict())
    return MessagesOut(messages=messages)


@router.post(
    "/sessions/{session_id}/callback",
    response_model=MessagesOut,
    status_code=status.HTTP_201_CREATED,
    responses={401: {}, 422: {}},
)
async def create_callback_request(
    body: CallbackIn, session_id: str = Depends(chat_session)
) -> MessagesOut:
    """Gửi mẫu đề nghị gọi lại (họ tên, số điện thoại, câu hỏi) vào danh sách của cán bộ."""
    messages = await in_db(lambda s: store.save_callback(s, session_id, body, local_now()))
    hub.publish(session_id, messages)
    for handoff in await in_db(lambda s: store.list_handoffs(s, "callback")):
        hub.publish_handoff("callback", handoff.dict())
    return MessagesOut(messages=messages)


@router.post(
    "/sessions/{session_id}/feedback",
    response_model=FeedbackSaved,
    status_code=status.HTTP_201_CREATED,
    responses={401: {}, 404: {}, 422: {}},
)
def create_feedback(
    body: FeedbackIn,
    session_id: str = Depends(chat_session),
    session: Session = Depends(get_session),
) -> FeedbackSaved:
    """Đánh giá 👍/👎 một câu trả lời (kèm lý do) hoặc chấm 1–5 sao cả cuộc trò chuyện."""
    saved = FeedbackSaved(id=store.save_feedback(session, session_id, body, local_now()))
    commit(session)
    return saved


@router.websocket("/ws")
async def chat_socket(
    websocket: WebSocket,
    session_id: str = Query(...),
    token: str = Query(...),
    after: AfterRowId = None,
) -> None:
    """WebSocket: {"type": "message", "text"} lên; tin nhắn {"id", "role", "text", …} xuống."""
    try:
        await in_db(lambda s: store.open_session(s, session_id, token))
    except KnowledgeError:
        await websocket.close(code=4401)
        return
    await websocket.accept()
    # Subscribe before reading the history: whatever is said meanwhile waits in the queue,
    # and the pump skips what the history already sent.
    queue = hub.subscribe(session_id)
    try:
        sent = after if after is not None else -1
        if after is not None:
            for message in await in_db(lambda s: store.messages_after(s, session_id, after)):
                await websocket.send_json(_wire(message.dict()))
                sent = message.id
        pump = asyncio.create_task(_pump(websocket, queue, sent))
        try:
            await _receive(websocket, session_id, queue)
        finally:
            pump.cancel()
    except WebSocketDisconnect:
        pass
    finally:
        hub.unsubscribe(session_id, queue)


def _wire(data: dict[str, Any]) -> dict[str, Any]:
    data["created_at"] = data["created_at"].isoformat()
    return data


async def _pump(websocket: WebSocket, queue: asyncio.Queue[dict[str, Any]], sent: int) -> None:
    """Send whatever the hub queues, in order, skipping messages up to id ``sent``."""
    while True:
        data = await queue.get()
        message_id = data.get("id")
        if isinstance(message_id, int):
            if message_id <= sent:
                continue
            sent = message_id
        await websocket.send_json(data)


async def _receive(
    websocket: WebSocket, session_id: str, queue: asyncio.Queue[dict[str, Any]]
) -> None:
    while True:
        try:
            data = await websocket.receive_json()
        except (ValueError, KeyError):
            queue.put_nowait({"type": "error", "detail": "Tin nhắn không đúng định dạng JSON."})
            continue
        if not isinstance(data, dict):
            continue
        if data.get("type") == "ping":
            queue.put_nowait({"type": "pong"})
            continue
        if data.get("type") != "message":
            queue.put_nowait({"type": "error", "detail": "Loại tin nhắn không được hỗ trợ."})
            continue
        try:
            await citizen_turn(session_id, str(data.get("text") or ""), websocket.app.state.limits)
        except KnowledgeError as exc:
            queue.put_nowait({"type": "error", "status": exc.status_code, "detail": exc.message})
