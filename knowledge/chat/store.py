"""Conversations in the database: sessions, masked messages, handoffs, feedback, retention.

Every function takes a session and returns plain schemas; the caller commits. Rules kept here:

* A citizen's session token is stored only as its SHA-256; a wrong token and an unknown
  session get the same 401 answer.
* Texts are masked (phone and ID numbers, ``knowledge.text.entities.mask_pii``) before
  they are written; the callback form's phone stays whole on its handoff, since an agent must
  call it.
* One conversation, one agent: a claim is one conditional UPDATE, so two agents claiming at
  once get one success and one ``ConflictError``.
* The expected wait is the queue position times ``handoff_minutes_per_chat`` shared among the
  agents present.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import math
import re
import secrets
import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from knowledge.accounts import agents_present
from knowledge.chat.hours import describe_opening, office_status
from knowledge.chat.models import ChatFeedback, ChatMessage, ChatSession, Handoff
from knowledge.chat.schemas import (
    Button,
    CallbackIn,
    FeedbackIn,
    HandoffView,
    MessageOut,
    SessionCreated,
)
from knowledge.config import get_settings
from knowledge.errors import (
    AuthenticationError,
    ConflictError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
)
from knowledge.text.entities import PHONE_RE, mask_pii

logger = logging.getLogger(__name__)

# The citation every procedure answer ends with (knowledge.answers), and the bare code form.
CITATION_RE = re.compile(r"Mã thủ tục:?\s*(\d{1,2}\.\d{6})(?![\d])")
CANCEL_HANDOFF = "/cancel_handoff"
CANCEL_BUTTON = Button(title="Tiếp tục hỏi trợ lý ảo", payload=CANCEL_HANDOFF)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def cited_codes(text: str) -> list[str]:
    """Procedure codes an answer cites ("Mã thủ tục: 1.001193"), in order, once each.

    Example:
        >>> cited_codes("Lệ phí: 8.000 đồng\\nMã thủ tục: 1.001193")
        ['1.001193']
    """
    return list(dict.fromkeys(CITATION_RE.findall(text or "")))


# --------------------------------------------------------------------------- sessions


def new_session(session: Session, now: datetime) -> SessionCreated:
    """Open a conversation with a fresh id and secret token."""
    token = secrets.token_urlsafe(32)
    chat = ChatSession(
        id=uuid.uuid4().hex, token_hash=_hash(token), mode="bot", created_at=now, last_active_at=now
    )
    session.add(chat)
    session.flush()
    return SessionCreated(session_id=chat.id, token=token)


def open_session(session: Session, session_id: str, token: str) -> ChatSession:
    """The conversation ``session_id`` when ``token`` is its token.

    Raises:
        AuthenticationError: unknown conversation or wrong token (one answer for both).
    """
    chat = session.get(ChatSession, (session_id or "")[:32])
    if chat is None or not hmac.compare_digest(chat.token_hash, _hash(token or "")):
        raise AuthenticationError(
            "Phiên trò chuyện không hợp lệ hoặc đã hết hạn. Bạn tải lại trang để bắt đầu lại nhé."
        )
    return chat


def mode_of(session: Session, session_id: str) -> str:
    """Who answers the conversation now: ``bot``, ``waiting`` (queue) or ``agent``."""
    chat = session.get(ChatSession, session_id)
    if chat is None:
        raise NotFoundError("Không tìm thấy cuộc trò chuyện.")
    return str(chat.mode)


# --------------------------------------------------------------------------- messages


def _out(message: ChatMessage) -> MessageOut:
    codes = [c for c in (message.procedure_codes or "").split(",") if c]
    return MessageOut(
        id=message.id,
        role=message.role,
        text=message.text,
        buttons=[Button(**b) for b in json.loads(message.buttons or "[]")],
        created_at=message.created_at,
        procedure_codes=codes,
        event=message.event,
        callback_form=message.event == "callback_form",
    )


def add_message(
    session: Session,
    session_id: str,
    role: str,
    text: str,
    now: datetime,
    *,
    buttons: Iterable[Button | dict[str, Any]] = (),
    codes: Sequence[str] = (),
    event: str | None = None,
    agent: str | None = None,
) -> MessageOut:
    """Store one message, masked, and return it with its id."""
    masked = mask_pii(text or "")
    button_list = [
        (
            b
            if isinstance(b, Button)
            else Button(
                title=str(b.get("title", "")), payload=str(b.get("payload", b.get("title", "")))
            )
        ).dict()
        for b in buttons
    ]
    for button in button_list:
        button["title"] = mask_pii(button["title"])
    all_codes = list(dict.fromkeys([*codes, *cited_codes(masked)]))
    message = ChatMessage(
        session_id=session_id,
        role=role,
        text=masked,
        buttons=json.dumps(button_list, ensure_ascii=False),
        procedure_codes=",".join(all_codes)[:300],
        event=event,
        agent_username=agent,
        created_at=now,
    )
    session.add(message)
    session.execute(
        update(ChatSession).where(ChatSession.id == session_id).values(last_active_at=now)
    )
    session.flush()
    return _out(message)


def messages_after(session: Session, session_id: str, after: int | None = None) -> list[MessageOut]:
    """The conversation's messages with ids above ``after`` (all when None), oldest first."""
    query = select(ChatMessage).where(ChatMessage.session_id == session_id)
    if after is not None:
        query = query.where(ChatMessage.id > after)
    return [_out(m) for m in session.scalars(query.order_by(ChatMessage.id).limit(500))]


