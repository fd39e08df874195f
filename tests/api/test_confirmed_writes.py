"""Confirmed writes: every acknowledged push is in the database, readable right after its answer.

The pushes go over real HTTP to a uvicorn server in a thread (a TestClient waits for the whole
ASGI call, clean-ups included, so it cannot see a commit that runs after the response).
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine

from knowledge.db import session_scope
from knowledge.models import Dossier
from tests.api.live import LiveServer, live_api
from tests.dossier_payloads import commune_payload

INGEST = {"Authorization": "Bearer dev-ingest-token"}
PASSWORD = "mat-khau-thu-nghiem"


def _dossier(sequence: int) -> dict[str, Any]:
    """The shared commune push, numbered ``sequence``."""
    return commune_payload(code=f"000.00.12.H48-251120-{sequence:04d}")


def _agent(server: LiveServer, engine: Engine) -> dict[str, str]:
    """Create an agent account and sign it in over HTTP; its Authorization header."""
    from knowledge.accounts import create_user

    with session_scope(engine) as session:
        create_user(session, "agent-writes", PASSWORD, "agent")
    response = httpx.post(
        f"{server.url}/api/auth/token", data={"username": "agent-writes", "password": PASSWORD}
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def _push_then_read(base: str, agent: dict[str, str], sequence: int) -> tuple[int, int, str]:
    """Push one dossier, then read it back at once; (push status, read status, code)."""
    body = _dossier(sequence)
    with httpx.Client(base_url=base, timeout=30.0) as http:
        pushed = http.post("/api/dossiers", json=body, headers=INGEST)
        read = http.get(f"/api/dossiers/{body['code']}", headers=agent)
    return pushed.status_code, read.status_code, body["code"]


def _check_concurrent_pushes(server: LiveServer, engine: Engine, workers: int, count: int) -> None:
    agent = _agent(server, engine)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        results = list(
            pool.map(lambda n: _push_then_read(server.url, agent, n), range(1, count + 1))
        )
    acknowledged = {code for pushed, _read, code in results if pushed in (200, 201)}
    assert [r for r in results if r[0] != 201] == []
    assert [r for r in results if r[1] != 200] == [], "a read right after a 201 must find it"
    with session_scope(engine) as session:
        stored = set(session.scalars(select(Dossier.code)))
    assert acknowledged - stored == set()


@pytest.fixture()
def sqlite_server(sample_database: str) -> Iterator[LiveServer]:
    """The API over HTTP on the SQLite test database holding the sample catalog."""
    with live_api() as server:
        yield server


@pytest.mark.parametrize("workers", [4, 8])  # one at a time: the other push tests
def test_concurrent_pushes_are_all_kept_sqlite(sqlite_server: LiveServer, workers: int) -> None:
    from knowledge.db import get_engine

    _check_concurrent_pushes(sqlite_server, get_engine(), workers, 40)


def test_immediate_repush_is_an_idempotent_update(sqlite_server: LiveServer) -> None:
    body = _dossier(77)
    with ThreadPoolExecutor(max_workers=6) as pool:
        statuses = list(
            pool.map(
                lambda _n: httpx.post(
                    f"{sqlite_server.url}/api/dossiers", json=body, headers=INGEST, timeout=30
                ).status_code,
                range(12),
            )
        )
    assert sorted(set(statuses)) in ([200, 201], [201]), statuses
    assert statuses.count(201) == 1


@pytest.mark.postgres
def test_concurrent_pushes_are_all_kept_postgres(
    pg_sample_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    from knowledge.config import get_settings
    from knowledge.db import get_engine

    monkeypatch.setenv("TTHC_DATABASE_URL", str(pg_sample_engine.url.render_as_string(False)))
    get_settings.cache_clear()
    get_engine.cache_clear()
    try:
        with live_api() as server:
            _check_concurrent_pushes(server, pg_sample_engine, 8, 60)
            body = _dossier(1)
            again = httpx.post(f"{server.url}/api/dossiers", json=body, headers=INGEST)
            assert again.status_code == 200
    finally:
        get_engine.cache_clear()
        get_settings.cache_clear()
