"""The widget embedded with one script tag on another site's page (another origin).

An allowed portal (``TTHC_WIDGET_ORIGINS``) gets a working conversation, over the WebSocket
and the gateway's HTTP routes; a site not in the list is refused by the gateway.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import HOTLINE, PHONE_390, FakeRasa, OtherSites, query

pytestmark = pytest.mark.browser


def visitor(browser: Any) -> Any:
    """A phone-sized page with no base URL: it opens the other sites' pages."""
    context = browser.new_context(viewport=PHONE_390, locale="vi-VN", has_touch=True)
    context.set_default_timeout(8000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.script_errors = errors
    return page


def test_a_citizen_chats_on_an_allowed_portal(
    browser: Any,
    embedding_sites: OtherSites,
    fake_rasa: FakeRasa,
    database_url: str,
    base_url: str,
) -> None:
    page = visitor(browser)
    sockets: list[str] = []
    page.on("websocket", lambda ws: sockets.append(ws.url))
    try:
        page.goto(embedding_sites.allowed + "/")
        assert page.locator("script").count() == 1
        expect(page.locator("script")).to_have_attribute("src", f"{base_url}/static/widget.js")
        page.get_by_role("button", name="Hỏi trợ lý ảo").click()
        expect(page.get_by_role("status").filter(has_text="Đã kết nối")).to_be_visible()
        box = page.get_by_role("textbox", name="Câu hỏi của bạn")
        box.fill("lệ phí đăng ký khai sinh")
        box.press("Enter")
        answer = page.locator(".tthcw-bot").filter(has_text="Mã thủ tục: 1.001193")
        expect(answer).to_be_visible()
        # The socket went to the gateway's origin; the conversation lives there too.
        assert any(
            url.startswith(base_url.replace("http", "ws") + "/api/chat/ws") for url in sockets
        )
        stored = query(
            database_url,
            "SELECT role, text FROM chat_messages WHERE text LIKE :q",
            q="lệ phí đăng ký khai sinh",
        )
        assert stored and stored[0]["role"] == "user"
        assert fake_rasa.received[-1]["message"] == "lệ phí đăng ký khai sinh"
        # The widget's session is kept by the portal's page (its own origin's storage).
        assert page.evaluate("localStorage.getItem('tthc.widget.session')") is not None
        assert HOTLINE.replace(" ", "") in page.content().replace(" ", "")
        assert not page.script_errors
    finally:
        page.context.close()


def test_a_site_not_in_the_list_is_refused(
    browser: Any,
    embedding_sites: OtherSites,
    fake_rasa: FakeRasa,
    database_url: str,
    base_url: str,
) -> None:
    count = "SELECT COUNT(*) AS n FROM chat_sessions"
    before = query(database_url, count)[0]["n"]
    page = visitor(browser)
    failed: list[str] = []
    page.on("requestfailed", lambda r: failed.append(r.url))
    try:
        page.goto(embedding_sites.refused + "/")
        page.get_by_role("button", name="Hỏi trợ lý ảo").click()
        box = page.get_by_role("textbox", name="Câu hỏi của bạn")
        box.fill("lệ phí đăng ký khai sinh")
        box.press("Enter")
        # The browser hides a refused cross-origin answer from the page: the widget says it
        # cannot reach the server, and the gateway opened nothing.
        expect(page.get_by_role("status")).to_contain_text("Không kết nối được máy chủ")
        assert page.locator(".tthcw-bot").filter(has_text="Mã thủ tục").count() == 0
        assert fake_rasa.received == []
        assert page.evaluate("localStorage.getItem('tthc.widget.session')") is None
        assert any("/api/chat/sessions" in url for url in failed)
        # The gateway itself refused (a browser alone would only hide the answer, after the
        # conversation was opened): no conversation was stored.
        assert query(database_url, count)[0]["n"] == before
        refused = httpx.post(
            f"{base_url}/api/chat/sessions", headers={"Origin": embedding_sites.refused}
        )
        assert refused.status_code == 403 and "chưa được phép" in refused.json()["detail"]
    finally:
        page.context.close()
