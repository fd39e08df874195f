"""Catalog administration: procedures, edits, publishing decisions, audit log, lexicon words.

Admins write; agents read (the list, the cards, the audit log and the decisions).
"""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Depends, File, Query, Request, UploadFile
from fastapi.responses import Response
from pydantic import BaseModel
from sqlalchemy.orm import Session

from knowledge.accounts import UserView, create_user, list_users, set_active
from knowledge.analytics import AnalyticsSummary, summary, summary_csv
from knowledge.api.charts import analytics_charts, key_figures
from knowledge.api.deps import RowId, get_session, require_admin, require_agent
from knowledge.audit import AuditEntryInfo, list_changes
from knowledge.catalog.admin_queries import ProcedureRow, list_procedures
from knowledge.catalog.decisions import (
    MAX_FILE_BYTES,
    DecisionInfo,
    DecisionPreview,
    RollbackPreview,
    apply_decision,
    list_decisions,
    preview_decision,
    preview_rollback,
    rollback_decision,
)
from knowledge.catalog.editing import AttributeChange, ProcedureEdit, edit_procedure
from knowledge.catalog.live import (
    LexiconWordInfo,
    add_lexicon_word,
    delete_lexicon_word,
    list_lexicon_words,
)
from knowledge.clock import LocalTimeModel
from knowledge.db import commit
from knowledge.errors import InvalidInputError
from knowledge.procedures import get_procedure
from knowledge.schemas import ProcedureCard

# Every route needs a signed-in agent; those that change the catalog or accounts, an admin.
router = APIRouter(prefix="/api/admin", tags=["admin"], dependencies=[Depends(require_agent)])
ADMIN_ONLY = [Depends(require_admin)]
DECISION_FILE = File(..., description="Tệp .csv hoặc .xlsx của quyết định công bố")


class ProcedureList(BaseModel):
    """A page of the catalog for the admin list."""

    total: int
    items: list[ProcedureRow]


class EditResult(BaseModel):
    """A procedure after an edit, with what changed."""

    procedure: ProcedureCard
    changes: list[AttributeChange]


class DecisionResult(LocalTimeModel):
    """A preview, or the decision stored when it was applied."""

    dry_run: bool
    preview: DecisionPreview
    decision: DecisionInfo | None = None


class UserIn(BaseModel):
    """A new staff account."""

    username: str
    password: str
    role: str = "agent"


class UserActive(BaseModel):
    """Enable or disable an account."""

    is_active: bool


class LexiconWordIn(BaseModel):
    """A citizen word for a procedure."""

    term: str
    procedure_code: str


@router.get("/procedures", response_model=ProcedureList)
def list_procedures_route(
    field: str | None = Query(None, description="Lĩnh vực"),
    level: str | None = Query(None, description="Cấp thực hiện, ví dụ Cấp xã"),
    status: str | None = Query(None, description="in_force | amended | abolished"),
    q: str | None = Query(None, description="Mã hoặc từ trong tên thủ tục"),
    offset: int = Query(0, ge=0),
    limit: int = Query(50, ge=1, le=500),
    session: Session = Depends(get_session),
) -> ProcedureList:
    """List catalog procedures with filters (field, level, status, words of the name)."""
    total, items = list_procedures(
        session, field=field, level=level, status=status, q=q, offset=offset, limit=limit
    )
    return ProcedureList(total=total, items=items)


@router.get("/procedures/{code}", response_model=ProcedureCard)
def read_procedure_admin(
    code: str,
    session: Session = Depends(get_session),
) -> ProcedureCard:
    """Read one procedure's full card."""
    return get_procedure(session, code)


@router.patch("/procedures/{code}", response_model=EditResult)
def update_procedure(
    code: str,
    edit: ProcedureEdit,
    session: Session = Depends(get_session),
    admin: UserView = Depends(require_admin),
) -> EditResult:
    """Edit a procedure (name, time and fee per channel, papers, agencies, status); audited."""
    changes = edit_procedure(session, code, edit, actor=admin.username)
    commit(session)
    return EditResult(procedure=get_procedure(session, code), changes=changes)


