"""Questions about the Center itself, answered from the deployment's configuration file."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from knowledge.center import (
    answer_center_question,
    center_topics,
    load_center,
    only_about_center,
)
from knowledge.config import PROJECT_ROOT, get_settings
from knowledge.errors import InvalidInputError

CENTER = load_center(PROJECT_ROOT / "data" / "center.yml")


@pytest.mark.parametrize(
    ("question", "topics"),
    [
        ("trung tâm hành chính công ở đâu", ["address"]),
        ("thu 7 trung tam co lam viec khong", ["saturday"]),
        ("tết trung tâm nghỉ đến bao giờ", ["holidays"]),
        ("trung tâm làm việc mấy giờ", ["hours"]),
        ("lấy số thứ tự thế nào", ["queue"]),
        ("đặt lịch hẹn trước được không", ["queue"]),
        ("số tổng đài của trung tâm", ["hotline"]),
        ("đường dây nóng của trung tâm là số mấy", ["hotline"]),
        ("duong day nong trung tam", ["hotline"]),
        ("trưa có nhận hồ sơ không", ["hours"]),
        ("nghi trua may h", ["hours"]),
        ("thứ bảy có nộp hồ sơ được không", ["saturday"]),
        ("bốc stt ở đâu", ["queue", "address"]),
        ("gửi xe ở đâu", ["parking", "address"]),
        ("co cho dau o to khong", ["parking"]),
        ("nghỉ tết đến mùng mấy", ["holidays"]),
    ],
)
def test_the_fact_asked_is_found_with_or_without_diacritics(
    question: str, topics: list[str]
) -> None:
    """Address, Saturday, holidays, hours, queue numbers, hotline: by the words used."""
    assert center_topics(question) == topics


def test_each_answer_comes_from_the_configuration() -> None:
    """The configured texts are given as they are; the hotline is the setting."""
    assert CENTER.address in answer_center_question("trung tâm ở đâu", CENTER)
    assert CENTER.saturday in answer_center_question("thứ 7 có làm không", CENTER)
    assert CENTER.holidays in answer_center_question("ngày lễ có nghỉ không", CENTER)
    queue = answer_center_question("lấy số thứ tự ở đâu", CENTER)
    assert get_settings().public_portal_url in queue
    assert get_settings().hotline in answer_center_question("hotline trung tâm", CENTER)


def test_a_question_without_a_known_topic_gets_the_address_and_hours() -> None:
    """ "trung tâm hành chính công" alone: where and when."""
    answer = answer_center_question("trung tâm hành chính công", CENTER)
    assert CENTER.address in answer and CENTER.weekdays in answer


def test_an_incomplete_configuration_is_refused_in_vietnamese(tmp_path: Path) -> None:
    """A deployment file without hours names what is missing."""
    broken = tmp_path / "center.yml"
    broken.write_text("name: Trung tâm\naddress: Số 1\n", encoding="utf-8")
    with pytest.raises(InvalidInputError, match="thiếu mục"):
        load_center(broken)


def test_parking_is_answered_from_the_configuration_or_points_to_the_hotline() -> None:
    """The configured parking text; a deployment without one sends the citizen to the hotline."""
    assert CENTER.parking and CENTER.parking in answer_center_question("gửi xe ở đâu", CENTER)
    bare = replace(CENTER, parking="")
    answer = answer_center_question("có chỗ đậu ô tô không", bare)
    assert "chưa được cập nhật" in answer and get_settings().hotline in answer


def test_lunch_time_gets_the_hours_with_the_lunch_break() -> None:
    """ "trưa có nhận hồ sơ không": the weekday hours, which show the midday break."""
    answer = answer_center_question("trưa có nhận hồ sơ không", CENTER)
    assert CENTER.weekdays in answer and CENTER.address not in answer


def test_the_hotline_of_the_center_is_the_hotline_setting() -> None:
    """ "đường dây nóng của trung tâm": the hotline only, not the address."""
    answer = answer_center_question("đường dây nóng của trung tâm là gì", CENTER)
    assert get_settings().hotline in answer and CENTER.address not in answer


@pytest.mark.parametrize(
    ("question", "center_only"),
    [
        ("thứ bảy có trả kết quả không", True),
        ("thu bay co tra ket qua khong", True),
        ("lấy số online được ko", True),
        ("trung tâm có làm việc thứ 7 không", True),
        ("tết có nhận hồ sơ không", True),
        # A procedure named: a question about it, asked on a Saturday.
        ("đăng ký khai sinh thứ bảy có làm không", False),
        ("thành lập trung tâm ngoại ngữ thứ bảy có nhận không", False),
        # "ở đâu" is asked of procedures too: the address alone does not count.
        ("nộp ở đâu", False),
        ("lệ phí đăng ký xe máy", False),
    ],
)
def test_a_question_naming_only_a_center_topic_is_about_the_center(
    question: str, center_only: bool
) -> None:
    """The Center's topic words and the aspect words, and no procedure: a Center question."""
    assert only_about_center(question) is center_only
