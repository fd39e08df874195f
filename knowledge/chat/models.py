"""Tables of the chat gateway: conversations, their messages, handoffs and feedback.

Message texts and feedback comments are stored with phone and ID numbers masked. The
callback form's phone number is kept in the clear on its handoff (an agent must call it) and
goes with the conversation when the retention period purges it. Feedback rows carry the
conversation id without a foreign key, so the satisfaction figures outlive the purge.
"""

from __future__ import annotations

from sqlalchemy import Column, DateTime, ForeignKey, Index, Integer, String, Text

from knowledge.models import Base


class ChatSession(Base):
    """One citizen conversation; ``mode`` says who answers: the bot, the queue, or an agent."""

    __tablename__ = "chat_sessions"

    id = Column(String(32), primary_key=True)  # uuid4 hex, public
    token_hash = Column(String(64), nullable=False)  # sha256 of the citizen's session token
    mode = Column(String(10), nullable=False, default="bot")  # bot | waiting | agent | closed
    created_at = Column(DateTime, nullable=False)
    last_active_at = Column(DateTime, nullable=False, index=True)


class ChatMessage(Base):
    """One message of a conversation, masked; ids grow, so ``after=ID`` resumes a stream."""

    __tablename__ = "chat_messages"
    __table_args__ = (Index("ix_chat_messages_session_id_id", "session_id", "id"),)

    id = Column(Integer, primary_key=True, autoincrement=True)
    session_id = Column(
        String(32), ForeignKey("chat_sessions.id", ondelete="CASCADE"), nullable=False
    )
    role = Column(String(10), nullable=False)  # user | bot | agent | system
    text = Column(Text, nullable=False, default="")
    buttons = Column(Text, nullable=False, default="[]")  # JSON list of {title, payload}
    procedure_codes = Column(String(300), nullable=False, default="")  # cited, comma-separated
    event = Column(String(30))  # handoff_waiting, agent_joined, callback_form, …
    agent_username = Column(String(64))
    created_at = Column(DateTime, nullable=False)


class Handoff(Base):
    """A conversation handed to people: waiting, claimed by one agent, or a callback request."""

    __tablename__ = "handoffs"

    id = Column(Integer, primary_key=True)
    session_id = Column(
        String(32), ForeignKey("chat_sessions.id", ondelete="CASCADE"), nullable=False, index=True
    )
    status = Column(
        String(10), nullable=False, index=True
    )  # waiting|active|callback|released|closed
    reason = Column(String(20), nullable=False)  # asked | fallback
    agent_username = Column(String(64))
    created_at = Column(DateTime, nullable=False)
    claimed_at = Column(DateTime)
    ended_at = Column(DateTime)
    callback_name = Column(Text)
    callback_phone = Column(String(20))
    callback_question = Column(Text)
    note = Column(Text)  # the agent's call note


class ChatFeedback(Base):
    """👍/👎 on a bot message (with an optional reason), or a 1–5 rating of the conversation."""

    __tablename__ = "chat_feedback"

    id = Column(Integer, primary_key=True)
    session_id = Column(String(32), nullable=False, index=True)
    message_id = Column(Integer)
    kind = Column(String(10), nullable=False)  # thumb | rating
    value = Column(Integer, nullable=False)  # thumb: 1 or -1; rating: 1..5
    comment = Column(Text)  # masked
    procedure_codes = Column(String(300), nullable=False, default="")
    created_at = Column(DateTime, nullable=False)
