"""Dossiers: the one-stop system pushes them; call-center agents read them (audited)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Depends, Response, status
from sqlalchemy.orm import Session

from knowledge.api.deps import current_agent, get_session, require_ingest_token
from knowledge.dossiers.ingest import parse_dossier
from knowledge.dossiers.schemas import DossierAgentView, DossierWriteResult
from knowledge.dossiers.store import read_dossier_audited, save_dossier

router = APIRouter(prefix="/api/dossiers", tags=["dossiers"])

EXAMPLE = {
    "code": "000.00.12.H48-251120-0001",
    "procedure_code": "1.001193",
    "receiving_agency": "Bộ phận Một cửa UBND xã Bình Sơn",
    "handling_agency": "Ủy ban nhân dân xã Bình Sơn",
    "current_step": "Thẩm định hồ sơ",
    "state": "in_progress",
    "received_at": "2025-11-20T08:30:00+07:00",
    "result_delivery": "counter",
    "fee_paid_online": False,
    "applicant_name": "Nguyễn Văn An",
    "applicant_phone": "0912345678",
    "applicant_id_number": "051090001234",
    "changed_at": "2025-11-20T14:00:00+07:00",
}
# The body is validated by knowledge.dossiers.ingest (Vietnamese reasons, shared with imports).
DOSSIER_BODY = Body(..., example=EXAMPLE, description="Hồ sơ (xem DossierIn)")


@router.post(
    "",
    response_model=DossierWriteResult,
    responses={201: {"model": DossierWriteResult}, 401: {}, 422: {}},
)
def create_or_update_dossier(
    response: Response,
    payload: dict[str, Any] = DOSSIER_BODY,
    session: Session = Depends(get_session),
    _caller: str = Depends(require_ingest_token),
) -> DossierWriteResult:
    """Create a dossier or update it by code (one-stop system token); changes append history.

    The answer comes after the commit: a 201/200 means the dossier is stored.
    """
    result = save_dossier(session, parse_dossier(payload))
    response.status_code = status.HTTP_201_CREATED if result.created else status.HTTP_200_OK
    return result


@router.get("/{code}", response_model=DossierAgentView, responses={401: {}, 404: {}, 422: {}})
def read_dossier(
    code: str,
    session: Session = Depends(get_session),
    agent: str = Depends(current_agent),
) -> DossierAgentView:
    """Read a dossier's full record for a call-center agent; every read is audited."""
    return read_dossier_audited(session, code, agent)
