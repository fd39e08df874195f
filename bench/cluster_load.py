"""Bounded load test of the production topology, through the entry point citizens use.

For each count of Rasa processes (``--rasa 1 2``) the topology of ``bench.cluster`` runs on
free loopback ports (PostgreSQL, Redis, nginx, 2 action servers, 2 API workers, and that many
Rasa servers; ``bench.cluster_servers``). Citizens are simulated by an asyncio httpx client:
each opens a chat at nginx's public port (``POST /api/chat/sessions``) and sends 6 turns
through the gateway (``POST /api/chat/sessions/{id}/messages``) mixing procedure questions,
follow-ups on the same procedure, and a dossier lookup (the code, then the 4 digits) on
dossiers written into the cluster's PostgreSQL beforehand.

Two phases per topology, each of ``--conversations`` conversations, ``--concurrency`` at a
time (closed loop: a citizen starts a new conversation when one ends):

* ``saturated``: no think time. Every simulated citizen sends its next turn the moment the
  answer arrives, so the machine is kept busy: the throughput (turns/s) is the capacity, and
  its ratio between 2 and 1 Rasa is the scaling ratio. Latency here is queueing time.
* ``paced``: a think time drawn uniformly in ``--think`` seconds (default 3–8 s) between
  turns, as a citizen reads an answer and types the next question. This is the load "50
  concurrent conversations" means for people; p95 per turn at 50 is judged here. By default
  the citizens start spread over the first think time (``--start staggered``), as 50 people
  in the middle of their conversations are; ``--start together`` sends all 50 first
  questions at the same instant, a burst that queues on two cores (the worst case).

Counted per phase: turns, throughput, p50/p95/p99 per turn, errors (HTTP errors, timeouts,
the gateway's "bot unavailable" apology), empty replies (a turn with no bot message), and lost
messages (after each conversation, its stored history read back must hold every message the
gateway confirmed: the question and the answers of each turn). RSS of every process before
and after. The figures depend on what else the machine runs: the JSON records CPUs and load
averages; run it under
``flock /tmp/tthc-bench.lock``. The gateway's per-address limits are raised (one client
address plays every citizen). Results: ``bench/results/cluster-load-<date>.json``.

Usage (from the project root):
    .venv/bin/python -m bench.cluster_load [--rasa 1 2] [--concurrency 50]
        [--conversations 100] [--think 3 8] [--phases saturated paced] [--max-seconds 600]
        [--start staggered|together]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import httpx

from bench.bot_servers import PROJECT_MODEL
from bench.cluster import Cluster
from bench.cluster_servers import free_ports, missing_parts, running_cluster
from bench.gateway_latency import ENV as GATEWAY_ENV
from bench.output import write_figures
from knowledge.config import get_settings
from knowledge.db import make_engine, session_scope
from knowledge.dossiers.ingest import parse_dossier
from knowledge.dossiers.store import upsert_dossier

TURNS = 6
PHONE_DIGITS = "3456"
DOSSIERS = 50  # distinct dossiers looked up, round robin
CODE = "000.77.99.H48-251120-{n:04d}"
# Six turns each: a procedure question, follow-ups on it, a lookup (code, then digits), and
# a small-talk or second procedure turn. "{code}" is a dossier of the cluster's database.
SCRIPTS = (
    (
        "lệ phí đăng ký khai sinh là bao nhiêu",
        "cần giấy tờ gì",
        "nộp ở đâu",
        "tra cứu hồ sơ {code}",
        PHONE_DIGITS,
        "cảm ơn",
    ),
    (
        "làm lý lịch tư pháp cần giấy tờ gì",
        "lệ phí bao nhiêu",
        "mất bao lâu",
        "tra cứu hồ sơ {code}",
        PHONE_DIGITS,
        "xin chào",
    ),
    (
        "đăng ký kết hôn nộp ở đâu",
        "tra cứu hồ sơ {code}",
        PHONE_DIGITS,
        "thời gian giải quyết đăng ký kết hôn",
        "đăng ký thường trú cần gì",
        "cảm ơn",
    ),
    (
        "tra cứu hồ sơ {code}",
        PHONE_DIGITS,
        "đổi căn cước mất bao lâu",
        "lệ phí bao nhiêu",
        "thủ tục cấp giấy phép lái xe quốc tế",
        "cảm ơn",
    ),
)
BOT_DOWN_MARK = "tạm gián đoạn"
# One client address plays every citizen: its per-address limits must not get in the way.
ENV = {
    **GATEWAY_ENV,
    "TTHC_PAGES_RATE_LIMIT": "100000/minute",
    "TTHC_CHAT_API_RATE_LIMIT": "100000/minute",
}


def percentile(values: Sequence[float], share: float) -> float | None:
    """The ``share`` quantile (0.5, 0.95, 0.99) of ``values``, rounded to 0.1 (None if empty)."""
    if not values:
        return None
    ordered = sorted(values)
    if len(ordered) == 1:
        return round(ordered[0], 1)
    cuts = statistics.quantiles(ordered, n=100, method="inclusive")
    return round(cuts[round(share * 100) - 1], 1)


@dataclass
class Tally:
    """What one phase observed."""

    latencies_ms: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    empty: int = 0
    lost: int = 0
    lookups_answered: int = 0
    lookups: int = 0

    def summary(self, seconds: float) -> dict[str, Any]:
        """Counts, throughput and percentiles."""
        turns = len(self.latencies_ms)
        return {
            "turns": turns,
            "seconds": round(seconds, 1),
            "turns_per_s": round(turns / seconds, 2) if seconds else None,
            "p50_ms": percentile(self.latencies_ms, 0.5),
            "p95_ms": percentile(self.latencies_ms, 0.95),
            "p99_ms": percentile(self.latencies_ms, 0.99),
            "max_ms": round(max(self.latencies_ms), 1) if self.latencies_ms else None,
            "errors": len(self.errors),
            "error_samples": self.errors[:5],
            "empty_replies": self.empty,
            "lost_messages": self.lost,
            "lookups_answered": f"{self.lookups_answered}/{self.lookups}",
        }


def write_dossiers(database_url: str) -> None:
    """The dossiers the conversations look up, in the cluster's database."""
    engine = make_engine(database_url)
    with session_scope(engine) as session:
        for n in range(DOSSIERS):
            upsert_dossier(session, parse_dossier({
                "code": CODE.format(n=n),
                "procedure_code": "1.001193",
                "receiving_agency": "Bộ phận Một cửa UBND xã Bình Sơn",
                "handling_agency": "Ủy ban nhân dân xã Bình Sơn",
                "state": "in_progress",
                "received_at": "2025-11-20T08:30:00",
                "due_at": "2099-12-31T17:00:00",
                "applicant_name": "Nguyễn Văn Thử",
                "applicant_phone": f"0935123{PHONE_DIGITS}",
            }))  # fmt: skip
    engine.dispose()


