"""Sign-in, dossier lookup and live handoff in the agent console, with a citizen beside it.

Two browser contexts at once: a citizen in the portal widget, an agent in the console.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import AGENT, AGENT_2, DESK, FakeRasa, post_json, query, signed_in
from tests.browser.test_widget import ask, new_citizen

pytestmark = pytest.mark.browser


@pytest.fixture()
def agent(browser: Any, base_url: str) -> Iterator[Any]:
    """A desk-sized console page, not yet signed in."""
    context = browser.new_context(base_url=base_url, viewport=DESK, locale="vi-VN")
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base_url)
    context.set_default_timeout(8000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    context.close()
    assert not errors, f"script errors on the page: {errors}"


def sign_in(page: Any) -> None:
    page.get_by_role("textbox", name="Tên đăng nhập").fill(AGENT["username"])
    page.get_by_label("Mật khẩu").fill(AGENT["password"])
    page.get_by_role("button", name="Đăng nhập").click()


def test_console_asks_for_sign_in_and_refuses_a_wrong_password(
    agent: Any, screenshots: Path
) -> None:
    agent.goto("/tra-cuu/1.001193")
    expect(agent).to_have_url(re.compile(r"/dang-nhap\?next=%2Ftra-cuu%2F1\.001193$"))
    agent.get_by_role("button", name="Đăng nhập").click()
    expect(agent.get_by_role("alert")).to_have_text("Vui lòng nhập tên đăng nhập và mật khẩu.")
    agent.get_by_role("textbox", name="Tên đăng nhập").fill(AGENT["username"])
    agent.get_by_label("Mật khẩu").fill("sai-mat-khau")
    agent.get_by_role("button", name="Đăng nhập").click()
    expect(agent.get_by_role("alert")).to_have_text("Tên đăng nhập hoặc mật khẩu không đúng.")
    expect(agent.get_by_label("Mật khẩu")).to_have_value("")
    agent.screenshot(path=str(screenshots / "login-1280.png"))

    sign_in(agent)
    expect(agent).to_have_url(re.compile(r"/tra-cuu/1\.001193$"))
    expect(agent.locator("#card-title")).to_have_text("Thủ tục đăng ký khai sinh")
    expect(agent.locator("#agent-name")).to_contain_text("tổng đài viên")
    token = agent.evaluate("sessionStorage.getItem('tthc.console.token')")
    assert token and agent.evaluate("localStorage.length") == 0  # never kept past the tab

    agent.get_by_role("button", name="Đăng xuất").click()
    expect(agent).to_have_url(re.compile(r"/dang-nhap$"))
    agent.goto("/tra-cuu")
    expect(agent).to_have_url(re.compile(r"/dang-nhap"))


def test_each_card_section_can_be_copied(agent: Any, agent_token: str) -> None:
    signed_in(agent.context, agent_token)
    agent.goto("/tra-cuu/1.001193")
    agent.get_by_role("button", name="Sao chép: Thời hạn giải quyết và phí, lệ phí").click()
    expect(agent.locator("#toast")).to_contain_text("Đã sao chép")
    copied = agent.evaluate("navigator.clipboard.readText()")
    assert copied.startswith("Thủ tục đăng ký khai sinh (mã 1.001193)")
    assert "Thời hạn giải quyết và phí, lệ phí:" in copied.splitlines()
    # The rows as the card shows them (the server's one renderer of time and fee).
    assert any(
        line.startswith("- Trực tiếp: Thời hạn giải quyết: 1") and "Phí, lệ phí: miễn phí" in line
        for line in copied.splitlines()
    )
    assert "Sao chép" not in copied  # the buttons are not part of the text
    # Nobody's conversation is held: nothing can be sent yet.
    send = agent.get_by_role("button", name=re.compile("^Gửi cho người dân"))
    expect(send).to_have_count(7)
    expect(send.first).to_be_disabled()


def test_dossier_lookup_by_code_is_vietnamese_when_unknown(agent: Any, agent_token: str) -> None:
    signed_in(agent.context, agent_token)
    agent.goto("/tra-cuu")
    agent.get_by_role("button", name="Tra cứu").click()
    expect(agent.locator("#toast")).to_have_text("Vui lòng nhập mã hồ sơ.")
    agent.get_by_role("textbox", name="Tra cứu hồ sơ theo mã").fill("000.00.12.H48-251120-9999")
    agent.get_by_role("button", name="Tra cứu").click()
    expect(agent.locator("#card .notice.error")).to_be_visible()
    expect(agent.locator("#card .notice.error")).to_contain_text("hồ sơ")


def citizen_asking_for_a_human(browser: Any, base_url: str, question: str) -> Any:
    """A citizen who asked the bot something, then pressed "Gặp nhân viên" (an agent is on)."""
    citizen = new_citizen(browser, base_url)
    citizen.goto("/")
    citizen.get_by_role("button", name="Hỏi trợ lý ảo").click()
    expect(citizen.get_by_role("status").filter(has_text="Đã kết nối")).to_be_visible()
    ask(citizen, question)
    expect(citizen.locator(".tthcw-bot[data-id]").first).to_be_visible()
    citizen.get_by_role("button", name="Gặp nhân viên").click()
    expect(citizen.locator(".tthcw-system").last).to_contain_text("vị trí số")
    return citizen


def test_live_handoff_between_a_citizen_and_an_agent(
    browser: Any,
    base_url: str,
    database_url: str,
    fake_rasa: FakeRasa,
    agent: Any,
    screenshots: Path,
) -> None:
    # The agent is at the console first: with nobody on duty the citizen would get the form.
    agent.goto("/tra-cuu")
    sign_in(agent)
    expect(agent).to_have_url(re.compile(r"/tra-cuu$"))
    expect(agent.locator("#agent-name")).to_contain_text("canbo1")
    citizen = citizen_asking_for_a_human(browser, base_url, "Lệ phí đăng ký khai sinh?")
    try:
        expect(citizen.locator(".tthcw-bot[data-id]").first).to_contain_text("Mã thủ tục: 1.001193")
        expect(citizen.get_by_role("status")).to_have_text("Đang chờ nhân viên")

        waiting = agent.locator("#queue .queue-item").last
        expect(waiting).to_contain_text("Lệ phí đăng ký khai sinh?")
        waiting.click()
        agent.get_by_role("button", name="Nhận hỗ trợ").click()
        expect(citizen.locator(".tthcw-system").last).to_contain_text("đã tham gia")
        expect(citizen.get_by_role("status")).to_have_text("Nhân viên đang hỗ trợ bạn")
        expect(agent.locator("#conversation-title")).to_contain_text("Đang hỗ trợ")
        transcript = agent.get_by_role("log", name="Nội dung trò chuyện")
        expect(transcript).to_contain_text("Lệ phí đăng ký khai sinh?")

        # Both ways, live: the citizen's words reach the agent, not the bot.
        received = len(fake_rasa.received)
        ask(citizen, "Tôi ở xã Bình Sơn, nộp ở đâu?")
        expect(transcript).to_contain_text("Tôi ở xã Bình Sơn, nộp ở đâu?")
        assert len(fake_rasa.received) == received
        reply = agent.get_by_role("textbox", name="Trả lời người dân")
        reply.fill("Chào anh, anh nộp tại UBND xã Bình Sơn.")
        reply.press("Enter")
        said = citizen.locator(".tthcw-agent").last
        expect(said).to_contain_text("Chào anh, anh nộp tại UBND xã Bình Sơn.")
        expect(said.locator(".tthcw-vh")).to_have_text("Nhân viên: ")

        # The procedure the bot cited, one click away; one click sends a section to the citizen.
        agent.get_by_role("link", name="1.001193").click()
        expect(agent.locator("#card-title")).to_have_text("Thủ tục đăng ký khai sinh")
        agent.get_by_role(
            "button", name="Gửi cho người dân: Thời hạn giải quyết và phí, lệ phí"
        ).click()
        expect(citizen.locator(".tthcw-agent").last).to_contain_text("Phí, lệ phí: miễn phí")
        expect(citizen.locator(".tthcw-agent").last).to_contain_text("Thủ tục đăng ký khai sinh")

        note = agent.get_by_role("textbox", name="Ghi chú cuộc gọi (ngắn)")
        note.fill("Hỏi nơi nộp khai sinh; đã gửi lệ phí.")
        agent.get_by_role("button", name="Lưu ghi chú").click()
        expect(agent.locator("#toast")).to_have_text("Đã lưu ghi chú.")
        agent.screenshot(path=str(screenshots / "console-handoff-1280.png"))
        citizen.screenshot(path=str(screenshots / "widget-agent-390.png"))

        agent.get_by_role("button", name="Trả lại cho trợ lý ảo").click()
        expect(citizen.locator(".tthcw-system").last).to_contain_text("lại cho trợ lý ảo")
        ask(citizen, "Đăng ký khai sinh cần giấy tờ gì?")
        expect(citizen.locator(".tthcw-bot[data-id]").last).to_contain_text("Mã thủ tục: 1.001193")
        rows = query(
            database_url,
            "SELECT status, agent_username, note FROM handoffs WHERE note IS NOT NULL",
        )
        assert {
            "status": "released",
            "agent_username": "canbo1",
            "note": "Hỏi nơi nộp khai sinh; đã gửi lệ phí.",
        } in rows
        cards = query(
            database_url,
            "SELECT procedure_codes FROM chat_messages WHERE role = 'agent' AND text LIKE :t",
            t="%miễn phí%",
        )
        assert cards and cards[-1]["procedure_codes"] == "1.001193"
        assert not citizen.script_errors
    finally:
        citizen.context.close()


def test_a_second_claim_is_refused_in_the_console(
    browser: Any, base_url: str, fake_rasa: FakeRasa, agent: Any, agent_token: str
) -> None:
    signed_in(agent.context, agent_token)
    # A console whose live socket is down (polling only) keeps a stale view for a while: the
    # refusal is what it must get then. With the socket up, the other claim is pushed at once
    # and the view changes under the click.
    agent.context.add_init_script("window.WebSocket = undefined;")
    agent.goto("/tra-cuu")
    expect(agent.locator("#agent-name")).to_contain_text("canbo1")
    citizen = citizen_asking_for_a_human(browser, base_url, "Gặp cán bộ")
    try:
        item = agent.locator("#queue .queue-item", has_text="Gặp cán bộ").last
        item.click()
        claim = agent.get_by_role("button", name="Nhận hỗ trợ")
        expect(claim).to_be_visible()
        # Another agent takes it first, through the same API their console uses.
        other = post_json(f"{base_url}/api/auth/token", AGENT_2, form=True)["access_token"]
        post_json(
            f"{base_url}/api/agent/handoffs/{item.get_attribute('data-id')}/claim", token=other
        )
        claim.click()
        expect(agent.locator("#toast")).to_contain_text("đã có nhân viên khác nhận")
    finally:
        citizen.context.close()


def test_the_console_socket_carries_no_token_in_its_url(agent: Any, agent_token: str) -> None:
    """The access token goes in the socket's first message; the queue is pushed live."""
    sockets: list[str] = []
    sent: list[str] = []
    received: list[str] = []

    def watch(ws: Any) -> None:
        sockets.append(ws.url)
        ws.on("framesent", lambda payload: sent.append(str(payload)))
        ws.on("framereceived", lambda payload: received.append(str(payload)))

    agent.on("websocket", watch)
    signed_in(agent.context, agent_token)
    agent.goto("/tra-cuu")
    expect(agent.get_by_role("heading", name="Người dân cần hỗ trợ")).to_be_visible()
    for _ in range(50):  # the socket opens after the page's first requests
        if any('"ready"' in frame for frame in received):
            break
        agent.wait_for_timeout(100)
    assert sockets and all(url.endswith("/api/agent/ws") for url in sockets)
    assert all("token" not in url for url in sockets)
    assert json.loads(sent[0]) == {"type": "auth", "token": agent_token}
    assert any(json.loads(frame).get("type") == "ready" for frame in received)
