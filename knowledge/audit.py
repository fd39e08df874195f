"""The catalog's audit log: every admin change with who, when, which decision, before and after.

The log is append-only: rows are only ever added; the ORM refuses to update or delete one
(``AppendOnlyError``), so a change is undone by a new entry, never by rewriting history.
"""

from __future__ import annotations

import json
import logging
from datetime import date, datetime
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from knowledge.clock import LocalTimeModel, local_now
from knowledge.errors import InvalidInputError
from knowledge.models import CatalogChange

logger = logging.getLogger(__name__)

MAX_ENTRIES = 1000


class AppendOnlyError(RuntimeError):
    """Someone tried to update or delete an audit entry."""


def _refuse_change(_mapper: Any, _connection: Any, target: CatalogChange) -> None:
    raise AppendOnlyError(f"audit entry {target.id} is append-only")


event.listen(CatalogChange, "before_update", _refuse_change)
event.listen(CatalogChange, "before_delete", _refuse_change)


class AuditEntryInfo(LocalTimeModel):
    """One audited change as the admin pages show it."""

    id: int
    at: datetime
    actor: str
    action: str
    procedure_code: str
    decision_number: str | None
    attribute: str
    label: str  # the attribute in Vietnamese ("Kênh Trực tuyến")
    before: Any
    after: Any


def to_json(value: Any) -> str | None:
    """A snapshot value as stored JSON (dates as ISO strings); None stays None."""
    if value is None:
        return None
    return json.dumps(value, ensure_ascii=False, default=_iso, sort_keys=True)


def _iso(value: object) -> str:
    if isinstance(value, date | datetime):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def record_change(
    session: Session,
    *,
    actor: str,
    action: str,
    procedure_code: str,
    attribute: str,
    before: Any,
    after: Any,
    decision_number: str | None = None,
    at: datetime | None = None,
) -> CatalogChange:
    """Append one entry to the audit log (flushed with the session's other changes)."""
    entry = CatalogChange(
        at=at or local_now(),
        actor=actor,
        action=action,
        procedure_code=procedure_code,
        decision_number=decision_number,
        attribute=attribute,
        before=to_json(before),
        after=to_json(after),
    )
    session.add(entry)
    return entry


def list_changes(
    session: Session,
    *,
    code: str | None = None,
    actor: str | None = None,
    since: date | None = None,
    until: date | None = None,
    limit: int = 200,
) -> list[AuditEntryInfo]:
    """Audit entries, newest first, filtered by procedure code, actor and a day range.

    Raises:
        InvalidInputError: ``since`` is after ``until`` or ``limit`` is outside 1–1000.
    """
    if since and until and since > until:
        raise InvalidInputError("Ngày bắt đầu phải trước hoặc bằng ngày kết thúc.")
    if not 1 <= limit <= MAX_ENTRIES:
        raise InvalidInputError(f"Số dòng phải từ 1 đến {MAX_ENTRIES}.")
    from knowledge.catalog.editing import LABELS  # editing records through this module

    query = select(CatalogChange).order_by(CatalogChange.at.desc(), CatalogChange.id.desc())
    if code:
        query = query.where(CatalogChange.procedure_code == code.strip())
    if actor:
        query = query.where(CatalogChange.actor == actor.strip())
    if since:
        query = query.where(CatalogChange.at >= datetime.combine(since, datetime.min.time()))
    if until:
        query = query.where(CatalogChange.at <= datetime.combine(until, datetime.max.time()))
    return [
        AuditEntryInfo(
            id=row.id,
            at=row.at,
            actor=row.actor,
            action=row.action,
            procedure_code=row.procedure_code,
            decision_number=row.decision_number,
            attribute=row.attribute,
            label={"procedure": "Thủ tục", "lexicon": "Từ ngữ người dân"}.get(
                row.attribute, LABELS.get(row.attribute, row.attribute)
            ),
            before=json.loads(row.before) if row.before else None,
            after=json.loads(row.after) if row.after else None,
        )
        for row in session.scalars(query.limit(limit))
    ]
