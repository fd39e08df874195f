"""The dossier store, demo bulk insert, lookup and lockout on a real PostgreSQL server."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from knowledge.db import session_scope
from knowledge.dossiers.demo import generate_demo_dossiers
from knowledge.dossiers.ingest import import_dossiers, parse_dossier
from knowledge.dossiers.lookup import lookup_dossier
from knowledge.dossiers.schemas import LookupOutcome
from knowledge.dossiers.store import get_dossier, list_audit, read_dossier_audited, upsert_dossier
from knowledge.errors import ImportFailed, NotFoundError
from knowledge.models import Dossier
from tests.knowledge.dossiers.conftest import CODE, NOW, payload

pytestmark = pytest.mark.postgres


def test_store_history_and_audit_on_postgresql(pg_sample_engine: Engine) -> None:
    with session_scope(pg_sample_engine) as session:
        upsert_dossier(session, parse_dossier(payload()), now=NOW)
    with session_scope(pg_sample_engine) as session:
        upsert_dossier(
            session,
            parse_dossier(payload(state="result_ready", changed_at="2025-11-28T10:00:00")),
            now=NOW,
        )
    with session_scope(pg_sample_engine) as session:
        view = read_dossier_audited(session, CODE, "agent-lan", now=NOW)
        with pytest.raises(NotFoundError):
            read_dossier_audited(session, "000.00.12.H48-251120-0999", "agent-lan", now=NOW)
        session.rollback()
        assert sorted(a.action for a in list_audit(session)) == [
            "read_dossier",
            "read_dossier_not_found",
        ]
    assert [h.state.value for h in view.history] == ["received", "in_progress", "result_ready"]


def test_failed_import_leaves_postgresql_untouched(
    pg_sample_engine: Engine, tmp_path: Path
) -> None:
    path = tmp_path / "push.json"
    path.write_text(json.dumps([payload(), payload(code="bad")]), encoding="utf-8")
    with pytest.raises(ImportFailed), session_scope(pg_sample_engine) as session:
        import_dossiers(session, path, now=NOW)
    with session_scope(pg_sample_engine) as session:
        assert session.scalar(select(func.count(Dossier.id))) == 0


def test_demo_bulk_insert_then_lookup_and_lockout_on_postgresql(pg_sample_engine: Engine) -> None:
    with session_scope(pg_sample_engine) as session:
        report = generate_demo_dossiers(session, 300, seed=4, now=NOW, chunk_size=120)
    with session_scope(pg_sample_engine) as session:
        upsert_dossier(session, parse_dossier(payload()), now=NOW)  # ids keep working after bulk
        example = report.examples[0]
        assert (
            lookup_dossier(session, "pg-1", example.code, example.phone_last4, now=NOW).outcome
            is LookupOutcome.verified
        )
        outcomes = [
            lookup_dossier(session, "pg-2", CODE, "0000", now=NOW + timedelta(minutes=i)).outcome
            for i in range(5)
        ]
        assert outcomes[-1] is LookupOutcome.locked
        assert get_dossier(session, example.code).history
