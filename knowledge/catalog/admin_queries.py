"""The admin's view of the catalog: a filtered, paged list of procedures."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from knowledge.errors import InvalidInputError
from knowledge.models import Field, Procedure, ProcedureStatus


class ProcedureRow(BaseModel):
    """One line of the admin's catalog list."""

    code: str
    name: str
    field: str | None
    levels: str
    status: str
    status_decision: str | None
    status_date: date | None
    replaced_by_code: str | None


def list_procedures(
    session: Session,
    *,
    field: str | None = None,
    level: str | None = None,
    status: str | None = None,
    q: str | None = None,
    offset: int = 0,
    limit: int = 50,
) -> tuple[int, list[ProcedureRow]]:
    """Procedures matching the filters, in code order, with the total count.

    ``q`` matches a code prefix or words of the name (case-insensitive, as written).

    Raises:
        InvalidInputError: an unknown status.
    """
    query = select(Procedure, Field.name).outerjoin(Field, Procedure.field_id == Field.id)
    if status:
        try:
            query = query.where(Procedure.status == ProcedureStatus(status))
        except ValueError as exc:
            raise InvalidInputError("Tình trạng phải là in_force, amended hoặc abolished.") from exc
    if field:
        query = query.where(Field.name == field)
    if level:
        query = query.where(Procedure.levels.contains(level.strip()))
    if q and q.strip():
        for word in q.split()[:10]:
            query = query.where(
                or_(
                    Procedure.code.startswith(word),
                    func.lower(Procedure.name).contains(word.lower()),
                )
            )
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.execute(query.order_by(Procedure.code).offset(offset).limit(limit))
    items = [
        ProcedureRow(
            code=p.code,
            name=p.name,
            field=field_name,
            levels=p.levels,
            status=p.status.value,
            status_decision=p.status_decision,
            status_date=p.status_date,
            replaced_by_code=p.replaced_by_code,
        )
        for p, field_name in rows
    ]
    return int(total), items
