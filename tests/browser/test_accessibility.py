"""axe-core on every page a person meets: portal + widget, sign-in, the console with a card,
and a live conversation (the callback form: test_widget). No serious or critical violation.

axe-core comes bundled in axe-playwright-python (its ``axe.min.js``), injected into the page:
nothing is fetched from the internet.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DESK, PHONE_390, FakeRasa, audit, signed_in
from tests.browser.test_widget import ask, new_citizen

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("viewport", [PHONE_390, DESK], ids=["390", "1280"])
def test_portal_and_open_widget_have_no_serious_violations(
    browser: Any, base_url: str, fake_rasa: FakeRasa, report: Path, viewport: dict[str, int]
) -> None:
    page = new_citizen(browser, base_url, viewport)
    try:
        page.goto("/")
        assert audit(page, f"portal-{viewport['width']}", report) == []
        page.get_by_role("button", name="Hỏi trợ lý ảo").click()
        ask(page, "Lệ phí đăng ký khai sinh?")
        answer = page.locator(".tthcw-bot[data-id]").last
        expect(answer).to_contain_text("Mã thủ tục")
        answer.get_by_role("button", name="Câu trả lời chưa hữu ích").click()
        ask(page, "Cho tôi hỏi thêm")
        expect(page.get_by_role("group", name="Lựa chọn nhanh")).to_have_count(2)
        page.get_by_role("button", name="Kết thúc").click()
        expect(page.locator(".tthcw-end")).to_be_visible()
        assert audit(page, f"widget-{viewport['width']}", report) == []
    finally:
        page.context.close()


def test_login_and_console_have_no_serious_violations(
    browser: Any, base_url: str, agent_token: str, fake_rasa: FakeRasa, report: Path
) -> None:
    context = browser.new_context(base_url=base_url, viewport=DESK, locale="vi-VN")
    try:
        page = context.new_page()
        page.goto("/dang-nhap")
        assert audit(page, "login-1280", report) == []
        page.get_by_role("button", name="Đăng nhập").click()
        expect(page.get_by_role("alert")).to_be_visible()
        assert audit(page, "login-error-1280", report) == []

        # The agent at the console, and a citizen waiting, so the queue has content.
        signed_in(context, agent_token)
        page.goto("/tra-cuu")
        expect(page.locator("#agent-name")).to_contain_text("canbo1")
        citizen = new_citizen(browser, base_url)
        citizen.goto("/")
        citizen.get_by_role("button", name="Hỏi trợ lý ảo").click()
        expect(citizen.get_by_role("status").filter(has_text="Đã kết nối")).to_be_visible()
        citizen.get_by_role("button", name="Gặp nhân viên").click()
        expect(citizen.locator(".tthcw-system").last).to_contain_text("vị trí số")
        citizen.context.close()

        page.locator("#q").fill("khai sinh")
        expect(page.locator("#results .result").first).to_be_visible()
        page.locator("#q").press("Enter")
        expect(page.locator("#card-title")).to_be_visible()
        page.locator("#queue .queue-item").last.click()
        page.get_by_role("button", name="Nhận hỗ trợ").click()
        expect(page.get_by_role("textbox", name="Trả lời người dân")).to_be_visible()
        assert audit(page, "console-1280", report) == []

        page.set_viewport_size(PHONE_390)
        assert audit(page, "console-390", report) == []
    finally:
        context.close()
