"""The agent console's procedure lookup in headless Chromium, signed in, on a phone and a desk."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import (
    ABOLISHED_CODE,
    ABOLISHED_DECISION,
    REPLACEMENT_CODE,
    signed_in,
)

pytestmark = pytest.mark.browser

ACTIVE = re.compile(r"\bactive\b")


@pytest.fixture()
def page(page: Any, agent_token: str) -> Any:
    """The console needs a signed-in agent: every page here starts with the agent's token."""
    signed_in(page.context, agent_token)
    return page


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
    browser: Any, base_url: str, agent_token: str, screenshots: Path
) -> None:
    context = signed_in(
        browser.new_context(base_url=base_url, viewport={"width": 1280, "height": 800}), agent_token
    )
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
