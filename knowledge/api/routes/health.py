"""Liveness and readiness."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from knowledge.api.deps import get_session
from knowledge.models import Procedure

router = APIRouter(tags=["health"])


@router.get("/health")
def read_health(session: Session = Depends(get_session)) -> dict[str, object]:
    """Report that the API is up and how many procedures the catalog holds."""
    procedures = session.scalar(select(func.count(Procedure.id))) or 0
    return {"status": "ok", "procedures": procedures}
