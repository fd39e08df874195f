"""Abuse benchmark (loopback only, bounded): lost writes, one message stalling others, guessing.

Reports, as one JSON document (also written to ``bench/results/abuse-<date>.json``):

* ``writes``: for 1, 4 and 8 concurrent pushers, dossiers acknowledged (200/201) but absent
  from the database afterwards, and reads right after a 201 that answered 404 (target 0/0);
* ``scan``: 429 answers to one client requesting 600 distinct ``/api/procedures/{code}``
  paths, with and without a spoofed ``X-Forwarded-For`` per request;
* ``guessing``: dossier-lookup guesses an attacker gets checked per hour through each entry
  point: the bot's lookup with a new conversation per guess (simulated clock, one guess a
  second, through ``knowledge.dossiers.lookup``), and the action server called directly
  over HTTP without a token (measured rate × 3600 when it answers, else 0);
* ``stall`` (with ``--bot``, needs a trained model): the worst reply time for another
  citizen while Rasa handles a 100 KB message of "000" and spaces (target < 1 s).

Every request goes to servers this script starts on 127.0.0.1; loops are bounded in count
and time. Run: ``.venv/bin/python -m bench.abuse [--bot] [--model models/tthc.tar.gz]``.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from bench.bot_servers import (
    PROJECT_MODEL,
    VENV_BIN,
    free_port,
    load_default_catalog,
    running_servers,
    start,
    stop,
    wait_until_ready,
)
from bench.output import write_figures
from knowledge.config import PROJECT_ROOT

INGEST = {"Authorization": "Bearer dev-ingest-token"}
AGENT = {"Authorization": "Bearer dev-agent-token"}
PROCEDURE = "1.001193"
STALL_CAP = 30.0  # seconds the other citizen waits at most before we call it stalled


def _env(database_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "TTHC_ENV": "local",
        "TTHC_DATABASE_URL": database_url,
        # Reads here check read-after-write, not the agents' bulk-read limit.
        "TTHC_DOSSIER_READ_RATE_LIMIT": "100000/hour",
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
    }


def _api(database_url: str, folder: Path) -> tuple[Any, str]:
    port = free_port()
    command = [
        str(VENV_BIN / "uvicorn"), "knowledge.api.app:create_app", "--factory", "--ws", "none",
        "--no-proxy-headers",  # as in the Procfile: X-Forwarded-For only from trusted proxies
        "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning",
    ]  # fmt: skip
    process = start("api", command, _env(database_url), folder)
    url = f"http://127.0.0.1:{port}"
    wait_until_ready("api", f"{url}/health", process, folder, 300)
    return process, url


def _dossier(code: str) -> dict[str, Any]:
    return {
        "code": code,
        "procedure_code": PROCEDURE,
        "receiving_agency": "Bộ phận Một cửa UBND xã Bình Sơn",
        "state": "received",
        "received_at": "2025-11-20T08:30:00+07:00",
        "applicant_name": "Nguyễn Văn An",
        "applicant_phone": "0912345678",
    }


def _agent_headers(url: str, database_url: str) -> dict[str, str]:
    """A signed-in agent's header (staff accounts), or the old shared agent token."""
    try:
        from knowledge.accounts import create_user
    except ImportError:  # code from before staff accounts
        return AGENT
    from knowledge.db import make_engine, session_scope

    engine = make_engine(database_url)
    with session_scope(engine) as session:
        create_user(session, "bench-agent", "mat-khau-bench-123", "agent")
    engine.dispose()
    token = httpx.post(
        f"{url}/api/auth/token", data={"username": "bench-agent", "password": "mat-khau-bench-123"}
    ).json()["access_token"]
    return {"Authorization": f"Bearer {token}"}


