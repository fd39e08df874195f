"""The web pages in headless Chromium: the agent's lookup and the citizen chat, on a phone."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import (
    ABOLISHED_CODE,
    ABOLISHED_DECISION,
    HOTLINE,
    REPLACEMENT_CODE,
    FakeRasa,
)

pytestmark = pytest.mark.browser

ACTIVE = re.compile(r"\bactive\b")
BOT_DOWN = f"Trợ lý tạm thời không phản hồi, vui lòng gọi tổng đài {HOTLINE}"


def fits_the_screen(page: Any) -> bool:
    """Nothing sticks out sideways (no horizontal scrolling on the phone)."""
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def search_requests(page: Any) -> list[str]:
    """Start recording the page's calls to the search API; returns the live list."""
    urls: list[str] = []
    page.on("request", lambda r: urls.append(r.url) if "/api/procedures/search" in r.url else None)
    return urls


# ---- the agent's lookup (/tra-cuu) ----


def test_accentless_search_then_enter_opens_the_card(page: Any, screenshots: Path) -> None:
    page.goto("/tra-cuu")
    search = page.locator("#q")
    expect(search).to_be_focused()
    search.press_sequentially("dang ky khai sinh", delay=30)

    first = page.locator("#results .result").first
    expect(first).to_contain_text("1.001193")
    expect(first).to_contain_text("Thủ tục đăng ký khai sinh")
    expect(first).to_have_class(ACTIVE)
    page.screenshot(path=str(screenshots / "lookup-results-360.png"))

    search.press("Enter")
    card = page.locator("#card .procedure")
    expect(card).to_contain_text("Mã thủ tục: 1.001193")
    expect(page.locator("#card-title")).to_have_text("Thủ tục đăng ký khai sinh")
    expect(page).to_have_url(re.compile(r"/tra-cuu/1\.001193$"))

    in_person = page.locator("table.channels tbody tr", has_text="Trực tiếp")
    expect(in_person).to_have_count(1)
    # Time and fee as the bot says them (GET /api/procedures/{code}/summary): the sample's
    # time cell is a bare "1", which the record gives no unit for.
    expect(in_person.locator("td").nth(0)).to_have_text("1 (danh mục không ghi đơn vị)")
    expect(in_person.locator("td.fee")).to_have_text("miễn phí")
    expect(page.locator("#sec-papers")).to_contain_text("Giấy chứng sinh")
    expect(page.locator("#sec-legal")).to_contain_text("60/2014/QH13")
    expect(page.locator("#sec-results")).to_contain_text("Giấy khai sinh")
    national = page.get_by_role("link", name="Trang quốc gia ↗")
    expect(national).to_have_attribute(
        "href", "https://dichvucong.gov.vn/thu-tuc-hanh-chinh/019d2bfd-3fe0-70ac-b9d6-5e9e20d6eef7"
    )
    expect(page.locator(".notice")).to_have_count(0)  # in force: no status banner
    # On a phone the result list folds away while the card is read.
    expect(page.locator("#results")).to_be_hidden()
    expect(page.locator(".show-results")).to_have_text("Hiện lại 10 kết quả")

    assert fits_the_screen(page)
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(screenshots / "lookup-card-360.png"))
    page.screenshot(path=str(screenshots / "lookup-card-360-full.png"), full_page=True)


def test_arrow_keys_choose_and_a_click_opens(page: Any) -> None:
    page.goto("/tra-cuu")
    search = page.locator("#q")
    search.fill("can cuoc")
    results = page.locator("#results .result")
    expect(results.first).to_have_class(ACTIVE)
    assert results.count() >= 3

    search.press("ArrowDown")
    expect(results.nth(1)).to_have_class(ACTIVE)
    expect(results.nth(0)).not_to_have_class(ACTIVE)
    search.press("ArrowDown")
    search.press("ArrowUp")
    expect(results.nth(1)).to_have_class(ACTIVE)
    second_code = results.nth(1).locator(".code").inner_text()

    search.press("Enter")
    expect(page.locator("#card .code-line")).to_have_text(f"Mã thủ tục: {second_code}")

    third_code = results.nth(2).locator(".code").inner_text()
    expect(results.nth(2)).to_be_hidden()
    page.locator(".show-results").click()
    results.nth(2).click()
    expect(page.locator("#card .code-line")).to_have_text(f"Mã thủ tục: {third_code}")

    page.go_back()
    expect(page.locator("#card .code-line")).to_have_text(f"Mã thủ tục: {second_code}")


