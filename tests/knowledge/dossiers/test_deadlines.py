"""Due times: working days and office hours skip weekends, calendar time rolls off weekends."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from knowledge.dossiers.deadlines import (
    add_office_hours,
    compute_due_at,
    last_office_moment,
    working_days_between,
)
from knowledge.dossiers.store import is_overdue
from knowledge.enums import DossierState

THU = datetime(2025, 11, 20, 9, 30)  # Thursday
FRI = datetime(2025, 11, 21, 10, 0)  # Friday
SAT = datetime(2025, 11, 22, 9, 0)  # Saturday


@pytest.mark.parametrize(
    ("received", "value", "unit", "due"),
    [
        # Working days keep the time of day and skip Saturday and Sunday.
        (FRI, 1, "ngày làm việc", datetime(2025, 11, 24, 10, 0)),
        (THU, 3, "ngày làm việc", datetime(2025, 11, 25, 9, 30)),
        (THU, 8, "ngày làm việc", datetime(2025, 12, 2, 9, 30)),
        (FRI, 5, "Ngày làm việc", datetime(2025, 11, 28, 10, 0)),
        # The national export often leaves the unit out: read as working days.
        (FRI, 1, None, datetime(2025, 11, 24, 10, 0)),
        # Received on a weekend: the clock starts on Monday morning.
        (SAT, 1, "ngày làm việc", datetime(2025, 11, 24, 17, 0)),
        # Received after closing time: counted from the next morning.
        (datetime(2025, 11, 20, 18, 0), 1, "ngày làm việc", datetime(2025, 11, 21, 17, 0)),
        # Half a working day is four office hours, lunch excluded.
        (datetime(2025, 11, 20, 10, 0), 0.5, "ngày làm việc", datetime(2025, 11, 20, 15, 0)),
        # Hours run in office hours only.
        (datetime(2025, 11, 21, 16, 0), 2, "giờ", datetime(2025, 11, 24, 9, 0)),
        (datetime(2025, 11, 20, 11, 0), 2, "giờ", datetime(2025, 11, 20, 14, 0)),
        (SAT, 8, "giờ", datetime(2025, 11, 24, 17, 0)),
        # Calendar days: a due date on a weekend moves to the next working day's close.
        (THU, 10, "ngày", datetime(2025, 12, 1, 17, 0)),  # Sunday 30 → Monday 1 December
        (THU, 5, "ngày", datetime(2025, 11, 25, 9, 30)),
        (THU, 2, "ngày", datetime(2025, 11, 24, 17, 0)),
        # Months: same day next month (clamped to the month's end), off weekends.
        (datetime(2025, 1, 31, 9, 0), 1, "tháng", datetime(2025, 2, 28, 9, 0)),
        (datetime(2025, 7, 31, 9, 0), 1, "tháng", datetime(2025, 9, 1, 17, 0)),
    ],
)
def test_due_time(received: datetime, value: float, unit: str | None, due: datetime) -> None:
    assert compute_due_at(received, value, unit) == due


@pytest.mark.parametrize("value", [None, 0, -3])
def test_no_stated_time_means_no_due_time(value: float | None) -> None:
    assert compute_due_at(THU, value, "ngày làm việc") is None


def test_holidays_are_skipped_like_weekends() -> None:
    national_day = {date(2025, 9, 1), date(2025, 9, 2)}
    friday = datetime(2025, 8, 29, 10, 0)
    assert compute_due_at(friday, 1, "ngày làm việc") == datetime(2025, 9, 1, 10, 0)
    assert compute_due_at(friday, 1, "ngày làm việc", national_day) == datetime(2025, 9, 3, 10, 0)


def test_office_hours_stop_at_closing_time_rather_than_next_morning() -> None:
    assert add_office_hours(datetime(2025, 11, 20, 13, 0), 4) == datetime(2025, 11, 20, 17, 0)


def test_last_office_moment_before_a_sunday_night_is_friday_closing() -> None:
    assert last_office_moment(datetime(2025, 11, 23, 22, 0)) == datetime(2025, 11, 21, 17, 0)
    assert last_office_moment(datetime(2025, 11, 24, 12, 30)) == datetime(2025, 11, 24, 12, 0)
    assert last_office_moment(FRI) == FRI


def test_working_days_between_skips_the_weekend() -> None:
    assert working_days_between(date(2025, 11, 21), date(2025, 11, 25)) == 2
    assert working_days_between(date(2025, 11, 25), date(2025, 11, 21)) == 0


NOW = datetime(2025, 11, 24, 10, 0)
PAST, FUTURE = datetime(2025, 11, 21, 10, 0), datetime(2025, 11, 26, 10, 0)


@pytest.mark.parametrize(
    ("state", "due", "finished", "overdue"),
    [
        (DossierState.in_progress, PAST, None, True),
        (DossierState.received, PAST, None, True),
        (DossierState.in_progress, FUTURE, None, False),
        (DossierState.in_progress, None, None, False),
        # The clock stops while the applicant owes papers.
        (DossierState.needs_supplement, PAST, None, False),
        # A result that came after the due time was late, even if ready now.
        (DossierState.result_ready, PAST, datetime(2025, 11, 21, 16, 0), True),
        (DossierState.result_ready, PAST, datetime(2025, 11, 20, 16, 0), False),
        (DossierState.returned, PAST, datetime(2025, 11, 23, 9, 0), False),
        (DossierState.rejected, PAST, datetime(2025, 11, 23, 9, 0), False),
    ],
)
def test_overdue(
    state: DossierState, due: datetime | None, finished: datetime | None, overdue: bool
) -> None:
    assert is_overdue(state, due, finished, NOW) is overdue