# --------------------------------------------------------------------------- handoff


def _open_handoff(session: Session, session_id: str) -> Handoff | None:
    return session.scalar(
        select(Handoff)
        .where(Handoff.session_id == session_id, Handoff.status.in_(("waiting", "active")))
        .order_by(Handoff.id.desc())
        .limit(1)
    )


def queue_position(session: Session, handoff: Handoff) -> int:
    """1 for the oldest waiting handoff, and so on."""
    earlier = session.scalar(
        select(func.count(Handoff.id)).where(Handoff.status == "waiting", Handoff.id < handoff.id)
    )
    return int(earlier or 0) + 1


def expected_wait_minutes(position: int, agents: int) -> int:
    """Minutes until an agent is free for the citizen at ``position``, at least 1.

    Example:
        >>> expected_wait_minutes(3, 2)  # 6 minutes per chat, two agents
        9
    """
    per_chat = get_settings().handoff_minutes_per_chat
    return max(1, math.ceil(position * per_chat / max(1, agents)))


def _presence_window() -> timedelta:
    return timedelta(seconds=get_settings().agent_presence_seconds)


def ask_for_human(
    session: Session, session_id: str, reason: str, now: datetime
) -> list[MessageOut]:
    """Queue the conversation for an agent, or offer the callback form when nobody can answer.

    Outside office hours (weekly hours, public holidays, Tết) or with no agent present, the
    citizen gets the callback form instead of a queue nobody serves.
    """
    settings = get_settings()
    chat = session.get(ChatSession, session_id)
    if chat is None:
        raise NotFoundError("Không tìm thấy cuộc trò chuyện.")
    current = _open_handoff(session, session_id)
    if current is not None and current.status == "active":
        return [
            add_message(
                session,
                session_id,
                "system",
                "Cán bộ đang hỗ trợ bạn trong cuộc trò chuyện này.",
                now,
            )
        ]
    if current is not None:
        position = queue_position(session, current)
        wait = expected_wait_minutes(position, agents_present(session, _presence_window(), now))
        text = (
            f"Bạn vẫn đang trong hàng chờ, vị trí số {position}; thời gian chờ dự kiến khoảng "
            f"{wait} phút."
        )
        return _waiting_message(session, session_id, text, now)
    status = office_status(now)
    agents = agents_present(session, _presence_window(), now) if status.open else 0
    if not status.open or agents == 0:
        if status.holiday:
            why = f"Hôm nay là ngày nghỉ ({status.holiday}), chưa có cán bộ trực."
        elif not status.open:
            why = "Hiện ngoài giờ làm việc của Trung tâm, chưa có cán bộ trực."
        else:
            why = "Hiện chưa có cán bộ nào trực tuyến."
        opening = describe_opening(status.next_opening)
        when = f" từ {opening}" if opening and not status.open else " sớm nhất có thể"
        text = (
            f"{why} Bạn để lại họ tên, số điện thoại và câu hỏi, cán bộ sẽ gọi lại cho bạn{when}. "
            f"Bạn cũng có thể gọi tổng đài {settings.hotline}."
        )
        logger.info("handoff asked (%s) but nobody can answer: callback form offered", reason)
        return [add_message(session, session_id, "system", text, now, event="callback_form")]
    handoff = Handoff(session_id=session_id, status="waiting", reason=reason, created_at=now)
    session.add(handoff)
    chat.mode = "waiting"
    session.flush()
    position = queue_position(session, handoff)
    wait = expected_wait_minutes(position, agents)
    text = (
        f"Mình đã chuyển cuộc trò chuyện tới cán bộ tổng đài. Bạn đang ở vị trí số {position} "
        f"trong hàng chờ, thời gian chờ dự kiến khoảng {wait} phút. Trong lúc chờ, bạn cứ nhắn "
        "nội dung cần hỗ trợ, cán bộ sẽ đọc được."
    )
    logger.info("handoff %s queued at position %s (%s)", handoff.id, position, reason)
    return _waiting_message(session, session_id, text, now)