def test_a_code_typed_in_the_box_finds_its_procedure(page: Any) -> None:
    page.goto("/tra-cuu")
    page.locator("#q").fill("1.001193")
    expect(page.locator("#results .result")).to_have_count(1)
    expect(page.locator("#results .result")).to_contain_text("Thủ tục đăng ký khai sinh")


def test_empty_query_shows_nothing_and_asks_nothing(page: Any) -> None:
    requests = search_requests(page)
    page.goto("/tra-cuu")
    search = page.locator("#q")
    search.press_sequentially("   ", delay=30)
    search.press("Enter")
    page.wait_for_timeout(500)
    expect(page.locator("#results .result")).to_have_count(0)
    expect(page.locator("#search-status")).to_have_text("")
    expect(page.locator(".notice.error")).to_have_count(0)
    assert requests == []

    search.fill("khai sinh")
    expect(page.locator("#results .result").first).to_be_visible()
    search.fill("")
    expect(page.locator("#results .result")).to_have_count(0)
    expect(page.locator("#search-status")).to_have_text("")


def test_no_match_says_so(page: Any) -> None:
    page.goto("/tra-cuu")
    page.locator("#q").fill("xyzxyz")
    expect(page.locator("#search-status")).to_contain_text("Không tìm thấy thủ tục phù hợp")
    expect(page.locator("#results .result")).to_have_count(0)


def test_unknown_code_in_the_address_is_a_vietnamese_404(page: Any, screenshots: Path) -> None:
    response = page.goto("/tra-cuu/9.999999")
    assert response is not None and response.status == 404
    expect(page.locator(".notice.error")).to_have_text("Không tìm thấy thủ tục có mã 9.999999.")
    page.screenshot(path=str(screenshots / "lookup-404-360.png"))

    response = page.goto("/tra-cuu/abc")
    assert response is not None and response.status == 422
    expect(page.locator(".notice.error")).to_contain_text("không hợp lệ")


def test_abolished_procedure_shows_the_decision_and_its_replacement(
    page: Any, screenshots: Path
) -> None:
    page.goto(f"/tra-cuu/{ABOLISHED_CODE}")
    banner = page.locator(".notice.error")
    expect(banner).to_contain_text(
        f"Thủ tục này đã bị bãi bỏ theo Quyết định {ABOLISHED_DECISION} ngày 01/07/2025."
    )
    page.screenshot(path=str(screenshots / "lookup-abolished-360.png"))
    banner.get_by_role("link", name=REPLACEMENT_CODE).click()
    expect(page.locator("#card .code-line")).to_have_text(f"Mã thủ tục: {REPLACEMENT_CODE}")
    expect(page).to_have_url(re.compile(f"/tra-cuu/{re.escape(REPLACEMENT_CODE)}$"))
    expect(page.locator(".notice")).to_have_count(0)


def test_search_marks_abolished_procedures(page: Any) -> None:
    page.goto("/tra-cuu")
    page.locator("#q").fill("ket hon nuoc ngoai")
    hit = page.locator("#results .result", has_text=ABOLISHED_CODE)
    expect(hit.locator(".badge.danger")).to_have_text("Đã bãi bỏ")


