"""Dossier status lookup latency with 100,000 dossiers: through the bot, and the function alone.

A temporary SQLite database gets the default catalog (the national export when ../shared has
it, else the sample) and ``--count`` demo dossiers (bulk inserts). Then ``--lookups`` random
dossiers are looked up:

* directly with ``knowledge.dossiers.lookup_dossier`` (one session per lookup, as the
  action does), verified and with wrong digits;
* through the bot: Rasa's REST channel and the action server, as a citizen would —
  "tra cứu hồ sơ <code>" (the form asks for the digits), then the 4 digits (the lookup and
  the answer). Each lookup is its own conversation.

Usage (from the project root):
    .venv/bin/python -m bench.dossier_latency [--count 100000] [--lookups 200]
        [--model models/tthc.tar.gz] [--database-url URL-of-a-catalog] [--no-bot]
"""

from __future__ import annotations

import argparse
import logging
import os
import platform
import random
import shutil
import sqlite3
import tempfile
import time
import uuid
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import numpy as np

from bench.bot_servers import PROJECT_MODEL, catalog_database, running_servers
from bench.output import write_figures

WARMUP = 5


def stats(seconds: Sequence[float]) -> dict[str, float]:
    """p50, p95, p99, mean and max of ``seconds``, in milliseconds."""
    ms = np.array(seconds) * 1000
    return {
        "n": len(ms),
        "p50_ms": round(float(np.percentile(ms, 50)), 2),
        "p95_ms": round(float(np.percentile(ms, 95)), 2),
        "p99_ms": round(float(np.percentile(ms, 99)), 2),
        "mean_ms": round(float(ms.mean()), 2),
        "max_ms": round(float(ms.max()), 2),
    }


def prepare_database(folder: Path, catalog_url: str | None, count: int) -> tuple[str, dict]:
    """A database in ``folder`` with the catalog and ``count`` demo dossiers; its figures."""
    from knowledge.db import make_engine, migrate, session_scope
    from knowledge.dossiers.demo import generate_demo_dossiers

    if catalog_url and catalog_url.startswith("sqlite:///"):
        shutil.copy(catalog_url.removeprefix("sqlite:///"), folder / "catalog.db")
        url = f"sqlite:///{folder / 'catalog.db'}"
    else:
        started = time.perf_counter()
        url = catalog_database(None, folder)
        print(f"catalog imported in {time.perf_counter() - started:.1f} s")
    migrate(url)
    engine = make_engine(url)
    started = time.perf_counter()
    with session_scope(engine) as session:
        report = generate_demo_dossiers(
            session,
            count,
            seed=20251120,
            progress=lambda done: print(f"  {done} dossiers") if done % 20000 == 0 else None,
        )
    seconds = time.perf_counter() - started
    engine.dispose()
    size_mb = Path(url.removeprefix("sqlite:///")).stat().st_size / 2**20
    print(f"{report.created} dossiers ({report.events} history entries) in {seconds:.1f} s")
    return url, {
        "dossiers": report.created,
        "history_entries": report.events,
        "insert_seconds": round(seconds, 1),
        "database_mb": round(size_mb, 1),
    }


def sample_dossiers(url: str, lookups: int) -> list[tuple[str, str]]:
    """``lookups`` random (code, last 4 digits) pairs from the database."""
    with sqlite3.connect(url.removeprefix("sqlite:///")) as connection:
        rows = connection.execute("SELECT code, applicant_phone FROM dossiers").fetchall()
    chosen = random.Random(7).sample(rows, min(lookups + WARMUP, len(rows)))
    return [(code, phone[-4:]) for code, phone in chosen]


def wrong(digits: str) -> str:
    """Four digits that are not ``digits``."""
    return f"{(int(digits) + 1) % 10000:04d}"


def direct(url: str, samples: list[tuple[str, str]]) -> dict[str, Any]:
    """Latency of ``lookup_dossier`` alone, verified and with wrong digits."""
    from knowledge.db import make_engine, session_scope
    from knowledge.dossiers.lookup import lookup_dossier
    from knowledge.dossiers.schemas import LookupOutcome

    engine = make_engine(url)

    def one(code: str, digits: str) -> LookupOutcome:
        with session_scope(engine) as session:
            return lookup_dossier(session, f"bench-{uuid.uuid4().hex}", code, digits).outcome

    def timed(
        call: Callable[[str, str], LookupOutcome],
        expected: LookupOutcome,
        pairs: list[tuple[str, str]],
    ) -> dict[str, float]:
        for code, digits in pairs[:WARMUP]:
            call(code, digits)
        seconds = []
        for code, digits in pairs[WARMUP:]:
            started = time.perf_counter()
            outcome = call(code, digits)
            seconds.append(time.perf_counter() - started)
            assert outcome is expected, (code, outcome)
        return stats(seconds)

    figures = {
        "verified": timed(one, LookupOutcome.verified, samples),
        "wrong_digits": timed(
            one, LookupOutcome.not_verified, [(code, wrong(digits)) for code, digits in samples]
        ),
    }
    engine.dispose()
    return figures


