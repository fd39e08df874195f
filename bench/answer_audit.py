"""Benchmark: the labelled answer sample (issue 17), re-rendered and scored.

Reads ``bench/data/answer_audit_sample.yml`` (60 procedures, 15 per level, each aspect judged
exact / acceptable / wrong / missing against the national record, in rounds), renders the five
aspects of each sampled procedure with today's code, and reports per round the share of
procedures whose five aspects are all exact or acceptable and the number of wrong answers.
The latest round's answers were judged as rendered then; ``answer_audit_rendered.json`` keeps
their digests, and an answer that changed since is listed as needing a new judgment.

Run: .venv/bin/python -m bench.answer_audit [--show CODE…] [--record]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import tempfile
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from bench.output import write_figures
from knowledge.answers import format_answer
from knowledge.catalog.importer import import_json_catalog
from knowledge.config import NATIONAL_CATALOG_DIR, PROJECT_ROOT
from knowledge.db import make_engine, migrate, session_scope
from knowledge.procedures import get_procedure
from knowledge.schemas import ProcedureCard

DATA = PROJECT_ROOT / "bench" / "data"
SAMPLE = DATA / "answer_audit_sample.yml"
DIGESTS = DATA / "answer_audit_rendered.json"
# The sample's aspect names → the renderer's.
ASPECTS = {
    "fee": "fee",
    "time": "processing_time",
    "papers": "documents",
    "agency": "agency",
    "channels": "channels",
}
GOOD = {"exact", "acceptable"}


def load_sample(path: Path = SAMPLE) -> dict[str, Any]:
    """The labelled sample."""
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def verdict(value: str) -> str:
    """ "wrong | reason" → "wrong"."""
    return str(value).split("|", 1)[0].strip()


def score(procedures: list[dict[str, Any]], round_name: str) -> dict[str, Any]:
    """The figures of one round of judgments."""
    judged = [p for p in procedures if round_name in p]
    counts: Counter[str] = Counter()
    all_good = 0
    for procedure in judged:
        verdicts = [verdict(procedure[round_name][aspect]) for aspect in ASPECTS]
        counts.update(verdicts)
        all_good += all(v in GOOD for v in verdicts)
    answers = sum(counts.values())
    return {
        "procedures": len(judged),
        "all_five_good": all_good,
        "all_five_good_share": round(all_good / len(judged), 3) if judged else 0.0,
        "answers": answers,
        "verdicts": dict(counts),
        "exact_share": round(counts["exact"] / answers, 3) if answers else 0.0,
        "wrong": counts["wrong"],
        "missing": counts["missing"],
    }


def render_sample(codes: list[str]) -> dict[str, dict[str, str]]:
    """The five answers of each sampled procedure, rendered from a fresh import of its record."""
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'sample.db'}"
        migrate(url)
        engine = make_engine(url)
        cards: dict[str, ProcedureCard] = {}
        with session_scope(engine) as session:
            for code in codes:
                import_json_catalog(session, next(NATIONAL_CATALOG_DIR.glob(f"*/{code}.json")))
        with session_scope(engine) as session:
            for code in codes:
                cards[code] = get_procedure(session, code)
        engine.dispose()
    return {
        code: {key: format_answer(card, aspect) for key, aspect in ASPECTS.items()}
        for code, card in cards.items()
    }


def digest(text: str) -> str:
    """A short digest of one rendered answer."""
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:12]


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Score every round, check the latest round's answers are still those judged."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--show", nargs="*", help="print the rendered answers of these codes")
    parser.add_argument("--record", action="store_true", help="store the digests of the answers")
    args = parser.parse_args(argv)
    if not NATIONAL_CATALOG_DIR.is_dir():
        raise SystemExit(f"{NATIONAL_CATALOG_DIR} is absent: the sample is judged on it")
    sample = load_sample()
    procedures = sample["procedures"]
    rounds = list(sample["rounds"])
    rendered = render_sample([p["code"] for p in procedures])
    if args.show is not None:
        for code in args.show or list(rendered):
            for key, text in rendered[code].items():
                print(f"== {code} {key}\n{text}\n")
    digests = {
        code: {k: digest(t) for k, t in answers.items()} for code, answers in rendered.items()
    }
    if args.record:
        DIGESTS.write_text(json.dumps(digests, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    stored = json.loads(DIGESTS.read_text(encoding="utf-8")) if DIGESTS.is_file() else {}
    changed = sorted(
        f"{code} {key}"
        for code, answers in digests.items()
        for key, value in answers.items()
        if stored.get(code, {}).get(key) not in (None, value)
    )
    figures = {
        "rounds": {name: {**sample["rounds"][name], **score(procedures, name)} for name in rounds},
        "latest_round": rounds[-1],
        "answers_changed_since_judged": changed,
        "date": date.today().isoformat(),
    }
    print(json.dumps(figures, ensure_ascii=False, indent=2, default=str))
    write_figures("answer-audit", figures)
    return figures


if __name__ == "__main__":
    main()
