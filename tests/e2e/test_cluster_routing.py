"""nginx's balancers of the topology take servers back the moment they answer again.

Issue 15's restart regression: with ``max_fails=1 fail_timeout=10s`` on every peer, a group
whose peers had all failed once (both action servers killed) answered 502 "no live upstreams"
for 10 s even after the servers were back, so Rasa apologised to every turn in that window.
Whether the fault tests saw it depended on how fast the servers restarted (an idle machine:
yes). Here the servers are tiny HTTP servers, back within milliseconds: the old configuration
fails every case, deterministically.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from bench.bot_servers import start, stop, tail
from bench.cluster import Cluster
from bench.cluster_servers import free_ports
from knowledge.chat.gateway import ROUTING_HEADER

pytestmark = pytest.mark.e2e


class _Answer(BaseHTTPRequestHandler):
    """Answers every request with 200 and the port it serves."""

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        self._answer()

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self._answer()

    def _answer(self) -> None:
        body = str(self.server.server_address[1]).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        """Quiet."""


@pytest.fixture
def plan(tmp_path: Path) -> Iterator[Cluster]:
    """nginx of the topology running, with no Rasa and no action server behind it yet."""
    if shutil.which("nginx") is None and not Path("/usr/sbin/nginx").exists():
        pytest.skip("nginx is missing: run `make system-deps`")
    ports = free_ports(rasa=2, actions=2, api=0)
    cluster = Cluster(tmp_path, **ports)
    cluster.write()
    nginx = next(p for p in cluster.processes() if p.name == "nginx")
    env = {"PATH": "/usr/sbin:/usr/bin:/bin"}
    process = start("nginx", nginx.command, env, tmp_path)
    try:
        _wait_listening(cluster.actions_entry_port, process)
        yield cluster
    finally:
        stop(process)


def _wait_listening(port: int, process: subprocess.Popen[bytes], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, "nginx exited"
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1.0).close()
            return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"nginx does not listen on {port} after {timeout:.0f} s")


def _serve(ports: list[int]) -> list[ThreadingHTTPServer]:
    servers = [ThreadingHTTPServer(("127.0.0.1", port), _Answer) for port in ports]
    for server in servers:
        threading.Thread(target=server.serve_forever, daemon=True).start()
    return servers


@pytest.mark.parametrize("group", ["actions", "rasa"])
def test_servers_back_after_every_one_failed_are_used_at_once(plan: Cluster, group: str) -> None:
    entry, ports = {
        "actions": (plan.actions_entry_port, plan.actions_ports),
        "rasa": (plan.rasa_entry_port, plan.rasa_ports),
    }[group]
    url = f"http://127.0.0.1:{entry}/webhook"
    headers = {ROUTING_HEADER: "cuoc-tro-chuyen-1"}
    # Every peer down: nginx tried each one and failed.
    assert httpx.post(url, json={}, headers=headers, timeout=10.0).status_code == 502
    servers = _serve(ports)
    try:
        answered = httpx.post(url, json={}, headers=headers, timeout=10.0)
        assert answered.status_code == 200, tail(plan.folder / "nginx-error.log")
        assert int(answered.text) in ports
    finally:
        for server in servers:
            server.shutdown()
            server.server_close()
