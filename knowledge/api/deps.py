"""Dependencies of the routes: database sessions and token checks."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

from fastapi import Depends, Header
from sqlalchemy.orm import Session

from knowledge.config import Settings, get_settings
from knowledge.db import get_engine, session_factory
from knowledge.errors import AuthenticationError


def get_session() -> Iterator[Session]:
    """A session per request; never committed here.

    FastAPI runs the code after ``yield`` once the response is on its way, on another thread,
    so a commit there could fail after a 201 (writes lost). Write routes commit themselves
    with ``knowledge.db.commit`` before they answer; whatever is left is rolled back.
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


def current_agent(
    authorization: str | None = Header(None), settings: Settings = Depends(get_settings)
) -> str:
    """The call-center agent owning the bearer token; refuses unknown tokens."""
    token = _bearer(authorization)
    for known, name in settings.agent_token_map().items():
        if _same(token, known):
            return name
    raise AuthenticationError("Mã truy cập không hợp lệ.")