def through_bot(url: str, model: Path, samples: list[tuple[str, str]]) -> dict[str, Any]:
    """Latency of a lookup through Rasa's REST channel and the action server."""
    with (
        running_servers(model, actions=True, database_url=url) as bot,
        httpx.Client(timeout=120.0) as client,
    ):

        def send(sender: str, text: str) -> tuple[str, float]:
            started = time.perf_counter()
            response = client.post(bot.webhook, json={"sender": sender, "message": text})
            elapsed = time.perf_counter() - started
            response.raise_for_status()
            return "\n".join(m.get("text", "") for m in response.json()), elapsed

        code_turn, digits_turn, whole = [], [], []
        for index, (code, digits) in enumerate(samples):
            sender = f"bench-{uuid.uuid4().hex[:12]}"
            asked, first = send(sender, f"tra cứu hồ sơ {code}")
            answer, second = send(sender, digits)
            if not answer.startswith(f"Hồ sơ {code}"):
                raise RuntimeError(f"unexpected answer for {code}: {asked!r} / {answer!r}")
            if index >= WARMUP:
                code_turn.append(first)
                digits_turn.append(second)
                whole.append(first + second)
        return {
            "code_turn": stats(code_turn),
            "digits_turn_lookup_and_answer": stats(digits_turn),
            "whole_lookup_two_turns": stats(whole),
        }


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Build the store, measure, and return the figures."""
    folder = Path(tempfile.mkdtemp(prefix="tthc-dossier-bench-"))
    try:
        url, store = prepare_database(folder, args.database_url, args.count)
        samples = sample_dossiers(url, args.lookups)
        figures: dict[str, Any] = {
            "date": date.today().isoformat(),
            "machine": {
                "cpus": os.cpu_count(),
                "python": platform.python_version(),
                "sqlite": sqlite3.sqlite_version,
            },
            "store": store,
            "lookups": len(samples) - WARMUP,
            "direct": direct(url, samples),
        }
        if not args.no_bot:
            figures["model"] = str(args.model)
            figures["bot"] = through_bot(url, args.model, samples)
        return figures
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def print_figures(figures: dict[str, Any]) -> None:
    """Print the figures as plain lines."""
    store = figures["store"]
    print(
        f"store: {store['dossiers']:,} dossiers, {store['history_entries']:,} history entries,"
        f" inserted in {store['insert_seconds']} s, {store['database_mb']} MB"
    )
    rows = [(f"direct {k}", v) for k, v in figures["direct"].items()]
    rows += [(f"bot {k}", v) for k, v in figures.get("bot", {}).items()]
    print(f"{figures['lookups']} lookups each, random dossiers, one conversation per lookup")
    for label, m in rows:
        print(
            f"  {label:<36} p50 {m['p50_ms']:>8.2f} ms  p95 {m['p95_ms']:>8.2f} ms"
            f"  p99 {m['p99_ms']:>8.2f} ms  max {m['max_ms']:>8.2f} ms"
        )


def main(argv: Sequence[str] | None = None) -> None:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000, help="demo dossiers in the store")
    parser.add_argument("--lookups", type=int, default=200, help="lookups per measurement")
    parser.add_argument("--model", type=Path, default=PROJECT_MODEL, help="the Rasa model")
    parser.add_argument("--database-url", help="a SQLite catalog to copy (default: import it)")
    parser.add_argument("--no-bot", action="store_true", help="only the direct measurement")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    logging.getLogger("knowledge").setLevel(logging.WARNING)  # one line per lookup otherwise
    if not args.no_bot and not args.model.exists():
        parser.error(f"{args.model} is missing: run `make train`, or pass --model or --no-bot")
    figures = run(args)
    print_figures(figures)
    write_figures("dossier-latency", figures)


if __name__ == "__main__":
    main()
