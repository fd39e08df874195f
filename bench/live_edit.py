"""Benchmark: edit → live latency. PATCH a fee through the admin API, then ask the bot.

Rasa (``models/tthc.tar.gz``), the action server and the API run as separate processes over
one SQLite database holding the default catalog (the national export when ../shared has
it). Each round PATCHes the online fee of Đăng ký tạm trú (1.004194) to a new amount, then
asks the bot through the REST channel, in a new conversation, until its answer shows the
new amount; the time from sending the PATCH to that answer is the edit → live latency. No
process is restarted and the model is not retrained.

Run: .venv/bin/python -m bench.live_edit [--rounds 20] [--model PATH]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
import uuid
from pathlib import Path

import httpx

from bench.bot_servers import PROJECT_MODEL, load_default_catalog, running_servers
from bench.output import write_figures

CODE = "1.004194"
QUESTION = "lệ phí đăng ký tạm trú trực tuyến là bao nhiêu"
ADMIN, PASSWORD = "bench-admin", "mat-khau-bench-123"
GIVE_UP = 30.0  # seconds


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def _answer_text(messages: list[dict[str, object]]) -> str:
    return "\n".join(str(m.get("text", "")) for m in messages)


def main(rounds: int, model: Path) -> dict[str, object]:
    """Run ``rounds`` edits and print p50/p95 of edit → answer latency."""
    from knowledge.accounts import create_user
    from knowledge.db import make_engine, session_scope

    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'live.db'}"
        source = load_default_catalog(url)
        engine = make_engine(url)
        with session_scope(engine) as session:
            create_user(session, ADMIN, PASSWORD, "admin")
        engine.dispose()
        with running_servers(model, api=True, database_url=url) as servers:
            api = httpx.Client(base_url=str(servers.api_url), timeout=60)
            token = api.post(
                "/api/auth/token", data={"username": ADMIN, "password": PASSWORD}
            ).json()["access_token"]
            headers = {"Authorization": f"Bearer {token}"}
            first = servers.send(f"warm-{uuid.uuid4().hex}", QUESTION, timeout=300)
            print("warm-up answer:", _answer_text(first)[:300].replace("\n", " | "))
            latencies, answer_times, asks = [], [], []
            for round_number in range(rounds):
                fee = f"{11 + round_number}.000 đồng/lần đăng ký"
                started = time.perf_counter()
                response = api.patch(
                    f"/api/admin/procedures/{CODE}",
                    json={"channels": [{"channel": "online", "time_text": "3 ngày làm việc",
                                        "fee_text": fee}]},
                    headers=headers,
                )  # fmt: skip
                response.raise_for_status()
                tries = 0
                while True:
                    tries += 1
                    asked = time.perf_counter()
                    text = _answer_text(servers.send(f"live-{uuid.uuid4().hex}", QUESTION))
                    answer_times.append(time.perf_counter() - asked)
                    if fee.split("/")[0] in text:
                        break
                    if time.perf_counter() - started > GIVE_UP:
                        raise SystemExit(f"round {round_number}: no answer showed {fee}: {text}")
                latencies.append(time.perf_counter() - started)
                asks.append(tries)
    figures = {
        "catalog": source,
        "rounds": rounds,
        "edit_to_answer_p50_seconds": round(statistics.median(latencies), 3),
        "edit_to_answer_p95_seconds": round(_percentile(latencies, 0.95), 3),
        "edit_to_answer_max_seconds": round(max(latencies), 3),
        "answer_p50_seconds": round(statistics.median(answer_times), 3),
        "questions_per_round_max": max(asks),
        "load_average_1min": round(os.getloadavg()[0], 2),
    }
    print(json.dumps(figures, ensure_ascii=False, indent=2))
    write_figures("live-edit", figures)
    return figures


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--model", type=Path, default=PROJECT_MODEL)
    arguments = parser.parse_args()
    main(arguments.rounds, arguments.model)
