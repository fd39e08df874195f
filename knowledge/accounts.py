"""Staff accounts: call-center agents and admins, argon2 password hashes, signed access tokens.

Rules kept here, not in the routes:

* Usernames are lower-case ASCII (letters, digits, ``.``, ``_``, ``-``), 3 to 64 characters.
* Passwords have at least ``MIN_PASSWORD_CHARS`` characters and are stored only as argon2id
  hashes (argon2-cffi's defaults); a hash made with older parameters is redone at sign-in.
* A sign-in with an unknown name still verifies a hash, so timing does not reveal which names
  exist; the error never says which of the two was wrong.
* Access tokens are JWTs (HS256, ``settings.auth_secret``) naming the user and expiring after
  ``settings.access_token_minutes``. Each request re-reads the account, so disabling a user
  or changing a role takes effect at once, whatever tokens are still out.
* An admin may do everything an agent may do.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime, timedelta, timezone
from functools import lru_cache

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from pydantic import BaseModel
from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from knowledge.clock import LocalTimeModel, local_now
from knowledge.config import get_settings
from knowledge.errors import (
    AuthenticationError,
    ConflictError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
)
from knowledge.models import User, UserRole

logger = logging.getLogger(__name__)

MIN_PASSWORD_CHARS = 10
USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{2,63}$")
_ALGORITHM = "HS256"
_hasher = PasswordHasher()


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    """Verified against when the name is unknown, so both failures cost the same time.

    Hashed on first use: an argon2 hash costs about 0.1-0.4 s, too much for every import.
    """
    return _hasher.hash("not-a-real-password")


ROLE_LABELS = {UserRole.agent: "Cán bộ tổng đài", UserRole.admin: "Quản trị viên"}


class UserView(LocalTimeModel):
    """An account as the API and the CLI show it (never the hash)."""

    username: str
    role: UserRole
    role_label: str
    is_active: bool
    created_at: datetime
    last_login_at: datetime | None = None


class AccessToken(BaseModel):
    """The OAuth2 token response (RFC 6749 §5.1), plus the lifetime in seconds."""

    access_token: str
    token_type: str = "bearer"
    expires_in: int


def _view(user: User) -> UserView:
    return UserView(
        username=user.username,
        role=user.role,
        role_label=ROLE_LABELS[user.role],
        is_active=user.is_active,
        created_at=user.created_at,
        last_login_at=user.last_login_at,
    )


def has_role(role: UserRole | str, wanted: UserRole | str) -> bool:
    """Whether an account of ``role`` may act as ``wanted`` (an admin is also an agent)."""
    role, wanted = UserRole(role), UserRole(wanted)
    return role == wanted or role == UserRole.admin


def parse_role(value: str) -> UserRole:
    """``agent`` or ``admin``; anything else is refused with a Vietnamese message."""
    try:
        return UserRole(value.strip().lower())
    except ValueError as exc:
        raise InvalidInputError(
            f"Vai trò «{value}» không hợp lệ: chỉ có «agent» (cán bộ) hoặc «admin» (quản trị)."
        ) from exc


def create_user(session: Session, username: str, password: str, role: UserRole | str) -> UserView:
    """Create an active account.

    Raises:
        InvalidInputError: a malformed username, a short password or an unknown role.
        ConflictError: the username is taken.
    """
    username = username.strip().lower()
    if not USERNAME_RE.match(username):
        raise InvalidInputError(
            "Tên đăng nhập phải dài 3–64 ký tự, chỉ gồm chữ thường không dấu, số, '.', '_' "
            "hoặc '-'."
        )
    if len(password) < MIN_PASSWORD_CHARS:
        raise InvalidInputError(f"Mật khẩu phải có ít nhất {MIN_PASSWORD_CHARS} ký tự.")
    role = parse_role(role.value if isinstance(role, UserRole) else role)
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise ConflictError(f"Tên đăng nhập «{username}» đã có.")
    user = User(
        username=username,
        password_hash=_hasher.hash(password),
        role=role,
        is_active=True,
        created_at=local_now(),
    )
    session.add(user)
    session.flush()
    logger.info("account %s created with role %s", username, role.value)
    return _view(user)


def list_users(session: Session) -> list[UserView]:
    """Every account, by username."""
    return [_view(u) for u in session.scalars(select(User).order_by(User.username))]


def set_active(session: Session, username: str, active: bool) -> UserView:
    """Disable (or enable again) an account; a disabled account's tokens stop working at once.

    Raises:
        NotFoundError: no such account.
    """
    user = session.scalar(select(User).where(User.username == username.strip().lower()))
    if user is None:
        raise NotFoundError(f"Không có tài khoản «{username}».")
    user.is_active = active
    session.flush()
    logger.info("account %s %s", user.username, "enabled" if active else "disabled")
    return _view(user)


def authenticate(
    session: Session, username: str, password: str, *, now: datetime | None = None
) -> UserView:
    """The active account whose password is ``password``; records the sign-in time.

    Raises:
        AuthenticationError: unknown name, wrong password or disabled account (one message).
    """
    refused = AuthenticationError("Tên đăng nhập hoặc mật khẩu không đúng.")
    user = session.scalar(select(User).where(User.username == username.strip().lower()))
    try:
        _hasher.verify(user.password_hash if user else _dummy_hash(), password)
    except (VerificationError, InvalidHashError):
        logger.info("sign-in refused")
        raise refused from None
    if user is None or not user.is_active:
        raise refused
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    user.last_login_at = now or local_now()
    session.flush()
    return _view(user)


def issue_token(user: UserView, *, now: datetime | None = None) -> AccessToken:
    """A signed access token for ``user``, valid ``settings.access_token_minutes``."""
    settings = get_settings()
    issued = now or datetime.now(timezone.utc)
    lifetime = timedelta(minutes=settings.access_token_minutes)
    claims = {
        "sub": user.username,
        "role": user.role.value,
        "iat": issued,
        "exp": issued + lifetime,
    }
    token = jwt.encode(claims, settings.auth_secret, algorithm=_ALGORITHM)
    return AccessToken(access_token=token, expires_in=int(lifetime.total_seconds()))


def user_from_token(session: Session, token: str) -> UserView:
    """The active account a valid, unexpired token names.

    Raises:
        AuthenticationError: a missing, forged or expired token, or a disabled account.
    """
    if not token:
        raise AuthenticationError("Bạn cần đăng nhập để dùng chức năng này.")
    try:
        claims = jwt.decode(
            token,
            get_settings().auth_secret,
            algorithms=[_ALGORITHM],
            options={"require": ["sub", "exp"]},
        )
    except jwt.ExpiredSignatureError:
        raise AuthenticationError("Phiên đăng nhập đã hết hạn, bạn đăng nhập lại nhé.") from None
    except jwt.InvalidTokenError:
        raise AuthenticationError("Mã truy cập không hợp lệ.") from None
    user = session.scalar(select(User).where(User.username == str(claims["sub"])))
    if user is None or not user.is_active:
        raise AuthenticationError("Tài khoản không còn hoạt động.")
    return _view(user)


def require(user: UserView, role: UserRole | str) -> UserView:
    """``user`` when their role allows ``role``.

    Raises:
        PermissionDeniedError: it does not.
    """
    if not has_role(user.role, role):
        raise PermissionDeniedError("Tài khoản của bạn không có quyền dùng chức năng này.")
    return user


def presence_write_interval(window: timedelta) -> timedelta:
    """How stale an agent's mark may get before it is written again, for a presence ``window``.

    A quarter of the window, at most 15 seconds: a console that marks itself every half
    window (``/api/agent/ws``) then never looks older than three quarters of it, and a long
    window still costs at most one write per 15 seconds per agent.

    Example:
        >>> presence_write_interval(timedelta(seconds=8)).total_seconds()
        2.0
        >>> presence_write_interval(timedelta(minutes=2)).total_seconds()
        15.0
    """
    return min(timedelta(seconds=15), window / 4)


def mark_seen(
    session: Session,
    username: str,
    now: datetime | None = None,
    window: timedelta | None = None,
) -> None:
    """Record that an agent is at the console now (handoffs need someone present).

    Written only when the last mark is older than ``presence_write_interval(window)``: the
    console polls, and each write takes SQLite's write lock. ``window`` defaults to the
    ``agent_presence_seconds`` setting.
    """
    now = now or local_now()
    if window is None:
        window = timedelta(seconds=get_settings().agent_presence_seconds)
    stale = now - presence_write_interval(window)
    session.execute(
        update(User)
        .where(
            User.username == username,
            or_(User.last_seen_at.is_(None), User.last_seen_at < stale),
        )
        .values(last_seen_at=now)
    )


def agents_present(session: Session, within: timedelta, now: datetime | None = None) -> int:
    """How many active agents or admins were seen at the console within ``within``."""
    since = (now or local_now()) - within
    return len(
        session.scalars(
            select(User.id).where(User.is_active.is_(True), User.last_seen_at >= since)
        ).all()
    )