def measure_writes(url: str, database_url: str, count: int = 100) -> dict[str, Any]:
    """Acknowledged-but-lost pushes and 404 reads after a 201, at 1, 4 and 8 pushers."""
    from sqlalchemy import select

    from knowledge.db import make_engine, session_scope
    from knowledge.models import Dossier

    agent = _agent_headers(url, database_url)
    results: dict[str, Any] = {}
    for workers, prefix in ((1, "251121"), (4, "251122"), (8, "251123")):

        def push(n: int, prefix: str = prefix) -> tuple[int, int, str]:
            code = f"000.00.12.H48-{prefix}-{n:04d}"
            statuses = [0, 0]  # 0: the connection failed (no answer)
            with httpx.Client(base_url=url, timeout=30) as http:
                try:
                    statuses[0] = http.post(
                        "/api/dossiers", json=_dossier(code), headers=INGEST
                    ).status_code
                    statuses[1] = http.get(f"/api/dossiers/{code}", headers=agent).status_code
                except httpx.HTTPError:
                    pass
            return statuses[0], statuses[1], code

        with ThreadPoolExecutor(max_workers=workers) as pool:
            rows = list(pool.map(push, range(1, count + 1)))
        time.sleep(1.0)
        engine = make_engine(database_url)
        with session_scope(engine) as session:
            stored = set(session.scalars(select(Dossier.code)))
        engine.dispose()
        acknowledged = [code for status, _read, code in rows if status in (200, 201)]
        results[str(workers)] = {
            "pushes": count,
            "acknowledged": len(acknowledged),
            "acknowledged_but_lost": sum(code not in stored for code in acknowledged),
            "read_after_201_not_found": sum(1 for s, r, _c in rows if s == 201 and r == 404),
            "server_errors": sum(1 for s, _r, _c in rows if s >= 500),
            "no_answer": sum(1 for s, _r, _c in rows if s == 0),
        }
    return results


def measure_scan(url: str, paths: int = 600) -> dict[str, int]:
    """429s among ``paths`` distinct procedure paths from one client (spoofed XFF or not)."""
    out: dict[str, int] = {}
    with httpx.Client(base_url=url, timeout=30) as http:
        plain = [http.get(f"/api/procedures/1.{n:06d}").status_code for n in range(paths)]
        out["distinct_paths"] = paths
        out["429_plain"] = plain.count(429)
    time.sleep(0.5)
    with httpx.Client(base_url=url, timeout=30) as http:
        spoofed = [
            http.get(
                f"/api/procedures/2.{n:06d}",
                headers={"X-Forwarded-For": f"198.51.{n // 250}.{n % 250}"},
            ).status_code
            for n in range(paths)
        ]
    out["429_spoofed_forwarded_for"] = spoofed.count(429)
    return out


def simulated_bot_guesses(database_url: str, per_second: float = 1.0) -> dict[str, Any]:
    """Guesses checked in one simulated hour, a new conversation per guess, one a second."""
    import inspect

    from knowledge.db import make_engine, session_scope
    from knowledge.dossiers.ingest import parse_dossier
    from knowledge.dossiers.lookup import lookup_dossier
    from knowledge.dossiers.schemas import LookupOutcome
    from knowledge.dossiers.store import upsert_dossier

    engine = make_engine(database_url)
    code = "000.00.12.H48-251124-0042"
    with session_scope(engine) as session:
        upsert_dossier(session, parse_dossier(_dossier(code)))
    start_at = datetime(2026, 1, 5, 8, 0)
    accepts_client = "client" in inspect.signature(lookup_dossier).parameters
    checked = found = 0
    total = int(3600 * per_second)
    for n in range(total):
        extra = {"client": "attacker"} if accepts_client else {}
        with session_scope(engine) as session:
            outcome = lookup_dossier(
                session,
                f"guess-{uuid.uuid4().hex}",
                code,
                f"{(n + 1) % 10000:04d}" if n != total - 1 else "5678",
                now=start_at + timedelta(seconds=n / per_second),
                **extra,
            ).outcome
        if outcome is not LookupOutcome.locked:
            checked += 1
        found += outcome is LookupOutcome.verified
    engine.dispose()
    return {
        "attempts_per_hour": total,
        "checked_per_hour": checked,
        "found_the_digits": bool(found),
        "client_key_used": accepts_client,
    }


