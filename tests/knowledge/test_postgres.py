"""The same migrations, import, reads and search on a real PostgreSQL server."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from knowledge.catalog.importer import import_json_catalog
from knowledge.config import SAMPLE_CATALOG_DIR
from knowledge.db import session_scope
from knowledge.enums import ProcedureStatus
from knowledge.errors import ImportFailed
from knowledge.procedures import get_procedure, list_fields, set_procedure_status
from knowledge.search import search_procedures

pytestmark = pytest.mark.postgres


def test_catalog_round_trip_on_postgresql(pg_engine: Engine) -> None:
    with session_scope(pg_engine) as session:
        assert import_json_catalog(session, SAMPLE_CATALOG_DIR, source="sample").imported == 20
    with session_scope(pg_engine) as session:
        assert import_json_catalog(session, SAMPLE_CATALOG_DIR, source="sample").imported == 20
    with session_scope(pg_engine) as session:
        card = get_procedure(session, "1.001193")
        fields = {f.name: f.procedures for f in list_fields(session)}
        hits = search_procedures(session, "dang ky ket hon voi nguoi nuoc ngoai", 3)
    assert card.name == "Thủ tục đăng ký khai sinh" and card.channels and card.papers
    assert sum(fields.values()) == 20
    assert hits[0].code == "2.000806"


def test_status_change_on_postgresql(pg_sample_engine: Engine) -> None:
    from datetime import date

    with session_scope(pg_sample_engine) as session:
        set_procedure_status(
            session,
            "1.014063",
            ProcedureStatus.abolished,
            decision_number="123/QĐ-UBND",
            on=date(2026, 7, 1),
            replaced_by="2.001195",
        )
    with session_scope(pg_sample_engine) as session:
        card = get_procedure(session, "1.014063")
    assert (card.status, card.status_decision, card.replaced_by_code) == (
        "abolished",
        "123/QĐ-UBND",
        "2.001195",
    )


def test_failed_import_leaves_postgresql_untouched(pg_engine: Engine, tmp_path) -> None:
    bad = tmp_path / "1.000001.json"
    bad.write_text("{", encoding="utf-8")
    with pytest.raises(ImportFailed):
        with session_scope(pg_engine) as session:
            import_json_catalog(session, tmp_path)
    with pg_engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM procedures")).scalar() == 0


def test_analytics_and_amendments_on_postgresql(pg_sample_engine: Engine) -> None:
    """The analytics' queries (the question behind a marked answer: a correlated subquery)
    and an amended procedure's changes read the same on PostgreSQL."""
    from datetime import date, timedelta

    from knowledge.analytics import summary
    from knowledge.catalog.decisions import apply_decision
    from knowledge.clock import local_today
    from knowledge.config import PROJECT_ROOT
    from tests.chat_seed import seed_conversations

    today = local_today()
    demo = PROJECT_ROOT / "data" / "decisions" / "quyet-dinh-mau.csv"
    with session_scope(pg_sample_engine) as session:
        expected = seed_conversations(session, today)
        apply_decision(
            session, demo.read_bytes(), demo.name, actor="quantri", today=date(2026, 12, 1)
        )
    with session_scope(pg_sample_engine) as session:
        figures = summary(session, today - timedelta(days=2), today)
        card = get_procedure(session, "1.004194")
    assert figures.unanswered_questions == expected.unanswered
    assert [g.count for g in figures.question_groups] == [3, 2, 1]
    assert figures.handoff_wait_seconds_mean == expected.wait_mean
    assert any(a.label == "Lệ phí (Trực tuyến)" for a in card.amendments)
