"""Real servers for end-to-end tests: Rasa (models/tthc.tar.gz), the action server and the API.

They start once per test session as subprocesses on free ports, over a temporary database
loaded with the default catalog (the national export in ../shared when present, else the
sample), and stop at the end. Tests talk to them over HTTP only.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from knowledge.config import PROJECT_ROOT

# The model `make train` builds; TTHC_E2E_MODEL points elsewhere (an experimental model).
MODEL = Path(os.environ.get("TTHC_E2E_MODEL", PROJECT_ROOT / "models" / "tthc.tar.gz"))
VENV_BIN = PROJECT_ROOT / ".venv" / "bin"
RASA_TOKEN = "e2e-rasa-token"
START_TIMEOUT = 420.0  # seconds: Rasa loads TensorFlow and the model on a 2-core machine
FIRST_ANSWER_TIMEOUT = 180.0  # the first question builds the search index of the catalog


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Servers:
    """The running servers' base URLs, their log files, and a REST-channel client."""

    rasa_url: str
    actions_url: str
    api_url: str
    logs: dict[str, Path]
    database_url: str
    client: httpx.Client = field(default_factory=lambda: httpx.Client(timeout=60.0))

    def send(self, sender: str, text: str, timeout: float = 60.0) -> list[dict[str, Any]]:
        """Post ``text`` to the REST channel as ``sender``; return the bot's messages."""
        response = self.client.post(
            f"{self.rasa_url}/webhooks/rest/webhook",
            json={"sender": sender, "message": text},
            timeout=timeout,
        )
        response.raise_for_status()
        return response.json()


def load_default_catalog(database_url: str) -> str:
    """Migrate ``database_url`` and import the default catalog into it; return its source."""
    from knowledge.catalog.importer import default_catalog_dir, import_json_catalog
    from knowledge.db import make_engine, migrate, session_scope

    migrate(database_url)
    path, source = default_catalog_dir()
    engine = make_engine(database_url)
    with session_scope(engine) as session:
        import_json_catalog(session, path, source=source)
    engine.dispose()
    return source


def start(
    name: str, command: list[str], env: dict[str, str], logs: Path
) -> subprocess.Popen[bytes]:
    """Start ``command`` in its own process group, output to ``logs/name.log``."""
    log = (logs / f"{name}.log").open("wb")
    return subprocess.Popen(
        command,
        cwd=PROJECT_ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def wait_until_ready(
    name: str, url: str, process: subprocess.Popen[bytes], logs: Path, timeout: float
) -> None:
    """Poll ``url`` until it answers 200; fail with the log's tail if it dies or times out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"{name} exited with {process.returncode}:\n{tail(logs / f'{name}.log')}")
        try:
            if httpx.get(url, timeout=5.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(1.0)
    pytest.fail(f"{name} not ready after {timeout:.0f} s:\n{tail(logs / f'{name}.log')}")


def stop(process: subprocess.Popen[bytes]) -> None:
    """Stop a server started by ``start`` (its whole process group), politely then firmly."""
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def tail(path: Path, lines: int = 40) -> str:
    """The last ``lines`` lines of a log file."""
    if not path.exists():
        return "(no log)"
    return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])


@pytest.fixture(scope="session")
def servers() -> Iterator[Servers]:
    """Rasa, the action server and the API on free ports, with the default catalog loaded."""
    if not MODEL.exists():
        pytest.skip("models/tthc.tar.gz is missing: run `make train` first")
    folder = Path(tempfile.mkdtemp(prefix="tthc-e2e-"))
    database_url = f"sqlite:///{folder / 'tthc.db'}"
    load_default_catalog(database_url)
    rasa_port, actions_port, api_port = free_port(), free_port(), free_port()
    endpoints = folder / "endpoints.yml"
    endpoints.write_text(
        f'action_endpoint:\n  url: "http://127.0.0.1:{actions_port}/webhook"\n', encoding="utf-8"
    )
    rasa_url = f"http://127.0.0.1:{rasa_port}"
    env = {
        **os.environ,
        "TTHC_DATABASE_URL": database_url,
        "TTHC_RASA_URL": rasa_url,
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
    }
    processes = {
        "actions": start(
            "actions",
            [
                str(VENV_BIN / "rasa"),
                "run",
                "actions",
                "--actions",
                "actions",
                "--port",
                str(actions_port),
            ],
            env,
            folder,
        ),
        "rasa": start(
            "rasa",
            [
                str(VENV_BIN / "rasa"),
                "run",
                "--model",
                str(MODEL),
                "--endpoints",
                str(endpoints),
                "--credentials",
                str(PROJECT_ROOT / "bot" / "credentials.yml"),
                "--enable-api",
                "--auth-token",
                RASA_TOKEN,
                "--port",
                str(rasa_port),
            ],
            env,
            folder,
        ),
        "api": start(
            "api",
            [
                str(VENV_BIN / "uvicorn"),
                "knowledge.api.app:create_app",
                "--factory",
                "--ws",
                "none",  # Rasa pins websockets 10, which uvicorn's auto-detection cannot use
                "--host",
                "127.0.0.1",
                "--port",
                str(api_port),
            ],
            env,
            folder,
        ),
    }
    try:
        urls = {
            "actions": f"http://127.0.0.1:{actions_port}/health",
            "api": f"http://127.0.0.1:{api_port}/health",
            "rasa": f"{rasa_url}/status?token={RASA_TOKEN}",
        }
        for name, url in urls.items():
            wait_until_ready(name, url, processes[name], folder, START_TIMEOUT)
        running = Servers(
            rasa_url=rasa_url,
            actions_url=f"http://127.0.0.1:{actions_port}",
            api_url=f"http://127.0.0.1:{api_port}",
            logs={name: folder / f"{name}.log" for name in processes},
            database_url=database_url,
        )
        # The first question builds the search index; later ones must be fast.
        running.send(
            f"warm-up-{uuid.uuid4().hex}", "lệ phí đăng ký khai sinh", FIRST_ANSWER_TIMEOUT
        )
        yield running
        running.client.close()
    finally:
        for process in processes.values():
            stop(process)
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture()
def sender() -> str:
    """A fresh conversation id per test."""
    return f"e2e-{uuid.uuid4().hex[:12]}"
