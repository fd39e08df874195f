"""The analytics tab of /quan-tri in Chromium, on a seeded set of conversations.

The conversations are written on three days of their own (other browser tests chat today),
so the dashboard must show exactly the seeded figures. Screenshots at desktop and phone
width land in var/screenshots/ for a person to look at; axe-core checks each state.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from knowledge.db import make_engine, session_scope
from tests.browser.conftest import (
    ADMIN_PASSWORD,
    ADMIN_USER,
    DESK,
    PHONE,
    audit,
    post_json,
    sign_in_admin,
)
from tests.chat_seed import Expected, seed_conversations

pytestmark = pytest.mark.browser

LAST_DAY = date(2026, 6, 10)  # no other test writes conversations on these days
FIRST_DAY = LAST_DAY - timedelta(days=2)


@pytest.fixture(scope="module")
def seeded(database_url: str, base_url: str) -> Expected:
    """The seeded conversations, written once into the test API's database."""
    engine = make_engine(database_url)
    try:
        with session_scope(engine) as session:
            return seed_conversations(session, LAST_DAY)
    finally:
        engine.dispose()


def _open_analytics(page: Any) -> None:
    sign_in_admin(page)
    page.get_by_role("button", name="Thống kê").click()
    page.locator("#s-from").fill(FIRST_DAY.isoformat())
    page.locator("#s-to").fill(LAST_DAY.isoformat())
    page.get_by_role("button", name="Xem thống kê").click()
    page.locator("#analytics-range").get_by_text("Từ 08/06/2026 đến 10/06/2026").wait_for()


def _figure(page: Any, label: str) -> str:
    return str(
        page.locator(".kpi", has=page.get_by_text(label, exact=True)).locator("dd").inner_text()
    )


def test_dashboard_shows_the_seeded_figures_at_desktop_width(
    page: Any, base_url: str, seeded: Expected, screenshots: Path, report: Path
) -> None:
    page.set_viewport_size(DESK)
    _open_analytics(page)
    assert _figure(page, "Cuộc trò chuyện") == str(seeded.conversations)
    assert _figure(page, "Câu hỏi") == str(seeded.questions)
    assert _figure(page, "Thích") == str(seeded.thumbs_up)
    assert _figure(page, "Không thích") == str(seeded.thumbs_down)
    assert _figure(page, "Điểm trung bình (1–5)") == "4,0"
    assert _figure(page, "Chuyển cán bộ") == str(seeded.handoffs)
    assert _figure(page, "Hẹn gọi lại") == str(seeded.callbacks)
    assert _figure(page, "Chờ trung bình (giây)") == "90,0"
    assert _figure(page, "Trả lời trực tiếp") == "80,0%"
    assert _figure(page, "Chưa trả lời được") == str(seeded.unanswered)
    # Six SVG images named by their titles, and the most asked procedures as a list of bars.
    assert page.locator("#analytics svg[role=img]").count() == 6
    top = page.locator("#chart-procedures")
    assert "1.004194 · Đăng ký tạm trú\n3" in top.locator(".bar-list").inner_text()
    top.get_by_text("Bảng số liệu").click()
    first_row = top.locator("tbody tr").first.inner_text()
    assert seeded.top_code in first_row and str(seeded.top_answers) in first_row
    conversations = page.locator("#chart-conversations")
    conversations.get_by_text("Bảng số liệu").click()
    # On 10/06: 3 conversations, 4 questions.
    assert "10/06\t3\t4" in conversations.locator("tbody").inner_text()
    bars = page.locator("#chart-conversations rect title").all_text_contents()
    assert "10/06 · Câu hỏi: 4" in bars
    groups = page.locator(".gap")
    assert groups.count() == 3
    assert "Nhóm 1: 3 lần hỏi" in groups.first.inner_text()
    assert "xin giấy ở nhờ cho con" in groups.first.inner_text()
    assert audit(page, "admin-analytics-desktop", report) == []
    page.screenshot(path=str(screenshots / "admin-analytics-desktop.png"), full_page=True)

    # The CSV export, with the admin's token, one row per day.
    with page.expect_download() as download:
        page.get_by_role("link", name="Tải số liệu theo ngày (CSV)").click()
    csv_text = Path(download.value.path()).read_text(encoding="utf-8")
    assert "2026-06-10,0,0,0,3,4,1,1,1,5.0,1,0,60.0" in csv_text


def test_a_citizen_word_is_added_from_a_question_group_with_the_keyboard(
    page: Any, base_url: str, seeded: Expected
) -> None:
    page.set_viewport_size(DESK)
    _open_analytics(page)
    group = page.locator("#gap-2")
    term = group.get_by_label("Từ ngữ của người dân (nhóm 2)")
    assert "nuôi chó" in term.input_value()
    code = group.get_by_label("Mã thủ tục (nhóm 2)")
    code.fill("1.001612")
    code.focus()
    page.keyboard.press("Tab")  # to "Thêm từ ngữ"
    page.keyboard.press("Enter")
    page.locator("#status").get_by_text("Đã thêm từ").wait_for()
    assert "Đã thêm từ" in group.locator(".gap-result").inner_text()  # beside the form too
    page.keyboard.press("Enter")  # the same word twice: a Vietnamese error, there as well
    group.locator(".gap-result.error").wait_for()
    assert "đã gắn với thủ tục 1.001612" in group.locator(".gap-result").inner_text()
    token = post_json(
        f"{base_url}/api/auth/token",
        {"username": ADMIN_USER, "password": ADMIN_PASSWORD},
        form=True,
    )["access_token"]
    words = httpx.get(
        f"{base_url}/api/admin/lexicon", headers={"Authorization": f"Bearer {token}"}
    ).json()
    added = [w for w in words if w["procedure_code"] == "1.001612"]
    assert added and "nuôi chó" in added[0]["term"]
    for word in added:  # leave the shared database as it was
        httpx.delete(
            f"{base_url}/api/admin/lexicon/{word['id']}",
            headers={"Authorization": f"Bearer {token}"},
        )
    # "Mở thủ tục" opens the procedure in the editor.
    page.get_by_role("button", name="Mở thủ tục của nhóm 3").click()
    page.get_by_role("heading", name="Biên tập 1.000894").wait_for()


def test_dashboard_fits_a_phone(
    page: Any, seeded: Expected, screenshots: Path, report: Path
) -> None:
    page.set_viewport_size(PHONE)
    _open_analytics(page)
    assert _figure(page, "Cuộc trò chuyện") == str(seeded.conversations)
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page is {overflow}px wider than a phone"
    assert audit(page, "admin-analytics-phone", report) == []
    page.screenshot(path=str(screenshots / "admin-analytics-phone.png"), full_page=True)