async def conversation(
    client: httpx.AsyncClient,
    entry: str,
    number: int,
    think: tuple[float, float] | None,
    tally: Tally,
    rng: random.Random,
) -> None:
    """One citizen's conversation of ``TURNS`` turns through the entry point."""
    script = SCRIPTS[number % len(SCRIPTS)]
    code = CODE.format(n=number % DOSSIERS)
    try:
        opened = await client.post(f"{entry}/api/chat/sessions")
        opened.raise_for_status()
    except httpx.HTTPError as exc:
        tally.errors.append(f"open: {type(exc).__name__} {exc}"[:200])
        return
    session_id, token = opened.json()["session_id"], opened.json()["token"]
    auth = {"Authorization": f"Bearer {token}"}
    confirmed: set[int] = set()
    for index, template in enumerate(script):
        if think and index:
            await asyncio.sleep(rng.uniform(*think))
        text = template.format(code=code)
        started = time.perf_counter()
        try:
            response = await client.post(
                f"{entry}/api/chat/sessions/{session_id}/messages", json={"text": text},
                headers=auth,
            )  # fmt: skip
            response.raise_for_status()
        except httpx.HTTPError as exc:
            tally.errors.append(f"turn {index}: {type(exc).__name__} {exc}"[:200])
            continue
        tally.latencies_ms.append((time.perf_counter() - started) * 1000)
        confirmed.update(m["id"] for m in response.json()["messages"])
        bots = [m for m in response.json()["messages"] if m["role"] in ("bot", "system")]
        said = "\n".join(m["text"] for m in bots)
        if not bots:
            tally.empty += 1
        elif BOT_DOWN_MARK in said:
            tally.errors.append(f"turn {index}: bot unavailable")
        if template == PHONE_DIGITS:
            tally.lookups += 1
            tally.lookups_answered += said.startswith(f"Hồ sơ {code}")
    # Every message the gateway confirmed (user, bot, system) must be in the stored history.
    history = await client.get(f"{entry}/api/chat/sessions/{session_id}/messages", headers=auth)
    stored = {m["id"] for m in history.json()["messages"]} if history.status_code == 200 else set()
    tally.lost += len(confirmed - stored)


