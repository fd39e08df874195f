"""Per-turn latency and throughput of the bot through the REST channel, against a plain Rasa bot.

Two bots run one after the other on this machine, each alone:

* this project's bot (``models/tthc.tar.gz``, its action server, the national catalog),
  with a five-turn conversation: a procedure question, a button, two follow-ups, thanks.
  Every conversation opens with another question of the held-out set
  (``bench/data/heldout_questions.yml``), as citizens do: with one question repeated, the
  action server's cache of query vectors would hide the sentence encoder and the search
  from every conversation but the first;
* the plain bot of ``rasa init``: Rasa's own starter project (``rasa/cli/initial_project`` in
  the installed package) copied to a temporary folder and trained there at bench time, with
  a four-turn conversation of its own domain (greet, mood, affirm, goodbye). It runs no
  custom action at all, so a second reference is measured too:
* the same starter bot with one trivial custom action (``action_greet``, which only utters
  the greeting, served by rasa-sdk's own action server): what one action-server round trip
  per conversation costs any Rasa bot.

All are served the same way by ``bench.bot_servers`` (REST channel). For each: p50/p95
per-turn latency with conversations run one by one, then with 20 conversations at once (and
apart, the first turn of each conversation and the later ones), the throughput (turns per
second) of both runs, and the Rasa server's resident memory (RSS) after
the runs and at its peak. Ratios are ours / plain (the issue's comparison) and ours / plain
with the action. The query encoder's own cost (one question's vector, on the opening
questions, in this process while no server runs; on one thread, and as the servers run it,
with a second thread while a CPU is free) is reported beside them. The figures depend
on the machine and on whatever else runs on it: the JSON records the CPU count and the load
average.

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

from bench.bot_dialogue import load_heldout
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
    "lệ phí cấp đổi thẻ căn cước là bao nhiêu",  # replaced by a held-out question each time
    '/ask_fee{"procedure_code":"1.014063"}',  # the citizen picks a procedure by button
    "nộp ở đâu?",
    "mất bao lâu?",
    "cảm ơn",
)
PLAIN_CONVERSATION = ("hello", "I am sad", "yes", "bye")
CONCURRENCY = 20
# The trivial custom action of the second reference, and how the starter project is changed
# to call it after a greeting instead of the response utter_greet.
TRIVIAL_ACTION = """from rasa_sdk import Action


class ActionGreet(Action):
    def name(self):
        return "action_greet"

    def run(self, dispatcher, tracker, domain):
        dispatcher.utter_message(response="utter_greet")
        return []
