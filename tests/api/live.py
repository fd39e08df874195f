"""A real uvicorn server in a thread, for tests that need HTTP (responses sent before clean-ups)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import httpx
import uvicorn

from knowledge.api.app import create_app


@dataclass(frozen=True)
class LiveServer:
    """A running API: its base URL."""

    url: str


@contextmanager
def live_api(**app_options: object) -> Iterator[LiveServer]:
    """Serve ``create_app(**app_options)`` on a free loopback port until the block ends."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    config = uvicorn.Config(
        create_app(**app_options),  # type: ignore[arg-type]
        host="127.0.0.1",
        port=port,
        log_level="warning",
        ws="none",
        lifespan="on",
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            httpx.get(f"{url}/health", timeout=2.0)
            break
        except httpx.HTTPError:
            time.sleep(0.05)
    try:
        yield LiveServer(url)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
