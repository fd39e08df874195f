"""First replies to short citizen questions: answered right, answered wrong, asked back, missed.

The questions are the project's own held-out set (``bench/data/heldout_questions.yml``: short
questions as citizens type them, a third without diacritics, each labelled with the acceptable
procedure codes and the aspect asked). Odd ids are the report half, even ids the tuning half:
changes to the dialogue are checked on the tuning half; the report half is only reported.

Each question opens a new conversation through the REST channel of the real bot (Rasa with
the model, the action server, the national catalog; ``bench.bot_servers``), once as written
and once without diacritics. The first reply is classified:

* ``direct_right``: an answer citing an acceptable code (``Mã thủ tục: X``) under the heading
  of the asked aspect ("Lệ phí – …" for a fee question; any heading for an overview question);
* ``direct_wrong``: any other answer citing a code (a wrong procedure, or the wrong aspect);
* ``ask_back_offered``: no answer, but a menu or a "Ý bạn là …?" offering an acceptable code
  (a confirmation cites its candidate's code, but is not an answer);
* ``miss``: anything else (a menu without the right code, no match, out of scope…).

``offered_or_answered`` is the share of first replies citing or offering an acceptable code
in any way (text or buttons).

A question labelled ``not_in_catalog`` (the fresh set, ``--questions fresh``) asks for a procedure
the catalog does not hold: any direct answer is ``direct_wrong``; a confirmation, a menu or an
honest "not found" is ``declined`` (the right first reply). Its rows are counted apart
(``unlisted``), so the figures of the other questions keep their meaning.

Usage (from the project root):
    .venv/bin/python -m bench.bot_dialogue [--database-url URL] [--model PATH]
        [--questions heldout|fresh|variants|long|long2] [--half report|tune|both] [--limit N]
        [--show-misses]

The second long set (``--questions long2``) was written to judge changes prompted by the first:
every question of it is for reporting, so ``--half report`` and ``--half both`` ask all of them,
reported as two halves (odd and even ids), and ``--half tune`` asks none.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import tempfile
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from bench.bot_servers import (
    PROJECT_MODEL,
    catalog_database,
    first_replies,
    running_servers,
)
from bench.output import write_figures
from knowledge.config import NATIONAL_CATALOG_DIR, PROJECT_ROOT
from knowledge.text import fold_accents

QUESTIONS = PROJECT_ROOT / "bench" / "data" / "heldout_questions.yml"
# Question sets by name: the half names of a set are prefixed with it ("fresh-report"), so the
# figures of one set never mix with another's.
QUESTION_SETS = {
    "heldout": QUESTIONS,
    "fresh": PROJECT_ROOT / "bench" / "data" / "fresh_questions.yml",
    "variants": PROJECT_ROOT / "bench" / "data" / "variants_probe.yml",
    # Long, FAQ-style questions: a situation, then the question.
    "long": PROJECT_ROOT / "bench" / "data" / "long_questions.yml",
    "long2": PROJECT_ROOT / "bench" / "data" / "long_questions2.yml",
}
# Sets with no tuning half: every question is for reporting, odd and even ids reported apart.
REPORT_ONLY_SETS = frozenset({"long2"})
CITED = re.compile(r"Mã thủ tục: (\d{1,2}\.\d{6})")
BUTTON_CODE = re.compile(r'"procedure_code"\s*:\s*"([\d.]+)"')
CONFIRMATION = "Ý bạn là"
KINDS = ("direct_right", "direct_wrong", "ask_back_offered", "miss")
# The kind of a right first reply to a question the catalog has no procedure for.
DECLINED = "declined"
# How an answer to each aspect begins (knowledge.answers); an overview starts with the name.
HEADINGS = {
    "fee": "Lệ phí –",
    "documents": "Hồ sơ –",
    "processing_time": "Thời hạn giải quyết –",
    "agency": "Nơi giải quyết –",
    "steps": "Các bước –",
    "channels": "Cách nộp –",
    "conditions": "Điều kiện –",
    "result": "Kết quả –",
    "legal_basis": "Căn cứ pháp lý –",
}


@dataclass(frozen=True)
class HeldOutQuestion:
    """One labelled question of the held-out set."""

    id: int
    text: str
    codes: frozenset[str]
    aspect: str
    not_in_catalog: bool = False

    @property
    def half(self) -> str:
        """``report`` for odd ids, ``tune`` for even ones."""
        return "report" if self.id % 2 else "tune"


def load_heldout(path: Path = QUESTIONS) -> list[HeldOutQuestion]:
    """The labelled questions of ``path``, in file order."""
    rows = yaml.safe_load(path.read_text(encoding="utf-8"))["questions"]
    return [
        HeldOutQuestion(
            id=int(row["id"]),
            text=str(row["text"]),
            codes=frozenset(str(code) for code in row["codes"]),
            aspect=str(row["aspect"]),
            not_in_catalog=bool(row.get("not_in_catalog", False)),
        )
        for row in rows
    ]


def chosen_halves(
    questions: Sequence[HeldOutQuestion], half: str, *, report_only: bool = False
) -> list[tuple[str, list[HeldOutQuestion]]]:
    """The halves to ask, each named, for ``--half`` (``report``, ``tune`` or ``both``).

    A report-only set has no tuning half: ``report`` and ``both`` ask all its questions, as an
    ``odd`` and an ``even`` half; ``tune`` asks none.
    """
    if report_only:
        if half == "tune":
            return []
        return [
            ("odd", [q for q in questions if q.id % 2]),
            ("even", [q for q in questions if not q.id % 2]),
        ]
    halves = ("report", "tune") if half == "both" else (half,)
    return [(name, [q for q in questions if q.half == name]) for name in halves]


def _answer_aspect(message: str) -> str:
    """The aspect an answer text is about, from its heading ("procedure" for an overview)."""
    for line in message.splitlines():
        if not line.strip() or line.startswith("Lưu ý:"):
            continue
        for aspect, heading in HEADINGS.items():
            if line.startswith(heading):
                return aspect
        return "procedure"
    return "procedure"


def classify(messages: list[dict[str, Any]], question: HeldOutQuestion) -> tuple[str, bool]:
    """The kind of first reply (one of ``KINDS``) and whether it cites or offers a right code."""
    # A confirmation ("Ý bạn là thủ tục «…» (Mã thủ tục: X)?") cites a code but answers nothing.
    answers = [
        text
        for text in (m.get("text") or "" for m in messages)
        if CITED.search(text) and not text.startswith(CONFIRMATION)
    ]
    cited = {code for text in answers for code in CITED.findall(text)}
    buttons = {
        code
        for m in messages
        for button in m.get("buttons") or []
        for code in BUTTON_CODE.findall(button.get("payload", ""))
    }
    right = bool((cited | buttons) & question.codes)
    if question.not_in_catalog:
        # Nothing in the catalog fits: answering with any procedure misleads the citizen.
        return ("direct_wrong", False) if answers else ("declined", True)
    if answers:
        first = answers[0]
        code = CITED.search(first).group(1)  # type: ignore[union-attr]
        aspect_ok = question.aspect == "procedure" or _answer_aspect(first) == question.aspect
        return ("direct_right" if code in question.codes and aspect_ok else "direct_wrong"), right
    if buttons & question.codes:
        return "ask_back_offered", right
    return "miss", right


def summarize(
    scored: Sequence[tuple[HeldOutQuestion, str, bool]], *, fold: bool
) -> dict[str, object]:
    """The figures of scored first replies (question, kind, right code cited or offered).

    The shares of ``KINDS`` and ``offered_or_answered`` are over the questions the catalog
    answers; questions ``not_in_catalog`` get their own shares (``unlisted_*``).
    """
    listed = [(q, kind, right) for q, kind, right in scored if not q.not_in_catalog]
    unlisted = [kind for q, kind, _ in scored if q.not_in_catalog]
    kinds = Counter(kind for _, kind, _ in listed)
    n = len(listed) or 1
    row: dict[str, object] = {
        "typing": "accentless" if fold else "as written",
        "n": len(listed),
        **{kind: round(kinds[kind] / n, 4) for kind in KINDS},
        "offered_or_answered": round(sum(right for _, _, right in listed) / n, 4),
        "counts": dict(kinds),
    }
    if unlisted:
        row["unlisted_n"] = len(unlisted)
        row["unlisted_declined"] = round(unlisted.count(DECLINED) / len(unlisted), 4)
        row["unlisted_answered"] = round(unlisted.count("direct_wrong") / len(unlisted), 4)
    return row


def evaluate(
    webhook: str, questions: Sequence[HeldOutQuestion], *, fold: bool
) -> tuple[dict[str, object], list[dict[str, object]]]:
    """Ask every question in a new conversation; the figures and the rows not answered right."""
    scored: list[tuple[HeldOutQuestion, str, bool]] = []
    seconds: list[float] = []
    misses: list[dict[str, object]] = []
    texts = [fold_accents(q.text) if fold else q.text for q in questions]
    replies = first_replies(webhook, texts)
    for question, text, (messages, took, _status) in zip(questions, texts, replies, strict=True):
        seconds.append(took)
        kind, right = classify(messages, question)
        scored.append((question, kind, right))
        if kind not in ("direct_right", DECLINED):
            first = (messages[0].get("text") or "")[:160] if messages else ""
            misses.append({"id": question.id, "text": text, "kind": kind, "reply": first})
    row = summarize(scored, fold=fold)
    row["seconds_p50"] = round(statistics.median(seconds), 3) if seconds else None
    return row, misses


def main(argv: Sequence[str] | None = None) -> None:
    """Ask the held-out questions; print, and write bench/results/bot-dialogue-<date>.json."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="a database already holding the national catalog")
    parser.add_argument("--model", type=Path, default=PROJECT_MODEL)
    parser.add_argument("--questions", choices=tuple(QUESTION_SETS), default="heldout")
    parser.add_argument("--half", choices=("report", "tune", "both"), default="report")
    parser.add_argument("--limit", type=int, help="only the first N questions of each half")
    parser.add_argument("--show-misses", action="store_true", help="print every non-right reply")
    args = parser.parse_args(argv)
    if not NATIONAL_CATALOG_DIR.is_dir():
        print("skipped: the national catalog in ../shared/datasets is absent")
        return
    path = QUESTION_SETS[args.questions]
    questions = load_heldout(path)
    # The heldout set keeps its half names ("report", "tune"); another set prefixes its name.
    prefix = "" if args.questions == "heldout" else f"{args.questions}-"
    halves = chosen_halves(questions, args.half, report_only=args.questions in REPORT_ONLY_SETS)
    split = (
        "all ids report, odd and even apart"
        if args.questions in REPORT_ONLY_SETS
        else "odd ids report, even ids tune"
    )
    results: list[dict[str, object]] = []
    with tempfile.TemporaryDirectory() as folder:
        database_url = catalog_database(args.database_url, Path(folder))
        with running_servers(args.model, database_url=database_url) as servers:
            servers.warm_up()
            for half, asked in halves:
                chosen = asked[: args.limit]
                for fold in (False, True):
                    row, misses = evaluate(servers.webhook, chosen, fold=fold)
                    results.append({"half": prefix + half, **row, "not_right": misses})
    figures = {
        "date": date.today().isoformat(),
        "questions": f"{path.relative_to(PROJECT_ROOT)} ({split})",
        "rule": "first reply: direct_right / direct_wrong / ask_back_offered / miss",
        "model": str(args.model),
        "machine_cpus": os.cpu_count(),
        "results": results,
    }
    for row in results:
        print(
            f"  {row['half']:<12} {row['typing']:<11} n={row['n']}"
            f"  direct-right {row['direct_right']:.3f}  direct-wrong {row['direct_wrong']:.3f}"
            f"  ask-back offered {row['ask_back_offered']:.3f}  miss {row['miss']:.3f}"
            f"  offered-or-answered {row['offered_or_answered']:.3f}  p50 {row['seconds_p50']} s"
        )
        if "unlisted_n" in row:
            print(
                f"  {'':<12} {'':<11} not in catalog n={row['unlisted_n']}"
                f"  declined (right) {row['unlisted_declined']:.3f}"
                f"  answered (wrong) {row['unlisted_answered']:.3f}"
            )
        if args.show_misses:
            for miss in row["not_right"]:  # type: ignore[attr-defined]
                print(f"      {miss['id']:>3} {miss['kind']:<16} {miss['text']!r}")
                print(f"          → {miss['reply']!r}")
    suffix = "" if args.half == "report" else f"-{args.half}"
    suffix += f"-{args.questions}" if prefix else ""
    write_figures("bot-dialogue", figures, suffix=suffix)


if __name__ == "__main__":
    main()
