"""Real national records, imported one by one, as the cards the bot and the API render."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from knowledge.catalog.importer import import_json_catalog
from knowledge.db import make_engine, migrate, session_scope
from knowledge.procedures import get_procedure
from knowledge.schemas import ProcedureCard


@pytest.fixture(scope="session")
def real_card(
    national_catalog_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Callable[[str], ProcedureCard]:
    """The card of one national record, imported on first use into a session-wide database."""
    url = f"sqlite:///{tmp_path_factory.mktemp('real') / 'cards.db'}"
    migrate(url)
    engine = make_engine(url)
    imported: set[str] = set()

    def card(code: str) -> ProcedureCard:
        if code not in imported:
            path = next(national_catalog_dir.glob(f"*/{code}.json"))
            with session_scope(engine) as session:
                import_json_catalog(session, path)
            imported.add(code)
        with session_scope(engine) as session:
            return get_procedure(session, code)

    return card
