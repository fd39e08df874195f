"""Hostile but unauthenticated requests get a 4xx with a Vietnamese message, never a 500;
rate limits count per client and route group; the OpenAPI document shows the real bodies."""

from __future__ import annotations

import logging
import shutil
import socket
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from knowledge.api.app import create_app
from knowledge.api.clients import client_address, parse_networks
from knowledge.config import Settings
from tests.dossier_payloads import commune_payload

INGEST = {"Authorization": "Bearer dev-ingest-token"}


@pytest.mark.parametrize(
    "headers", [{"Authorization": "Bearer tôken-có-dấu"}, {"Authorization": "Bearer \u00ff\u00fe"}]
)
def test_non_ascii_tokens_are_401(client: TestClient, headers: dict[str, str]) -> None:
    encoded = {k: v.encode("utf-8") for k, v in headers.items()}
    for response in (
        client.post("/api/dossiers", json=commune_payload(), headers=encoded),
        client.get("/api/dossiers/000.00.12.H48-251120-0001", headers=encoded),
    ):
        assert response.status_code == 401
        assert "mã truy cập" in response.json()["detail"].lower()


def test_a_null_byte_in_a_static_path_is_404(client: TestClient) -> None:
    response = client.get("/static/chat.js%00.png")
    assert response.status_code == 404
    assert response.json()["detail"].startswith("Không tìm thấy")


@pytest.mark.parametrize(
    "received_at",
    ["9999-12-31T23:59:59+07:00", "0001-01-01T00:00:00+07:00", 1e20, 1700000000, True],
)
def test_impossible_dates_are_422(client: TestClient, received_at: Any) -> None:
    response = client.post(
        "/api/dossiers", json=commune_payload(received_at=received_at), headers=INGEST
    )
    assert response.status_code == 422
    assert "received_at" in response.json()["detail"]


@pytest.mark.parametrize("body", ["[1, 2]", "42", '"text"', "null", "{not json"])
def test_bodies_that_are_not_objects_are_4xx(client: TestClient, body: str) -> None:
    response = client.post(
        "/api/dossiers",
        content=body,
        headers={**INGEST, "Content-Type": "application/json"},
    )
    assert 400 <= response.status_code < 500
    assert isinstance(response.json()["detail"], str)


def test_openapi_documents_the_error_body_that_is_sent(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    search = document["paths"]["/api/procedures/search"]["get"]["responses"]
    assert search["422"]["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorBody")
    schema = document["components"]["schemas"]["ErrorBody"]
    assert schema["properties"]["detail"]["type"] == "string"
    sent = client.get("/api/procedures/search", params={"limit": "x", "q": "a"})
    assert sent.status_code == 422 and isinstance(sent.json()["detail"], str)


def test_a_distinct_path_scan_is_limited_per_client(configured_database: str) -> None:
    with TestClient(create_app(rate_limit="20/minute")) as limited:
        statuses = [limited.get(f"/api/procedures/1.{n:06d}").status_code for n in range(30)]
        refused = limited.get("/api/procedures/1.999999")
    assert statuses.count(429) == 10
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) >= 1
    assert "quá nhiều yêu cầu" in refused.json()["detail"]


def test_forwarded_for_is_believed_only_from_trusted_proxies() -> None:
    trusted = parse_networks("10.0.0.0/8, 127.0.0.1")
    assert client_address("127.0.0.1", "203.0.113.9", trusted) == "203.0.113.9"
    assert client_address("127.0.0.1", "198.51.100.1, 203.0.113.9, 10.1.2.3", trusted) == (
        "203.0.113.9"
    )
    assert client_address("198.51.100.7", "203.0.113.9", trusted) == "198.51.100.7"
    assert client_address("127.0.0.1", "not-an-ip", trusted) == "127.0.0.1"
    assert client_address("198.51.100.7", "1.2.3.4", ()) == "198.51.100.7"


def test_spoofed_forwarded_for_does_not_escape_the_limit(configured_database: str) -> None:
    with TestClient(create_app(rate_limit="5/minute")) as limited:
        statuses = [
            limited.get("/api/fields", headers={"X-Forwarded-For": f"203.0.113.{n}"}).status_code
            for n in range(8)
        ]
    assert statuses.count(429) == 3


