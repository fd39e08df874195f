"""The chat across two API workers sharing Redis: a message posted on one worker reaches the
sockets connected to the other (the hub's Redis pub/sub).

Two uvicorn processes on one SQLite database, a redis-server on a free port, and the stand-in
Rasa of the gateway tests. Skipped when redis-server is missing (``make system-deps``).
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from bench.bot_servers import QUIET, VENV_BIN, free_port, start, stop, wait_until_ready
from knowledge.accounts import create_user
from knowledge.catalog.importer import import_json_catalog
from knowledge.config import SAMPLE_CATALOG_DIR
from knowledge.db import make_engine, migrate, session_scope
from tests.api.fake_rasa import FakeRasa
from tests.asyncio_thread import run_on_own_thread

pytestmark = pytest.mark.e2e

REDIS = shutil.which("redis-server")
AGENT = ("canbo.hai", "mat-khau-hai-tien-trinh")
WAIT = 15.0  # seconds for a push to arrive


@pytest.fixture(scope="module")
def workers() -> Iterator[tuple[str, str]]:
    """Two API workers (their base URLs) sharing one database, one Redis and one Rasa."""
    if REDIS is None:
        pytest.skip("redis-server is missing (make system-deps installs it)")
    folder = Path(tempfile.mkdtemp(prefix="tthc-workers-"))
    url = f"sqlite:///{folder / 'tthc.db'}"
    migrate(url)
    engine = make_engine(url)
    with session_scope(engine) as session:
        import_json_catalog(session, SAMPLE_CATALOG_DIR, source="sample")
        create_user(session, AGENT[0], AGENT[1], "agent")
    engine.dispose()
    rasa = FakeRasa(free_port())
    rasa.start()
    redis_port = free_port()
    processes = {
        "redis": start(
            "redis",
            [REDIS, "--port", str(redis_port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no"],
            {}, folder,
        )
    }  # fmt: skip
    env = {
        "TTHC_ENV": "local",
        **os.environ,
        **QUIET,
        "TTHC_DATABASE_URL": url,
        "TTHC_REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
        "TTHC_RASA_URL": rasa.url,
        "TTHC_OFFICE_HOURS": "mon-sun 00:00-23:59",
    }
    ports = [free_port(), free_port()]
    try:
        for index, port in enumerate(ports):
            processes[f"api{index}"] = start(
                f"api{index}",
                [str(VENV_BIN / "uvicorn"), "knowledge.api.app:create_app", "--factory",
                 "--ws", "wsproto", "--no-proxy-headers", "--host", "127.0.0.1",
                 "--port", str(port)],
                env, folder,
            )  # fmt: skip
        for index, port in enumerate(ports):
            name = f"api{index}"
            wait_until_ready(name, f"http://127.0.0.1:{port}/health", processes[name], folder, 120)
        yield f"http://127.0.0.1:{ports[0]}", f"http://127.0.0.1:{ports[1]}"
    finally:
        for process in processes.values():
            stop(process)
        rasa.stop()
        shutil.rmtree(folder, ignore_errors=True)


async def _next(socket: Any, wanted: Any) -> dict[str, Any]:
    """The next message on ``socket`` for which ``wanted(message)`` holds (others skipped)."""

    async def read() -> dict[str, Any]:
        while True:
            data = json.loads(await socket.recv())
            if wanted(data):
                return dict(data)

    return await asyncio.wait_for(read(), WAIT)


async def _across_workers(first: str, second: str) -> dict[str, Any]:
    import websockets

    seen: dict[str, Any] = {}
    async with httpx.AsyncClient(timeout=30) as http:
        token = (
            await http.post(
                f"{first}/api/auth/token", data={"username": AGENT[0], "password": AGENT[1]}
            )
        ).json()["access_token"]
        agent = {"Authorization": f"Bearer {token}"}
        chat = (await http.post(f"{first}/api/chat/sessions")).json()
        citizen = {"Authorization": f"Bearer {chat['token']}"}
        messages = f"{first}/api/chat/sessions/{chat['session_id']}/messages"
        ws_base = second.replace("http", "ws")
        citizen_url = f"{ws_base}/api/chat/ws?session_id={chat['session_id']}&token={chat['token']}"
        async with (
            websockets.connect(citizen_url) as citizen_socket,
            websockets.connect(f"{ws_base}/api/agent/ws") as console,
        ):
            await console.send(json.dumps({"type": "auth", "token": token}))
            seen["ready"] = await _next(console, lambda m: m.get("type") == "ready")
            await http.get(f"{first}/api/agent/handoffs", headers=agent)  # present

            # The citizen posts on the first worker; the socket on the second hears the turn.
            posted = await http.post(messages, json={"text": "lệ phí"}, headers=citizen)
            assert posted.status_code == 200, posted.text
            seen["bot"] = await _next(citizen_socket, lambda m: m.get("role") == "bot")
            seen["console_message"] = await _next(
                console, lambda m: m.get("type") == "message" and m["message"]["role"] == "bot"
            )
            # Asking for a person on the first worker: the second worker's console is told.
            await http.post(messages, json={"text": "gặp nhân viên"}, headers=citizen)
            seen["queued"] = await _next(
                console, lambda m: m.get("type") == "handoff" and m["event"] == "waiting"
            )
            handoff = seen["queued"]["handoff"]["id"]
            await http.post(f"{first}/api/agent/handoffs/{handoff}/claim", headers=agent)
            await http.post(
                f"{first}/api/agent/handoffs/{handoff}/messages",
                json={"text": "Chào bạn, mình là cán bộ tổng đài."},
                headers=agent,
            )
            seen["agent"] = await _next(citizen_socket, lambda m: m.get("role") == "agent")
    return seen


def test_a_message_posted_on_one_worker_reaches_sockets_on_the_other(
    workers: tuple[str, str],
) -> None:
    first, second = workers
    seen = run_on_own_thread(_across_workers(first, second), timeout=120)
    assert seen["ready"]["username"] == AGENT[0]
    assert "Mã thủ tục: 1.001193" in seen["bot"]["text"]
    assert seen["console_message"]["session_id"]
    assert seen["queued"]["handoff"]["status"] == "waiting"
    assert seen["agent"]["text"] == "Chào bạn, mình là cán bộ tổng đài."
