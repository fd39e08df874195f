"""The admin pages in Chromium: sign in, import the demo decision, preview, apply, roll back.

After the apply the agent's lookup page shows the new fee and the abolition with its
replacement (the same API the bot's actions read); after the rollback the old ones return.
axe-core (bundled in axe-playwright-python, run offline) checks each state of the page.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from knowledge.config import PROJECT_ROOT
from tests.browser.conftest import ADMIN_PASSWORD, ADMIN_USER, post_json, sign_in_admin, signed_in

pytestmark = pytest.mark.browser

DEMO = PROJECT_ROOT / "data" / "decisions" / "quyet-dinh-mau.csv"


def _axe_violations(page: Any) -> list[str]:
    axe_module = pytest.importorskip("axe_playwright_python.sync_playwright")
    results = axe_module.Axe().run(page)
    return [
        f"{v['id']}: {v['help']} ({len(v['nodes'])})"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def _online_fee(page: Any, code: str) -> str:
    card = page.request.get(f"/api/procedures/{code}").json()
    return next(c["fee_text"] for c in card["channels"] if c["channel"] == "online")


def test_wrong_password_is_refused_in_vietnamese(page: Any) -> None:
    page.goto("/quan-tri")
    login = page.locator("#login")
    login.get_by_label("Tên đăng nhập").fill(ADMIN_USER)
    login.get_by_label("Mật khẩu").fill("sai-mat-khau-roi")
    page.get_by_role("button", name="Đăng nhập").click()
    alert = page.get_by_role("alert")
    alert.wait_for()
    assert alert.inner_text().strip()
    assert page.locator("#app").is_hidden()
    assert _axe_violations(page) == []


def test_admin_imports_previews_applies_and_rolls_back_the_demo_decision(
    page: Any, base_url: str, screenshots: Path
) -> None:
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in_admin(page)
    assert _axe_violations(page) == []
    old_fee = _online_fee(page, "1.004194")

    page.get_by_role("button", name="Quyết định công bố").click()
    page.get_by_label("Tệp quyết định (.csv hoặc .xlsx)").set_input_files(str(DEMO))
    page.get_by_role("button", name="Xem trước").click()
    summary = page.locator("#decision-preview .notice").first
    summary.wait_for()
    assert "1 thêm mới, 2 sửa đổi, 1 bãi bỏ" in summary.inner_text()
    preview = page.locator("#decision-preview").inner_text()
    assert "5.000 đồng/lần đăng ký" in preview and "thay bằng 1.014063" in preview
    assert _online_fee(page, "1.004194") == old_fee  # a preview writes nothing
    assert _axe_violations(page) == []
    page.screenshot(path=str(screenshots / "admin-decision-preview.png"), full_page=True)

    page.get_by_role("button", name="Áp dụng").click()
    page.get_by_role("cell", name="Đã áp dụng").wait_for()
    assert _online_fee(page, "1.004194") == "5.000 đồng/lần đăng ký"

    # The agent console needs a signed-in account; an admin is also an agent.
    token = post_json(
        f"{base_url}/api/auth/token",
        {"username": ADMIN_USER, "password": ADMIN_PASSWORD},
        form=True,
    )["access_token"]
    console = page.context.browser.new_context(base_url=base_url, locale="vi-VN")
    signed_in(console, token)
    lookup = console.new_page()
    lookup.set_default_timeout(8000)
    lookup.goto("/tra-cuu/2.001195")
    lookup.locator("#card .code-line").wait_for()
    banner = lookup.locator("#card").inner_text()
    assert "bãi bỏ" in banner.lower() and "1.014063" in banner
    lookup.goto("/tra-cuu/1.004194")
    lookup.locator("#card .code-line").wait_for()
    card_text = lookup.locator("#card").inner_text()
    assert "5.000 đồng" in card_text and "2468/QĐ-UBND" in card_text
    # What changed, as the bot says it (the server's note), not only since when.
    assert f"Lệ phí (Trực tuyến): {old_fee} → 5.000 đồng/lần đăng ký" in card_text
    assert "áp dụng từ 01/12/2026" in card_text

    page.get_by_role("button", name="Nhật ký thay đổi").click()
    page.get_by_role("cell", name="Kênh Trực tuyến").first.wait_for()
    assert "2468/QĐ-UBND" in page.locator("#audit-table").inner_text()
    assert _axe_violations(page) == []
    page.screenshot(path=str(screenshots / "admin-audit.png"), full_page=True)

    page.get_by_role("button", name="Quyết định công bố").click()
    page.get_by_role("button", name="Hoàn tác quyết định 2468/QĐ-UBND").click()
    rollback = page.locator("#rollback-preview")
    rollback.get_by_text("Sẽ khôi phục 3 thủ tục").wait_for()
    assert "5.000 đồng/lần đăng ký" in rollback.inner_text()  # current → before, per channel
    assert _axe_violations(page) == []
    page.get_by_role("button", name="Xác nhận hoàn tác quyết định 2468/QĐ-UBND").click()
    page.get_by_role("cell", name="Đã hoàn tác").wait_for()
    assert "Đã hoàn tác quyết định 2468/QĐ-UBND" in page.locator("#status").inner_text()
    assert _online_fee(page, "1.004194") == old_fee
    lookup.goto("/tra-cuu/2.001195")
    lookup.locator("#card .code-line").wait_for()
    assert "bãi bỏ" not in lookup.locator("#card").inner_text().lower()
    console.close()


def test_admin_edits_a_fee_in_the_editor(page: Any, screenshots: Path) -> None:
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in_admin(page)
    page.get_by_label("Mã hoặc tên").fill("1.004873")
    page.get_by_role("button", name="Lọc").click()
    page.get_by_role("button", name="Sửa 1.004873").click()
    page.get_by_label("Phí, lệ phí (Trực tiếp)").fill("8.000 đồng")
    page.get_by_label("Số quyết định làm căn cứ (ghi vào nhật ký)").fill("77/QĐ-UBND")
    page.get_by_role("button", name="Lưu thay đổi").click()
    page.locator("#editor-result .notice.ok").wait_for()
    card = page.request.get("/api/procedures/1.004873").json()
    fees = {c["channel"]: c["fee_text"] for c in card["channels"]}
    assert fees["in_person"] == "8.000 đồng"
    page.locator("#editor-audit").get_by_role("cell", name="77/QĐ-UBND").first.wait_for()
    assert _axe_violations(page) == []
    page.screenshot(path=str(screenshots / "admin-editor.png"), full_page=True)


def test_rollback_preview_warns_of_a_hand_edit_before_overwriting_it(
    page: Any, base_url: str, screenshots: Path
) -> None:
    page.set_viewport_size({"width": 1280, "height": 900})
    token = post_json(
        f"{base_url}/api/auth/token",
        {"username": ADMIN_USER, "password": ADMIN_PASSWORD},
        form=True,
    )["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    old_fee = _online_fee(page, "1.004873")
    csv_text = (
        "Mã số,Hành động,Số quyết định,Ngày hiệu lực,Phí trực tuyến\n"
        "1.004873,sửa đổi,88/QĐ-UBND,01/12/2026,3.000 đồng\n"
    )
    applied = page.request.post(
        "/api/admin/decisions?dry_run=false",
        multipart={
            "file": {"name": "qd88.csv", "mimeType": "text/csv", "buffer": csv_text.encode()}
        },
        headers=headers,
    )
    assert applied.ok, applied.text()
    edit = {"channels": [{"channel": "online", "time_text": "", "fee_text": "2.000 đồng"}]}
    assert page.request.patch("/api/admin/procedures/1.004873", data=edit, headers=headers).ok

    sign_in_admin(page)
    page.get_by_role("button", name="Quyết định công bố").click()
    page.get_by_role("button", name="Hoàn tác quyết định 88/QĐ-UBND").click()
    warning = page.locator("#rollback-preview [role=alert]")
    warning.wait_for()
    assert "đã được sửa tay" in warning.inner_text()
    assert "2.000 đồng" in page.locator("#rollback-preview").inner_text()
    assert _axe_violations(page) == []
    page.screenshot(path=str(screenshots / "admin-rollback-conflict.png"), full_page=True)
    page.get_by_role("button", name="Hoàn tác và ghi đè sửa tay quyết định 88/QĐ-UBND").click()
    page.locator("#status").get_by_text("Đã hoàn tác quyết định 88/QĐ-UBND").wait_for()
    assert _online_fee(page, "1.004873") == old_fee
