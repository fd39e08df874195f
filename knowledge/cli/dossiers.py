"""``tthc dossier``: import dossiers from the one-stop system and generate demo ones."""

from __future__ import annotations

import typer

app = typer.Typer(no_args_is_help=True)