def direct_action_guesses(actions_url: str, tries: int = 50) -> dict[str, Any]:
    """Calls of the lookup action straight to the action server without a token."""
    body = {
        "next_action": "action_answer_dossier_status",
        "sender_id": "attacker",
        "version": "3.6.2",
        "tracker": {
            "sender_id": "attacker",
            "slots": {"dossier_code": "000.00.12.H48-251124-0042", "phone_last4": "0000"},
            "latest_message": {"text": "0000", "intent": {}, "entities": []},
            "events": [],
            "paused": False,
            "followup_action": None,
            "active_loop": {},
            "latest_action_name": None,
        },
        "domain": {},
    }
    statuses = []
    started = time.monotonic()
    with httpx.Client(timeout=10) as http:
        for n in range(tries):
            body["sender_id"] = body["tracker"]["sender_id"] = f"attacker-{n}"  # type: ignore[index]
            statuses.append(http.post(f"{actions_url}/webhook", json=body).status_code)
    elapsed = time.monotonic() - started
    answered = statuses.count(200)
    return {
        "tries": tries,
        "answered_200": answered,
        "refused_401": statuses.count(401),
        "checked_per_hour": round(answered / elapsed * 3600) if answered else 0,
    }


def measure_stall(servers: Any) -> dict[str, Any]:
    """Worst reply time for another citizen while a 100 KB message is being handled."""
    big = "000" + " " * 100_000
    done = threading.Event()
    big_result: dict[str, Any] = {}

    def send_big() -> None:
        started = time.monotonic()
        try:
            httpx.post(
                servers.webhook, json={"sender": "big", "message": big}, timeout=STALL_CAP + 10
            )
            big_result["seconds"] = round(time.monotonic() - started, 2)
        except httpx.HTTPError as exc:
            big_result["error"] = type(exc).__name__
        finally:
            done.set()

    thread = threading.Thread(target=send_big, daemon=True)
    thread.start()
    time.sleep(0.2)
    latencies = []
    deadline = time.monotonic() + STALL_CAP
    while time.monotonic() < deadline:
        started = time.monotonic()
        try:
            httpx.post(
                servers.webhook,
                json={"sender": f"other-{uuid.uuid4().hex[:6]}", "message": "xin chào"},
                timeout=max(0.5, deadline - time.monotonic()),
            )
            latencies.append(time.monotonic() - started)
        except httpx.HTTPError:
            latencies.append(STALL_CAP)
            break
        if done.is_set() and len(latencies) >= 3:
            break
        time.sleep(0.2)
    return {
        "message_bytes": len(big),
        "other_citizen_worst_seconds": round(max(latencies), 2),
        "other_citizen_replies": len(latencies),
        "capped_at_seconds": STALL_CAP,
        "big_message": big_result or {"still_running_after_seconds": STALL_CAP},
    }


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Run the measurements and print/write the JSON report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bot", action="store_true", help="also start Rasa: stall and actions")
    parser.add_argument("--model", type=Path, default=PROJECT_MODEL)
    parser.add_argument("--bot-only", action="store_true", help="only the Rasa measurements")
    args = parser.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="tthc-abuse-"))
    database_url = f"sqlite:///{folder / 'abuse.db'}"
    os.environ["TTHC_ENV"] = "local"
    load_default_catalog(database_url)
    report: dict[str, Any] = {"date": date.today().isoformat(), "project": str(PROJECT_ROOT)}
    report["guessing"] = {}
    if not args.bot_only:
        process, url = _api(database_url, folder)
        try:
            report["writes"] = measure_writes(url, database_url)
            report["scan"] = measure_scan(url)
        finally:
            stop(process)
        os.environ["TTHC_DATABASE_URL"] = database_url
        report["guessing"]["bot_new_conversation_per_guess"] = simulated_bot_guesses(database_url)
    if args.bot or args.bot_only:
        with running_servers(args.model, database_url=database_url) as servers:
            report["guessing"]["action_server_direct_no_token"] = direct_action_guesses(
                str(servers.actions_url)
            )
            report["stall"] = measure_stall(servers)
    print(json.dumps(report, ensure_ascii=False, indent=2))
    write_figures("abuse", report)
    return report


if __name__ == "__main__":
    main()
