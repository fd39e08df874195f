"""Figures for the admins' dashboard, from what the database records today.

The catalog by status, the admins' changes per day (audit log), the decisions by state, the
admins' citizen words, the citizens' dossier lookups through the bot per day (with the
share that failed), and from the chat gateway's tables: conversations and questions per
day, the most cited procedures, 👍/👎 and 1–5 ratings, handoffs with their waiting times
and callbacks, and the share of bot answers that were direct (no menu of buttons).
Questions the bot could not answer, grouped by similarity, are not computed yet.
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta

from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from knowledge.chat.models import ChatFeedback, ChatMessage, ChatSession, Handoff
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


class ChatDay(BaseModel):
    """The chat gateway's figures on one day."""

    day: date
    conversations: int
    questions: int
    thumbs_up: int
    thumbs_down: int
    ratings: int
    rating_mean: float | None
    handoffs: int
    callbacks: int


class CitedProcedure(BaseModel):
    """A procedure the bot's answers cited, with how often."""

    code: str
    name: str
    answers: int


class AnalyticsSummary(BaseModel):
    """The dashboard's figures for a day range."""

    since: date
    until: date
    procedures_by_status: dict[str, int]
    decisions_by_state: dict[str, int]
    lexicon_words: int
    changes_per_day: list[DayCount]
    lookups_per_day: list[LookupDay]
    chat_per_day: list[ChatDay]
    most_cited_procedures: list[CitedProcedure]
    direct_answer_share: float | None  # bot answers citing a procedure without a menu
    handoff_wait_seconds_mean: float | None


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
    zero = {"conversations": 0, "questions": 0, "thumbs_up": 0, "thumbs_down": 0, "ratings": 0}
    chat = {d: ChatDay(day=d, rating_mean=None, handoffs=0, callbacks=0, **zero) for d in days}
    for (at,) in session.execute(
        select(ChatSession.created_at).where(
            ChatSession.created_at >= start, ChatSession.created_at < end
        )
    ):
        chat[at.date()].conversations += 1
    cited: dict[str, int] = {}
    direct = menus = 0
    for role, at, codes, buttons in session.execute(
        select(
            ChatMessage.role,
            ChatMessage.created_at,
            ChatMessage.procedure_codes,
            ChatMessage.buttons,
        ).where(ChatMessage.created_at >= start, ChatMessage.created_at < end)
    ):
        if role == "user":
            chat[at.date()].questions += 1
        elif role == "bot":
            for code in filter(None, (codes or "").split(",")):
                cited[code] = cited.get(code, 0) + 1
            if codes and (buttons or "[]") == "[]":
                direct += 1
            elif (buttons or "[]") != "[]":
                menus += 1
    rating_sums: dict[date, int] = {}
    for kind, value, at in session.execute(
        select(ChatFeedback.kind, ChatFeedback.value, ChatFeedback.created_at).where(
            ChatFeedback.created_at >= start, ChatFeedback.created_at < end
        )
    ):
        on_day = chat[at.date()]
        if kind == "thumb":
            on_day.thumbs_up += value > 0
            on_day.thumbs_down += value < 0
        else:
            on_day.ratings += 1
            rating_sums[at.date()] = rating_sums.get(at.date(), 0) + value
    for d, total in rating_sums.items():
        chat[d].rating_mean = round(total / chat[d].ratings, 2)
    waits: list[float] = []
    for status, created, claimed in session.execute(
        select(Handoff.status, Handoff.created_at, Handoff.claimed_at).where(
            Handoff.created_at >= start, Handoff.created_at < end
        )
    ):
        chat[created.date()].handoffs += 1
        chat[created.date()].callbacks += status == "callback"
        if claimed is not None:
            waits.append((claimed - created).total_seconds())
    top = sorted(cited.items(), key=lambda item: (-item[1], item[0]))[:10]
    names = dict(
        session.execute(
            select(Procedure.code, Procedure.name).where(Procedure.code.in_([c for c, _ in top]))
        ).all()
    )
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
        chat_per_day=[chat[d] for d in days],
        most_cited_procedures=[
            CitedProcedure(code=code, name=names.get(code, ""), answers=count)
            for code, count in top
        ],
        direct_answer_share=round(direct / (direct + menus), 4) if direct + menus else None,
        handoff_wait_seconds_mean=round(sum(waits) / len(waits), 1) if waits else None,
    )


def summary_csv(figures: AnalyticsSummary) -> str:
    """The per-day figures as CSV (open data export), one row per day."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(
        ["ngay", "thay_doi_danh_muc", "tra_cuu_ho_so", "tra_cuu_that_bai", "cuoc_tro_chuyen",
         "cau_hoi", "thich", "khong_thich", "so_danh_gia", "diem_trung_binh", "chuyen_can_bo",
         "hen_goi_lai"]
    )  # fmt: skip
    rows = zip(figures.changes_per_day, figures.lookups_per_day, figures.chat_per_day, strict=True)
    for change, lookup, chat in rows:
        writer.writerow(
            [change.day.isoformat(), change.count, lookup.lookups, lookup.failed,
             chat.conversations, chat.questions, chat.thumbs_up, chat.thumbs_down, chat.ratings,
             "" if chat.rating_mean is None else chat.rating_mean, chat.handoffs, chat.callbacks]
        )  # fmt: skip
    return buffer.getvalue()
