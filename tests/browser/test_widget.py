"""The portal page and its chat widget in headless Chromium, on a phone (390×844) and a desk.

The widget talks to the real chat gateway, which relays to the fake Rasa; what the gateway
stored is read back from its database.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import (
    DESK,
    HOTLINE,
    PHONE_390,
    PRESENCE_SECONDS,
    FakeRasa,
    audit,
    post_json,
    query,
    watched_page,
)

pytestmark = pytest.mark.browser

SESSION_KEY = "tthc.widget.session"


def session_of(page: Any) -> dict[str, str]:
    """The widget's conversation ({session_id, token}) kept in localStorage."""
    return dict(json.loads(page.evaluate(f"localStorage.getItem('{SESSION_KEY}')"))["s"])


def new_citizen(browser: Any, base_url: str, viewport: dict[str, int] = PHONE_390) -> Any:
    """A fresh browser context (its own localStorage) with a page that records script errors."""
    context = browser.new_context(
        base_url=base_url, viewport=viewport, locale="vi-VN", has_touch=viewport is PHONE_390
    )
    return watched_page(context)


@pytest.fixture()
def citizen(browser: Any, base_url: str, fake_rasa: FakeRasa) -> Iterator[Any]:
    """A citizen on the portal page, phone-sized, with the widget open."""
    page = new_citizen(browser, base_url)
    page.goto("/")
    page.get_by_role("button", name="Hỏi trợ lý ảo").click()
    expect(page.locator(".tthcw-greeting")).to_be_visible()
    expect(page.get_by_role("status").filter(has_text="Đã kết nối")).to_be_visible()
    yield page
    page.context.close()
    assert not page.script_errors, f"script errors on the page: {page.script_errors}"


def ask(page: Any, text: str) -> None:
    box = page.get_by_role("textbox", name="Câu hỏi của bạn")
    box.fill(text)
    box.press("Enter")


def test_portal_embeds_the_widget_with_one_script_tag(
    browser: Any, base_url: str, screenshots: Path
) -> None:
    page = new_citizen(browser, base_url)
    try:
        response = page.goto("/")
        assert response is not None and response.ok
        csp = response.headers["content-security-policy"]
        assert "connect-src 'self' ws://" in csp and "script-src 'self'" in csp
        assert page.locator("script").count() == 1
        expect(page.locator("script")).to_have_attribute("data-hotline", HOTLINE)
        expect(page.get_by_role("heading", name="Dịch vụ công trực tuyến")).to_be_visible()
        launcher = page.get_by_role("button", name="Hỏi trợ lý ảo")
        expect(launcher).to_have_attribute("aria-expanded", "false")
        page.screenshot(path=str(screenshots / "portal-390.png"))

        launcher.click()
        # On a phone the panel covers the screen and the launcher hides under it.
        expect(page.locator(".tthcw-launcher")).to_have_attribute("aria-expanded", "true")
        log = page.get_by_role("log", name="Cuộc trò chuyện")
        expect(log).to_have_attribute("aria-live", "polite")
        expect(page.get_by_role("textbox", name="Câu hỏi của bạn")).to_be_focused()
        for name in ("Gặp nhân viên", "Kết thúc", "Gửi", "Thu nhỏ cửa sổ trò chuyện"):
            expect(page.get_by_role("button", name=name)).to_be_visible()
        panel = page.locator("#tthcw-panel").bounding_box()
        assert panel and panel["width"] == 390  # full screen on a phone
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        page.screenshot(path=str(screenshots / "widget-open-390.png"))

        page.keyboard.press("Escape")
        expect(page.locator("#tthcw-panel")).to_be_hidden()
        expect(launcher).to_be_focused()
        assert not page.script_errors
    finally:
        page.context.close()


def test_widget_payload_is_under_50_kb(base_url: str) -> None:
    sizes = {}
    for name in ("widget.js", "widget.css"):
        with urllib.request.urlopen(f"{base_url}/static/{name}", timeout=10) as response:
            sizes[name] = len(response.read())
    print(f"widget payload: {sizes} total {sum(sizes.values())} bytes")
    assert sum(sizes.values()) < 50 * 1024


