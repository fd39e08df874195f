"""Procedure search and cards."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel
from sqlalchemy.orm import Session

from knowledge.answers import summarize
from knowledge.api.deps import get_session
from knowledge.procedures import get_procedure
from knowledge.schemas import ProcedureCard, ProcedureSummary, SearchHit
from knowledge.search import search_procedures
from knowledge.search.resolve import resolve

router = APIRouter(prefix="/api/procedures", tags=["procedures"])


class SearchResults(BaseModel):
    """Ranked procedures for a question."""

    query: str
    results: list[SearchHit]


@router.get("/search", response_model=SearchResults)
def search_procedures_route(
    q: str = Query(..., description="Câu hỏi của người dân, có dấu hoặc không dấu"),
    limit: int = Query(5, description="Số kết quả (1–50)"),
    session: Session = Depends(get_session),
) -> SearchResults:
    """Search the catalog for the procedures a question is about."""
    return SearchResults(query=q, results=search_procedures(session, q, limit))


class ResolvedAlternative(BaseModel):
    """Another variant that fits, with its short button label."""

    code: str
    label: str


class ResolvedQuestion(BaseModel):
    """Which procedure a question means, as the bot decides it (``knowledge.search.resolve``)."""

    query: str
    outcome: str  # answer | choose | confirm | need_procedure | no_match | invalid
    code: str | None
    candidates: list[SearchHit]
    alternatives: list[ResolvedAlternative]
    related: list[ResolvedAlternative]  # other procedures ranked close ("Thủ tục liên quan")
    message: str
    notice: str  # a paper the question names that no longer exists (sổ hộ khẩu, CMND)


@router.get("/resolve", response_model=ResolvedQuestion)
def resolve_procedure(
    q: str = Query(..., description="Câu hỏi của người dân, có dấu hoặc không dấu"),
    current: str | None = Query(None, description="Mã thủ tục đang được hỏi trong hội thoại"),
    session: Session = Depends(get_session),
) -> ResolvedQuestion:
    """Decide which procedure a question means, and which variants to offer beside it."""
    resolution = resolve(session, q, current_code=current)
    return ResolvedQuestion(
        query=q,
        outcome=resolution.outcome,
        code=resolution.code,
        candidates=list(resolution.hits),
        alternatives=[
            ResolvedAlternative(code=alt.code, label=alt.label) for alt in resolution.alternatives
        ],
        related=[ResolvedAlternative(code=alt.code, label=alt.label) for alt in resolution.related],
        message=resolution.message,
        notice=resolution.notice,
    )


@router.get("/{code}", response_model=ProcedureCard)
def read_procedure(code: str, session: Session = Depends(get_session)) -> ProcedureCard:
    """Read one procedure's full card: channels, papers, legal basis and status."""
    return get_procedure(session, code)


@router.get("/{code}/summary", response_model=ProcedureSummary)
def read_procedure_summary(code: str, session: Session = Depends(get_session)) -> ProcedureSummary:
    """Read one procedure's summary as the bot says it: time, fee, papers and agency."""
    return summarize(get_procedure(session, code))