def test_agent_bulk_reads_are_limited_and_alerted(
    client: TestClient, agent_headers: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    settings = Settings(dossier_read_rate_limit="6/hour")
    from knowledge.api.ratelimit import GroupLimiter

    client.app.state.limiter.__init__(settings)  # type: ignore[attr-defined,misc]
    with caplog.at_level(logging.WARNING):
        statuses = [
            client.get(
                f"/api/dossiers/000.00.12.H48-251120-{n:04d}", headers=agent_headers
            ).status_code
            for n in range(8)
        ]
    assert statuses[:6] == [404] * 6 and statuses[6:] == [429, 429]
    alerts = [r.getMessage() for r in caplog.records if "bulk dossier reads" in r.getMessage()]
    assert any("has read 3" in a for a in alerts) and any("refused" in a for a in alerts)
    assert isinstance(client.app.state.limiter, GroupLimiter)  # type: ignore[attr-defined]


def test_production_is_the_default_and_refuses_development_tokens(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("TTHC_ENV", raising=False)
    with pytest.raises(ValueError, match="development tokens"):
        Settings(_env_file=None)
    monkeypatch.setenv("TTHC_INGEST_TOKEN", "ingest-secret-0123456789")
    monkeypatch.setenv("TTHC_AUTH_SECRET", "auth-secret-0123456789-abcdef")
    monkeypatch.setenv("TTHC_RASA_TOKEN", "rasa-secret-0123456789")
    monkeypatch.setenv("TTHC_ACTIONS_TOKEN", "actions-secret-0123456789")
    monkeypatch.setenv("TTHC_LOOKUP_SECRET", "lookup-secret-0123456789")
    settings = Settings(_env_file=None)
    assert settings.env == "production"
    monkeypatch.setenv("TTHC_RASA_TOKEN", "short")
    with pytest.raises(ValueError, match="12 printable"):
        Settings(_env_file=None)


def test_limits_hold_in_memory_while_redis_is_unreachable(
    caplog: pytest.LogCaptureFixture,
) -> None:
    from bench.bot_servers import free_port
    from knowledge.api.ratelimit import GroupLimiter

    closed = f"redis://127.0.0.1:{free_port()}/0"  # nobody listens: Redis is down
    limiter = GroupLimiter(Settings(), override="3/minute", storage_url=closed)
    scope = {"type": "http", "method": "GET", "path": "/api/fields", "client": ("203.0.113.5", 1)}
    with caplog.at_level(logging.WARNING):
        decisions = [limiter.check(scope) for _ in range(4)]
    assert [d.allowed for d in decisions if d] == [True, True, True, False]
    assert any("counting in memory" in r.getMessage() for r in caplog.records)


def test_a_redis_outage_is_logged_once_when_it_starts_and_once_when_it_ends(
    caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    from bench.bot_servers import free_port
    from knowledge.api.ratelimit import GroupLimiter

    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is missing: run `make system-deps`")
    port = free_port()
    limiter = GroupLimiter(
        Settings(), override="1000/minute", storage_url=f"redis://127.0.0.1:{port}/0"
    )
    scope = {"type": "http", "method": "GET", "path": "/api/fields", "client": ("203.0.113.5", 1)}

    def outage_lines(requests: int) -> list[str]:
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="knowledge.api.ratelimit"):
            for _ in range(requests):
                assert limiter.check(scope) is not None
        return [r.getMessage() for r in caplog.records if "rate-limit store" in r.getMessage()]

    assert [line.split(" (")[0] for line in outage_lines(5)] == ["rate-limit store unavailable"]
    redis_server = subprocess.Popen(
        ["redis-server", "--bind", "127.0.0.1", "--port", str(port), "--save", "",
         "--appendonly", "no", "--dir", str(tmp_path)],
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not _listening(port):
            time.sleep(0.05)
        assert outage_lines(5) == ["rate-limit store reachable again: counting in it"]
    finally:
        redis_server.terminate()
        redis_server.wait(timeout=20)
    # A second outage is logged again, once.
    assert [line.split(" (")[0] for line in outage_lines(5)] == ["rate-limit store unavailable"]


def _listening(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
    except OSError:
        return False
    return True


def test_an_unreachable_database_is_a_503_with_the_hotline(
    configured_database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bench.bot_servers import free_port
    from knowledge.config import get_settings
    from knowledge.db import get_engine

    with TestClient(create_app()) as app:  # started on a working database
        monkeypatch.setenv(
            "TTHC_DATABASE_URL", f"postgresql+psycopg2://u@127.0.0.1:{free_port()}/x"
        )
        get_settings.cache_clear()
        get_engine.cache_clear()  # now nobody answers on the database's port
        response = app.post("/api/chat/sessions")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "10"
    detail = response.json()["detail"]
    assert "Cơ sở dữ liệu tạm thời không phản hồi" in detail
    assert get_settings().hotline in detail


@pytest.mark.parametrize(
    ("method", "path", "group"),
    [
        ("POST", "/api/chat/sessions", "chat"),
        ("GET", "/api/chat/sessions/abc/messages", "chat"),
        ("GET", "/api/agent/handoffs", "agent"),
        ("POST", "/api/auth/token", "auth"),
        ("GET", "/quan-tri", "admin"),
        ("GET", "/api/admin/audit", "admin"),
        ("GET", "/api/chatter", "pages"),
        ("GET", "/", "pages"),
        ("GET", "/static/widget.js", "pages"),
    ],
)
def test_each_route_family_has_its_own_group(method: str, path: str, group: str) -> None:
    from knowledge.api.ratelimit import route_group

    assert route_group(method, path) == group


def test_a_spent_chat_budget_leaves_the_pages_and_sign_in_open() -> None:
    from knowledge.api.ratelimit import GroupLimiter

    limiter = GroupLimiter(Settings(chat_api_rate_limit="3/minute", auth_api_rate_limit="2/minute"))

    def scope(path: str) -> dict[str, Any]:
        return {"method": "GET", "path": path, "client": ("198.51.100.4", 5000), "headers": []}

    chat = [limiter.check(scope("/api/chat/sessions/x/messages")) for _ in range(5)]
    assert [d.allowed for d in chat if d] == [True, True, True, False, False]
    assert all(d and d.group == "chat" for d in chat)
    page = limiter.check(scope("/"))
    assert page is not None and page.allowed and page.group == "pages"
    auth = [limiter.check(scope("/api/auth/me")) for _ in range(3)]
    assert [d.allowed for d in auth if d] == [True, True, False]
