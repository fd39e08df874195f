"""First replies to the rejudge probe (``bench/data/rejudge_probe.yml``): one or two procedures.

A question with ``codes`` only is classified as ``bench.bot_dialogue`` does. A question with a
``pair`` asks two procedures in one message: its first reply is ``direct_right`` when it answers
an acceptable code of each under the asked aspect's heading (or, given ``codes``, answers that
single combined procedure), ``one_of_two`` when it answers only one of them, and otherwise as
``bench.bot_dialogue`` classifies it against the codes of both.

Usage (from the project root):
    .venv/bin/python -m bench.rejudge_probe [--database-url URL] [--model PATH] [--show]
"""

from __future__ import annotations

import argparse
import tempfile
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bench.bot_dialogue import (
    CITED,
    CONFIRMATION,
    HeldOutQuestion,
    _answer_aspect,
    classify,
)
from bench.bot_servers import PROJECT_MODEL, catalog_database, first_replies, running_servers
from knowledge.config import PROJECT_ROOT
from knowledge.text import fold_accents

PROBE = PROJECT_ROOT / "bench" / "data" / "rejudge_probe.yml"
# The probe's parts by id: the cue-pair rule and the two-procedure split.
PARTS = {"cue words": range(1, 21), "two procedures": range(21, 41)}


@dataclass(frozen=True)
class ProbeQuestion:
    """A labelled question of the probe: one procedure, or a pair."""

    question: HeldOutQuestion
    pair: tuple[frozenset[str], ...] = ()


def load_probe(path: Path = PROBE) -> list[ProbeQuestion]:
    """The probe's questions, in file order."""
    rows = yaml.safe_load(path.read_text(encoding="utf-8"))["questions"]
    questions = []
    for row in rows:
        pair = tuple(frozenset(map(str, codes)) for codes in row.get("pair") or ())
        question = HeldOutQuestion(
            id=int(row["id"]),
            text=str(row["text"]),
            codes=frozenset(str(c) for c in row.get("codes") or ()),
            aspect=str(row["aspect"]),
            not_in_catalog=bool(row.get("not_in_catalog", False)),
        )
        questions.append(ProbeQuestion(question, pair))
    return questions


def judge(messages: list[dict[str, Any]], probe: ProbeQuestion) -> str:
    """The kind of the first reply to ``probe``."""
    question = probe.question
    if not probe.pair:
        return classify(messages, question)[0]
    answers = [
        text
        for text in (m.get("text") or "" for m in messages)
        if CITED.search(text) and not text.startswith(CONFIRMATION)
    ]

    def answered(codes: frozenset[str]) -> bool:
        return any(
            CITED.search(text).group(1) in codes  # type: ignore[union-attr]
            and (question.aspect == "procedure" or _answer_aspect(text) == question.aspect)
            for text in answers
        )

    if question.codes and answered(question.codes):
        return "direct_right"
    hits = [answered(codes) for codes in probe.pair]
    if all(hits):
        return "direct_right"
    if any(hits):
        return "one_of_two"
    every = frozenset().union(question.codes, *probe.pair)
    return classify(messages, HeldOutQuestion(question.id, question.text, every, question.aspect))[
        0
    ]


def main(argv: Sequence[str] | None = None) -> None:
    """Ask the probe as written and without diacritics; print the kinds per part."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="a database already holding the national catalog")
    parser.add_argument("--model", type=Path, default=PROJECT_MODEL)
    parser.add_argument("--show", action="store_true", help="print every reply's kind")
    args = parser.parse_args(argv)
    probes = load_probe()
    with tempfile.TemporaryDirectory() as folder:
        database_url = catalog_database(args.database_url, Path(folder))
        with running_servers(args.model, database_url=database_url) as servers:
            servers.warm_up()
            for fold in (False, True):
                texts = [fold_accents(p.question.text) if fold else p.question.text for p in probes]
                kinds = {}
                for probe, text, (messages, _, _) in zip(
                    probes, texts, first_replies(servers.webhook, texts), strict=True
                ):
                    kinds[probe.question.id] = judge(messages, probe)
                    if args.show:
                        first = (messages[0].get("text") or "")[:110] if messages else ""
                        print(f"  {probe.question.id:>3} {kinds[probe.question.id]:<16} {text!r}")
                        print(f"        → {first!r}")
                typing = "accentless" if fold else "as written"
                for part, ids in PARTS.items():
                    counts = Counter(kinds[i] for i in ids if i in kinds)
                    right = counts["direct_right"] + counts["declined"]
                    print(f"  {typing:<11} {part:<15} right {right}/{len(ids)}  {dict(counts)}")


if __name__ == "__main__":
    main()