def _waiting_message(
    session: Session, session_id: str, text: str, now: datetime
) -> list[MessageOut]:
    """The system's message that the citizen waits in the queue, with the cancel button."""
    message = add_message(
        session, session_id, "system", text, now, event="handoff_waiting", buttons=[CANCEL_BUTTON]
    )
    return [message]


def cancel_waiting(session: Session, session_id: str, now: datetime) -> list[MessageOut]:
    """Leave the queue and go back to the bot (the citizen's choice while waiting)."""
    handoff = _open_handoff(session, session_id)
    chat = session.get(ChatSession, session_id)
    if handoff is None or handoff.status != "waiting" or chat is None:
        return []
    handoff.status, handoff.ended_at = "closed", now
    chat.mode = "bot"
    session.flush()
    text = "Bạn đã rời hàng chờ. Trợ lý ảo tiếp tục hỗ trợ bạn, bạn cứ hỏi nhé."
    return [add_message(session, session_id, "system", text, now, event="handoff_cancelled")]


def save_callback(
    session: Session, session_id: str, form: CallbackIn, now: datetime
) -> list[MessageOut]:
    """Put a callback request in the agents' list (and take the conversation off the queue).

    Raises:
        InvalidInputError: no name, or not a Vietnamese phone number.
    """
    name = " ".join(form.name.split())
    if not name:
        raise InvalidInputError("Bạn cho biết họ tên để cán bộ tiện xưng hô nhé.")
    digits = re.sub(r"[\s.\-]", "", form.phone)
    if not PHONE_RE.fullmatch(digits):
        raise InvalidInputError("Số điện thoại chưa đúng, ví dụ 0912 345 678.")
    waiting = _open_handoff(session, session_id)
    if waiting is not None and waiting.status == "waiting":
        waiting.status, waiting.ended_at = "closed", now
    chat = session.get(ChatSession, session_id)
    if chat is not None and chat.mode == "waiting":
        chat.mode = "bot"
    handoff = Handoff(
        session_id=session_id,
        status="callback",
        reason="callback",
        created_at=now,
        callback_name=name[:100],
        callback_phone=digits,
        callback_question=mask_pii(form.question.strip())[:1000],
    )
    session.add(handoff)
    session.flush()
    text = (
        f"Đã nhận đề nghị gọi lại. Cán bộ sẽ gọi cho bạn theo số có đuôi {digits[-3:]} trong giờ "
        "làm việc. Cảm ơn bạn!"
    )
    logger.info("callback request %s saved", handoff.id)
    return [add_message(session, session_id, "system", text, now, event="callback_saved")]


def _codes_of(session: Session, session_id: str) -> list[str]:
    rows = session.scalars(
        select(ChatMessage.procedure_codes)
        .where(ChatMessage.session_id == session_id, ChatMessage.procedure_codes != "")
        .order_by(ChatMessage.id.desc())
        .limit(50)
    )
    return list(dict.fromkeys(c for row in rows for c in row.split(",") if c))


