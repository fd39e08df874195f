"""Vietnam's local time: how the database stores moments (naive, UTC+7) and what "now" is."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

VIETNAM_TZ = timezone(timedelta(hours=7))


def to_local_naive(moment: datetime) -> datetime:
    """A datetime in Vietnam's local time without tzinfo (how the database stores them)."""
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(VIETNAM_TZ).replace(tzinfo=None)


def local_now() -> datetime:
    """The current time in Vietnam, without tzinfo, whatever the server's time zone."""
    return datetime.now(VIETNAM_TZ).replace(tzinfo=None, microsecond=0)
