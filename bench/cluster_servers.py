"""Run the production topology of ``bench.cluster`` on free ports, for tests and the load bench.

``running_cluster(plan)`` starts PostgreSQL (Debian's package, in the plan's folder) with the
tracker and the catalog databases, loads the default catalog into PostgreSQL, then starts
every process of the plan (Redis, nginx, action servers, Rasa servers, API workers) as
``make run-cluster`` does, and waits until each answers. The ``RunningCluster`` it yields
kills, stops and restarts single processes (or PostgreSQL) for the fault tests.

Example:
    plan = Cluster(folder, **free_ports(rasa=2))
    with running_cluster(plan) as cluster:
        cluster.kill("rasa1")
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bench.bot_servers import (
    QUIET,
    RASA_TOKEN,
    START_TIMEOUT,
    ServerError,
    _children,
    free_port,
    load_default_catalog,
    rss_mb,
    start,
    stop,
    tail,
    wait_until_ready,
)
from bench.cluster import CATALOG_DB, TRACKER_DB, Cluster

PGBIN = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name))


def cpu_seconds(pid: int, *, reaped: bool = False) -> float:
    """User + system CPU seconds of a process and its children, from /proc.

    With ``reaped``, the children that ended and were waited for count too (``cutime``,
    ``cstime``): PostgreSQL's backends come and go with the pools' connections.
    """
    total = 0
    for candidate in [pid, *_children(pid)]:
        try:
            fields = Path(f"/proc/{candidate}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
        if reaped and candidate == pid:
            total += int(fields[13]) + int(fields[14])  # cutime, cstime (fields 16 and 17)
    return round(total / os.sysconf("SC_CLK_TCK"), 2)


def embed(database_url: str) -> None:
    """Fill the embedding cache now, as ``tthc catalog load-default`` does for run-cluster.

    No action server then embeds the catalog on its first question; the cache is on disk,
    keyed by content, so this is a no-op when the catalog has not changed.
    """
    from knowledge.db import make_engine, session_scope
    from knowledge.search.service import embed_catalog

    engine = make_engine(database_url)
    with session_scope(engine) as session:
        embed_catalog(session)
    engine.dispose()


def missing_parts() -> list[str]:
    """The Debian packages of the topology that are not installed (``make system-deps``)."""
    return [
        name
        for name, present in (
            ("redis-server", shutil.which("redis-server")),
            ("nginx", shutil.which("nginx") or Path("/usr/sbin/nginx").exists()),
            ("postgresql", PGBIN),
        )
        if not present
    ]


def free_ports(*, rasa: int = 2, actions: int = 2, api: int = 2) -> dict[str, Any]:
    """Keyword arguments of ``Cluster`` with every port free on this machine."""
    return {
        "entry_port": free_port(),
        "rasa_entry_port": free_port(),
        "actions_entry_port": free_port(),
        "postgres_port": free_port(),
        "redis_port": free_port(),
        "rasa_ports": [free_port() for _ in range(rasa)],
        "actions_ports": [free_port() for _ in range(actions)],
        "api_ports": [free_port() for _ in range(api)],
    }


def _as_postgres(command: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


@dataclass
class Postgres:
    """A PostgreSQL cluster in ``folder/pg`` on ``port`` (initdb on first start)."""

    folder: Path
    port: int

    @property
    def data(self) -> Path:
        """The data directory."""
        return self.folder / "pg"

    def _run(self, tool: str, *args: str) -> None:
        subprocess.run(_as_postgres([str(PGBIN[-1] / tool), *args]), check=True,
                       capture_output=True)  # fmt: skip

    def start(self) -> None:
        """Create the cluster if needed and start it (returns when it accepts connections)."""
        if not (self.data / "PG_VERSION").exists():
            self.data.mkdir(parents=True, exist_ok=True)
            if os.geteuid() == 0:  # initdb refuses root: the postgres user must reach the folder
                self.folder.chmod(0o755)
                shutil.chown(self.data, "postgres")
            self._run("initdb", "-D", str(self.data), "-U", "tthc", "--auth=trust", "-E", "UTF8")
        options = f"-p {self.port} -k /tmp -c listen_addresses=127.0.0.1"
        self._run("pg_ctl", "-D", str(self.data), "-o", options,
                  "-l", str(self.data / "server.log"), "-w", "start")  # fmt: skip

    def stop(self, mode: str = "fast") -> None:
        """Stop the server (``immediate``: as if it crashed)."""
        subprocess.run(_as_postgres([str(PGBIN[-1] / "pg_ctl"), "-D", str(self.data), "-m", mode,
                                     "stop"]), capture_output=True)  # fmt: skip

    def pid(self) -> int | None:
        """The postmaster's process id while the server runs (its backends are its children)."""
        try:
            return int((self.data / "postmaster.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None

    def create_database(self, name: str) -> None:
        """Create database ``name``."""
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "tthc", name)


@dataclass
class RunningCluster:
    """The processes of a running topology, by name, and ways to hurt them."""

    plan: Cluster
    env: dict[str, str]
    postgres: Postgres
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    @property
    def database_url(self) -> str:
        """The catalog, dossier and chat database."""
        return self.plan.database_url

    def _process(self, name: str) -> Any:
        return next(p for p in self.plan.processes() if p.name == name)

    def start(self, name: str) -> None:
        """Start the process ``name`` of the plan (not waiting for it)."""
        command = [
            RASA_TOKEN if a == "$TTHC_RASA_TOKEN" else a for a in self._process(name).command
        ]
        self.processes[name] = start(name, command, self.env, self.plan.folder)

    def wait_ready(self, name: str, timeout: float = START_TIMEOUT) -> None:
        """Wait until the process ``name`` answers its health URL."""
        port = self._process(name).port
        if name.startswith("rasa"):
            url = f"http://127.0.0.1:{port}/status?token={RASA_TOKEN}"
        elif name.startswith("actions"):
            url = f"http://127.0.0.1:{port}/health"
        elif name.startswith("api"):
            url = f"http://127.0.0.1:{port}/health"
        else:
            return
        wait_until_ready(name, url, self.processes[name], self.plan.folder, timeout)

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        """Kill the process ``name`` (and its children) and wait for it."""
        process = self.processes[name]
        os.killpg(process.pid, sig)
        process.wait(timeout=60)

    def stop(self, name: str) -> None:
        """Stop the process ``name`` politely (SIGTERM, then SIGKILL after 20 s)."""
        stop(self.processes[name])

    def restart(self, name: str) -> None:
        """Stop the process ``name`` politely, start it again and wait until it answers."""
        stop(self.processes[name])
        self.start(name)
        self.wait_ready(name)

    def rss_mb(self) -> dict[str, float]:
        """Resident memory of every running process, MiB."""
        return {name: rss_mb(p.pid) for name, p in self.processes.items() if p.poll() is None}

    def cpu_seconds(self) -> dict[str, float]:
        """CPU time (user + system) every running process has used so far, in seconds.

        PostgreSQL too (the postmaster and its backends; pooled connections keep theirs
        for the whole run): it shares the cores with the rest.
        """
        spent = {name: cpu_seconds(p.pid) for name, p in self.processes.items() if p.poll() is None}
        if (pid := self.postgres.pid()) is not None:
            spent["postgres"] = cpu_seconds(pid, reaped=True)
        return spent

    def logs(self, lines: int = 15) -> str:
        """The end of every process's log, to explain a failure."""
        names = [*self.processes, "nginx-error"]
        return "\n".join(f"--- {n}\n{tail(self.plan.folder / f'{n}.log', lines)}" for n in names)


@contextmanager
def running_cluster(
    plan: Cluster,
    env: Mapping[str, str] | None = None,
    *,
    timeout: float = START_TIMEOUT,
    keep_folder: bool = False,
) -> Iterator[RunningCluster]:
    """Start PostgreSQL, load the catalog, start every process of ``plan``; stop them after.

    Args:
        plan: the topology (its folder receives the configuration, data and logs).
        env: extra settings of every process (they win over the plan's).
        timeout: seconds each server may take to answer.
        keep_folder: leave the folder (logs, data) in place after stopping.
    """
    plan.write()
    cluster_env = {
        "TTHC_ENV": "local",
        **os.environ,
        **QUIET,
        **plan.environment(),
        "TTHC_ACTIONS_TOKEN": secrets.token_urlsafe(24),
        "PATH": f"{os.environ.get('PATH', '')}:/usr/sbin",
        **(env or {}),
    }
    postgres = Postgres(plan.folder, plan.postgres_port)
    running = RunningCluster(plan, cluster_env, postgres)
    with ExitStack() as stack:
        if not keep_folder:
            stack.callback(shutil.rmtree, plan.folder, True)
        postgres.start()
        stack.callback(postgres.stop, "immediate")
        for name in (TRACKER_DB, CATALOG_DB):
            postgres.create_database(name)
        load_default_catalog(plan.database_url)
        embed(plan.database_url)
        try:
            for process in plan.processes():
                running.start(process.name)
                stack.callback(lambda n=process.name: stop(running.processes[n]))
            for process in plan.processes():
                running.wait_ready(process.name, timeout)
        except ServerError as exc:
            raise ServerError(f"{exc}\n{running.logs()}") from exc
        yield running


def wait_for(condition: Any, timeout: float, every: float = 0.5) -> bool:
    """Poll ``condition()`` until true or ``timeout`` seconds; return its last value."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if condition():
                return True
        except (httpx.HTTPError, OSError):
            pass
        if time.monotonic() > deadline:
            return False
        time.sleep(every)
