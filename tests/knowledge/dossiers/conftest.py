"""Fixtures of the dossier tests: a session on the sample catalog and valid payloads."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from knowledge.db import session_factory
from knowledge.dossiers.ingest import parse_dossier
from knowledge.dossiers.schemas import DossierIn
from knowledge.dossiers.store import upsert_dossier
from tests.dossier_payloads import CODE, PHONE, payload

__all__ = ["CODE", "NOW", "PHONE", "payload"]

# Monday 24 November 2025, 10:00 (Vietnam local time, as stored).
NOW = datetime(2025, 11, 24, 10, 0)


@pytest.fixture()
def session(sample_engine: Engine) -> Iterator[Session]:
    """A session on a fresh database holding the 20-procedure sample catalog."""
    session = session_factory(sample_engine)()
    yield session
    session.rollback()
    session.close()


@pytest.fixture()
def store(session: Session) -> Callable[..., DossierIn]:
    """Store a dossier built from ``payload(**overrides)`` and return the validated payload."""

    def _store(**overrides: Any) -> DossierIn:
        dossier = parse_dossier(payload(**overrides))
        upsert_dossier(session, dossier, now=NOW)
        session.commit()
        return dossier

    return _store
