"""``tthc search``: ranked procedures for a question, or for each line of standard input."""

from __future__ import annotations

import json
import sys

import typer

from knowledge.cli.common import cli_session, console, errors
from knowledge.errors import InvalidInputError


def search(
    question: str = typer.Argument(..., help="Câu hỏi; '-' để đọc mỗi dòng một câu từ stdin"),
    limit: int = typer.Option(5, "--limit", "-n", min=1, max=50),
    as_json: bool = typer.Option(False, "--json", help="In JSON [{code, name, score}]"),
) -> None:
    """Tìm thủ tục phù hợp nhất với câu hỏi."""
    from knowledge.search import get_index, search_procedures  # numpy, bm25s: only when searching

    with cli_session() as session:
        get_index(session)  # build once, before reading questions
        questions = sys.stdin if question == "-" else [question]
        for line in questions:
            try:
                hits = search_procedures(session, line.rstrip("\n"), limit)
            except InvalidInputError as exc:
                if question != "-":
                    raise
                errors.print(exc.message)
                hits = []
            if as_json:
                rows = [{"code": h.code, "name": h.name, "score": round(h.score, 4)} for h in hits]
                print(json.dumps(rows, ensure_ascii=False), flush=True)
            else:
                for rank, hit in enumerate(hits, start=1):
                    console.print(
                        f"{rank}. [bold]{hit.code}[/bold] {hit.name} ({hit.score:.3f})",
                        highlight=False,
                    )
