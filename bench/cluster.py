"""The production topology on one machine: its configuration files, written from one plan.

``make run-cluster`` (scripts/run-cluster.sh) and the fault test (tests/e2e/test_cluster.py)
both build a ``Cluster`` and write its files; the deployment files (deploy/) are checked
against ``Cluster.processes()``. The topology, Rasa's Helm chart's on loopback:

* PostgreSQL (Debian's package) holds Rasa's trackers (``TTHC_TRACKER_DB_URL``), so any Rasa
  process continues any conversation and a restart loses none;
* Redis (Debian's package) holds Rasa's conversation locks and the API's rate-limit counters
  (``TTHC_REDIS_URL``);
* nginx is the single entry point: the public port goes to the API workers; an internal
  port (127.0.0.1 only) goes to the Rasa servers, hashed by the conversation id the chat
  gateway sends in the ``X-Conversation-Id`` header (every turn of a conversation reaches
  the same Rasa while it lives; the Redis lock covers the moments it does not); another
  internal port spreads Rasa's calls over the action servers (stateless).

Example:
    python -m bench.cluster var/cluster   # writes nginx.conf, endpoints.yml, Procfile, env
"""

from __future__ import annotations

import argparse
import shlex
import sys
from dataclasses import dataclass, field
from pathlib import Path

from knowledge.chat.gateway import ROUTING_HEADER
from knowledge.config import PROJECT_ROOT

VENV_BIN = PROJECT_ROOT / ".venv" / "bin"
CREDENTIALS = PROJECT_ROOT / "bot" / "credentials.yml"
MODEL = PROJECT_ROOT / "models" / "tthc.tar.gz"
TRACKER_DB = "tthc_tracker"
CATALOG_DB = "tthc"  # the catalog, dossiers and chats (TTHC_DATABASE_URL)
# Every peer of every balancer is tried on every request: a dead one refuses the connection at
# once and ``proxy_next_upstream`` moves on to the next. nginx's passive marking
# (``max_fails=1 fail_timeout=10s``, as before) made things worse: once every peer of a group
# had failed (both action servers down), nginx 1.22 answered 502 "no live upstreams" for the
# next 10 s even after they were back, so Rasa gave the apology to every turn in that window.
# A restart faster than 10 s (an idle machine) hit it; a slower one (a loaded machine) did not.
PEER_PARAMETERS = "max_fails=0"


@dataclass(frozen=True)
class Process:
    """One process of the topology: its name, its command line and the port it serves."""

    name: str
    command: list[str]
    port: int


