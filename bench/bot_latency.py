"""Per-turn latency and throughput of the bot through the REST channel, against a plain Rasa bot.

Two bots run one after the other on this machine, each alone:

* this project's bot (``models/tthc.tar.gz``, its action server, the national catalog),
  with a five-turn conversation: a procedure question, a button, two follow-ups, thanks;
* the bot ``rasa init --no-prompt`` creates (trained in a temporary folder), with a
  four-turn conversation of its own domain (greet, mood, affirm, goodbye).

For each: p50/p95 per-turn latency with conversations run one by one, then with 20
conversations at once, the throughput (turns per second) of both, and the Rasa server's
resident memory (RSS) after the run. Ratios are ours / plain.

Usage (from the project root):
    .venv/bin/python -m bench.bot_latency [--database-url URL] [--conversations 20]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import statistics
import subprocess
import tempfile
import time
import uuid
from collections.abc import Sequence
from datetime import date
from pathlib import Path

import httpx

from bench.bot_servers import PROJECT_MODEL, VENV_BIN, Bot, catalog_database, rss_mb, running_bot
from knowledge.config import PROJECT_ROOT

RESULTS_DIR = PROJECT_ROOT / "bench" / "results"
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


async def measure(bot: Bot, turns: Sequence[str], conversations: int, concurrency: int) -> dict:
    """Run ``conversations`` conversations, ``concurrency`` at a time; latency and throughput."""
    limits = httpx.Limits(max_connections=concurrency + 5)
    async with httpx.AsyncClient(timeout=300.0, limits=limits) as client:
        semaphore = asyncio.Semaphore(concurrency)

        async def one() -> list[float]:
            async with semaphore:
                return await converse(client, bot.webhook, turns)

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


def benchmark(bot: Bot, turns: Sequence[str], conversations: int) -> dict:
    """Warm up, then sequential and concurrent runs, then memory."""
    asyncio.run(measure(bot, turns, 2, 1))  # first turns load models and build indexes
    sequential = asyncio.run(measure(bot, turns, conversations, 1))
    concurrent = asyncio.run(measure(bot, turns, conversations * 3, CONCURRENCY))
    return {
        "sequential": sequential,
        "concurrent": concurrent,
        "rasa_rss_mb": rss_mb(bot.rasa_pid),
        "action_server_rss_mb": rss_mb(bot.actions_pid) if bot.actions_pid else None,
    }


def plain_rasa_model(folder: Path) -> tuple[Path, float]:
    """Create the ``rasa init`` bot in ``folder`` (trained on creation): model, training time."""
    started = time.perf_counter()
    subprocess.run(
        [str(VENV_BIN / "rasa"), "init", "--no-prompt", "--init-dir", str(folder)],
        check=True,
        capture_output=True,
        cwd=folder.parent,
    )
    models = sorted((folder / "models").glob("*.tar.gz"))
    if not models:
        raise RuntimeError("rasa init produced no model")
    return models[-1], round(time.perf_counter() - started, 1)


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

    with tempfile.TemporaryDirectory() as scratch:
        scratch_dir = Path(scratch)
        plain_dir = scratch_dir / "plain-bot"
        plain_dir.mkdir()
        plain_model, plain_training = plain_rasa_model(plain_dir)
        with running_bot(plain_model, with_actions=False, cwd=plain_dir) as bot:
            plain = benchmark(bot, PLAIN_CONVERSATION, args.conversations)
        shutil.rmtree(plain_dir, ignore_errors=True)
        database_url = catalog_database(args.database_url, scratch_dir)
        with running_bot(args.model, with_actions=True, database_url=database_url) as bot:
            ours = benchmark(bot, OUR_CONVERSATION, args.conversations)

    ratios = {
        f"{mode}_{key}": ratio(ours[mode][key], plain[mode][key])
        for mode in ("sequential", "concurrent")
        for key in ("p50_ms", "p95_ms", "throughput_turns_per_s")
    }
    ratios["rasa_rss_mb"] = ratio(ours["rasa_rss_mb"], plain["rasa_rss_mb"])
    figures = {
        "date": date.today().isoformat(),
        "machine_cpus": _cpus(),
        "conversation_turns": {"ours": list(OUR_CONVERSATION), "plain": list(PLAIN_CONVERSATION)},
        "ours": ours,
        "plain_rasa_init": {**plain, "training_seconds": plain_training},
        "ratios_ours_over_plain": ratios,
    }
    print("Per-turn latency through the REST channel (ms), throughput (turns/s), RSS (MiB)")
    print(f"{'':<26}{'ours':>10}{'plain':>10}{'ratio':>8}")
    for mode in ("sequential", "concurrent"):
        for key in ("p50_ms", "p95_ms", "throughput_turns_per_s"):
            label = f"{mode} {key}" if mode == "sequential" else f"{CONCURRENCY}x {key}"
            print(
                f"{label:<26}{ours[mode][key]:>10}{plain[mode][key]:>10}{ratios[f'{mode}_{key}']:>8}"
            )
    print(
        f"{'rasa server RSS':<26}{ours['rasa_rss_mb']:>10}{plain['rasa_rss_mb']:>10}"
        f"{ratios['rasa_rss_mb']:>8}"
    )
    print(f"{'action server RSS':<26}{ours['action_server_rss_mb']:>10}")
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    output = RESULTS_DIR / f"bot-latency-{figures['date']}.json"
    output.write_text(json.dumps(figures, ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"written {output}")


def _cpus() -> int:
    import os

    return os.cpu_count() or 0


if __name__ == "__main__":
    main()
