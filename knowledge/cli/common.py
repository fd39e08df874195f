"""Helpers shared by the CLI commands: a migrated session, and errors printed plainly."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import typer
from rich.console import Console

from knowledge.errors import ImportFailed, KnowledgeError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

console = Console()
errors = Console(stderr=True)


@contextmanager
def cli_session() -> Iterator[Session]:
    """A committed-on-success session on the configured database, migrated first.

    A knowledge error is printed (with per-record problems for a failed import) and the
    command exits with status 1.
    """
    from knowledge.db import get_engine, migrate, session_scope  # SQLAlchemy and alembic, lazily

    try:
        migrate()
        with session_scope(get_engine()) as session:
            yield session
    except ImportFailed as exc:
        errors.print(f"[red]{exc.message}[/red]")
        for where, reason in exc.problems[:200]:
            errors.print(f"  {where}: {reason}", markup=False, highlight=False)
        if len(exc.problems) > 200:
            errors.print(f"  … và {len(exc.problems) - 200} lỗi khác")
        raise typer.Exit(1) from exc
    except KnowledgeError as exc:
        errors.print(f"[red]{exc.message}[/red]")
        raise typer.Exit(1) from exc


def cli_actor(name: str | None = None) -> str:
    """Who a command's changes are audited under: ``cli:<name>``, by default the shell login.

    Example:
        >>> cli_actor("quantri")
        'cli:quantri'
    """
    if not name:
        import getpass

        try:
            name = getpass.getuser()
        except (KeyError, OSError):  # no login name (a container's anonymous uid)
            name = "unknown"
    return f"cli:{name.strip()}"[:64]
