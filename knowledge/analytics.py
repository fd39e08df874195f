"""Figures for the admins' dashboard, from what the database records today.

The catalog by status, the admins' changes per day (audit log), the decisions by state, the
admins' citizen words, and the citizens' dossier lookups through the bot per day (with the
share that failed). Conversation, feedback and handoff figures need the chat gateway's
tables and are not computed here.
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta

from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from knowledge.enums import ProcedureStatus
from knowledge.errors import InvalidInputError
from knowledge.models import (
    CatalogChange,
    Decision,
    DecisionState,
    LexiconWord,
    LookupAttempt,
    Procedure,
)

MAX_DAYS = 366


class DayCount(BaseModel):
    """A count on one day."""

    day: date
    count: int


class LookupDay(BaseModel):
    """Dossier lookups through the bot on one day."""

    day: date
    lookups: int
    failed: int


class AnalyticsSummary(BaseModel):
    """The dashboard's figures for a day range."""

    since: date
    until: date
    procedures_by_status: dict[str, int]
    decisions_by_state: dict[str, int]
    lexicon_words: int
    changes_per_day: list[DayCount]
    lookups_per_day: list[LookupDay]


def summary(
    session: Session, since: date | None = None, until: date | None = None
) -> AnalyticsSummary:
    """The figures between ``since`` and ``until`` (default: the last 30 days, today included).

    Raises:
        InvalidInputError: ``since`` after ``until`` or a range over a year.
    """
    until = until or date.today()
    since = since or until - timedelta(days=29)
    if since > until:
        raise InvalidInputError("Ngày bắt đầu phải trước hoặc bằng ngày kết thúc.")
    if (until - since).days >= MAX_DAYS:
        raise InvalidInputError(f"Khoảng thời gian tối đa {MAX_DAYS} ngày.")
    start = datetime.combine(since, datetime.min.time())
    end = datetime.combine(until + timedelta(days=1), datetime.min.time())
    by_status = {s.value: 0 for s in ProcedureStatus}
    for status, count in session.execute(
        select(Procedure.status, func.count(Procedure.id)).group_by(Procedure.status)
    ):
        by_status[getattr(status, "value", status)] = count
    by_state = {s.value: 0 for s in DecisionState if s is not DecisionState.published}
    for state, count in session.execute(
        select(Decision.state, func.count(Decision.id))
        .where(Decision.state != DecisionState.published)
        .group_by(Decision.state)
    ):
        by_state[getattr(state, "value", state)] = count
    changes: dict[date, int] = {}
    for (at,) in session.execute(
        select(CatalogChange.at).where(CatalogChange.at >= start, CatalogChange.at < end)
    ):
        changes[at.date()] = changes.get(at.date(), 0) + 1
    lookups: dict[date, list[int]] = {}
    for at, succeeded in session.execute(
        select(LookupAttempt.at, LookupAttempt.succeeded).where(
            LookupAttempt.at >= start, LookupAttempt.at < end
        )
    ):
        row = lookups.setdefault(at.date(), [0, 0])
        row[0] += 1
        row[1] += 0 if succeeded else 1
    days = [since + timedelta(days=i) for i in range((until - since).days + 1)]
    return AnalyticsSummary(
        since=since,
        until=until,
        procedures_by_status=by_status,
        decisions_by_state=by_state,
        lexicon_words=session.scalar(select(func.count(LexiconWord.id))) or 0,
        changes_per_day=[DayCount(day=d, count=changes.get(d, 0)) for d in days],
        lookups_per_day=[
            LookupDay(day=d, lookups=lookups.get(d, [0, 0])[0], failed=lookups.get(d, [0, 0])[1])
            for d in days
        ],
    )


def summary_csv(figures: AnalyticsSummary) -> str:
    """The per-day figures as CSV (open data export), one row per day."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["ngay", "thay_doi_danh_muc", "tra_cuu_ho_so", "tra_cuu_that_bai"])
    for change, lookup in zip(figures.changes_per_day, figures.lookups_per_day, strict=True):
        writer.writerow([change.day.isoformat(), change.count, lookup.lookups, lookup.failed])
    return buffer.getvalue()