@router.post("/decisions", response_model=DecisionResult)
def create_decision(
    file: UploadFile = DECISION_FILE,
    dry_run: bool = Query(True, description="true: chỉ xem trước; false: áp dụng"),
    session: Session = Depends(get_session),
    admin: UserView = Depends(require_admin),
) -> DecisionResult:
    """Preview (dry_run=true) or apply (all rows or none) a publishing decision file."""
    data = file.file.read(MAX_FILE_BYTES + 1)  # sync route: the session is thread-bound
    filename = file.filename or "quyet-dinh.csv"
    preview = preview_decision(session, data, filename)
    if dry_run or preview.errors:
        session.rollback()
        if not dry_run:
            raise _row_errors(preview)
        return DecisionResult(dry_run=True, preview=preview)
    decision = apply_decision(session, data, filename, actor=admin.username)
    commit(session)
    info = next(d for d in list_decisions(session) if d.id == decision.id)
    return DecisionResult(dry_run=False, preview=preview, decision=info)


def _row_errors(preview: DecisionPreview) -> InvalidInputError:
    lines = "; ".join(f"dòng {e.row}: {e.message}" for e in preview.errors[:20])
    return InvalidInputError(
        f"Quyết định có {len(preview.errors)} lỗi, không có gì được ghi. {lines}"
    )


@router.get("/decisions", response_model=list[DecisionInfo])
def list_decisions_route(
    session: Session = Depends(get_session),
) -> list[DecisionInfo]:
    """List the decisions admins imported, newest first."""
    return list_decisions(session)


@router.get("/decisions/{decision_id}/rollback", response_model=RollbackPreview)
def read_rollback_preview(
    decision_id: RowId,
    session: Session = Depends(get_session),
    _admin: UserView = Depends(require_admin),
) -> RollbackPreview:
    """Preview a rollback: procedures restored (current → before), removed, edited since."""
    return preview_rollback(session, decision_id)


@router.post("/decisions/{decision_id}/rollback", response_model=DecisionInfo)
def rollback_decision_route(
    decision_id: RowId,
    overwrite_edits: bool = Query(
        False, description="true: hoàn tác cả khi thủ tục đã được sửa tay sau quyết định"
    ),
    session: Session = Depends(get_session),
    admin: UserView = Depends(require_admin),
) -> DecisionInfo:
    """Roll back a whole applied (or scheduled) decision; 409 if procedures were edited since."""
    rollback_decision(session, decision_id, actor=admin.username, overwrite_edits=overwrite_edits)
    commit(session)
    return next(d for d in list_decisions(session) if d.id == decision_id)


@router.get("/audit", response_model=list[AuditEntryInfo])
def list_audit(
    code: str | None = Query(None, description="Mã thủ tục"),
    user: str | None = Query(None, description="Người thực hiện"),
    from_: date | None = Query(None, alias="from", description="Từ ngày (YYYY-MM-DD)"),
    to: date | None = Query(None, description="Đến ngày (YYYY-MM-DD)"),
    limit: int = Query(200, description="Số dòng (1–1000)"),
    session: Session = Depends(get_session),
) -> list[AuditEntryInfo]:
    """Read the append-only audit log of the catalog, newest first."""
    return list_changes(session, code=code, actor=user, since=from_, until=to, limit=limit)


@router.get("/lexicon", response_model=list[LexiconWordInfo])
def list_lexicon(
    session: Session = Depends(get_session),
) -> list[LexiconWordInfo]:
    """List the citizen words admins added."""
    return list_lexicon_words(session)


@router.post("/lexicon", response_model=LexiconWordInfo, status_code=201)
def create_lexicon_word(
    word: LexiconWordIn,
    session: Session = Depends(get_session),
    admin: UserView = Depends(require_admin),
) -> LexiconWordInfo:
    """Add a citizen word for a procedure; search uses it from the next question."""
    created = add_lexicon_word(session, word.term, word.procedure_code, admin.username)
    commit(session)
    return next(w for w in list_lexicon_words(session) if w.id == created.id)