def test_answer_with_labelled_link_buttons_and_thumbs(
    citizen: Any, database_url: str, fake_rasa: FakeRasa, screenshots: Path
) -> None:
    page = citizen
    ask(page, "Lệ phí đăng ký khai sinh?")
    answer = page.locator(".tthcw-bot[data-id]").last
    expect(answer).to_contain_text("Mã thủ tục: 1.001193")
    expect(answer.locator(".tthcw-vh").first).to_have_text("Trợ lý ảo: ")  # speaker label
    link = answer.get_by_role("link", name="Xem chi tiết trên Cổng DVC")
    expect(link).to_have_attribute(
        "href", "https://dichvucong.gov.vn/p/home/dvc-tthc-thu-tuc-hanh-chinh.html"
    )
    expect(answer).not_to_contain_text("https://")  # no raw URL shown
    expect(page.locator(".tthcw-user").last.locator(".tthcw-vh")).to_have_text("Bạn: ")

    answer.get_by_role("button", name="Câu trả lời hữu ích").click()
    expect(answer.get_by_role("button", name="Câu trả lời hữu ích")).to_have_attribute(
        "aria-pressed", "true"
    )
    answer.get_by_role("button", name="Câu trả lời chưa hữu ích").click()
    reason = answer.get_by_role("textbox", name="Lý do (không bắt buộc)")
    expect(reason).to_be_focused()
    reason.fill("Thiếu địa chỉ nộp")
    answer.get_by_role("button", name="Gửi lý do").click()
    expect(answer).to_contain_text("Cảm ơn góp ý của bạn.")
    stored = query(
        database_url,
        "SELECT value, comment, procedure_codes FROM chat_feedback WHERE message_id = :id "
        "ORDER BY id",
        id=int(answer.get_attribute("data-id")),
    )
    assert [(r["value"], r["comment"]) for r in stored] == [
        (1, None),
        (-1, None),
        (-1, "Thiếu địa chỉ nộp"),
    ]
    assert stored[0]["procedure_codes"] == "1.001193"

    ask(page, "Cho tôi hỏi thêm")
    groups = page.get_by_role("group", name="Lựa chọn nhanh")
    expect(groups).to_have_count(2)  # the greeting's suggestions, then the answer's buttons
    replies = groups.nth(1)
    expect(replies.get_by_role("button")).to_have_count(2)
    page.screenshot(path=str(screenshots / "widget-answer-390.png"))
    replies.get_by_role("button", name="Lệ phí").click()
    expect(page.locator(".tthcw-user").last).to_contain_text("Lệ phí")
    expect(page.locator(".tthcw-bot", has_text="Bạn vừa hỏi: /ask_fee")).to_be_visible()
    expect(page.get_by_role("textbox", name="Câu hỏi của bạn")).to_be_focused()
    expect(replies.locator("button:disabled")).to_have_count(2)
    assert fake_rasa.received[-1]["message"] == "/ask_fee"


def test_a_long_answer_shows_its_beginning(citizen: Any, screenshots: Path) -> None:
    page = citizen
    ask(page, "Cho tôi trình tự dài")
    answer = page.locator(".tthcw-bot[data-id]").last
    expect(answer).to_contain_text("Bước 40")
    page.wait_for_timeout(200)
    log_box = page.locator(".tthcw-log").bounding_box()
    start = answer.bounding_box()
    assert log_box and start
    assert log_box["y"] <= start["y"] <= log_box["y"] + 40, (log_box, start)
    page.screenshot(path=str(screenshots / "widget-long-answer-390.png"))


def test_typing_indicator_while_the_bot_thinks(citizen: Any, fake_rasa: FakeRasa) -> None:
    fake_rasa.mode = "slow"
    ask(citizen, "Làm căn cước cần gì?")
    expect(citizen.locator(".tthcw-typing")).to_be_visible()
    expect(citizen.locator(".tthcw-bot[data-id]").first).to_contain_text("Bạn vừa hỏi")
    expect(citizen.locator(".tthcw-typing")).to_be_hidden()


def test_conversation_survives_a_reload_and_a_network_drop(
    browser: Any, base_url: str, fake_rasa: FakeRasa
) -> None:
    page = new_citizen(browser, base_url)
    sockets: list[Any] = []
    down = {"now": False}

    def through(ws: Any) -> None:
        # Every socket of the widget passes here, so the test can cut it like a lost network.
        if down["now"]:
            ws.close(code=4000, reason="network down")
            return
        ws.connect_to_server()
        sockets.append(ws)

    page.route_web_socket("**/api/chat/ws**", through)
    try:
        page.goto("/")
        page.get_by_role("button", name="Hỏi trợ lý ảo").click()
        expect(page.get_by_role("status").filter(has_text="Đã kết nối")).to_be_visible()
        ask(page, "Đổi giấy phép lái xe ở đâu?")
        expect(page.locator(".tthcw-bot[data-id]")).to_have_count(2)
        stored = session_of(page)

        page.reload()
        expect(page.locator("#tthcw-panel")).to_be_visible()  # reopens where it was
        expect(page.locator(".tthcw-user")).to_have_text(["Bạn: Đổi giấy phép lái xe ở đâu?"])
        expect(page.locator(".tthcw-bot[data-id]")).to_have_count(2)
        expect(page.get_by_role("status").filter(has_text="Đã kết nối")).to_be_visible()
        assert session_of(page) == stored

        # The network drops: the socket is cut and nothing gets through. What is said meanwhile
        # (here from the same conversation's other device) arrives once the network is back.
        down["now"] = True
        page.context.set_offline(True)
        for ws in sockets:
            ws.close(code=4000, reason="network down")
        expect(page.get_by_role("status").filter(has_text="Mất kết nối")).to_be_visible()
        answer = post_json(
            f"{base_url}/api/chat/sessions/{stored['session_id']}/messages",
            {"text": "Câu hỏi từ máy khác"},
            token=stored["token"],
        )
        assert [m["role"] for m in answer["messages"]] == ["user", "bot", "bot"]
        down["now"] = False
        page.context.set_offline(False)
        expect(page.locator(".tthcw-user").last).to_have_text(
            "Bạn: Câu hỏi từ máy khác", timeout=15000
        )
        expect(page.get_by_role("status").filter(has_text="Đã kết nối")).to_be_visible(
            timeout=15000
        )
        expect(page.locator(".tthcw-bot[data-id]")).to_have_count(4)
        ask(page, "Cảm ơn")
        expect(page.locator(".tthcw-bot[data-id]")).to_have_count(6)
        ids = page.locator(".tthcw-msg[data-id]").evaluate_all("ns => ns.map(n => n.dataset.id)")
        assert len(ids) == len(set(ids)) == 9
        assert not page.script_errors
    finally:
        page.context.close()


