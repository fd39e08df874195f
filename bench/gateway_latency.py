"""The chat gateway's cost per turn against Rasa's REST channel directly, and agent → citizen delay.

One run of real servers (``bench.bot_servers``: Rasa with ``models/tthc.tar.gz``, the action
server, the API with the gateway) on a database holding the default catalog:

* **Overhead per turn.** Each question of ``QUESTIONS`` is asked ``--rounds`` times, once
  straight to Rasa's REST channel and once through the gateway's HTTP fallback
  (``POST /api/chat/sessions/{id}/messages``: token check, limits, masking, storing the
  question and the answers, Rasa, citation parsing), and once over the gateway's WebSocket
  (from sending the text to receiving the last answer). Each pair uses fresh conversations
  of its own, in alternating order. Reported: p50/p95 of each path and of the paired
  differences (gateway − direct).
* **Agent → citizen delivery.** An agent signs in, claims the conversation, and posts
  ``--messages`` messages; the time from the agent's POST to the citizen's socket receiving
  the message, p50/p95.

The figures depend on the machine and whatever else runs on it; the JSON records the CPU count
and load average. Results: ``bench/results/gateway-latency-<date>.json``.

Usage (from the project root):
    .venv/bin/python -m bench.gateway_latency [--database-url URL] [--rounds 3] [--messages 50]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import tempfile
import time
import uuid
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import websockets

from bench.bot_servers import PROJECT_MODEL, Servers, catalog_database, running_servers
from bench.output import write_figures
from knowledge.accounts import create_user
from knowledge.db import make_engine, session_scope

QUESTIONS = (
    "lệ phí đăng ký khai sinh là bao nhiêu",
    "làm lý lịch tư pháp cần giấy tờ gì",
    "đổi căn cước mất bao lâu",
    "đăng ký kết hôn nộp ở đâu",
    "xin chào",
    "cảm ơn",
    "thủ tục cấp giấy phép lái xe quốc tế",
    "đăng ký thường trú cần gì",
)
AGENT = ("bench-agent", "mat-khau-bench-agent")
# Limits high enough for one client address asking many questions quickly; the center is
# open all week so a handoff reaches the queue (a public holiday still closes it).
ENV = {
    "TTHC_API_RATE_LIMIT": "100000/minute",
    "TTHC_CHAT_RATE_LIMIT": "100000/minute",
    "TTHC_CHAT_SESSIONS_RATE_LIMIT": "100000/hour",
    "TTHC_OFFICE_HOURS": "mon-sun 00:00-23:59",
}


def percentile(values: Sequence[float], share: float) -> float:
    """The ``share`` quantile (0.5, 0.95) of ``values`` in ms, rounded to 0.1."""
    ordered = sorted(values)
    if len(ordered) == 1:
        return round(ordered[0], 1)
    return round(statistics.quantiles(ordered, n=100, method="inclusive")[int(share * 100) - 1], 1)


def summary(values: Sequence[float]) -> dict[str, float]:
    """p50, p95, mean and count of ``values`` (ms)."""
    return {
        "p50_ms": percentile(values, 0.5),
        "p95_ms": percentile(values, 0.95),
        "mean_ms": round(statistics.fmean(values), 1),
        "n": len(values),
    }


async def _open_chat(client: httpx.AsyncClient, api: str) -> tuple[str, str]:
    body = (await client.post(f"{api}/api/chat/sessions")).json()
    return body["session_id"], body["token"]


async def _direct(client: httpx.AsyncClient, servers: Servers, text: str) -> float:
    started = time.perf_counter()
    response = await client.post(
        servers.webhook, json={"sender": f"bench-{uuid.uuid4().hex}", "message": text}
    )
    response.raise_for_status()
    return (time.perf_counter() - started) * 1000


async def _gateway_http(client: httpx.AsyncClient, api: str, text: str) -> float:
    session_id, token = await _open_chat(client, api)
    started = time.perf_counter()
    response = await client.post(
        f"{api}/api/chat/sessions/{session_id}/messages",
        json={"text": text},
        headers={"Authorization": f"Bearer {token}"},
    )
    response.raise_for_status()
    elapsed = (time.perf_counter() - started) * 1000
    if not any(m["role"] == "bot" for m in response.json()["messages"]):
        raise RuntimeError(f"no bot answer through the gateway: {response.text[:300]}")
    return elapsed


async def _gateway_ws(client: httpx.AsyncClient, api: str, text: str, expected: int) -> float:
    """Send over the socket; wait for the user echo and ``expected`` bot messages."""
    session_id, token = await _open_chat(client, api)
    url = f"{api.replace('http', 'ws', 1)}/api/chat/ws?session_id={session_id}&token={token}"
    async with websockets.connect(url) as socket:
        started = time.perf_counter()
        await socket.send(json.dumps({"type": "message", "text": text}))
        bots = 0
        while bots < expected:
            message = json.loads(await asyncio.wait_for(socket.recv(), 120))
            if message.get("role") in ("bot", "system"):
                bots += 1
        return (time.perf_counter() - started) * 1000


async def overhead(servers: Servers, rounds: int) -> dict[str, Any]:
    """Direct, gateway HTTP and gateway WebSocket latency per question, paired."""
    api = str(servers.api_url)
    direct: list[float] = []
    via_http: list[float] = []
    via_ws: list[float] = []
    async with httpx.AsyncClient(timeout=120) as client:
        # Warm up: the first question builds the search index.
        await _direct(client, servers, QUESTIONS[0])
        await _gateway_http(client, api, QUESTIONS[0])
        for round_ in range(rounds):
            for index, text in enumerate(QUESTIONS):
                answers = len(servers.send(f"bench-count-{uuid.uuid4().hex}", text, 120))
                if (round_ + index) % 2:
                    direct.append(await _direct(client, servers, text))
                    via_http.append(await _gateway_http(client, api, text))
                else:
                    via_http.append(await _gateway_http(client, api, text))
                    direct.append(await _direct(client, servers, text))
                via_ws.append(await _gateway_ws(client, api, text, max(1, answers)))
    return {
        "direct_rest": summary(direct),
        "gateway_http": summary(via_http),
        "gateway_websocket": summary(via_ws),
        "overhead_http_paired": summary([g - d for g, d in zip(via_http, direct, strict=True)]),
    }


async def delivery(servers: Servers, messages: int) -> dict[str, Any]:
    """Agent POST → citizen socket receipt, over a claimed conversation."""
    api = str(servers.api_url)
    with session_scope(make_engine(str(servers.database_url))) as session:
        create_user(session, AGENT[0], AGENT[1], "agent")
    delays: list[float] = []
    async with httpx.AsyncClient(timeout=60) as client:
        token = (
            await client.post(
                f"{api}/api/auth/token", data={"username": AGENT[0], "password": AGENT[1]}
            )
        ).json()["access_token"]
        agent = {"Authorization": f"Bearer {token}"}
        await client.get(f"{api}/api/agent/handoffs", headers=agent)  # present at the console
        session_id, chat_token = await _open_chat(client, api)
        queued = await client.post(
            f"{api}/api/chat/sessions/{session_id}/handoff",
            headers={"Authorization": f"Bearer {chat_token}"},
        )
        if queued.json()["messages"][0]["event"] != "handoff_waiting":
            raise RuntimeError(f"not queued: {queued.text[:300]}")
        waiting = (await client.get(f"{api}/api/agent/handoffs", headers=agent)).json()
        handoff = next(h for h in waiting["handoffs"] if h["session_id"] == session_id)
        (
            await client.post(f"{api}/api/agent/handoffs/{handoff['id']}/claim", headers=agent)
        ).raise_for_status()
        url = (
            f"{api.replace('http', 'ws', 1)}/api/chat/ws?session_id={session_id}&token={chat_token}"
        )
        async with websockets.connect(url) as socket:
            for number in range(messages):
                text = f"Tin nhắn thử số {number}"
                started = time.perf_counter()
                sent = await client.post(
                    f"{api}/api/agent/handoffs/{handoff['id']}/messages",
                    json={"text": text},
                    headers=agent,
                )
                sent.raise_for_status()
                while True:
                    message = json.loads(await asyncio.wait_for(socket.recv(), 30))
                    if message.get("role") == "agent" and message.get("text") == text:
                        break
                delays.append((time.perf_counter() - started) * 1000)
    return {"agent_to_citizen": summary(delays)}


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Start the servers, measure, return the figures."""
    folder = Path(tempfile.mkdtemp(prefix="tthc-bench-gateway-"))
    database_url = catalog_database(args.database_url, folder)
    load_before = [round(x, 2) for x in os.getloadavg()]
    with running_servers(Path(args.model), api=True, database_url=database_url, env=ENV) as servers:
        figures = asyncio.run(overhead(servers, args.rounds))
        figures.update(asyncio.run(delivery(servers, args.messages)))
    return {
        "date": date.today().isoformat(),
        "cpus": os.cpu_count(),
        "load_average_1_5_15_before": load_before,
        "load_average_1_5_15_after": [round(x, 2) for x in os.getloadavg()],
        "questions": list(QUESTIONS),
        "rounds": args.rounds,
        **figures,
    }


def main(argv: Sequence[str] | None = None) -> None:
    """Run the benchmark and write its JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="a database holding the catalog (else a new one)")
    parser.add_argument("--model", default=str(PROJECT_MODEL))
    parser.add_argument("--rounds", type=int, default=3, help="times each question is asked")
    parser.add_argument("--messages", type=int, default=50, help="agent messages to time")
    figures = run(parser.parse_args(argv))
    print(
        f"Chat gateway (ms); {figures['cpus']} CPUs, "
        f"load before {figures['load_average_1_5_15_before']}"
    )
    for key in (
        "direct_rest",
        "gateway_http",
        "gateway_websocket",
        "overhead_http_paired",
        "agent_to_citizen",
    ):
        row = figures[key]
        print(
            f"{key:<24} p50 {row['p50_ms']:>8}  p95 {row['p95_ms']:>8}  "
            f"mean {row['mean_ms']:>8}  n={row['n']}"
        )
    write_figures("gateway-latency", figures)


if __name__ == "__main__":
    main()
