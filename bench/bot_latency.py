"""Per-turn latency and throughput of the bot through the REST channel, against a plain Rasa bot.

Two bots run one after the other on this machine, each alone:

* this project's bot (``models/tthc.tar.gz``, its action server, the national catalog),
  with a five-turn conversation: a procedure question, a button, two follow-ups, thanks;
* the plain bot of ``rasa init``: Rasa's own starter project (``rasa/cli/initial_project`` in
  the installed package) copied to a temporary folder and trained there at bench time, with
  a four-turn conversation of its own domain (greet, mood, affirm, goodbye).

Both are served the same way by ``bench.bot_servers`` (REST channel; ours with its action
server). For each: p50/p95 per-turn latency with conversations run one by one, then with 20
conversations at once, the throughput (turns per second) of both runs, and the Rasa server's
resident memory (RSS) after the runs and at its peak. Ratios are ours / plain. The figures
depend on the machine and on whatever else runs on it: the JSON records the CPU count and
the load average.

Usage (from the project root):
    .venv/bin/python -m bench.bot_latency [--database-url URL] [--conversations 20]
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import os
import shutil
import statistics
import subprocess
import tempfile
import time
import uuid
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

import httpx

from bench.bot_servers import (
    PROJECT_MODEL,
    QUIET,
    VENV_BIN,
    Servers,
    catalog_database,
    rss_mb,
    running_servers,
)
from bench.output import write_figures

OUR_CONVERSATION = (
    "lệ phí cấp đổi thẻ căn cước là bao nhiêu",  # two variants: buttons
    '/ask_fee{"procedure_code":"1.014063"}',  # the citizen picks the commune-level one
    "nộp ở đâu?",
    "mất bao lâu?",
    "cảm ơn",
)
PLAIN_CONVERSATION = ("hello", "I am sad", "yes", "bye")
CONCURRENCY = 20


def percentile(values: Sequence[float], share: float) -> float:
    """The ``share`` quantile of ``values`` (nearest rank), in milliseconds."""
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(share * len(ordered) + 0.5) - 1))
    return round(ordered[index] * 1000, 1)


async def converse(client: httpx.AsyncClient, webhook: str, turns: Sequence[str]) -> list[float]:
    """One conversation, turn after turn; the seconds each turn took."""
    sender = f"bench-{uuid.uuid4().hex}"
    seconds = []
    for text in turns:
        started = time.perf_counter()
        response = await client.post(webhook, json={"sender": sender, "message": text})
        response.raise_for_status()
        if not response.json():
            raise RuntimeError(f"no reply to {text!r}")
        seconds.append(time.perf_counter() - started)
    return seconds


async def measure(
    servers: Servers, turns: Sequence[str], conversations: int, concurrency: int
) -> dict[str, Any]:
    """Run ``conversations`` conversations, ``concurrency`` at a time; latency and throughput."""
    limits = httpx.Limits(max_connections=concurrency + 5)
    async with httpx.AsyncClient(timeout=300.0, limits=limits) as client:
        semaphore = asyncio.Semaphore(concurrency)

        async def one() -> list[float]:
            async with semaphore:
                return await converse(client, servers.webhook, turns)

        started = time.perf_counter()
        results = await asyncio.gather(*(one() for _ in range(conversations)))
        wall = time.perf_counter() - started
    seconds = [s for conversation in results for s in conversation]
    return {
        "concurrency": concurrency,
        "turns": len(seconds),
        "p50_ms": percentile(seconds, 0.50),
        "p95_ms": percentile(seconds, 0.95),
        "mean_ms": round(statistics.fmean(seconds) * 1000, 1),
        "throughput_turns_per_s": round(len(seconds) / wall, 2),
    }


def benchmark(servers: Servers, turns: Sequence[str], conversations: int) -> dict[str, Any]:
    """Warm up, then a sequential and a concurrent run, then memory."""
    asyncio.run(measure(servers, turns, 2, 1))  # first turns load models and build indexes
    sequential = asyncio.run(measure(servers, turns, conversations, 1))
    concurrent = asyncio.run(measure(servers, turns, conversations * 3, CONCURRENCY))
    actions = servers.pids.get("actions")
    return {
        "sequential": sequential,
        "concurrent": concurrent,
        "rasa_rss_mb": rss_mb(servers.pids["rasa"]),
        "rasa_peak_rss_mb": rss_mb(servers.pids["rasa"], peak=True),
        "action_server_rss_mb": rss_mb(actions) if actions else None,
        "action_server_peak_rss_mb": rss_mb(actions, peak=True) if actions else None,
    }


def initial_project() -> Path:
    """The starter project ``rasa init`` copies, inside the installed rasa package."""
    spec = importlib.util.find_spec("rasa")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("rasa is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "cli" / "initial_project"


def plain_rasa_model(folder: Path) -> tuple[Path, float]:
    """Copy ``rasa init``'s project into ``folder`` and train it: the model, training seconds."""
    shutil.copytree(initial_project(), folder, ignore=shutil.ignore_patterns("__pycache__"))
    started = time.perf_counter()
    trained = subprocess.run(
        [
            str(VENV_BIN / "rasa"), "train",
            "--config", "config.yml", "--domain", "domain.yml", "--data", "data",
            "--out", "models", "--fixed-model-name", "plain",
        ],
        capture_output=True,
        text=True,
        cwd=folder,
        env={**os.environ, **QUIET},
    )  # fmt: skip
    model = folder / "models" / "plain.tar.gz"
    if trained.returncode or not model.exists():
        raise RuntimeError(f"training the rasa init project failed:\n{trained.stderr[-3000:]}")
    return model, round(time.perf_counter() - started, 1)


