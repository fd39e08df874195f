"""Start and stop the project's real servers: Rasa, the action server and the API.

The one place that knows how to run them, for the end-to-end tests (``tests/e2e``) and the
bot benchmarks (``bench.bot_answers``, ``bench.bot_latency``). Each server is a subprocess in
its own process group on a free port, its output in ``<logs>/<name>.log``; they start
together, are polled until they answer, and stop together, politely then firmly.

Example:
    with running_servers(PROJECT_MODEL, database_url=url) as servers:
        servers.send("chat-1", "lệ phí đăng ký khai sinh")
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from knowledge.config import PROJECT_ROOT

VENV_BIN = PROJECT_ROOT / ".venv" / "bin"
PROJECT_MODEL = PROJECT_ROOT / "models" / "tthc.tar.gz"
CREDENTIALS = PROJECT_ROOT / "bot" / "credentials.yml"  # the REST channel
RASA_TOKEN = "local-rasa-token"
START_TIMEOUT = 600.0  # seconds: Rasa loads TensorFlow and the model on a busy 2-core machine
# Fewer log lines, and no usage reports from Rasa's telemetry while measuring.
QUIET = {
    "TF_CPP_MIN_LOG_LEVEL": "2",
    "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
    "RASA_TELEMETRY_ENABLED": "false",
}


WARM_UP_QUESTIONS = (
    "lệ phí khai sinh",
    "dang ky ket hon can giay to gi",
    "Tôi bị mất căn cước công dân khi đi công tác. Tôi cần làm thủ tục gì và mất bao lâu?",
    "phí hộ chiếu",
)


class ServerError(RuntimeError):
    """A server exited before it answered, or did not answer in time (with its log's tail)."""


@dataclass(frozen=True)
class Servers:
    """Running servers: base URLs (None when not started), process ids and log files."""

    rasa_url: str
    actions_url: str | None
    api_url: str | None
    database_url: str | None
    pids: dict[str, int]
    logs: dict[str, Path]

    @property
    def webhook(self) -> str:
        """The URL of Rasa's REST channel."""
        return f"{self.rasa_url}/webhooks/rest/webhook"

    def send(self, sender: str, text: str, timeout: float = 60.0) -> list[dict[str, Any]]:
        """Post ``text`` to the REST channel as ``sender``; return the bot's messages."""
        response = httpx.post(
            self.webhook, json={"sender": sender, "message": text}, timeout=timeout
        )
        response.raise_for_status()
        return response.json()

    def warm_up(self) -> None:
        """Ask a few questions both ways before anything is measured.

        A cold first turn (index, encoder, accent restorer, long-question path) on a loaded
        machine may outlast Rasa's wait for the action server and come back as the apology,
        which a bench would count as a miss.
        """
        for text in WARM_UP_QUESTIONS:
            self.send("warm-up", text, timeout=300.0)


def first_replies(
    webhook: str, texts: Iterable[str], timeout: float = 120.0
) -> Iterator[tuple[list[dict[str, Any]], float, int]]:
    """Post each text in a new conversation; yield (bot messages, seconds, HTTP status).

    The messages are empty when the status is not 200.
    """
    with httpx.Client(timeout=timeout) as client:
        for text in texts:
            started = time.perf_counter()
            response = client.post(
                webhook, json={"sender": f"bench-{uuid.uuid4().hex}", "message": text}
            )
            seconds = time.perf_counter() - started
            ok = response.status_code == 200
            yield (response.json() if ok else []), seconds, response.status_code


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def load_default_catalog(database_url: str) -> str:
    """Migrate ``database_url`` and import the default catalog into it; return its source.

    The default catalog is the national export when ../shared has it, else the sample.
    """
    from knowledge.catalog.importer import default_catalog_dir, import_json_catalog
    from knowledge.db import make_engine, migrate, session_scope

    migrate(database_url)
    path, source = default_catalog_dir()
    engine = make_engine(database_url)
    with session_scope(engine) as session:
        import_json_catalog(session, path, source=source)
    engine.dispose()
    return source


def catalog_database(database_url: str | None, folder: Path) -> str:
    """``database_url``, or a new SQLite database in ``folder`` holding the default catalog."""
    if database_url:
        return database_url
    url = f"sqlite:///{folder / 'catalog.db'}"
    load_default_catalog(url)
    return url


def rss_mb(pid: int, *, peak: bool = False) -> float:
    """Resident memory of a process and its children in MiB, from /proc (peak: ``VmHWM``)."""
    field = "VmHWM:" if peak else "VmRSS:"
    total = 0
    for candidate in [pid, *_children(pid)]:
        try:
            for line in Path(f"/proc/{candidate}/status").read_text().splitlines():
                if line.startswith(field):
                    total += int(line.split()[1])
        except OSError:
            continue
    return round(total / 1024, 1)


def _children(pid: int) -> list[int]:
    try:
        found = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return []
    return [int(c) for c in found] + [g for c in found for g in _children(int(c))]


def tail(path: Path, lines: int = 40) -> str:
    """The last ``lines`` lines of a log file."""
    if not path.exists():
        return "(no log)"
    return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])


