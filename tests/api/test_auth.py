"""Staff sign-in over the OAuth2 password flow, roles, and the sign-in rate limit."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi import Depends
from fastapi.testclient import TestClient

from knowledge.accounts import UserView, create_user
from knowledge.api.app import create_app
from knowledge.api.deps import require_admin
from knowledge.config import get_settings
from knowledge.db import get_engine, session_scope
from tests.api.conftest import STAFF_PASSWORD

Headers = Callable[[str, str], dict[str, str]]


def test_sign_in_returns_a_bearer_token(client: TestClient, staff_headers: Headers) -> None:
    headers = staff_headers("canbo.an", "agent")
    me = client.get("/api/auth/me", headers=headers)
    assert me.status_code == 200
    assert me.json()["username"] == "canbo.an" and me.json()["role"] == "agent"


def test_token_response_follows_oauth2(client: TestClient) -> None:
    with session_scope(get_engine()) as session:
        create_user(session, "canbo.an", STAFF_PASSWORD, "agent")
    body = client.post(
        "/api/auth/token", data={"username": "canbo.an", "password": STAFF_PASSWORD}
    ).json()
    assert body["token_type"] == "bearer" and body["expires_in"] == 480 * 60
    assert body["access_token"].count(".") == 2  # a JWT


def test_wrong_password_is_401_with_a_bearer_challenge(client: TestClient) -> None:
    with session_scope(get_engine()) as session:
        create_user(session, "canbo.an", STAFF_PASSWORD, "agent")
    response = client.post(
        "/api/auth/token", data={"username": "canbo.an", "password": "sai-mat-khau"}
    )
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert response.json() == {"detail": "Tên đăng nhập hoặc mật khẩu không đúng."}


def test_missing_form_fields_are_422(client: TestClient) -> None:
    assert client.post("/api/auth/token", data={"username": "x"}).status_code == 422


def test_wrong_role_is_403_and_no_token_is_401(configured_database: str) -> None:
    app = create_app()

    @app.get("/test-admin-only")
    def admin_only(user: UserView = Depends(require_admin)) -> dict[str, str]:
        return {"username": user.username}

    with TestClient(app) as client:
        tokens = {}
        for name, role in (("canbo", "agent"), ("quantri", "admin")):
            with session_scope(get_engine()) as session:
                create_user(session, name, STAFF_PASSWORD, role)
            tokens[role] = client.post(
                "/api/auth/token", data={"username": name, "password": STAFF_PASSWORD}
            ).json()["access_token"]
        refused = client.get(
            "/test-admin-only", headers={"Authorization": f"Bearer {tokens['agent']}"}
        )
        assert refused.status_code == 403
        assert refused.json()["detail"] == "Tài khoản của bạn không có quyền dùng chức năng này."
        allowed = client.get(
            "/test-admin-only", headers={"Authorization": f"Bearer {tokens['admin']}"}
        )
        assert allowed.json() == {"username": "quantri"}
        assert client.get("/test-admin-only").status_code == 401


def test_sign_in_attempts_are_rate_limited(
    configured_database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TTHC_LOGIN_RATE_LIMIT", "3/minute")
    get_settings.cache_clear()
    with TestClient(create_app()) as client:
        codes = [
            client.post("/api/auth/token", data={"username": "a", "password": "b"}).status_code
            for _ in range(4)
        ]
        # Other API routes keep the general limit.
        assert client.get("/api/procedures/1.001193").status_code in (200, 404)
    assert codes == [401, 401, 401, 429]


def test_openapi_declares_the_password_flow(client: TestClient) -> None:
    schemes = client.get("/openapi.json").json()["components"]["securitySchemes"]
    assert schemes["TaiKhoanCanBo"]["flows"]["password"]["tokenUrl"] == "/api/auth/token"
