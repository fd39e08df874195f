"""End-to-end answer accuracy: real FAQ questions through the REST channel of the running bot.

The questions are the report rows (odd positions) of the dichvucong.gov.vn FAQ set, as in
``bench.search_eval``. Each question opens a new conversation; it counts as answered when
the bot's first reply cites one of its gold codes (``Mã thủ tục: X``) or offers one among
its buttons. The servers (Rasa with ``models/tthc.tar.gz`` and the action server, started by
``bench.bot_servers``) run over the national catalog; every question is asked once as
written and once without diacritics.

Usage (from the project root):
    .venv/bin/python -m bench.bot_answers [--database-url URL] [--limit N] [--model PATH]
        [--rows even] [--misses]

``--rows even`` asks the tuning rows instead (written to ``bot-answers-<date>-even.json``):
changes to the bot are checked there, the odd rows are only reported. ``--misses`` prints
each missed question with the kind of reply and the codes it gave.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

from bench.bot_servers import (
    PROJECT_MODEL,
    catalog_database,
    first_replies,
    running_servers,
)
from bench.output import write_figures
from bench.search_eval import Question, load_questions, split
from bot.responses import domain_responses
from knowledge.config import FAQ_QUESTIONS_CSV, NATIONAL_CATALOG_DIR
from knowledge.text import fold_accents

CITED = re.compile(r"Mã thủ tục: (\d{1,2}\.\d{6})")


def known_codes(database_url: str) -> set[str]:
    """Codes of the catalog in ``database_url``."""
    from sqlalchemy import select

    from knowledge.db import make_engine, session_scope
    from knowledge.models import Procedure

    engine = make_engine(database_url)
    with session_scope(engine) as session:
        codes = set(session.scalars(select(Procedure.code)))
    engine.dispose()
    return codes


def _opening(response: str) -> str:
    """How the domain's ``response`` begins, up to its first value (or 30 characters)."""
    text = str(domain_responses()[response][0]["text"])
    return text.split("{", 1)[0][:30]


def outcome(messages: list[dict[str, Any]]) -> str:
    """What kind of first reply the bot gave: answer, buttons, confirm, no_match, other…"""
    text = "\n".join(m.get("text") or "" for m in messages)
    if text.startswith(_opening("utter_choose_procedure")):
        return "buttons"
    if text.startswith(_opening("utter_confirm_procedure")):
        return "confirm"
    if CITED.search(text):
        return "answer"
    # Replies that are domain responses, by how they begin; the NLU may have taken the
    # question for another intent (feedback, a dossier lookup, unclear, a human).
    for response, kind in (
        ("utter_no_match", "no_match"),
        ("utter_which_procedure", "ask_procedure_name"),
        ("utter_out_of_scope", "out_of_scope"),
        ("utter_feedback_saved", "feedback"),
        ("utter_ask_dossier_code", "dossier_lookup"),
        ("utter_please_rephrase", "clarify"),
        ("utter_handoff", "handoff"),
    ):
        if text.startswith(_opening(response)):
            return kind
    return "other"


def offered_codes(messages: list[dict[str, Any]]) -> set[str]:
    """Codes cited in the texts or carried by the buttons of one reply."""
    codes = {code for m in messages for code in CITED.findall(m.get("text") or "")}
    for message in messages:
        for button in message.get("buttons") or []:
            codes.update(
                re.findall(r'"procedure_code"\s*:\s*"([\d.]+)"', button.get("payload", ""))
            )
    return codes


