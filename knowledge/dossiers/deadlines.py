"""Due times of dossiers: a procedure's processing time counted in office time.

Working days are Monday to Friday (plus nothing else unless ``holidays`` is given); an
office day runs 08:00–12:00 and 13:00–17:00, so a working day is eight office hours.

* "ngày làm việc" (and a missing unit, which the national export leaves out on many
  procedures whose legal text counts working days) and "giờ": the clock runs only in office
  hours. A dossier received on Friday 10:00 with 1 working day is due on Monday 10:00; one
  received on Saturday starts on Monday 08:00 and is due on Monday 17:00.
* "ngày" and "tháng" (calendar time): counted on the calendar; a due date that falls on a
  weekend moves to the end of the next working day (Bộ luật Dân sự 2015, Art. 148).
"""

from __future__ import annotations

import calendar
from collections.abc import Collection, Iterable
from datetime import date, datetime, time, timedelta

OFFICE_PERIODS: tuple[tuple[time, time], ...] = ((time(8), time(12)), (time(13), time(17)))
HOURS_PER_WORKING_DAY = 8.0

WORKING_DAYS = "ngày làm việc"
CALENDAR_DAYS = "ngày"
HOURS = "giờ"
MONTHS = "tháng"


def is_working_day(day: date, holidays: Collection[date] = ()) -> bool:
    """Whether ``day`` is a working day: Monday to Friday and not one of ``holidays``."""
    return day.weekday() < 5 and day not in holidays


def add_office_hours(start: datetime, hours: float, holidays: Iterable[date] = ()) -> datetime:
    """The moment ``hours`` office hours after ``start`` (time outside office hours is skipped).

    Example:
        >>> add_office_hours(datetime(2025, 11, 21, 16, 0), 2)  # a Friday
        datetime.datetime(2025, 11, 24, 9, 0)
    """
    off = frozenset(holidays)
    remaining = timedelta(hours=hours)
    day = start.date()
    while True:
        if is_working_day(day, off):
            for opens, closes in OFFICE_PERIODS:
                period_start = max(start, datetime.combine(day, opens))
                period_end = datetime.combine(day, closes)
                if period_start >= period_end:
                    continue
                available = period_end - period_start
                if remaining <= available:
                    return period_start + remaining
                remaining -= available
        day += timedelta(days=1)
        start = datetime.combine(day, time.min)


def last_office_moment(moment: datetime, holidays: Collection[date] = ()) -> datetime:
    """``moment`` when it falls in office hours, else the latest office moment before it."""
    day = moment.date()
    while True:
        if is_working_day(day, holidays):
            for opens, closes in reversed(OFFICE_PERIODS):
                if datetime.combine(day, opens) <= moment:
                    return min(moment, datetime.combine(day, closes))
        day -= timedelta(days=1)
        moment = datetime.combine(day, time.max)


def _next_working_day_end(moment: datetime, holidays: frozenset[date]) -> datetime:
    """``moment`` if it is on a working day, else the close of the next working day."""
    day = moment.date()
    if is_working_day(day, holidays):
        return moment
    while not is_working_day(day, holidays):
        day += timedelta(days=1)
    return datetime.combine(day, OFFICE_PERIODS[-1][1])


def _add_months(moment: datetime, months: int) -> datetime:
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def compute_due_at(
    received_at: datetime,
    time_value: float | None,
    time_unit: str | None,
    holidays: Iterable[date] = (),
) -> datetime | None:
    """When a dossier received at ``received_at`` is due, or None when the time is not stated.

    Args:
        received_at: when the one-stop counter (or portal) received the complete dossier.
        time_value: the procedure's processing time, e.g. 7 or 0.5.
        time_unit: "ngày làm việc", "ngày", "giờ", "tháng", or None (read as working days).
        holidays: extra days off (Tết, national holidays) to skip besides weekends.

    Example:
        >>> compute_due_at(datetime(2025, 11, 20, 9, 30), 3, "ngày làm việc")  # a Thursday
        datetime.datetime(2025, 11, 25, 9, 30)
    """
    if time_value is None or time_value <= 0:
        return None
    off = frozenset(holidays)
    unit = (time_unit or WORKING_DAYS).strip().lower()
    if unit == HOURS:
        return add_office_hours(received_at, time_value, off)
    if unit == CALENDAR_DAYS:
        return _next_working_day_end(received_at + timedelta(days=time_value), off)
    if unit == MONTHS:
        whole = int(time_value)
        due = _add_months(received_at, whole) + timedelta(days=30 * (time_value - whole))
        return _next_working_day_end(due, off)
    return add_office_hours(received_at, time_value * HOURS_PER_WORKING_DAY, off)


def working_days_between(start: date, end: date, holidays: Iterable[date] = ()) -> int:
    """Working days after ``start`` up to and including ``end`` (0 when ``end <= start``)."""
    off = frozenset(holidays)
    count, day = 0, start
    while day < end:
        day += timedelta(days=1)
        count += is_working_day(day, off)
    return count
