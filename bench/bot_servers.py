"""Start and stop real bot servers for the benchmarks: Rasa, optionally the action server.

Shared by ``bench.bot_answers`` and ``bench.bot_latency``. Servers run as subprocesses on
free ports (their output in a log file), and are stopped with their process group.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from knowledge.config import PROJECT_ROOT

VENV_BIN = PROJECT_ROOT / ".venv" / "bin"
PROJECT_MODEL = PROJECT_ROOT / "models" / "tthc.tar.gz"
START_TIMEOUT = 600.0
TOKEN = "bench-rasa-token"


@dataclass(frozen=True)
class Bot:
    """A running bot: its REST webhook, and the process ids of Rasa and the action server."""

    url: str
    rasa_pid: int
    actions_pid: int | None
    logs: Path

    @property
    def webhook(self) -> str:
        """The REST channel's URL."""
        return f"{self.url}/webhooks/rest/webhook"


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def rss_mb(pid: int) -> float:
    """Resident memory of a process (and its children) in MiB, from /proc."""
    total = 0
    for candidate in [pid, *_children(pid)]:
        try:
            for line in Path(f"/proc/{candidate}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
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


def catalog_database(database_url: str | None, folder: Path) -> str:
    """``database_url``, or a fresh SQLite database in ``folder`` with the default catalog.

    The default catalog is the national export when ../shared has it, else the sample.
    """
    if database_url:
        return database_url
    from knowledge.catalog.importer import default_catalog_dir, import_json_catalog
    from knowledge.db import make_engine, migrate, session_scope

    url = f"sqlite:///{folder / 'catalog.db'}"
    migrate(url)
    engine = make_engine(url)
    path, source = default_catalog_dir()
    with session_scope(engine) as session:
        import_json_catalog(session, path, source=source)
    engine.dispose()
    return url


@contextmanager
def running_bot(
    model: Path,
    *,
    with_actions: bool,
    database_url: str | None = None,
    cwd: Path = PROJECT_ROOT,
) -> Iterator[Bot]:
    """Run Rasa with ``model`` (and this project's action server when ``with_actions``)."""
    folder = Path(tempfile.mkdtemp(prefix="tthc-bench-"))
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "SQLALCHEMY_SILENCE_UBER_WARNING": "1"}
    if database_url:
        env["TTHC_DATABASE_URL"] = database_url
    rasa_port = free_port()
    command = [
        str(VENV_BIN / "rasa"),
        "run",
        "--model",
        str(model),
        "--port",
        str(rasa_port),
        "--enable-api",
        "--auth-token",
        TOKEN,
    ]
    processes: dict[str, subprocess.Popen[bytes]] = {}
    try:
        if with_actions:
            actions_port = free_port()
            endpoints = folder / "endpoints.yml"
            endpoints.write_text(
                f'action_endpoint:\n  url: "http://127.0.0.1:{actions_port}/webhook"\n',
                encoding="utf-8",
            )
            command += [
                "--endpoints",
                str(endpoints),
                "--credentials",
                str(PROJECT_ROOT / "bot" / "credentials.yml"),
            ]
            processes["actions"] = _start(
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
                PROJECT_ROOT,
            )
            _wait(
                f"http://127.0.0.1:{actions_port}/health",
                processes["actions"],
                folder / "actions.log",
            )
        processes["rasa"] = _start("rasa", command, env, folder, cwd)
        url = f"http://127.0.0.1:{rasa_port}"
        _wait(f"{url}/status?token={TOKEN}", processes["rasa"], folder / "rasa.log")
        actions = processes.get("actions")
        yield Bot(url, processes["rasa"].pid, actions.pid if actions else None, folder)
    finally:
        for process in processes.values():
            _stop(process)


def _start(
    name: str, command: list[str], env: dict[str, str], logs: Path, cwd: Path
) -> subprocess.Popen[bytes]:
    log = (logs / f"{name}.log").open("wb")
    return subprocess.Popen(
        command, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )


def _wait(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url} exited:\n{log.read_text(errors='replace')[-3000:]}")
        try:
            if httpx.get(url, timeout=5.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(1.0)
    raise RuntimeError(f"{url} not ready after {START_TIMEOUT:.0f} s")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
