"""The action server listens on 127.0.0.1, refuses calls without the shared secret, and answers
health checks (a real ``python -m actions.server`` process)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from actions.server import token_accepted
from bench.bot_servers import free_port
from knowledge.config import PROJECT_ROOT

TOKEN = "test-actions-secret-123"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, _sample_sqlite: Path) -> Iterator[str]:
    """The action server on a copy of the sample catalog (never the developer's var/tthc.db,
    which may hold the national catalog and take minutes to embed)."""
    database = tmp_path_factory.mktemp("actions-server") / "tthc.db"
    shutil.copyfile(_sample_sqlite, database)
    port = free_port()
    env = {
        **os.environ,
        "TTHC_ENV": "local",
        "TTHC_ACTIONS_TOKEN": TOKEN,
        "TTHC_DATABASE_URL": f"sqlite:///{database}",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "actions.server", "--port", str(port)],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.3)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=20)


def _call(url: str, **params: str) -> int:
    body = {"next_action": "action_answer_fee", "sender_id": "s", "tracker": {}, "domain": {}}
    return httpx.post(f"{url}/webhook", json=body, params=params, timeout=10).status_code


def test_calls_without_the_token_are_refused(server: str) -> None:
    assert _call(server) == 401
    assert _call(server, token="wrong-token-value") == 401
    response = httpx.get(f"{server}/actions", timeout=10)
    assert response.status_code == 401 and "mã truy cập" in response.json()["error"]


def test_the_token_opens_the_door_and_health_is_open(server: str) -> None:
    response = httpx.get(f"{server}/actions", params={"token": TOKEN}, timeout=10)
    assert response.status_code == 200
    assert {"name": "action_answer_dossier_status"} in response.json()
    bearer = httpx.get(f"{server}/actions", headers={"Authorization": f"Bearer {TOKEN}"})
    assert bearer.status_code == 200
    assert httpx.get(f"{server}/health", timeout=10).status_code == 200


@pytest.mark.parametrize("given", ["", "tëst-actions-secret-123", TOKEN[:-1]])
def test_token_comparison_refuses_near_misses_and_non_ascii(given: str) -> None:
    assert not token_accepted(given, TOKEN)
    assert token_accepted(TOKEN, TOKEN)