def test_copy_summary_puts_a_phone_readable_text_on_the_clipboard(page: Any) -> None:
    page.goto("/tra-cuu/1.001193")
    page.get_by_role("button", name="Sao chép tóm tắt").click()
    expect(page.locator("#toast")).to_have_text("Đã sao chép tóm tắt thủ tục 1.001193.")
    summary = page.evaluate("navigator.clipboard.readText()")
    lines = summary.splitlines()
    assert lines[0] == "Thủ tục đăng ký khai sinh (mã 1.001193) — Cấp xã"
    assert "Thời hạn: 1 (danh mục không ghi đơn vị) (mọi hình thức nộp)." in lines
    assert "Lệ phí: miễn phí (mọi hình thức nộp)." in lines
    assert any(line.startswith("  1. Tờ khai đăng ký khai sinh") for line in lines)
    assert lines[-1].startswith("Chi tiết: https://dichvucong.gov.vn/")
    assert "<" not in summary


def test_lookup_on_a_desk_shows_search_and_card_side_by_side(
    browser: Any, base_url: str, screenshots: Path
) -> None:
    context = browser.new_context(base_url=base_url, viewport={"width": 1280, "height": 800})
    try:
        page = context.new_page()
        page.goto("/tra-cuu")
        page.locator("#q").fill("doi bang lai xe")
        expect(page.locator("#results .result").first).to_be_visible()
        page.locator("#q").press("Enter")
        expect(page.locator("#card .code-line")).to_be_visible()
        panel = page.locator(".search-panel").bounding_box()
        card = page.locator("#card").bounding_box()
        assert panel and card and panel["x"] + panel["width"] <= card["x"]
        page.screenshot(path=str(screenshots / "lookup-card-1280.png"))

        # On a desk the results stay beside the card, and a click keeps the keyboard in the box.
        second = page.locator("#results .result").nth(1)
        second.click()
        expect(page.locator("#card .code-line")).to_contain_text(
            second.locator(".code").inner_text()
        )
        expect(page.locator("#q")).to_be_focused()
        expect(page.locator(".show-results")).to_be_hidden()
    finally:
        context.close()


# ---- the citizen chat (/) ----


def send(page: Any, text: str) -> None:
    box = page.locator("#input")
    box.fill(text)
    box.press("Enter")


def test_chat_greets_with_suggestions_on_a_phone(page: Any, screenshots: Path) -> None:
    page.goto("/")
    expect(page.locator(".greeting")).to_contain_text("Xin chào")
    chips = page.locator("#suggestions .chip")
    expect(chips).to_have_count(4)
    expect(chips.nth(0)).to_have_text("Làm căn cước công dân cần giấy tờ gì?")
    expect(page.locator(".hotline")).to_have_attribute("href", "tel:19001234")
    expect(page.locator("#input")).to_have_attribute("maxlength", "1000")
    assert fits_the_screen(page)
    composer = page.locator("#composer").bounding_box()
    assert composer and composer["y"] + composer["height"] <= 740  # the input is on screen
    page.screenshot(path=str(screenshots / "chat-360.png"))


def test_chat_sends_shows_reply_and_buttons_and_posts_a_payload(
    page: Any, fake_rasa: FakeRasa, screenshots: Path
) -> None:
    page.goto("/")
    send(page, "Lệ phí đăng ký khai sinh?")
    expect(page.locator(".msg.user").last).to_have_text("Lệ phí đăng ký khai sinh?")
    expect(page.locator(".msg.bot").nth(1)).to_contain_text(
        "Bạn vừa hỏi: Lệ phí đăng ký khai sinh?"
    )
    link = page.locator(".msg.bot a[href='https://dichvucong.gov.vn/p/home']")
    expect(link).to_have_text("https://dichvucong.gov.vn/p/home")  # the final dot is not linked
    expect(link).to_have_attribute("target", "_blank")
    buttons = page.locator(".quick-replies .quick-reply")
    expect(buttons).to_have_count(2)
    expect(page.locator("#input")).to_have_value("")
    page.screenshot(path=str(screenshots / "chat-conversation-360.png"))

    buttons.filter(has_text="Lệ phí").click()
    expect(page.locator(".msg.user").last).to_have_text("Lệ phí")
    expect(page.locator(".quick-replies").first.locator("button:disabled")).to_have_count(2)
    expect(page.locator(".quick-replies")).to_have_count(2)

    messages = [r["message"] for r in fake_rasa.received]
    assert messages == ["Lệ phí đăng ký khai sinh?", "/ask_fee"]
    sender = page.evaluate("localStorage.getItem('tthc.chat.sender')")
    assert sender and sender.startswith("web-")
    assert {r["sender"] for r in fake_rasa.received} == {sender}

    # After a reload the conversation is still there and the bot gets the same sender id.
    page.reload()
    expect(page.locator(".msg.user")).to_have_count(2)
    send(page, "Cảm ơn")
    expect(page.locator(".msg.user").last).to_have_text("Cảm ơn")
    expect(page.locator(".quick-replies")).to_have_count(3)
    assert fake_rasa.received[-1] == {"sender": sender, "message": "Cảm ơn"}
    assert fits_the_screen(page)


