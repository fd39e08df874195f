"""Office hours of the call center: weekly opening times, Vietnam's public holidays, days off.

The weekly hours come from ``settings.office_hours``, for example
``"mon-fri 07:30-11:30,13:30-17:00; sat 07:30-11:30"``. Public holidays are Vietnam's from the
``holidays`` package (New Year, Tết Nguyên Đán, Hùng Kings, 30/4, 1/5, 2/9…), plus the dates in
``settings.extra_holidays`` (the compensatory days the government announces each year).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache

import holidays

from knowledge.config import get_settings
from knowledge.errors import InvalidInputError

_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_NAMES = ("thứ Hai", "thứ Ba", "thứ Tư", "thứ Năm", "thứ Sáu", "thứ Bảy", "Chủ nhật")
_RANGE_RE = re.compile(r"^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$")

Schedule = dict[int, list[tuple[time, time]]]


@dataclass(frozen=True)
class OfficeStatus:
    """Whether the center is open at a moment, why not, and when it opens next."""

    open: bool
    holiday: str | None
    next_opening: datetime | None


def parse_office_hours(spec: str) -> Schedule:
    """Weekday (0 = Monday) → opening ranges, from ``"mon-fri 07:30-11:30,13:30-17:00; sat …"``.

    Raises:
        InvalidInputError: a malformed specification.

    Example:
        >>> parse_office_hours("sat 07:30-11:30")[5]
        [(datetime.time(7, 30), datetime.time(11, 30))]
    """
    schedule: Schedule = {}
    for part in filter(None, (p.strip() for p in spec.lower().split(";"))):
        days, _, ranges = part.partition(" ")
        first, _, last = days.partition("-")
        if first not in _DAYS or (last and last not in _DAYS) or not ranges.strip():
            raise InvalidInputError(f"Giờ làm việc không hợp lệ: «{part}».")
        start, end = _DAYS.index(first), _DAYS.index(last or first)
        for day in range(start, end + 1):
            for item in ranges.replace(" ", "").split(","):
                match = _RANGE_RE.match(item)
                if not match:
                    raise InvalidInputError(f"Khung giờ không hợp lệ: «{item}».")
                h1, m1, h2, m2 = map(int, match.groups())
                opens, closes = time(h1, m1), time(h2, m2)
                if closes <= opens:
                    raise InvalidInputError(f"Khung giờ không hợp lệ: «{item}».")
                schedule.setdefault(day, []).append((opens, closes))
    return {day: sorted(ranges) for day, ranges in schedule.items()}


@lru_cache(maxsize=8)
def _schedule(spec: str) -> Schedule:
    return parse_office_hours(spec)


def holiday_name(day: date, extra: str = "") -> str | None:
    """The name of the public holiday or configured day off on ``day``, or None.

    Example:
        >>> holiday_name(date(2027, 2, 7))
        'Mùng hai Tết Nguyên Đán'
    """
    extra_days = {d.strip() for d in extra.split(",") if d.strip()}
    if day.isoformat() in extra_days:
        return "Ngày nghỉ theo thông báo"
    return _vietnam_holidays(day.year).get(day)


@lru_cache(maxsize=8)
def _vietnam_holidays(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("VN", years=year, language="vi")


def office_status(now: datetime, spec: str | None = None, extra: str | None = None) -> OfficeStatus:
    """Whether the center is open at ``now`` (Vietnam time), and when it next opens if not."""
    settings = get_settings()
    spec = settings.office_hours if spec is None else spec
    extra = settings.extra_holidays if extra is None else extra
    schedule = _schedule(spec)
    holiday = holiday_name(now.date(), extra)
    if holiday is None:
        for opens, closes in schedule.get(now.weekday(), []):
            if opens <= now.time() < closes:
                return OfficeStatus(open=True, holiday=None, next_opening=None)
    return OfficeStatus(
        open=False, holiday=holiday, next_opening=_next_opening(now, schedule, extra)
    )


def _next_opening(now: datetime, schedule: Schedule, extra: str) -> datetime | None:
    for offset in range(0, 30):  # Tết takes at most a couple of weeks
        day = now.date() + timedelta(days=offset)
        if holiday_name(day, extra) is not None:
            continue
        for opens, _closes in schedule.get(day.weekday(), []):
            moment = datetime.combine(day, opens)
            if moment > now:
                return moment
    return None


def describe_opening(moment: datetime | None) -> str:
    """``"07:30 thứ Hai 08/02/2027"``, or "" when unknown."""
    if moment is None:
        return ""
    return f"{moment:%H:%M} {DAY_NAMES[moment.weekday()]} {moment:%d/%m/%Y}"