@dataclass
class Cluster:
    """Ports and counts of the topology; every file is derived from them."""

    folder: Path
    entry_port: int = 8080  # nginx, public: the API (pages, /api/chat …)
    rasa_entry_port: int = 5004  # nginx, 127.0.0.1: the Rasa servers, hashed by conversation
    actions_entry_port: int = 5054  # nginx, 127.0.0.1: the action servers
    postgres_port: int = 55440
    redis_port: int = 6390
    rasa_ports: list[int] = field(default_factory=lambda: [5005, 5006])
    actions_ports: list[int] = field(default_factory=lambda: [5055, 5056])
    api_ports: list[int] = field(default_factory=lambda: [8001, 8002])
    model: Path = MODEL

    @property
    def tracker_db_url(self) -> str:
        """Rasa's tracker database (the password, if any, comes from PGPASSWORD)."""
        return f"postgresql://tthc@127.0.0.1:{self.postgres_port}/{TRACKER_DB}"

    @property
    def database_url(self) -> str:
        """The catalog, dossier and chat database, in the same PostgreSQL."""
        return f"postgresql+psycopg2://tthc@127.0.0.1:{self.postgres_port}/{CATALOG_DB}"

    @property
    def redis_url(self) -> str:
        """The Redis of the locks and the rate limits."""
        return f"redis://127.0.0.1:{self.redis_port}/0"

    def environment(self) -> dict[str, str]:
        """The settings every process of the topology shares."""
        return {
            "TTHC_TRACKER_DB_URL": self.tracker_db_url,
            "TTHC_DATABASE_URL": self.database_url,
            "TTHC_REDIS_URL": self.redis_url,
            "TTHC_RASA_URL": f"http://127.0.0.1:{self.rasa_entry_port}",
            "TTHC_TRUSTED_PROXIES": "127.0.0.1",
        }

    def processes(self) -> list[Process]:
        """Every long-running process but PostgreSQL (started by pg_ctl): the process file."""
        folder = self.folder
        found = [
            Process(
                "redis",
                ["redis-server", "--bind", "127.0.0.1", "--port", str(self.redis_port),
                 "--save", "", "--appendonly", "no", "--dir", str(folder)],
                self.redis_port,
            ),
            Process(
                "nginx",
                ["nginx", "-p", str(folder), "-c", str(folder / "nginx.conf"),
                 "-g", "daemon off;"],
                self.entry_port,
            ),
        ]  # fmt: skip
        for index, port in enumerate(self.actions_ports, 1):
            found.append(
                Process(
                    f"actions{index}",
                    [str(VENV_BIN / "python"), "-m", "actions.server", "--port", str(port)],
                    port,
                )
            )
        for index, port in enumerate(self.rasa_ports, 1):
            found.append(
                Process(
                    f"rasa{index}",
                    [str(VENV_BIN / "rasa"), "run", "--model", str(self.model),
                     "--endpoints", str(folder / "endpoints.yml"),
                     "--credentials", str(CREDENTIALS), "--enable-api",
                     "--auth-token", "$TTHC_RASA_TOKEN",
                     "--interface", "127.0.0.1", "--port", str(port)],
                    port,
                )
            )  # fmt: skip
        for index, port in enumerate(self.api_ports, 1):
            found.append(
                Process(
                    f"api{index}",
                    [str(VENV_BIN / "uvicorn"), "knowledge.api.app:create_app", "--factory",
                     "--ws", "wsproto", "--no-proxy-headers",
                     "--host", "127.0.0.1", "--port", str(port)],
                    port,
                )
            )  # fmt: skip
        return found

    def nginx_conf(self) -> str:
        """nginx's configuration: the public entry and the two internal balancers."""
        folder = self.folder

        def servers(ports: list[int]) -> str:
            return "\n".join(f"        server 127.0.0.1:{port} {PEER_PARAMETERS};"
                             for port in ports)  # fmt: skip

        header = "$http_" + ROUTING_HEADER.lower().replace("-", "_")
        public = (
            ""
            if not self.api_ports
            else f"""    upstream api {{
        least_conn;
{servers(self.api_ports)}
    }}
    map $http_upgrade $connection_upgrade {{ default upgrade; '' close; }}
    server {{
        listen {self.entry_port};
        location / {{
            proxy_pass http://api;
            proxy_http_version 1.1;
            proxy_set_header Host $http_host;  # with its port: the widget's same-origin check
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;
            proxy_set_header X-Forwarded-For $remote_addr;
            proxy_read_timeout 120s;
        }}
    }}
"""
        )
        return f"""# Generated by bench/cluster.py: do not edit, rerun make run-cluster.
worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;  # the API logs requests, masked
    client_body_temp_path {folder}/nginx-body;
    proxy_temp_path {folder}/nginx-proxy;
    fastcgi_temp_path {folder}/nginx-fastcgi;
    uwsgi_temp_path {folder}/nginx-uwsgi;
    scgi_temp_path {folder}/nginx-scgi;
    client_max_body_size 2m;
{public}    upstream rasa {{
        # Every turn of a conversation to the same Rasa; another one when it is down.
        hash {header} consistent;
{servers(self.rasa_ports)}
    }}
    upstream actions {{
{servers(self.actions_ports)}
    }}
    server {{
        listen 127.0.0.1:{self.rasa_entry_port};
        location / {{
            proxy_pass http://rasa;
            proxy_next_upstream error timeout http_502 http_503;
            proxy_connect_timeout 2s;
            proxy_read_timeout 120s;
            add_header X-Upstream $upstream_addr always;
        }}
    }}
    server {{
        listen 127.0.0.1:{self.actions_entry_port};
        location / {{
            proxy_pass http://actions;
            proxy_next_upstream error timeout http_502 http_503;
            proxy_connect_timeout 2s;
        }}
    }}
}}
"""

    def endpoints_yml(self) -> str:
        """bot/endpoints.yml with the action server behind nginx."""
        text = (PROJECT_ROOT / "bot" / "endpoints.yml").read_text(encoding="utf-8")
        local = "http://localhost:5055/webhook"
        if local not in text:
            raise ValueError(f"bot/endpoints.yml no longer names {local}")
        return text.replace(local, f"http://127.0.0.1:{self.actions_entry_port}/webhook")

    def procfile(self) -> str:
        """The process file honcho runs (one line per process, PostgreSQL aside)."""
        lines = [f"{p.name}: {shlex.join(p.command)}" for p in self.processes()]
        return "\n".join(lines).replace("'$TTHC_RASA_TOKEN'", '"$TTHC_RASA_TOKEN"') + "\n"

    def write(self) -> None:
        """Write nginx.conf, endpoints.yml, Procfile and cluster.env into the folder."""
        self.folder.mkdir(parents=True, exist_ok=True)
        (self.folder / "nginx.conf").write_text(self.nginx_conf(), encoding="utf-8")
        (self.folder / "endpoints.yml").write_text(self.endpoints_yml(), encoding="utf-8")
        (self.folder / "Procfile").write_text(self.procfile(), encoding="utf-8")
        env = "".join(f"{key}={value}\n" for key, value in self.environment().items())
        (self.folder / "cluster.env").write_text(env, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    """Write the topology's files into a folder (run-cluster.sh calls this)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--entry-port", type=int, default=8080)
    args = parser.parse_args(argv)
    Cluster(args.folder.resolve(), entry_port=args.entry_port).write()
    return 0


if __name__ == "__main__":
    sys.exit(main())