async def phase(
    entry: str,
    concurrency: int,
    conversations: int,
    think: tuple[float, float] | None,
    seed: int,
    max_seconds: float,
    staggered: bool = True,
) -> dict[str, Any]:
    """``conversations`` conversations, ``concurrency`` at a time, stopped after ``max_seconds``.

    With a think time and ``staggered``, each citizen starts after a pause drawn uniformly in
    [0, longest think time], so their first questions do not all arrive at the same instant.
    """
    tally = Tally()
    queue: asyncio.Queue[int] = asyncio.Queue()
    for number in range(conversations):
        queue.put_nowait(number)
    limits = httpx.Limits(max_connections=concurrency + 10, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(timeout=120.0, limits=limits) as client:

        async def citizen(worker: int) -> None:
            rng = random.Random(seed * 1000 + worker)
            if think and staggered:
                await asyncio.sleep(rng.uniform(0, think[1]))
            while not queue.empty():
                await conversation(client, entry, queue.get_nowait(), think, tally, rng)

        started = time.perf_counter()
        timed_out = False
        try:
            await asyncio.wait_for(
                asyncio.gather(*(citizen(w) for w in range(concurrency))), max_seconds
            )
        except asyncio.TimeoutError:
            timed_out = True
        elapsed = time.perf_counter() - started
    return {**tally.summary(elapsed), "timed_out": timed_out}


async def warm_up(entry: str, rounds: int) -> None:
    """Questions until every process built its search index (not measured)."""
    async with httpx.AsyncClient(timeout=300.0) as client:
        for number in range(rounds):
            opened = (await client.post(f"{entry}/api/chat/sessions")).json()
            auth = {"Authorization": f"Bearer {opened['token']}"}
            for text in SCRIPTS[number % len(SCRIPTS)][:2]:
                await client.post(
                    f"{entry}/api/chat/sessions/{opened['session_id']}/messages",
                    json={"text": text.format(code=CODE.format(n=0))}, headers=auth,
                )  # fmt: skip


def run_topology(rasa: int, args: argparse.Namespace) -> dict[str, Any]:
    """Start the topology with ``rasa`` Rasa processes, run the phases, stop it."""
    folder = Path(tempfile.mkdtemp(prefix=f"tthc-load-{rasa}-"))
    plan = Cluster(folder, model=Path(args.model), **free_ports(rasa=rasa))
    result: dict[str, Any] = {"rasa_processes": rasa, "actions_processes": 2, "api_processes": 2}
    with running_cluster(plan, ENV) as cluster:
        write_dossiers(cluster.database_url)
        entry = f"http://127.0.0.1:{plan.entry_port}"
        asyncio.run(warm_up(entry, 4 * rasa))
        result["rss_mb_before"] = cluster.rss_mb()
        for name in args.phases:
            think = tuple(args.think) if name == "paced" else None
            load = [round(x, 2) for x in os.getloadavg()]
            cpu_before = cluster.cpu_seconds()
            figures = asyncio.run(
                phase(
                    entry,
                    args.concurrency,
                    args.conversations,
                    think,
                    args.seed,
                    args.max_seconds,
                    staggered=args.start == "staggered",
                )
            )
            figures["think_s"] = list(think) if think else None
            figures["start"] = args.start if think else None
            # Where the CPU went: milliseconds of CPU per turn, by process.
            spent = cluster.cpu_seconds()
            turns = max(1, figures["turns"])
            figures["cpu_ms_per_turn"] = {
                name: round(1000 * (spent[name] - cpu_before.get(name, 0.0)) / turns, 1)
                for name in spent
            }
            figures["load_average_before"] = load
            figures["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
            result[name] = figures
            print(f"{rasa} Rasa, {name}: {json.dumps(figures, ensure_ascii=False)}", flush=True)
        result["rss_mb_after"] = cluster.rss_mb()
    return result


def main(argv: Sequence[str] | None = None) -> None:
    """Run the load test and write its JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rasa", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--conversations", type=int, default=100, help="per phase")
    parser.add_argument("--think", type=float, nargs=2, default=[3.0, 8.0], metavar=("MIN", "MAX"))
    parser.add_argument("--phases", nargs="+", default=["saturated", "paced"],
                        choices=["saturated", "paced"])  # fmt: skip
    parser.add_argument("--model", default=str(PROJECT_MODEL))
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--start", choices=["staggered", "together"], default="staggered",
                        help="paced phase: citizens start spread over the first think time, "
                        "or all at the same instant")  # fmt: skip
    parser.add_argument("--max-seconds", type=float, default=600.0, help="per phase, at most")
    args = parser.parse_args(argv)
    if missing := missing_parts():
        raise SystemExit(f"Thiếu {', '.join(missing)}: chạy `make system-deps` trước.")
    os.environ.setdefault("TTHC_ENV", "local")  # the cluster of this bench is a local one
    get_settings.cache_clear()
    figures: dict[str, Any] = {
        "date": date.today().isoformat(),
        "cpus": os.cpu_count(),
        "machine_shared": "other engineers' processes share the cores; see load averages",
        "concurrency": args.concurrency,
        "conversations_per_phase": args.conversations,
        "turns_per_conversation": TURNS,
        "topologies": [run_topology(rasa, args) for rasa in args.rasa],
    }
    by_rasa = {t["rasa_processes"]: t for t in figures["topologies"]}
    if 1 in by_rasa and 2 in by_rasa and "saturated" in args.phases:
        one, two = by_rasa[1]["saturated"]["turns_per_s"], by_rasa[2]["saturated"]["turns_per_s"]
        figures["scaling_ratio_2_over_1"] = round(two / one, 2) if one else None
        print(f"scaling ratio (saturated throughput, 2 Rasa / 1 Rasa): "
              f"{figures['scaling_ratio_2_over_1']}")  # fmt: skip
    write_figures("cluster-load", figures)


if __name__ == "__main__":
    main()
