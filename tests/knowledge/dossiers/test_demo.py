"""Demo dossiers: realistic, consistent with the catalog, reproducible, usable in lookups."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, selectinload

from knowledge.db import session_scope
from knowledge.dossiers.deadlines import is_working_day
from knowledge.dossiers.demo import generate_demo_dossiers
from knowledge.dossiers.ingest import parse_dossier
from knowledge.dossiers.lookup import lookup_dossier
from knowledge.dossiers.schemas import LookupOutcome
from knowledge.enums import DossierState
from knowledge.errors import InvalidInputError
from knowledge.models import Dossier, Procedure
from tests.knowledge.dossiers.conftest import NOW


def test_demo_dossiers_are_consistent(session: Session) -> None:
    report = generate_demo_dossiers(session, 400, seed=3, now=NOW, chunk_size=150)
    session.commit()
    assert report.created == 400
    dossiers = session.scalars(select(Dossier).options(selectinload(Dossier.events))).all()
    assert len(dossiers) == 400 == len({d.code for d in dossiers})
    catalog = set(session.scalars(select(Procedure.code)))
    states = Counter(d.state for d in dossiers)
    assert set(states) == set(DossierState)
    assert states[DossierState.in_progress] > states[DossierState.withdrawn]
    overdue = [d for d in dossiers if d.state is DossierState.in_progress and d.due_at < NOW]
    assert 0 < len(overdue) < states[DossierState.in_progress]
    for d in dossiers:
        # Each row passes the same validation as a push from the one-stop system.
        parse_dossier(
            {
                c: getattr(d, c)
                for c in (
                    "code",
                    "procedure_code",
                    "receiving_agency",
                    "handling_agency",
                    "current_step",
                    "state",
                    "state_reason",
                    "received_at",
                    "due_at",
                    "finished_at",
                    "result_delivery",
                    "fee_paid_online",
                    "applicant_name",
                    "applicant_phone",
                    "applicant_id_number",
                )
            }
        )
        assert d.procedure_code in catalog
        assert d.code.split("-")[1] == d.received_at.strftime("%y%m%d")
        assert is_working_day(d.received_at.date()) and d.received_at <= NOW
        assert d.events[0].state is DossierState.received
        assert d.events[-1].state is d.state or d.state is DossierState.received
        times = [e.occurred_at for e in d.events]
        assert times == sorted(times) and times[-1] <= NOW
        assert len(d.applicant_name.split()) == 3 and d.applicant_id_number.startswith("051")
        if d.state in (DossierState.needs_supplement, DossierState.rejected):
            assert d.state_reason
        if d.state in (
            DossierState.returned,
            DossierState.rejected,
            DossierState.withdrawn,
            DossierState.result_ready,
        ):
            assert d.finished_at is not None


def _written(session: Session) -> list[tuple[object, ...]]:
    """Every dossier written, with its whole history, without the database ids."""
    dossiers = session.scalars(
        select(Dossier).options(selectinload(Dossier.events)).order_by(Dossier.code)
    ).all()
    return [
        (
            *(getattr(d, c.key) for c in Dossier.__table__.columns if c.key != "id"),
            tuple((e.state, e.step, e.agency, e.note, e.occurred_at) for e in d.events),
        )
        for d in dossiers
    ]


def test_same_seed_same_dossiers(sample_engine: Engine) -> None:
    """Every dossier and history entry is drawn again the same, not just the examples."""
    with session_scope(sample_engine) as session:
        first = generate_demo_dossiers(session, 30, seed=11, now=NOW)
        first_rows = _written(session)
        session.rollback()
        again = generate_demo_dossiers(session, 30, seed=11, now=NOW)
        again_rows = _written(session)
        session.rollback()
        generate_demo_dossiers(session, 30, seed=12, now=NOW)
        other_rows = _written(session)
        session.rollback()
    assert len(first_rows) == 30
    assert first_rows == again_rows
    assert first.examples == again.examples
    assert other_rows != first_rows


def test_examples_can_be_looked_up(session: Session) -> None:
    report = generate_demo_dossiers(session, 200, seed=5, now=NOW)
    assert {e.state for e in report.examples} == set(DossierState)
    assert any(e.overdue for e in report.examples)
    for example in report.examples:
        result = lookup_dossier(
            session, f"demo-{example.code}", example.code, example.phone_last4, now=NOW
        )
        assert result.outcome is LookupOutcome.verified
        assert result.dossier is not None and result.dossier.overdue is example.overdue


def test_running_twice_adds_new_codes(session: Session) -> None:
    generate_demo_dossiers(session, 50, seed=1, now=NOW)
    generate_demo_dossiers(session, 50, seed=1, now=NOW)
    assert len(set(session.scalars(select(Dossier.code)))) == 100


def test_demo_needs_a_catalog(engine: Engine) -> None:
    with session_scope(engine) as session, pytest.raises(InvalidInputError, match="catalog"):
        generate_demo_dossiers(session, 10)
