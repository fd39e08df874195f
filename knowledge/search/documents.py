"""What the search index needs of each procedure, read from the catalog tables."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from knowledge.models import Field, Procedure


@dataclass(frozen=True)
class SearchDocument:
    """One procedure as the index sees it: name, field, levels, free text and status."""

    code: str
    name: str
    field: str
    levels: tuple[str, ...]
    body: str
    status: str


def split_levels(levels: str) -> tuple[str, ...]:
    """The levels of a catalog ``levels`` column: "Cấp tỉnh, Cấp xã" → ("Cấp tỉnh", "Cấp xã")."""
    return tuple(part.strip() for part in levels.split(",") if part.strip())


def documents_from_session(
    session: Session, codes: Collection[str] | None = None
) -> list[SearchDocument]:
    """Every procedure of the catalog (or those of ``codes``) as a SearchDocument, in code order.

    The body joins who may apply, the conditions, the result papers, the dossier papers,
    the steps and the agencies: what a citizen may describe without naming the procedure.
    """
    query = (
        select(
            Procedure.id,
            Procedure.code,
            Procedure.name,
            Procedure.levels,
            Procedure.status,
            Procedure.target_subjects,
            Procedure.conditions,
            Procedure.results,
            Procedure.papers_text,
            Procedure.steps,
            Procedure.competent_agency,
            Procedure.implementing_agency,
            Field.name,
        )
        .outerjoin(Field, Procedure.field_id == Field.id)
        .order_by(Procedure.code)
    )
    if codes is not None:
        query = query.where(Procedure.code.in_(sorted(codes)))
    rows = session.execute(query)
    documents = []
    for row in rows:
        parts = [
            row.target_subjects,
            row.conditions,
            row.results,
            row.papers_text,
            row.steps,
            row.competent_agency,
            row.implementing_agency,
        ]
        documents.append(
            SearchDocument(
                code=row.code,
                name=row.name,
                field=row[-1] or "",
                levels=split_levels(row.levels or ""),
                body="\n".join(part for part in parts if part),
                status=getattr(row.status, "value", row.status),
            )
        )
    return documents


def catalog_fingerprint(session: Session) -> tuple[object, ...]:
    """A cheap summary that changes whenever a procedure is added, removed or updated."""
    return tuple(
        session.execute(
            select(func.count(Procedure.id), func.max(Procedure.updated_at), func.sum(Procedure.id))
        ).one()
    )
