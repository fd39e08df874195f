"""Fields (lĩnh vực) of the catalog."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from sqlalchemy.orm import Session

from knowledge.api.deps import get_session
from knowledge.procedures import list_fields
from knowledge.schemas import FieldSummary

router = APIRouter(prefix="/api/fields", tags=["fields"])


@router.get("", response_model=list[FieldSummary])
def list_fields_route(session: Session = Depends(get_session)) -> list[FieldSummary]:
    """List the fields with their number of procedures."""
    return list_fields(session)