"""


def opening_questions() -> list[str]:
    """The held-out questions, in file order: one opens each conversation of our bot."""
    return [question.text for question in load_heldout()]


class Conversations:
    """Our conversation with a new opening question each time (cycling through the set)."""

    def __init__(self, turns: Sequence[str], openings: Sequence[str] | None) -> None:
        self.turns = tuple(turns)
        self.openings = list(openings or ())
        self.used = 0

    def next(self) -> tuple[str, ...]:
        """The turns of the next conversation."""
        if not self.openings:
            return self.turns
        opening = self.openings[self.used % len(self.openings)]
        self.used += 1
        return (opening, *self.turns[1:])


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
    servers: Servers, turns: Conversations, conversations: int, concurrency: int
) -> dict[str, Any]:
    """Run ``conversations`` conversations, ``concurrency`` at a time; latency and throughput."""
    limits = httpx.Limits(max_connections=concurrency + 5)
    async with httpx.AsyncClient(timeout=300.0, limits=limits) as client:
        semaphore = asyncio.Semaphore(concurrency)

        async def one() -> list[float]:
            async with semaphore:
                return await converse(client, servers.webhook, turns.next())

        started = time.perf_counter()
        results = await asyncio.gather(*(one() for _ in range(conversations)))
        wall = time.perf_counter() - started
    seconds = [s for conversation in results for s in conversation]
    # Where the tail is: our opening question is the one turn that runs the search and the
    # sentence encoder; the later ones reuse the procedure.
    openings = [conversation[0] for conversation in results]
    later = [s for conversation in results for s in conversation[1:]]
    return {
        "concurrency": concurrency,
        "turns": len(seconds),
        "p50_ms": percentile(seconds, 0.50),
        "p95_ms": percentile(seconds, 0.95),
        "mean_ms": round(statistics.fmean(seconds) * 1000, 1),
        "throughput_turns_per_s": round(len(seconds) / wall, 2),
        "opening_p50_ms": percentile(openings, 0.50),
        "opening_p95_ms": percentile(openings, 0.95),
        "later_p50_ms": percentile(later, 0.50),
        "later_p95_ms": percentile(later, 0.95),
    }


def benchmark(servers: Servers, turns: Conversations, conversations: int) -> dict[str, Any]:
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


def plain_rasa_model(folder: Path, *, action: bool = False) -> tuple[Path, float]:
    """Copy ``rasa init``'s project into ``folder`` and train it: the model, training seconds.

    With ``action``, the project greets through a trivial custom action (``with_trivial_action``).
    """
    shutil.copytree(initial_project(), folder, ignore=shutil.ignore_patterns("__pycache__"))
    if action:
        with_trivial_action(folder)
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


def with_trivial_action(folder: Path) -> None:
    """Make the starter project in ``folder`` greet through a custom action."""
    (folder / "actions" / "actions.py").write_text(TRIVIAL_ACTION, encoding="utf-8")
    domain = folder / "domain.yml"
    domain.write_text(
        domain.read_text(encoding="utf-8") + "\nactions:\n  - action_greet\n", encoding="utf-8"
    )
    for name in ("stories.yml", "rules.yml"):
        path = folder / "data" / name
        path.write_text(
            path.read_text(encoding="utf-8").replace("action: utter_greet", "action: action_greet"),
            encoding="utf-8",
        )


def encoder_cost(questions: Sequence[str]) -> dict[str, Any]:
    """Milliseconds the sentence encoder takes for one question's vector (after loading).

    Twice, question by question: on the configured threads alone (``encoder_threads``), then
    as the servers run it, with a second thread while a CPU is free (``encoder_idle_threads``;
    how many questions got it is counted, since it depends on what else runs).
    """
    from knowledge.search.embeddings import Encoder

    # The settings of a local run, as the servers of ``bench.bot_servers`` get them.
    os.environ.setdefault("TTHC_ENV", "local")
    figures: dict[str, Any] = {}
    for name, encoder in (
        ("one_thread", Encoder(idle_threads=1)),
        ("as_served", Encoder()),
    ):
        encoder.query("thủ tục hành chính")  # loads the model
        seconds = []
        threads: dict[int, int] = {}
        for question in questions:
            started = time.perf_counter()
            count = encoder.query_threads()
            encoder.query(question)
            seconds.append(time.perf_counter() - started)
            threads[count] = threads.get(count, 0) + 1
        figures[name] = {
            "questions": len(seconds),
            "threads_used": {str(k): v for k, v in sorted(threads.items())},
            "p50_ms": percentile(seconds, 0.50),
            "p95_ms": percentile(seconds, 0.95),
            "mean_ms": round(statistics.fmean(seconds) * 1000, 1),
        }
    return figures


def ratio(ours: float, plain: float) -> float | None:
    """ours / plain, rounded."""
    return round(ours / plain, 2) if plain else None


def ratios_of(ours: dict[str, Any], plain: dict[str, Any]) -> dict[str, float | None]:
    """ours / plain for the latencies, throughputs and Rasa memory of two benchmarks."""
    ratios = {
        f"{mode}_{key}": ratio(ours[mode][key], plain[mode][key])
        for mode in ("sequential", "concurrent")
        for key in ("p50_ms", "p95_ms", "throughput_turns_per_s")
    }
    for key in ("rasa_rss_mb", "rasa_peak_rss_mb"):
        ratios[key] = ratio(ours[key], plain[key])
    return ratios


def main(argv: Sequence[str] | None = None) -> None:
    """Benchmark the three bots; print and write bench/results/bot-latency-<date>.json."""
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

    openings = opening_questions()
    encoder = encoder_cost(openings)
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as scratch:
        scratch_dir = Path(scratch)
        plain_dir = scratch_dir / "plain-bot"
        plain_model, plain_training = plain_rasa_model(plain_dir)
        with running_servers(plain_model, actions=False, cwd=plain_dir) as servers:
            plain = benchmark(servers, Conversations(PLAIN_CONVERSATION, None), args.conversations)
        action_dir = scratch_dir / "plain-bot-action"
        action_model, _ = plain_rasa_model(action_dir, action=True)
        with running_servers(action_model, cwd=action_dir, actions_package="actions") as servers:
            plain_action = benchmark(
                servers, Conversations(PLAIN_CONVERSATION, None), args.conversations
            )
        database_url = catalog_database(args.database_url, scratch_dir)
        with running_servers(args.model, database_url=database_url) as servers:
            ours = benchmark(servers, Conversations(OUR_CONVERSATION, openings), args.conversations)
    load_after = os.getloadavg()

    ratios = ratios_of(ours, plain)
    action_ratios = ratios_of(ours, plain_action)
    figures = {
        "date": date.today().isoformat(),
        "model": str(args.model),
        "machine_cpus": os.cpu_count(),
        "load_average_1_5_15_before": [round(x, 2) for x in load_before],
        "load_average_1_5_15_after": [round(x, 2) for x in load_after],
        "conversation_turns": {
            "ours": ["<a held-out question>", *OUR_CONVERSATION[1:]],
            "plain": list(PLAIN_CONVERSATION),
        },
        "query_encoder": encoder,
        "ours": ours,
        "plain_rasa_init": {**plain, "training_seconds": plain_training},
        "plain_rasa_init_one_action": plain_action,
        "ratios_ours_over_plain": ratios,
        "ratios_ours_over_plain_one_action": action_ratios,
    }
    print(
        f"Per-turn latency through the REST channel (ms), throughput (turns/s), RSS (MiB);"
        f" {os.cpu_count()} CPUs, load average before {figures['load_average_1_5_15_before']},"
        f" after {figures['load_average_1_5_15_after']}"
    )
    print(f"{'':<30}{'ours':>9}{'plain':>9}{'ratio':>7}{'plain+1':>9}{'ratio':>7}")
    rows = [
        (f"{mode} {key}" if mode == "sequential" else f"{CONCURRENCY}x {key}", mode, key)
        for mode in ("sequential", "concurrent")
        for key in ("p50_ms", "p95_ms", "throughput_turns_per_s")
    ]
    rows += [("rasa server RSS", None, "rasa_rss_mb"), ("rasa peak RSS", None, "rasa_peak_rss_mb")]
    for label, mode, key in rows:
        name = f"{mode}_{key}" if mode else key
        values = [(bot[mode] if mode else bot)[key] for bot in (ours, plain, plain_action)]
        print(
            f"{label:<30}{values[0]:>9}{values[1]:>9}{ratios[name]:>7}"
            f"{values[2]:>9}{action_ratios[name]:>7}"
        )
    print(
        f"{'action server RSS (peak)':<30}{ours['action_server_rss_mb']:>9}"
        f"  ({ours['action_server_peak_rss_mb']})"
    )
    for name, bot in (("ours", ours), ("plain", plain)):
        turns = bot["sequential"]
        print(
            f"{name}, one at a time: first turn p50 {turns['opening_p50_ms']} ms,"
            f" p95 {turns['opening_p95_ms']} ms; later turns p50 {turns['later_p50_ms']} ms,"
            f" p95 {turns['later_p95_ms']} ms"
        )
    for name, cost in encoder.items():
        print(
            f"query encoder alone, {name.replace('_', ' ')}, {cost['questions']} questions"
            f" (threads used: {cost['threads_used']}): p50 {cost['p50_ms']} ms,"
            f" p95 {cost['p95_ms']} ms"
        )
    print(f"plain bot trained in {plain_training} s; 'plain+1': with one trivial custom action")
    write_figures("bot-latency", figures)


if __name__ == "__main__":
    main()