def test_suggestion_chip_sends_its_question(page: Any, fake_rasa: FakeRasa) -> None:
    page.goto("/")
    page.locator("#suggestions .chip", has_text="Tra cứu hồ sơ").click()
    expect(page.locator(".msg.user").last).to_have_text("Tra cứu hồ sơ")
    expect(page.locator(".msg.bot").nth(1)).to_contain_text("Bạn vừa hỏi: Tra cứu hồ sơ")
    assert [r["message"] for r in fake_rasa.received] == ["Tra cứu hồ sơ"]


def test_typing_indicator_shows_while_the_bot_thinks(page: Any, fake_rasa: FakeRasa) -> None:
    fake_rasa.mode = "slow"
    page.goto("/")
    send(page, "Làm căn cước cần gì?")
    expect(page.locator("#typing")).to_be_visible()
    expect(page.locator("#send")).to_be_disabled()
    expect(page.locator(".msg.bot").nth(1)).to_contain_text("Bạn vừa hỏi", timeout=5000)
    expect(page.locator("#typing")).to_be_hidden()
    expect(page.locator("#send")).to_be_enabled()


def test_bot_down_shows_the_hotline_and_retry_works(
    page: Any, fake_rasa: FakeRasa, screenshots: Path
) -> None:
    fake_rasa.mode = "error"
    page.goto("/")
    send(page, "Đổi giấy phép lái xe ở đâu?")
    error = page.locator(".msg.error")
    expect(error).to_contain_text(BOT_DOWN)
    expect(error.get_by_role("link", name=HOTLINE)).to_have_attribute("href", "tel:19001234")
    expect(page.locator("#typing")).to_be_hidden()
    page.screenshot(path=str(screenshots / "chat-error-360.png"))

    fake_rasa.mode = "ok"
    error.get_by_role("button", name="Thử lại").click()
    expect(page.locator(".msg.error")).to_have_count(0)
    expect(page.locator(".msg.bot").nth(1)).to_contain_text(
        "Bạn vừa hỏi: Đổi giấy phép lái xe ở đâu?"
    )
    expect(page.locator(".msg.user")).to_have_count(1)  # the retry did not repeat the question
    assert [r["message"] for r in fake_rasa.received] == ["Đổi giấy phép lái xe ở đâu?"] * 2


def test_html_in_a_bot_answer_is_shown_as_text(page: Any, fake_rasa: FakeRasa) -> None:
    page.goto("/")
    send(page, "html please")
    answer = page.locator(".msg.bot").nth(1)
    expect(answer).to_contain_text('<img src=x onerror="window.__xss=1"><b>đậm</b>')
    assert answer.locator("b, img, script").count() == 0
    page.wait_for_timeout(200)
    assert page.evaluate("window.__xss") is None


def test_empty_messages_are_not_sent_and_long_ones_are_cut(page: Any, fake_rasa: FakeRasa) -> None:
    page.goto("/")
    page.locator("#send").click()
    send(page, "   \n  ")
    page.wait_for_timeout(300)
    expect(page.locator(".msg.user")).to_have_count(0)
    assert fake_rasa.received == []

    page.locator("#input").fill("a" * 1200)
    assert len(page.locator("#input").input_value()) == 1000
    expect(page.locator("#counter")).to_have_text("Còn 0 ký tự")
