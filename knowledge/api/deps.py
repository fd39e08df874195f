"""Dependencies of the routes: database sessions, the ingestion token and staff accounts."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from typing import Annotated

from fastapi import Depends, Header, Path, Query
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy.orm import Session

from knowledge.accounts import UserView, require, user_from_token
from knowledge.config import Settings, get_settings
from knowledge.db import get_engine, session_factory
from knowledge.errors import AuthenticationError
from knowledge.models import UserRole

# Declares the OAuth2 password flow in the OpenAPI document (the Authorize button of /docs).
oauth2_scheme = OAuth2PasswordBearer(
    tokenUrl="/api/auth/token",
    scheme_name="TaiKhoanCanBo",
    description="Tài khoản cán bộ tổng đài hoặc quản trị: đăng nhập bằng tên và mật khẩu.",
    auto_error=False,
)


# Row ids are SQLite/PostgreSQL 64-bit integers: a larger number in a path is refused up front
# (422, like any malformed parameter) instead of overflowing the database driver (500).
MAX_ROW_ID = 2**63 - 1
RowId = Annotated[int, Path(ge=1, le=MAX_ROW_ID, description="Mã số (số nguyên dương)")]
AfterRowId = Annotated[
    int | None,
    Query(ge=0, le=MAX_ROW_ID, description="Chỉ lấy tin nhắn có id lớn hơn giá trị này"),
]


def get_session() -> Iterator[Session]:
    """A session per request, rolled back when the request is done.

    FastAPI runs the code after ``yield`` once the response is on its way, on another thread,
    so a commit there could fail after a 201 (18 of 100 dossiers lost at 4 concurrent pushes).
    Every write route therefore commits itself with ``knowledge.db.commit`` before it
    answers; what is left here is rolled back, so a route that forgets to commit loses its
    write in the tests instead of storing it after the answer.
    """
    session = session_factory(get_engine())()
    try:
        yield session
    finally:
        session.rollback()
        session.close()


def _bearer(authorization: str | None) -> str:
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise AuthenticationError("Thiếu mã truy cập (Authorization: Bearer …).")
    return token.strip()


def _same(given: str, expected: str) -> bool:
    """Constant-time comparison of tokens as bytes (a non-ASCII token is just wrong, not a 500)."""
    return secrets.compare_digest(given.encode("utf-8", "replace"), expected.encode("utf-8"))


def require_ingest_token(
    authorization: str | None = Header(None), settings: Settings = Depends(get_settings)
) -> str:
    """Accept only the one-stop system's ingestion token; returns the caller's name."""
    if not _same(_bearer(authorization), settings.ingest_token):
        raise AuthenticationError("Mã truy cập không hợp lệ.")
    return "one-stop-system"


def current_user(
    token: str | None = Depends(oauth2_scheme), session: Session = Depends(get_session)
) -> UserView:
    """The signed-in staff account (bearer access token); 401 without a valid one."""
    return user_from_token(session, token or "")


def require_role(role: UserRole | str) -> Callable[..., UserView]:
    """A dependency admitting accounts whose role allows ``role`` (an admin is also an agent)."""

    def dependency(user: UserView = Depends(current_user)) -> UserView:
        return require(user, role)

    dependency.__name__ = f"require_{UserRole(role).value}"
    return dependency


require_agent = require_role(UserRole.agent)
require_admin = require_role(UserRole.admin)


def current_agent(user: UserView = Depends(require_agent)) -> str:
    """The username of the signed-in agent (or admin), for audit entries."""
    return user.username
