"""The production topology survives a Rasa process dying mid-conversation.

PostgreSQL (trackers), Redis (locks), nginx (Rasa entry hashed by conversation, action servers
balanced), 2 action servers and 2 Rasa servers run on free ports, configured by
``bench.cluster`` exactly as ``make run-cluster`` configures them. A dossier lookup starts on
one Rasa; that process is killed; the citizen's next message (only the four digits) reaches
the other Rasa through the same entry point, which finds the lookup in PostgreSQL and answers.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis

from bench.bot_servers import (
    QUIET,
    ServerError,
    catalog_database,
    free_port,
    start,
    stop,
    tail,
    wait_until_ready,
)
from bench.cluster import Cluster
from knowledge.chat.gateway import ROUTING_HEADER
from tests.e2e.conftest import MODEL, RASA_TOKEN
from tests.e2e.test_dossier_http import ASK_DIGITS, DIGITS, PREFIX, push

pytestmark = pytest.mark.e2e

PGBIN = sorted(Path("/usr/lib/postgresql").glob("*/bin"))
MISSING = [
    name
    for name, present in (
        ("redis-server", shutil.which("redis-server")),
        ("nginx", shutil.which("nginx") or Path("/usr/sbin/nginx").exists()),
        ("postgresql", PGBIN),
    )
    if not present
]


def _as_postgres(command: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


def _postgres(folder: Path, port: int, stack: ExitStack) -> None:
    """A PostgreSQL cluster in ``folder`` on ``port`` with the tracker database, stopped later."""
    data = folder / "pg"
    data.mkdir()
    if os.geteuid() == 0:  # initdb refuses root: the postgres user must reach the folder
        folder.chmod(0o755)
        shutil.chown(data, "postgres")
    binaries = PGBIN[-1]
    run = subprocess.run
    run(_as_postgres([str(binaries / "initdb"), "-D", str(data), "-U", "tthc", "--auth=trust",
                      "-E", "UTF8"]),
        check=True, capture_output=True)  # fmt: skip
    options = f"-p {port} -k /tmp -c listen_addresses=127.0.0.1"
    run(_as_postgres([str(binaries / "pg_ctl"), "-D", str(data), "-o", options,
                      "-l", str(data / "server.log"), "-w", "start"]),
        check=True, capture_output=True)  # fmt: skip
    stack.callback(
        run,
        _as_postgres([str(binaries / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]),
        capture_output=True,
    )
    run(_as_postgres([str(binaries / "createdb"), "-h", "127.0.0.1", "-p", str(port),
                      "-U", "tthc", "tthc_tracker"]),
        check=True, capture_output=True)  # fmt: skip


@pytest.fixture(scope="module")
def cluster() -> Iterator[dict[str, Any]]:
    """The topology running; yields its plan, process handles and database URL."""
    if MISSING:
        pytest.skip(f"missing {', '.join(MISSING)}: run `make system-deps`")
    if not MODEL.exists():
        pytest.skip(f"{MODEL} is missing: run `make train` first")
    folder = Path(tempfile.mkdtemp(prefix="tthc-cluster-"))
    plan = Cluster(
        folder,
        entry_port=free_port(),
        rasa_entry_port=free_port(),
        actions_entry_port=free_port(),
        postgres_port=free_port(),
        redis_port=free_port(),
        rasa_ports=[free_port(), free_port()],
        actions_ports=[free_port(), free_port()],
        api_ports=[],
        model=MODEL,
    )
    plan.write()
    database_url = catalog_database(None, folder)
    env = {
        "TTHC_ENV": "local",
        **os.environ,
        **QUIET,
        **plan.environment(),
        "TTHC_DATABASE_URL": database_url,
        "TTHC_ACTIONS_TOKEN": secrets.token_urlsafe(24),
        "PATH": f"{os.environ.get('PATH', '')}:/usr/sbin",
    }
    processes: dict[str, subprocess.Popen[bytes]] = {}
    with ExitStack() as stack:
        stack.callback(shutil.rmtree, folder, True)
        _postgres(folder, plan.postgres_port, stack)
        try:
            for process in plan.processes():
                command = [RASA_TOKEN if a == "$TTHC_RASA_TOKEN" else a for a in process.command]
                processes[process.name] = start(process.name, command, env, folder)
                stack.callback(stop, processes[process.name])
            for process in plan.processes():
                if process.name.startswith(("rasa", "actions")):
                    path = f"/status?token={RASA_TOKEN}" if "rasa" in process.name else "/health"
                    url = f"http://127.0.0.1:{process.port}{path}"
                    wait_until_ready(process.name, url, processes[process.name], folder, 600)
        except ServerError as exc:
            pytest.fail(str(exc))
        yield {"plan": plan, "processes": processes, "database_url": database_url}


def _turn(plan: Cluster, sender: str, text: str) -> tuple[str, int]:
    """One turn through nginx, as the gateway sends it: the replies and the Rasa port used."""
    response = httpx.post(
        f"http://127.0.0.1:{plan.rasa_entry_port}/webhooks/rest/webhook",
        json={"sender": sender, "message": text},
        headers={ROUTING_HEADER: sender},
        timeout=180.0,
    )
    response.raise_for_status()
    port = int(response.headers["X-Upstream"].split(",")[-1].rsplit(":", 1)[1])
    return "\n".join(m.get("text", "") for m in response.json()), port


def _logs(plan: Cluster) -> str:
    """The end of every process's log, to explain a failure."""
    return "\n".join(f"--- {p.name}\n{tail(plan.folder / f'{p.name}.log', 15)}"
                     for p in plan.processes())  # fmt: skip


def test_a_conversation_continues_on_the_other_rasa_when_one_dies(
    cluster: dict[str, Any],
) -> None:
    plan: Cluster = cluster["plan"]
    # Every turn of a conversation reaches the same Rasa while it lives (nginx's hash).
    other_sender = f"cluster-{uuid.uuid4().hex[:12]}"
    used = {_turn(plan, other_sender, "lệ phí đăng ký khai sinh")[1] for _ in range(3)}
    assert len(used) == 1
    code = f"{PREFIX}-0777"
    push(cluster["database_url"], code, state="received", current_step="Tiếp nhận hồ sơ")
    sender = f"cluster-{uuid.uuid4().hex[:12]}"
    asked, first = _turn(plan, sender, f"tra cứu hồ sơ {code}")
    assert ASK_DIGITS in asked, _logs(plan)
    index = plan.rasa_ports.index(first)
    killed = cluster["processes"][f"rasa{index + 1}"]
    os.killpg(killed.pid, signal.SIGKILL)
    killed.wait(timeout=30)
    try:
        answer, other = _turn(plan, sender, DIGITS)
    except httpx.HTTPStatusError as exc:
        error_log = tail(plan.folder / "nginx-error.log", 10)
        raise AssertionError(f"{exc}\n{error_log}\n{_logs(plan)}") from exc
    assert other != first
    assert answer.startswith(f"Hồ sơ {code} — ") and "đã tiếp nhận" in answer
    # Rasa's locks went through Redis (the safety net when two Rasa see one conversation).
    stats = redis.Redis(port=plan.redis_port).info("commandstats")
    assert stats.get("cmdstat_set", {}).get("calls", 0) > 0