def ratio(ours: float, plain: float) -> float | None:
    """ours / plain, rounded."""
    return round(ours / plain, 2) if plain else None


def main(argv: Sequence[str] | None = None) -> None:
    """Benchmark both bots; print and write bench/results/bot-latency-<date>.json."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="a database already holding the national catalog")
    parser.add_argument(
        "--conversations",
        type=int,
        default=20,
        help="conversations per sequential run (x3 for the concurrent run)",
    )
    parser.add_argument("--model", type=Path, default=PROJECT_MODEL)
    args = parser.parse_args(argv)

    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as scratch:
        scratch_dir = Path(scratch)
        plain_dir = scratch_dir / "plain-bot"
        plain_model, plain_training = plain_rasa_model(plain_dir)
        with running_servers(plain_model, actions=False, cwd=plain_dir) as servers:
            plain = benchmark(servers, PLAIN_CONVERSATION, args.conversations)
        database_url = catalog_database(args.database_url, scratch_dir)
        with running_servers(args.model, database_url=database_url) as servers:
            ours = benchmark(servers, OUR_CONVERSATION, args.conversations)
    load_after = os.getloadavg()

    ratios = {
        f"{mode}_{key}": ratio(ours[mode][key], plain[mode][key])
        for mode in ("sequential", "concurrent")
        for key in ("p50_ms", "p95_ms", "throughput_turns_per_s")
    }
    for key in ("rasa_rss_mb", "rasa_peak_rss_mb"):
        ratios[key] = ratio(ours[key], plain[key])
    figures = {
        "date": date.today().isoformat(),
        "model": str(args.model),
        "machine_cpus": os.cpu_count(),
        "load_average_1_5_15_before": [round(x, 2) for x in load_before],
        "load_average_1_5_15_after": [round(x, 2) for x in load_after],
        "conversation_turns": {"ours": list(OUR_CONVERSATION), "plain": list(PLAIN_CONVERSATION)},
        "ours": ours,
        "plain_rasa_init": {**plain, "training_seconds": plain_training},
        "ratios_ours_over_plain": ratios,
    }
    print(
        f"Per-turn latency through the REST channel (ms), throughput (turns/s), RSS (MiB);"
        f" {os.cpu_count()} CPUs, load average before {figures['load_average_1_5_15_before']}"
    )
    print(f"{'':<34}{'ours':>10}{'plain':>10}{'ratio':>8}")
    for mode in ("sequential", "concurrent"):
        for key in ("p50_ms", "p95_ms", "throughput_turns_per_s"):
            label = f"{mode} {key}" if mode == "sequential" else f"{CONCURRENCY}x {key}"
            print(
                f"{label:<34}{ours[mode][key]:>10}{plain[mode][key]:>10}"
                f"{ratios[f'{mode}_{key}']:>8}"
            )
    for key, label in (("rasa_rss_mb", "rasa server RSS"), ("rasa_peak_rss_mb", "rasa peak RSS")):
        print(f"{label:<34}{ours[key]:>10}{plain[key]:>10}{ratios[key]:>8}")
    print(
        f"{'action server RSS (peak)':<34}{ours['action_server_rss_mb']:>10}"
        f"  ({ours['action_server_peak_rss_mb']})"
    )
    print(f"plain bot trained in {plain_training} s")
    write_figures("bot-latency", figures)


if __name__ == "__main__":
    main()