def test_end_asks_for_a_rating(citizen: Any, database_url: str, screenshots: Path) -> None:
    page = citizen
    ask(page, "Lệ phí đăng ký khai sinh?")
    expect(page.locator(".tthcw-bot[data-id]")).to_have_count(1)
    session_id = session_of(page)["session_id"]
    page.get_by_role("button", name="Kết thúc").click()
    rating = page.get_by_role("group", name="Bạn đánh giá cuộc trò chuyện này thế nào?")
    expect(rating).to_be_visible()
    page.get_by_role("button", name="Gửi đánh giá").click()
    expect(page.get_by_role("alert")).to_have_text("Vui lòng chọn số sao từ 1 đến 5.")
    page.locator("label[for=tthcw-star-4]").click()  # the 4th star
    expect(page.get_by_role("radio", name="4 trên 5")).to_be_checked()
    page.get_by_role("textbox", name="Góp ý thêm (không bắt buộc)").fill("Trả lời nhanh")
    page.screenshot(path=str(screenshots / "widget-rating-390.png"))
    page.get_by_role("button", name="Gửi đánh giá").click()
    expect(page.locator(".tthcw-log")).to_contain_text("Cuộc trò chuyện đã kết thúc.")
    assert page.evaluate(f"localStorage.getItem('{SESSION_KEY}')") is None
    ratings = query(
        database_url,
        "SELECT kind, value, comment FROM chat_feedback WHERE session_id = :s",
        s=session_id,
    )
    assert ratings == [{"kind": "rating", "value": 4, "comment": "Trả lời nhanh"}]

    # A new question starts a new conversation.
    ask(page, "Cho tôi hỏi thêm")
    expect(page.locator(".tthcw-bot", has_text="Bạn vừa hỏi: Cho tôi hỏi thêm")).to_be_visible()
    assert session_of(page)["session_id"] != session_id


def test_with_no_agent_on_duty_the_callback_form_appears(
    citizen: Any, database_url: str, screenshots: Path, report: Path
) -> None:
    page = citizen
    # No console is open: once the last agent's presence has lapsed, nobody can answer.
    page.wait_for_timeout(PRESENCE_SECONDS * 1000 + 500)
    page.get_by_role("button", name="Gặp nhân viên").click()
    form = page.get_by_role("form", name="Đề nghị gọi lại")
    expect(form).to_be_visible()
    expect(page.locator(".tthcw-system").last).to_contain_text("cán bộ sẽ gọi lại")
    assert audit(page, "widget-callback-390", report) == []
    form.get_by_role("textbox", name="Họ và tên").fill("Trần Văn Bình")
    form.get_by_role("textbox", name="Số điện thoại").fill("12345")
    form.get_by_role("textbox", name="Câu hỏi").fill("Hỏi về hồ sơ đất đai")
    form.get_by_role("button", name="Gửi đề nghị gọi lại").click()
    expect(form.get_by_role("alert")).to_contain_text("Số điện thoại chưa đúng")
    form.get_by_role("textbox", name="Số điện thoại").fill("0912 345 678")
    page.screenshot(path=str(screenshots / "widget-callback-390.png"))
    form.get_by_role("button", name="Gửi đề nghị gọi lại").click()
    expect(form).to_have_count(0)
    callbacks = query(
        database_url,
        "SELECT callback_name, callback_question FROM handoffs WHERE session_id = :s "
        "AND status = 'callback'",
        s=session_of(page)["session_id"],
    )
    assert callbacks == [
        {"callback_name": "Trần Văn Bình", "callback_question": "Hỏi về hồ sơ đất đai"}
    ]


def test_widget_on_a_desk_is_a_floating_panel(
    browser: Any, base_url: str, fake_rasa: FakeRasa, screenshots: Path
) -> None:
    page = new_citizen(browser, base_url, DESK)
    try:
        page.goto("/")
        page.get_by_role("button", name="Hỏi trợ lý ảo").click()
        ask(page, "Lệ phí đăng ký khai sinh?")
        expect(page.locator(".tthcw-bot[data-id]")).to_have_count(1)
        # Asked before the conversation was even open: one conversation, and its socket, still.
        expect(page.get_by_role("status")).to_have_text("Đã kết nối")
        panel = page.locator("#tthcw-panel").bounding_box()
        assert panel and panel["width"] == 400 and panel["x"] > 800
        page.screenshot(path=str(screenshots / "widget-1280.png"))
        assert not page.script_errors
    finally:
        page.context.close()
