"""Staff accounts: argon2 hashes, roles, signed tokens that expire or die with the account."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine

from knowledge.accounts import (
    agents_present,
    authenticate,
    create_user,
    has_role,
    issue_token,
    list_users,
    mark_seen,
    require,
    set_active,
    user_from_token,
)
from knowledge.db import session_scope
from knowledge.errors import (
    AuthenticationError,
    ConflictError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
)
from knowledge.models import User

PASSWORD = "mat-khau-rat-dai"


@pytest.fixture()
def _configured(configured_database: str) -> str:
    return configured_database


def test_password_is_stored_as_an_argon2id_hash(engine: Engine) -> None:
    with session_scope(engine) as session:
        view = create_user(session, "  CanBo.An ", PASSWORD, "agent")
        stored = session.scalar(select(User.password_hash).where(User.username == "canbo.an"))
    assert view.username == "canbo.an" and view.role_label == "Cán bộ tổng đài"
    assert stored.startswith("$argon2id$") and PASSWORD not in stored


@pytest.mark.parametrize(
    ("username", "password", "role", "message"),
    [
        ("ab", PASSWORD, "agent", "Tên đăng nhập phải dài 3–64 ký tự"),
        ("cán.bộ", PASSWORD, "agent", "chữ thường không dấu"),
        ("canbo", "ngan", "agent", "Mật khẩu phải có ít nhất 10 ký tự."),
        ("canbo", PASSWORD, "citizen", "Vai trò «citizen» không hợp lệ"),
    ],
)
def test_bad_accounts_are_refused_in_vietnamese(
    engine: Engine, username: str, password: str, role: str, message: str
) -> None:
    with session_scope(engine) as session, pytest.raises(InvalidInputError) as error:
        create_user(session, username, password, role)
    assert message in error.value.message


def test_a_taken_name_is_a_conflict(engine: Engine) -> None:
    with session_scope(engine) as session:
        create_user(session, "canbo", PASSWORD, "agent")
        with pytest.raises(ConflictError):
            create_user(session, "CANBO", PASSWORD, "admin")


def test_sign_in_gives_one_message_for_every_failure(engine: Engine) -> None:
    with session_scope(engine) as session:
        create_user(session, "canbo", PASSWORD, "agent")
        create_user(session, "nghiphep", PASSWORD, "agent")
        set_active(session, "nghiphep", False)
        assert authenticate(session, "canbo", PASSWORD).last_login_at is not None
        messages = set()
        for name, password in [
            ("canbo", "sai-mat-khau"),
            ("khongco", PASSWORD),
            ("nghiphep", PASSWORD),
        ]:
            with pytest.raises(AuthenticationError) as error:
                authenticate(session, name, password)
            messages.add(error.value.message)
    assert messages == {"Tên đăng nhập hoặc mật khẩu không đúng."}


def test_token_names_the_user_and_dies_with_the_account(_configured: str) -> None:
    from knowledge.db import get_engine

    with session_scope(get_engine()) as session:
        user = create_user(session, "canbo", PASSWORD, "agent")
        token = issue_token(user)
        assert token.token_type == "bearer" and token.expires_in == 480 * 60
        assert user_from_token(session, token.access_token).username == "canbo"
        set_active(session, "canbo", False)
        with pytest.raises(AuthenticationError, match="không còn hoạt động"):
            user_from_token(session, token.access_token)


def test_expired_or_forged_tokens_are_refused(_configured: str) -> None:
    from knowledge.db import get_engine

    with session_scope(get_engine()) as session:
        user = create_user(session, "canbo", PASSWORD, "agent")
        old = issue_token(user, now=datetime.now(timezone.utc) - timedelta(hours=9))
        with pytest.raises(AuthenticationError, match="hết hạn"):
            user_from_token(session, old.access_token)
        forged = issue_token(user).access_token[:-4] + "AAAA"
        with pytest.raises(AuthenticationError, match="không hợp lệ"):
            user_from_token(session, forged)
        with pytest.raises(AuthenticationError, match="cần đăng nhập"):
            user_from_token(session, "")


def test_admin_implies_agent_but_not_the_reverse(engine: Engine) -> None:
    assert has_role("admin", "agent") and has_role("agent", "agent")
    assert not has_role("agent", "admin")
    with session_scope(engine) as session:
        agent = create_user(session, "canbo", PASSWORD, "agent")
        admin = create_user(session, "quantri", PASSWORD, "admin")
        assert require(admin, "agent") is admin
        with pytest.raises(PermissionDeniedError):
            require(agent, "admin")
        assert [u.username for u in list_users(session)] == ["canbo", "quantri"]
        with pytest.raises(NotFoundError):
            set_active(session, "khongco", False)


@pytest.mark.parametrize("window_seconds", [4, 8, 15, 30, 120])
def test_a_console_marking_itself_every_half_window_always_looks_present(
    engine: Engine, window_seconds: int
) -> None:
    """Presence windows of 15 s or less used to make agents look absent: marks were written
    at most every 15 s whatever the window."""
    window = timedelta(seconds=window_seconds)
    start = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)
    with session_scope(engine) as session:
        create_user(session, "canbo.an", PASSWORD, "agent")
        seen = []
        for step in range(12):
            now = start + step * window / 2
            mark_seen(session, "canbo.an", now, window)
            # Just before the next mark, the last one must still be inside the window.
            seen.append(agents_present(session, window, now + window / 2 - timedelta(seconds=0.5)))
    assert seen == [1] * 12


def test_presence_marks_are_not_written_on_every_poll(engine: Engine) -> None:
    window = timedelta(minutes=2)
    start = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)
    with session_scope(engine) as session:
        create_user(session, "canbo.an", PASSWORD, "agent")
        mark_seen(session, "canbo.an", start, window)
        mark_seen(session, "canbo.an", start + timedelta(seconds=10), window)
        user = session.scalars(select(User).where(User.username == "canbo.an")).one()
        assert user.last_seen_at is not None
        assert abs((user.last_seen_at - start.replace(tzinfo=None)).total_seconds()) < 1