def evaluate(
    webhook: str, questions: Sequence[Question], *, fold: bool, show_misses: bool = False
) -> dict[str, object]:
    """Ask every question in a new conversation; score the first replies.

    With ``show_misses``, print each question whose reply neither cites nor offers a gold
    code: the kind of reply, the codes it gave and the gold codes.
    """
    correct = 0
    outcomes: Counter[str] = Counter()
    correct_by_outcome: Counter[str] = Counter()
    seconds: list[float] = []
    texts = [fold_accents(q.text) if fold else q.text for q in questions]
    replies = first_replies(webhook, texts)
    for question, (messages, took, status) in zip(questions, replies, strict=True):
        seconds.append(took)
        kind = outcome(messages) if status == 200 else "http_error"
        offered = offered_codes(messages)
        hit = bool(offered & question.codes)
        if show_misses and not hit:
            print(
                f"  miss [{kind}] {text_of(question, fold)}\n"
                f"       gave {sorted(offered)} gold {sorted(question.codes)}"
            )
        outcomes[kind] += 1
        correct_by_outcome[kind] += hit
        correct += hit
    n = len(questions) or 1
    return {
        "typing": "accentless" if fold else "accented",
        "n": len(questions),
        "correct": correct,
        "accuracy": round(correct / n, 4),
        "outcomes": dict(outcomes),
        "correct_by_outcome": dict(correct_by_outcome),
        "direct_answer_precision": round(correct_by_outcome["answer"] / outcomes["answer"], 4)
        if outcomes["answer"]
        else None,
        "seconds_p50": round(statistics.median(seconds), 3) if seconds else None,
    }


def text_of(question: Question, fold: bool) -> str:
    """The question as asked: written, or without diacritics."""
    return fold_accents(question.text) if fold else question.text


def main(argv: Sequence[str] | None = None) -> None:
    """Ask the FAQ report rows; print, and write bench/results/bot-answers-<date>.json."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="a database already holding the national catalog")
    parser.add_argument("--limit", type=int, help="only the first N report rows")
    parser.add_argument("--model", type=Path, default=PROJECT_MODEL)
    parser.add_argument(
        "--rows", choices=("odd", "even"), default="odd", help="report (odd) or tuning (even) rows"
    )
    parser.add_argument("--misses", action="store_true", help="print each question the bot missed")
    args = parser.parse_args(argv)
    if not FAQ_QUESTIONS_CSV.exists() or not NATIONAL_CATALOG_DIR.is_dir():
        print(
            "skipped: the FAQ questions and the national catalog in ../shared/datasets are absent"
        )
        return

    with tempfile.TemporaryDirectory() as folder:
        database_url = catalog_database(args.database_url, Path(folder))
        even, odd = split(load_questions(FAQ_QUESTIONS_CSV, known_codes(database_url)))
        questions = odd if args.rows == "odd" else even
        questions = questions[: args.limit] if args.limit else questions
        with running_servers(args.model, database_url=database_url) as servers:
            # The first question builds the search index of the catalog.
            servers.warm_up()
            started = time.perf_counter()
            rows = [
                evaluate(servers.webhook, questions, fold=fold, show_misses=args.misses)
                for fold in (False, True)
            ]
            seconds = round(time.perf_counter() - started, 1)
    figures = {
        "date": date.today().isoformat(),
        "questions": f"dvc-faq-questions-hust, {args.rows} rows with a code in the catalog",
        "rule": "first reply cites a gold code or offers it as a button",
        "model": str(args.model),
        "machine_cpus": os.cpu_count(),
        "seconds": seconds,
        "results": rows,
    }
    count = rows[0]["n"]
    print(f"End-to-end answer accuracy on {count} FAQ questions ({args.rows} rows), {seconds} s")
    for row in rows:
        print(
            f"  {row['typing']:<11} {row['correct']}/{row['n']} = {row['accuracy']:.3f}"
            f"  p50 {row['seconds_p50']} s  direct-answer precision"
            f" {row['direct_answer_precision']}\n"
            f"  {'':<11} outcomes {row['outcomes']}\n"
            f"  {'':<11} correct by outcome {row['correct_by_outcome']}"
        )
    write_figures("bot-answers", figures, suffix="" if args.rows == "odd" else "-even")


if __name__ == "__main__":
    main()
