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

# Monday 24 November 2025, 10:00 (Vietnam local time, as stored).
NOW = datetime(2025, 11, 24, 10, 0)
CODE = "000.00.12.H48-251120-0001"
PHONE = "0912345678"


def payload(**overrides: Any) -> dict[str, Any]:
    """A valid push of the one-stop system, for procedure 1.001456 (passport, 8 working days)."""
    data: dict[str, Any] = {
        "code": CODE,
        "procedure_code": "1.001456",
        "receiving_agency": "Trung tâm Phục vụ hành chính công tỉnh Quảng Ngãi",
        "handling_agency": "Phòng Quản lý xuất nhập cảnh, Công an tỉnh",
        "current_step": "Thẩm định hồ sơ",
        "state": "in_progress",
        "received_at": "2025-11-20T08:30:00",
        "result_delivery": "counter",
        "fee_paid_online": True,
        "applicant_name": "Nguyễn Văn An",
        "applicant_phone": PHONE,
        "applicant_id_number": "051090001234",
        "changed_at": "2025-11-20T14:00:00",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


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
