"""Embedding the widget on another site: CORS for the allowed origins, refusal of the others."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from knowledge.api.app import create_app
from knowledge.config import Settings, get_settings

PORTAL = "https://dichvucong.example.vn"
STRANGER = "https://lua-dao.example.com"


@pytest.fixture()
def client(configured_database: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    """The API with one other portal allowed to embed the widget."""
    monkeypatch.setenv("TTHC_WIDGET_ORIGINS", f"{PORTAL}/, http://127.0.0.1:8081")
    get_settings.cache_clear()
    with TestClient(create_app()) as test_client:
        yield test_client
    get_settings.cache_clear()


def test_an_allowed_portal_opens_a_conversation_with_cors_headers(client: TestClient) -> None:
    preflight = client.options(
        "/api/chat/sessions",
        headers={
            "Origin": PORTAL,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type",
        },
    )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == PORTAL
    assert "authorization" in preflight.headers["access-control-allow-headers"].lower()
    created = client.post("/api/chat/sessions", headers={"Origin": PORTAL})
    assert created.status_code == 201
    assert created.headers["access-control-allow-origin"] == PORTAL
    assert "access-control-allow-credentials" not in created.headers  # the token is no cookie


@pytest.mark.parametrize("method", ["POST", "OPTIONS"])
def test_another_site_is_refused_in_vietnamese(client: TestClient, method: str) -> None:
    headers = {"Origin": STRANGER, "Access-Control-Request-Method": "POST"}
    refused = client.request(method, "/api/chat/sessions", headers=headers)
    assert refused.status_code == 403
    assert "chưa được phép nhúng trợ lý ảo" in refused.json()["detail"]
    assert "access-control-allow-origin" not in refused.headers


def test_the_same_site_and_clients_without_origin_pass(client: TestClient) -> None:
    assert (
        client.post("/api/chat/sessions", headers={"Origin": "http://testserver"}).status_code
        == 201
    )
    assert client.post("/api/chat/sessions").status_code == 201


def test_the_socket_refuses_another_site(client: TestClient) -> None:
    chat = client.post("/api/chat/sessions").json()
    url = f"/api/chat/ws?session_id={chat['session_id']}&token={chat['token']}"
    with pytest.raises(WebSocketDisconnect) as refused:
        with client.websocket_connect(url, headers={"Origin": STRANGER}):
            pass
    assert refused.value.code == 4403
    with client.websocket_connect(url, headers={"Origin": PORTAL}) as socket:
        socket.send_json({"type": "ping"})
        assert socket.receive_json() == {"type": "pong"}


def test_the_widget_assets_carry_cors_headers_for_allowed_portals(client: TestClient) -> None:
    script = client.get("/static/widget.js", headers={"Origin": PORTAL})
    assert script.status_code == 200
    assert script.headers["access-control-allow-origin"] == PORTAL
    other = client.get("/static/widget.css", headers={"Origin": STRANGER})
    assert other.status_code == 200 and "access-control-allow-origin" not in other.headers


def test_a_wildcard_is_refused_in_the_settings() -> None:
    with pytest.raises(ValueError, match="TTHC_WIDGET_ORIGINS"):
        Settings(widget_origins="*")
    assert Settings(widget_origins="").widget_origins == ""
