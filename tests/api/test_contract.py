"""What the OpenAPI document promises holds: bounded numeric ids, moments with their offset,
and no write stored unless the route committed it."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from fastapi import Depends
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from knowledge.accounts import create_user
from knowledge.api.app import create_app
from knowledge.api.deps import MAX_ROW_ID, get_session
from knowledge.db import get_engine, session_scope
from knowledge.models import User

RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")


@pytest.mark.parametrize(
    ("method", "path", "role"),
    [
        ("GET", "/api/agent/handoffs/{id}", "agent"),
        ("GET", "/api/agent/handoffs/{id}/messages", "agent"),
        ("POST", "/api/agent/handoffs/{id}/release", "agent"),
        ("POST", "/api/admin/decisions/{id}/rollback", "admin"),
        ("DELETE", "/api/admin/lexicon/{id}", "admin"),
    ],
)
def test_ids_beyond_64_bits_are_refused_with_422(
    client: TestClient,
    staff_headers: Callable[[str, str], dict[str, str]],
    method: str,
    path: str,
    role: str,
) -> None:
    headers = staff_headers(f"{role}-ids", role)
    for wrong in (MAX_ROW_ID + 1, 553989933896374436471627487117312, 0):
        response = client.request(method, path.format(id=wrong), headers=headers)
        assert response.status_code == 422, response.text
        assert isinstance(response.json()["detail"], str)
    # The largest id is valid: unknown, not malformed.
    response = client.request(method, path.format(id=MAX_ROW_ID), headers=headers)
    assert response.status_code == 404, response.text


def test_messages_after_an_overflowing_id_are_refused(
    client: TestClient, agent_headers: dict[str, str]
) -> None:
    response = client.get(f"/api/agent/handoffs/1/messages?after={2**64}", headers=agent_headers)
    assert response.status_code == 422, response.text


def test_moments_are_written_with_vietnam_offset(
    client: TestClient, staff_headers: Callable[[str, str], dict[str, str]]
) -> None:
    headers = staff_headers("admin-times", "admin")
    me = client.get("/api/auth/me", headers=headers).json()
    assert RFC3339.match(me["created_at"]) and me["created_at"].endswith("+07:00")
    assert me["last_login_at"].endswith("+07:00")
    [user] = client.get("/api/admin/users", headers=headers).json()
    assert RFC3339.match(user["last_login_at"])


def test_a_route_that_forgets_to_commit_loses_its_write(configured_database: str) -> None:
    app = create_app()

    @app.post("/test/forgetful")
    def forgetful(session: Session = Depends(get_session)) -> dict[str, str]:
        create_user(session, "khong-luu", "mat-khau-thu-nghiem", "agent")
        session.flush()
        return {"ok": "yes"}

    with TestClient(app) as test_client:
        assert test_client.post("/test/forgetful").status_code == 200
    with session_scope(get_engine()) as session:
        assert session.scalar(select(User).where(User.username == "khong-luu")) is None
