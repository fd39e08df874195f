"""What the chat gateway sends and receives: messages, handoffs, feedback."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field, root_validator, validator


class Button(BaseModel):
    """A quick reply: the label shown, and what is sent when it is pressed."""

    title: str
    payload: str


class MessageOut(BaseModel):
    """One message as the widget and the console receive it (text already masked)."""

    id: int
    role: Literal["user", "bot", "agent", "system"]
    text: str
    buttons: list[Button] = []
    created_at: datetime
    procedure_codes: list[str] = []
    event: str | None = None  # handoff_waiting, agent_joined, agent_left, callback_form, closed
    callback_form: bool = False  # the widget shows the callback form under this message


class MessagesOut(BaseModel):
    """A list of messages, oldest first."""

    messages: list[MessageOut]


class SessionCreated(BaseModel):
    """A new conversation: its id and the secret token the widget keeps for it."""

    session_id: str
    token: str


class MessageIn(BaseModel):
    """A citizen's message (typed text or a button's payload)."""

    text: str = Field(..., description="Nội dung tin nhắn")


class CallbackIn(BaseModel):
    """The callback form: who to call, where, and about what."""

    name: str = Field(..., max_length=100, description="Họ tên")
    phone: str = Field(..., max_length=20, description="Số điện thoại để cán bộ gọi lại")
    question: str = Field("", max_length=1000, description="Nội dung cần hỗ trợ")


class FeedbackIn(BaseModel):
    """👍/👎 on one bot message (``message_id`` + ``value``), or a 1–5 ``rating`` at the end."""

    message_id: int | None = None
    value: Literal["up", "down"] | None = None
    reason: str | None = Field(None, max_length=500)
    rating: int | None = Field(None, ge=1, le=5)
    comment: str | None = Field(None, max_length=1000)

    @root_validator(skip_on_failure=True)
    def _one_kind(cls, values: dict[str, Any]) -> dict[str, Any]:  # noqa: N805
        thumb = values.get("message_id") is not None or values.get("value") is not None
        rating = values.get("rating") is not None
        if thumb == rating:
            raise ValueError(
                "gửi hoặc đánh giá một câu trả lời (message_id, value) hoặc điểm cả cuộc "
                "trò chuyện (rating 1–5)"
            )
        if thumb and (values.get("message_id") is None or values.get("value") is None):
            raise ValueError("đánh giá câu trả lời cần cả message_id và value (up/down)")
        return values


class FeedbackSaved(BaseModel):
    """The stored feedback's id."""

    id: int


class HandoffView(BaseModel):
    """A handoff as the agents' console lists it."""

    id: int
    session_id: str
    status: Literal["waiting", "active", "callback", "released", "closed"]
    reason: str
    agent: str | None
    created_at: datetime
    claimed_at: datetime | None
    ended_at: datetime | None
    position: int | None = None  # in the queue, for waiting handoffs
    procedure_codes: list[str] = []  # cited by the bot in this conversation, newest first
    last_message: str = ""
    callback_name: str | None = None
    callback_phone: str | None = None
    callback_question: str | None = None
    note: str | None = None


class HandoffList(BaseModel):
    """Handoffs of one status, oldest first."""

    handoffs: list[HandoffView]


class AgentMessageIn(BaseModel):
    """What an agent sends to the citizen; ``procedure_code`` marks a procedure card sent."""

    text: str = Field(..., description="Nội dung gửi cho người dân")
    procedure_code: str | None = Field(None, description="Mã thủ tục gửi kèm (nếu có)")

    @validator("text")
    def _not_blank(cls, value: str) -> str:  # noqa: N805
        if not value.strip():
            raise ValueError("nội dung trống")
        return value


class NoteIn(BaseModel):
    """The agent's short call note."""

    note: str = Field(..., max_length=2000)