@router.delete("/lexicon/{word_id}", status_code=204)
def delete_lexicon(
    word_id: RowId,
    session: Session = Depends(get_session),
    admin: UserView = Depends(require_admin),
) -> None:
    """Remove a citizen word an admin added."""
    delete_lexicon_word(session, word_id, admin.username)
    commit(session)


@router.get("/users", response_model=list[UserView], dependencies=ADMIN_ONLY)
def list_users_route(session: Session = Depends(get_session)) -> list[UserView]:
    """List the staff accounts."""
    return list_users(session)


@router.post("/users", response_model=UserView, status_code=201, dependencies=ADMIN_ONLY)
def create_user_route(user: UserIn, session: Session = Depends(get_session)) -> UserView:
    """Create a staff account (agent or admin)."""
    created = create_user(session, user.username, user.password, user.role)
    commit(session)
    return created


@router.patch("/users/{username}", response_model=UserView)
def update_user(
    username: str,
    change: UserActive,
    session: Session = Depends(get_session),
    admin: UserView = Depends(require_admin),
) -> UserView:
    """Disable or enable a staff account (an admin cannot disable their own)."""
    if username.strip().lower() == admin.username and not change.is_active:
        raise InvalidInputError("Không thể tự khóa tài khoản đang đăng nhập.")
    updated = set_active(session, username, change.is_active)
    commit(session)
    return updated


@router.get("/analytics/summary", response_model=AnalyticsSummary)
def read_analytics_summary(
    from_: date | None = Query(None, alias="from", description="Từ ngày (YYYY-MM-DD)"),
    to: date | None = Query(None, description="Đến ngày (YYYY-MM-DD)"),
    session: Session = Depends(get_session),
) -> AnalyticsSummary:
    """Read the dashboard's figures for a day range (default: the last 30 days)."""
    return summary(session, from_, to)


@router.get(
    "/analytics/dashboard",
    # Response, not HTMLResponse: FastAPI would document the JSON error bodies as text/html.
    response_class=Response,
    responses={200: {"content": {"text/html": {"schema": {"type": "string"}}}}},
)
def read_analytics_dashboard(
    request: Request,
    from_: date | None = Query(None, alias="from", description="Từ ngày (YYYY-MM-DD)"),
    to: date | None = Query(None, description="Đến ngày (YYYY-MM-DD)"),
    session: Session = Depends(get_session),
    _admin: UserView = Depends(require_admin),
) -> Response:
    """Render the analytics tab of /quan-tri: SVG charts with their tables, question groups."""
    from knowledge.api.routes.pages import templates

    figures = summary(session, from_, to)
    query = f"from={figures.since}&to={figures.until}"
    context = {
        "since": figures.since.strftime("%d/%m/%Y"),
        "until": figures.until.strftime("%d/%m/%Y"),
        "csv_url": f"/api/admin/analytics/summary.csv?{query}",
        "csv_name": f"thong-ke-{figures.since}-{figures.until}.csv",
        "kpis": key_figures(figures),
        "charts": analytics_charts(figures),
        "groups": figures.question_groups,
        "unanswered": figures.unanswered_questions,
        "low_confidence": figures.low_confidence_questions,
    }
    return templates.TemplateResponse(request, "admin_analytics.html", context)


@router.get("/analytics/summary.csv", response_class=Response)
def read_analytics_csv(
    from_: date | None = Query(None, alias="from", description="Từ ngày (YYYY-MM-DD)"),
    to: date | None = Query(None, description="Đến ngày (YYYY-MM-DD)"),
    session: Session = Depends(get_session),
) -> Response:
    """Download the per-day figures as CSV."""
    figures = summary(session, from_, to)
    filename = f"thong-ke-{figures.since}-{figures.until}.csv"
    return Response(
        summary_csv(figures),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