def _view(session: Session, handoff: Handoff) -> HandoffView:
    last = session.scalar(
        select(ChatMessage.text)
        .where(ChatMessage.session_id == handoff.session_id, ChatMessage.role == "user")
        .order_by(ChatMessage.id.desc())
        .limit(1)
    )
    return HandoffView(
        id=handoff.id,
        session_id=handoff.session_id,
        status=handoff.status,
        reason=handoff.reason,
        agent=handoff.agent_username,
        created_at=handoff.created_at,
        claimed_at=handoff.claimed_at,
        ended_at=handoff.ended_at,
        position=queue_position(session, handoff) if handoff.status == "waiting" else None,
        procedure_codes=_codes_of(session, handoff.session_id),
        last_message=last or "",
        callback_name=handoff.callback_name,
        callback_phone=handoff.callback_phone,
        callback_question=handoff.callback_question,
        note=handoff.note,
    )


def list_handoffs(session: Session, status: str) -> list[HandoffView]:
    """Handoffs of ``status`` (waiting, active, callback, released, closed), oldest first."""
    query = select(Handoff).where(Handoff.status == status).order_by(Handoff.id)
    if status in ("released", "closed"):
        query = (
            select(Handoff).where(Handoff.status == status).order_by(Handoff.id.desc()).limit(100)
        )
    return [_view(session, h) for h in session.scalars(query)]


def get_handoff(session: Session, handoff_id: int) -> HandoffView:
    """One handoff.

    Raises:
        NotFoundError: no such handoff.
    """
    return _view(session, _handoff(session, handoff_id))


def _handoff(session: Session, handoff_id: int) -> Handoff:
    handoff = session.get(Handoff, handoff_id)
    if handoff is None:
        raise NotFoundError(f"Không có yêu cầu hỗ trợ số {handoff_id}.")
    return handoff


