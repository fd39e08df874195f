"""Vietnam's local time: how the database stores moments (naive, UTC+7) and what "now" is."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from pydantic import BaseModel

VIETNAM_TZ = timezone(timedelta(hours=7))


def to_local_naive(moment: datetime) -> datetime:
    """A datetime in Vietnam's local time without tzinfo (how the database stores them)."""
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(VIETNAM_TZ).replace(tzinfo=None)


def local_now() -> datetime:
    """The current time in Vietnam, without tzinfo, whatever the server's time zone."""
    return datetime.now(VIETNAM_TZ).replace(tzinfo=None, microsecond=0)


def local_today() -> date:
    """Today's date in Vietnam, whatever the server's time zone (UTC servers are 7 hours behind)."""
    return datetime.now(VIETNAM_TZ).date()


def with_offset(moment: datetime) -> str:
    """RFC 3339 text of a moment: a naive (stored) one is read as Vietnam's local time."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=VIETNAM_TZ)
    return moment.isoformat()


class LocalTimeModel(BaseModel):
    """Base of every answer holding moments: JSON writes them with their offset (+07:00).

    The database stores naive Vietnam local times; the OpenAPI document promises
    ``format: date-time``, which needs an offset. FastAPI encodes a response with the outer
    model's encoders only, so a model holding such models in a list derives from this one too.
    """

    class Config:
        json_encoders = {datetime: with_offset}
