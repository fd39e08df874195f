"""axe-core on every page a person meets: portal + widget, sign-in, the console with a card,
a dossier and a live conversation. No serious or critical violation is allowed.

axe-core comes bundled in axe-playwright-python (its ``axe.min.js``), injected into the page:
nothing is fetched from the internet.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DESK, PHONE_390, FakeRasa, post_json, signed_in
from tests.browser.test_widget import ask, new_citizen

pytestmark = pytest.mark.browser

BLOCKING = {"serious", "critical"}


def audit(page: Any, name: str, report: Path) -> list[dict[str, Any]]:
    """Run axe-core on the page; write its violations to ``report``; return the blocking ones."""
    axe_module = pytest.importorskip("axe_playwright_python.sync_playwright")
    results = axe_module.Axe().run(page)
    violations = results.response["violations"]
    lines = [
        f"{name}: {v['impact']} {v['id']} ({len(v['nodes'])}): {v['help']}"
        + "".join(f"\n    {n['target']}" for n in v["nodes"][:5])
        for v in violations
    ]
    with report.open("a", encoding="utf-8") as out:
        out.write(f"{name}: {len(violations)} violations\n" + "".join(f"  {x}\n" for x in lines))
    return [v for v in violations if v["impact"] in BLOCKING]


@pytest.fixture(scope="module")
def report(screenshots: Path) -> Path:
    """The axe report of this run, beside the screenshots."""
    path = screenshots / "axe-report.txt"
    path.write_text("", encoding="utf-8")
    return path


@pytest.mark.parametrize("viewport", [PHONE_390, DESK], ids=["390", "1280"])
def test_portal_and_open_widget_have_no_serious_violations(
    browser: Any, base_url: str, fake_rasa: FakeRasa, report: Path, viewport: dict[str, int]
) -> None:
    post_json(f"{base_url}/api/_test/office", {"open": True})
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


def test_callback_form_has_no_serious_violations(
    browser: Any, base_url: str, fake_rasa: FakeRasa, report: Path
) -> None:
    post_json(f"{base_url}/api/_test/office", {"open": False})
    page = new_citizen(browser, base_url)
    try:
        page.goto("/")
        page.get_by_role("button", name="Hỏi trợ lý ảo").click()
        expect(page.get_by_role("status").filter(has_text="Đã kết nối")).to_be_visible()
        page.get_by_role("button", name="Gặp nhân viên").click()
        expect(page.locator(".tthcw-callback")).to_be_visible()
        assert audit(page, "widget-callback-390", report) == []
    finally:
        post_json(f"{base_url}/api/_test/office", {"open": True})
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

        # A waiting citizen, so the queue and the conversation pane have content.
        citizen = new_citizen(browser, base_url)
        citizen.goto("/")
        citizen.get_by_role("button", name="Hỏi trợ lý ảo").click()
        expect(citizen.get_by_role("status").filter(has_text="Đã kết nối")).to_be_visible()
        ask(citizen, "Gặp nhân viên giúp tôi")
        expect(citizen.locator(".tthcw-system").last).to_contain_text("vị trí")
        citizen.context.close()

        signed_in(context, agent_token)
        page.goto("/tra-cuu")
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