def claim(
    session: Session, handoff_id: int, agent: str, now: datetime
) -> tuple[HandoffView, list[MessageOut]]:
    """Give a waiting (or callback) handoff to ``agent``; the citizen is told a person joined.

    Raises:
        NotFoundError: no such handoff.
        ConflictError: another agent holds it, or it is over.
    """
    handoff = _handoff(session, handoff_id)
    claimed = session.execute(
        update(Handoff)
        .where(
            Handoff.id == handoff_id,
            Handoff.agent_username.is_(None),
            Handoff.status.in_(("waiting", "callback")),
        )
        .values(agent_username=agent, claimed_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    session.refresh(handoff)
    if not claimed:
        if handoff.agent_username and handoff.agent_username != agent:
            raise ConflictError(f"Yêu cầu này đã có cán bộ {handoff.agent_username} nhận.")
        if handoff.agent_username == agent and handoff.status in ("active", "callback"):
            return _view(session, handoff), []
        raise ConflictError("Yêu cầu này đã kết thúc, không nhận được nữa.")
    messages: list[MessageOut] = []
    if handoff.status == "waiting":
        handoff.status = "active"
        chat = session.get(ChatSession, handoff.session_id)
        if chat is not None:
            chat.mode = "agent"
        session.flush()
        text = (
            "Cán bộ tổng đài đã tham gia cuộc trò chuyện. Từ giờ tin nhắn của bạn được chuyển "
            "tới cán bộ."
        )
        messages.append(
            add_message(
                session, handoff.session_id, "system", text, now, event="agent_joined", agent=agent
            )
        )
    logger.info("handoff %s claimed by %s", handoff_id, agent)
    return _view(session, handoff), messages


def _owned(session: Session, handoff_id: int, agent: str, statuses: tuple[str, ...]) -> Handoff:
    handoff = _handoff(session, handoff_id)
    if handoff.agent_username != agent:
        raise PermissionDeniedError("Yêu cầu này không do bạn phụ trách; bạn cần nhận nó trước.")
    if handoff.status not in statuses:
        raise ConflictError("Yêu cầu này đã kết thúc.")
    return handoff


def agent_say(
    session: Session,
    handoff_id: int,
    agent: str,
    text: str,
    now: datetime,
    procedure_code: str | None = None,
) -> MessageOut:
    """An agent's message to the citizen of an active handoff they hold."""
    handoff = _owned(session, handoff_id, agent, ("active",))
    limit = get_settings().max_question_chars * 2
    if len(text) > limit:
        raise InvalidInputError(f"Tin nhắn dài quá (tối đa {limit} ký tự).")
    codes = [procedure_code] if procedure_code else []
    return add_message(
        session, handoff.session_id, "agent", text.strip(), now, codes=codes, agent=agent
    )


def _end(session: Session, handoff: Handoff, status: str, now: datetime) -> None:
    handoff.status, handoff.ended_at = status, now
    chat = session.get(ChatSession, handoff.session_id)
    if chat is not None:
        chat.mode = "bot"
    session.flush()


def release(
    session: Session, handoff_id: int, agent: str, now: datetime
) -> tuple[HandoffView, list[MessageOut]]:
    """Hand the conversation back to the bot, which keeps its context (same Rasa sender)."""
    handoff = _owned(session, handoff_id, agent, ("active",))
    _end(session, handoff, "released", now)
    text = "Cán bộ đã chuyển bạn lại cho trợ lý ảo. Bạn cứ tiếp tục hỏi nhé."
    message = add_message(
        session, handoff.session_id, "system", text, now, event="agent_left", agent=agent
    )
    return _view(session, handoff), [message]


def close(
    session: Session, handoff_id: int, agent: str, now: datetime
) -> tuple[HandoffView, list[MessageOut]]:
    """End an active chat (the citizen may rate it) or mark a callback as done."""
    handoff = _owned(session, handoff_id, agent, ("active", "callback"))
    was_chat = handoff.status == "active"
    _end(session, handoff, "closed", now)
    if not was_chat:
        return _view(session, handoff), []
    text = (
        "Cán bộ đã kết thúc phần hỗ trợ. Cảm ơn bạn! Bạn có thể đánh giá cuộc trò chuyện, hoặc "
        "tiếp tục hỏi trợ lý ảo."
    )
    message = add_message(
        session, handoff.session_id, "system", text, now, event="closed", agent=agent
    )
    return _view(session, handoff), [message]


def save_note(session: Session, handoff_id: int, agent: str, note: str) -> HandoffView:
    """The agent's call note on a handoff they hold (masked like the messages)."""
    handoff = _owned(session, handoff_id, agent, ("active", "callback", "released", "closed"))
    handoff.note = mask_pii(note.strip())[:2000]
    session.flush()
    return _view(session, handoff)


def handoff_session(session: Session, handoff_id: int) -> str:
    """The conversation id of a handoff."""
    return str(_handoff(session, handoff_id).session_id)


# --------------------------------------------------------------------------- feedback


def save_feedback(session: Session, session_id: str, feedback: FeedbackIn, now: datetime) -> int:
    """Store 👍/👎 on one of this conversation's bot messages, or the 1–5 rating; returns its id.

    Raises:
        NotFoundError: the message is not a bot message of this conversation.
    """
    codes = ""
    if feedback.message_id is not None:
        message = session.get(ChatMessage, feedback.message_id)
        if message is None or message.session_id != session_id or message.role != "bot":
            raise NotFoundError(
                "Không tìm thấy câu trả lời cần đánh giá trong cuộc trò chuyện này."
            )
        codes = message.procedure_codes or ""
        kind, value = "thumb", 1 if feedback.value == "up" else -1
        comment = feedback.reason
    else:
        kind, value, comment = "rating", int(feedback.rating or 0), feedback.comment
        codes = ",".join(_codes_of(session, session_id))[:300]
    row = ChatFeedback(
        session_id=session_id,
        message_id=feedback.message_id,
        kind=kind,
        value=value,
        comment=mask_pii(comment.strip())[:1000] if comment and comment.strip() else None,
        procedure_codes=codes,
        created_at=now,
    )
    session.add(row)
    session.flush()
    return int(row.id)


# --------------------------------------------------------------------------- retention


def purge_conversations(session: Session, older_than: datetime) -> int:
    """Delete conversations idle since before ``older_than`` with their messages and handoffs.

    Feedback rows stay (no personal data beyond masked comments) for the satisfaction figures.
    Returns how many conversations were deleted.
    """
    old = select(ChatSession.id).where(ChatSession.last_active_at < older_than)
    session.execute(
        delete(ChatMessage)
        .where(ChatMessage.session_id.in_(old))
        .execution_options(synchronize_session=False)
    )
    session.execute(
        delete(Handoff)
        .where(Handoff.session_id.in_(old))
        .execution_options(synchronize_session=False)
    )
    count = session.execute(
        delete(ChatSession)
        .where(ChatSession.last_active_at < older_than)
        .execution_options(synchronize_session=False)
    ).rowcount
    logger.info("purged %s conversations idle since before %s", count, older_than.isoformat())
    return int(count or 0)
