"""A 300-turn conversation does not slow down turn by turn (the tracker window).

One conversation of ``--turns`` turns goes to Rasa through nginx's internal entry, as the
gateway sends it, in the production topology (``bench.cluster_servers``: trackers in
PostgreSQL, locks in Redis; 1 Rasa, 1 action server, no API). The turns cycle through
procedure questions and follow-ups. Run twice: with the window of ``bot/tracker_store.py``
(``TTHC_TRACKER_WINDOW_EVENTS``, default 100) and with a window larger than the conversation,
which is Rasa's own behaviour (every event of the session rebuilt and sent to the action
server on each turn). Reported per run: mean and p95 latency of the first and the last 30
turns, their ratio, the least-squares slope (ms per turn), and the events stored for the
conversation (Rasa's full tracker; the window is what each turn rebuilds and sends).

Usage (from the project root):
    .venv/bin/python -m bench.long_conversation [--turns 300] [--windows 100 100000]
"""

from __future__ import annotations

import argparse
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

from bench.bot_servers import PROJECT_MODEL, RASA_TOKEN
from bench.cluster import Cluster
from bench.cluster_load import percentile
from bench.cluster_servers import free_ports, missing_parts, running_cluster
from bench.output import write_figures
from knowledge.chat.gateway import ROUTING_HEADER

CYCLE = (
    "lệ phí đăng ký khai sinh là bao nhiêu",
    "cần giấy tờ gì",
    "làm lý lịch tư pháp ở đâu",
    "mất bao lâu",
    "đăng ký kết hôn cần gì",
    "cảm ơn",
)
EDGE = 30  # turns compared at each end


def slope(values: Sequence[float]) -> float:
    """Least-squares slope of ``values`` against their index (ms per turn)."""
    xs = range(len(values))
    mean_x, mean_y = statistics.fmean(xs), statistics.fmean(values)
    num = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, values, strict=True))
    den = sum((x - mean_x) ** 2 for x in xs)
    return round(num / den, 3)


def run_window(window: int, turns: int, model: Path) -> dict[str, Any]:
    """One cluster with ``window``; one conversation of ``turns`` turns; its figures."""
    folder = Path(tempfile.mkdtemp(prefix="tthc-long-"))
    plan = Cluster(folder, model=model, **free_ports(rasa=1, actions=1, api=0))
    env = {"TTHC_TRACKER_WINDOW_EVENTS": str(window)}
    latencies: list[float] = []
    with running_cluster(plan, env) as cluster:
        url = f"http://127.0.0.1:{plan.rasa_entry_port}/webhooks/rest/webhook"
        sender = f"long-{uuid.uuid4().hex[:12]}"
        empty = 0
        with httpx.Client(timeout=120.0) as client:
            for turn in range(turns):
                started = time.perf_counter()
                response = client.post(
                    url,
                    json={"sender": sender, "message": CYCLE[turn % len(CYCLE)]},
                    headers={ROUTING_HEADER: sender},
                )
                response.raise_for_status()
                latencies.append((time.perf_counter() - started) * 1000)
                empty += not response.json()
            port = plan.rasa_ports[0]
            stored = client.get(
                f"http://127.0.0.1:{port}/conversations/{sender}/tracker",
                params={"token": RASA_TOKEN},
            ).json()
        rss = cluster.rss_mb()
    first, last = latencies[:EDGE], latencies[-EDGE:]
    return {
        "window_events": window,
        "turns": turns,
        "empty_replies": empty,
        "events_stored": len(stored.get("events") or []),
        "first_mean_ms": round(statistics.fmean(first), 1),
        "first_p95_ms": percentile(first, 0.95),
        "last_mean_ms": round(statistics.fmean(last), 1),
        "last_p95_ms": percentile(last, 0.95),
        "last_over_first": round(statistics.fmean(last) / statistics.fmean(first), 2),
        "slope_ms_per_turn": slope(latencies),
        "rss_mb_end": rss,
    }


def main(argv: Sequence[str] | None = None) -> None:
    """Run the benchmark for each window and write its JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=300)
    parser.add_argument("--windows", type=int, nargs="+", default=[100, 100000])
    parser.add_argument("--model", default=str(PROJECT_MODEL))
    args = parser.parse_args(argv)
    if missing := missing_parts():
        raise SystemExit(f"Thiếu {', '.join(missing)}: chạy `make system-deps` trước.")
    os.environ.setdefault("TTHC_ENV", "local")
    load = [round(x, 2) for x in os.getloadavg()]
    runs = []
    for window in args.windows:
        runs.append(run_window(window, args.turns, Path(args.model)))
        print(json.dumps(runs[-1], ensure_ascii=False), flush=True)
    figures = {
        "date": date.today().isoformat(),
        "cpus": os.cpu_count(),
        "load_average_before": load,
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "runs": runs,
    }
    write_figures("long-conversation", figures)


if __name__ == "__main__":
    main()
