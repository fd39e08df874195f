"""Office hours: weekly ranges, Vietnam's public holidays with Tết, extra days off."""

from __future__ import annotations

from datetime import datetime

import pytest

from knowledge.chat.hours import describe_opening, holiday_name, office_status, parse_office_hours
from knowledge.errors import InvalidInputError

HOURS = "mon-fri 07:30-11:30,13:30-17:00; sat 07:30-11:30"


@pytest.mark.parametrize(
    ("moment", "is_open"),
    [
        (datetime(2026, 12, 1, 9, 0), True),  # Tuesday morning
        (datetime(2026, 12, 1, 12, 0), False),  # lunch
        (datetime(2026, 12, 1, 17, 0), False),  # closing time
        (datetime(2026, 12, 5, 8, 0), True),  # Saturday morning
        (datetime(2026, 12, 5, 14, 0), False),  # Saturday afternoon
        (datetime(2026, 12, 6, 9, 0), False),  # Sunday
        (datetime(2027, 2, 8, 9, 0), False),  # Monday, Mùng ba Tết
        (datetime(2026, 9, 2, 9, 0), False),  # National Day
    ],
)
def test_open_on_weekly_hours_except_holidays(moment: datetime, is_open: bool) -> None:
    assert office_status(moment, HOURS, "").open is is_open


def test_tet_is_a_holiday_and_the_next_opening_follows_it() -> None:
    status = office_status(datetime(2027, 2, 8, 9, 0), HOURS, "")
    assert status.holiday is not None and "Tết" in status.holiday
    assert status.next_opening == datetime(2027, 2, 11, 7, 30)
    assert describe_opening(status.next_opening) == "07:30 thứ Năm 11/02/2027"


def test_extra_days_off_close_the_center() -> None:
    assert holiday_name(datetime(2026, 12, 1).date(), "2026-12-01") == "Ngày nghỉ theo thông báo"
    status = office_status(datetime(2026, 12, 1, 9, 0), HOURS, "2026-12-01")
    assert not status.open and status.next_opening == datetime(2026, 12, 2, 7, 30)


@pytest.mark.parametrize("spec", ["mon-fri", "xyz 07:00-08:00", "mon 9-10", "mon 10:00-09:00"])
def test_malformed_hours_are_refused(spec: str) -> None:
    with pytest.raises(InvalidInputError):
        parse_office_hours(spec)
