"""The conversation store on SQLite and PostgreSQL: masking, one claim, the queue, retention."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine

from knowledge.accounts import create_user, mark_seen
from knowledge.chat import store
from knowledge.chat.hours import OfficeStatus
from knowledge.chat.models import ChatMessage
from knowledge.db import session_scope
from knowledge.errors import ConflictError, PermissionDeniedError

NOW = datetime(2026, 12, 1, 9, 0)


@pytest.fixture(params=["sqlite", "postgres"])
def any_engine(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Engine:
    """The same tests on SQLite and, when a server is configured, PostgreSQL."""
    monkeypatch.setattr(store, "office_status", lambda now: OfficeStatus(True, None, None))
    name = "engine" if request.param == "sqlite" else "pg_engine"
    if request.param == "postgres":
        request.node.add_marker(pytest.mark.postgres)
    return request.getfixturevalue(name)


def _queued(engine: Engine, count: int) -> list[int]:
    with session_scope(engine) as session:
        create_user(session, "canbo.an", "mat-khau-rat-dai", "agent")
        create_user(session, "canbo.binh", "mat-khau-rat-dai", "agent")
        mark_seen(session, "canbo.an", NOW)
        ids = []
        for index in range(count):
            chat = store.new_session(session, NOW)
            store.add_message(session, chat.session_id, "user", "gặp nhân viên", NOW)
            [message] = store.ask_for_human(session, chat.session_id, "asked", NOW)
            assert f"vị trí số {index + 1}" in message.text
            ids.append(store.list_handoffs(session, "waiting")[-1].id)
    return ids


def test_masked_text_and_cited_codes_are_stored(any_engine: Engine) -> None:
    with session_scope(any_engine) as session:
        chat = store.new_session(session, NOW)
        store.add_message(
            session, chat.session_id, "user", "SĐT 0912 345 678, CCCD 051090001234", NOW
        )
        store.add_message(
            session, chat.session_id, "bot", "Miễn lệ phí.\nMã thủ tục: 1.001193", NOW
        )
        rows = session.scalars(select(ChatMessage).order_by(ChatMessage.id)).all()
    assert rows[0].text == "SĐT ********78, CCCD **********34"
    assert rows[1].procedure_codes == "1.001193"


def test_one_agent_per_conversation(any_engine: Engine) -> None:
    [first, second] = _queued(any_engine, 2)
    with session_scope(any_engine) as session:
        view, [joined] = store.claim(session, first, "canbo.an", NOW)
        assert view.status == "active" and joined.event == "agent_joined"
        assert store.list_handoffs(session, "waiting")[0].position == 1  # the second moves up
    with session_scope(any_engine) as session, pytest.raises(ConflictError):
        store.claim(session, first, "canbo.binh", NOW)
    with session_scope(any_engine) as session, pytest.raises(PermissionDeniedError):
        store.agent_say(session, first, "canbo.binh", "xin chào", NOW)
    with session_scope(any_engine) as session:
        assert store.claim(session, second, "canbo.binh", NOW)[0].agent == "canbo.binh"


def test_expected_wait_shares_the_queue_among_agents() -> None:
    assert store.expected_wait_minutes(1, 0) == 6
    assert store.expected_wait_minutes(3, 2) == 9
    assert store.expected_wait_minutes(1, 10) == 1


def test_retention_purges_idle_conversations(any_engine: Engine) -> None:
    _queued(any_engine, 1)
    with session_scope(any_engine) as session:
        assert store.purge_conversations(session, NOW) == 0
        assert store.purge_conversations(session, NOW + timedelta(seconds=1)) == 1
        assert session.scalars(select(ChatMessage)).all() == []