def start(
    name: str, command: list[str], env: Mapping[str, str], logs: Path, cwd: Path = PROJECT_ROOT
) -> subprocess.Popen[bytes]:
    """Start ``command`` in its own process group, output to ``logs/name.log``."""
    with (logs / f"{name}.log").open("wb") as log:
        return subprocess.Popen(
            command,
            cwd=cwd,
            env=dict(env),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def wait_until_ready(
    name: str, url: str, process: subprocess.Popen[bytes], logs: Path, timeout: float
) -> None:
    """Poll ``url`` until it answers 200; raise ``ServerError`` if the server dies or is late."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ServerError(
                f"{name} exited with {process.returncode}:\n{tail(logs / f'{name}.log')}"
            )
        try:
            if httpx.get(url, timeout=5.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(1.0)
    raise ServerError(f"{name} not ready after {timeout:.0f} s:\n{tail(logs / f'{name}.log')}")


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


@contextmanager
def running_servers(
    model: Path,
    *,
    actions: bool = True,
    api: bool = False,
    database_url: str | None = None,
    env: Mapping[str, str] | None = None,
    token: str = RASA_TOKEN,
    cwd: Path = PROJECT_ROOT,
    timeout: float = START_TIMEOUT,
    actions_package: str | None = None,
) -> Iterator[Servers]:
    """Run Rasa with ``model`` and the REST channel; with this project's action server and API.

    Args:
        model: the trained model Rasa serves.
        actions: also run ``rasa run actions`` (this project's ``actions`` package).
        api: also run the FastAPI app (it reaches Rasa through ``TTHC_RASA_URL``).
        database_url: ``TTHC_DATABASE_URL`` of every server (else the settings' default).
        env: more environment variables for every server.
        token: the token of Rasa's HTTP API (``--enable-api``).
        cwd: where Rasa runs.
        timeout: seconds each server gets to answer its health check.
        actions_package: with ``actions``, serve this package of ``cwd`` with rasa-sdk's own
            action server instead (another bot's actions: no token, Rasa's default stores).
    """
    folder = Path(tempfile.mkdtemp(prefix="tthc-servers-"))
    ports = {name: free_port() for name in ("rasa", "actions", "api")}
    urls = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    # A local run (development ingest and agent tokens) with a fresh action-server secret.
    variables = {
        "TTHC_ENV": "local",
        **os.environ,
        **QUIET,
        "TTHC_RASA_URL": urls["rasa"],
        "TTHC_ACTIONS_TOKEN": secrets.token_urlsafe(24),
        **(env or {}),
    }
    if database_url:
        variables["TTHC_DATABASE_URL"] = database_url
    rasa = [
        str(VENV_BIN / "rasa"), "run", "--model", str(model), "--port", str(ports["rasa"]),
        "--credentials", str(CREDENTIALS), "--enable-api", "--auth-token", token,
        "--interface", "127.0.0.1", "--cors", urls["api"],  # only the chat page's origin
    ]  # fmt: skip
    commands: dict[str, tuple[list[str], Path]] = {}
    if actions:
        endpoints = folder / "endpoints.yml"
        action_endpoint = f'action_endpoint:\n  url: "{urls["actions"]}/webhook"\n'
        if actions_package:  # another bot's actions: no token, Rasa's default stores
            endpoints.write_text(action_endpoint, encoding="utf-8")
            server = ["-m", "rasa_sdk", "--actions", actions_package]
            server_dir = cwd
        else:
            endpoints.write_text(
                action_endpoint + "  token: ${TTHC_ACTIONS_TOKEN}\n"
                "tracker_store:\n  type: bot.tracker_store.ConfiguredTrackerStore\n"
                "lock_store:\n  type: bot.lock_store.ConfiguredLockStore\n",
                encoding="utf-8",
            )
            server, server_dir = ["-m", "actions.server"], PROJECT_ROOT
        rasa += ["--endpoints", str(endpoints)]
        commands["actions"] = (
            [str(VENV_BIN / "python"), *server, "--port", str(ports["actions"])],
            server_dir,
        )
    if api:
        commands["api"] = (
            [str(VENV_BIN / "uvicorn"), "knowledge.api.app:create_app", "--factory",
             "--ws", "wsproto",  # Rasa pins websockets 10, too old for uvicorn's own protocol
             "--no-proxy-headers",  # the API reads X-Forwarded-For from trusted proxies only
             "--host", "127.0.0.1", "--port", str(ports["api"])],
            PROJECT_ROOT,
        )  # fmt: skip
    commands["rasa"] = (rasa, cwd)
    health = {
        "actions": f"{urls['actions']}/health",
        "api": f"{urls['api']}/health",
        "rasa": f"{urls['rasa']}/status?token={token}",
    }
    processes: dict[str, subprocess.Popen[bytes]] = {}
    try:
        for name, (command, directory) in commands.items():
            processes[name] = start(name, command, variables, folder, directory)
        for name, process in processes.items():
            wait_until_ready(name, health[name], process, folder, timeout)
        yield Servers(
            rasa_url=urls["rasa"],
            actions_url=urls["actions"] if actions else None,
            api_url=urls["api"] if api else None,
            database_url=database_url,
            pids={name: process.pid for name, process in processes.items()},
            logs={name: folder / f"{name}.log" for name in processes},
        )
    finally:
        for process in processes.values():
            stop(process)
        shutil.rmtree(folder, ignore_errors=True)
