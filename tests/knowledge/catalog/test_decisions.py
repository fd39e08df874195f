"""Publishing decisions: preview, all-or-nothing apply, rollback, future effective dates."""

from __future__ import annotations

import io
import json
from datetime import date, timedelta
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from knowledge.audit import list_changes
from knowledge.catalog.decisions import (
    activate_due_decisions,
    apply_decision,
    list_decisions,
    parse_day,
    preview_decision,
    rollback_decision,
)
from knowledge.catalog.live import catalog_version
from knowledge.config import PROJECT_ROOT, SAMPLE_CATALOG_DIR
from knowledge.db import session_scope
from knowledge.errors import ImportFailed, InvalidInputError, NotFoundError
from knowledge.models import Procedure
from knowledge.procedures import get_procedure

DEMO = PROJECT_ROOT / "data" / "decisions" / "quyet-dinh-mau.csv"
TODAY = date(2026, 12, 1)
HEADER = (
    "Mã số,Tên thủ tục,Hành động,Số quyết định,Ngày quyết định,Ngày hiệu lực,Mã thay thế,"
    "Thời hạn trực tiếp,Phí trực tiếp,Phí trực tuyến,Bản ghi JSON\n"
)
TEMPORARY_RESIDENCE = "1.004194"
MARRIAGE = "1.000894"
FOREIGN_MARRIAGE = "2.000806"


def _csv(*rows: str, effective: str = "01/12/2026") -> bytes:
    lines = [row.replace("{eff}", effective) for row in rows]
    return (HEADER + "\n".join(lines) + "\n").encode("utf-8")


def _fees(engine: Engine, code: str) -> dict[str, str]:
    with session_scope(engine) as session:
        return {c.channel: c.fee_text for c in get_procedure(session, code).channels}


def _count(engine: Engine) -> int:
    with session_scope(engine) as session:
        return session.scalar(select(func.count(Procedure.id))) or 0


def test_demo_decision_preview_lists_added_changed_and_abolished(sample_engine: Engine) -> None:
    with session_scope(sample_engine) as session:
        preview = preview_decision(session, DEMO.read_bytes(), DEMO.name, today=TODAY)
    assert preview.errors == []
    assert preview.number == "2468/QĐ-UBND"
    assert preview.effective_on == TODAY and preview.takes_effect_now
    assert [p.code for p in preview.added] == ["1.099001"]
    assert [p.code for p in preview.changed] == [TEMPORARY_RESIDENCE, "1.004873"]
    assert [(p.code, p.replaced_by_code) for p in preview.abolished] == [("2.001195", "1.014063")]
    assert preview.abolished[0].replaced_by_name == "Cấp đổi thẻ căn cước"
    fee = {c.label: c for c in preview.changed[0].changes}["Kênh Trực tuyến"]
    assert "7.000" in fee.before and "5.000 đồng/lần đăng ký" in fee.after
    # A preview writes nothing.
    assert _fees(sample_engine, TEMPORARY_RESIDENCE)["online"] == fee.before.split(" — ")[1]
    assert _count(sample_engine) == 20


def test_apply_then_rollback_restores_the_catalog_exactly(sample_engine: Engine) -> None:
    with session_scope(sample_engine) as session:
        before = {code: get_procedure(session, code) for code in (TEMPORARY_RESIDENCE, "2.001195")}
        version = catalog_version(session)
    with session_scope(sample_engine) as session:
        decision = apply_decision(
            session, DEMO.read_bytes(), DEMO.name, actor="quantri", today=TODAY
        )
        decision_id = decision.id
    with session_scope(sample_engine) as session:
        amended = get_procedure(session, TEMPORARY_RESIDENCE)
        abolished = get_procedure(session, "2.001195")
        new = get_procedure(session, "1.099001")
        assert catalog_version(session) > version
        log = list_changes(session, code=TEMPORARY_RESIDENCE)
    assert amended.status == "amended" and amended.status_decision == "2468/QĐ-UBND"
    assert amended.status_date == TODAY
    assert {c.channel: c.fee_amount for c in amended.channels} == {
        "online": 5000,
        "in_person": 10000,
    }
    assert abolished.status == "abolished" and abolished.replaced_by_code == "1.014063"
    assert abolished.name == before["2.001195"].name  # the record is kept
    assert new.field == "Hộ tịch" and new.levels == "Cấp xã" and len(new.papers) == 2
    assert new.channels[0].fee_amount == 0
    assert {e.actor for e in log} == {"quantri"}
    assert {e.decision_number for e in log} == {"2468/QĐ-UBND"}

    with session_scope(sample_engine) as session:
        rollback_decision(session, decision_id, actor="quantri2")
    with session_scope(sample_engine) as session:
        for code, card in before.items():
            assert get_procedure(session, code) == card
        with pytest.raises(NotFoundError):
            get_procedure(session, "1.099001")
        assert [d.state for d in list_decisions(session)] == ["rolled_back"]
        rollback_log = [e for e in list_changes(session) if e.action == "rollback"]
    assert {e.actor for e in rollback_log} == {"quantri2"}
    assert {e.procedure_code for e in rollback_log} == {
        TEMPORARY_RESIDENCE,
        "1.004873",
        "2.001195",
        "1.099001",
    }


def test_broken_row_leaves_nothing_changed(sample_engine: Engine) -> None:
    data = _csv(
        f"{TEMPORARY_RESIDENCE},,sửa đổi,9/QĐ-UBND,01/12/2026,{{eff}},,,99.000 đồng,,",
        f"{MARRIAGE},,bãi bỏ,9/QĐ-UBND,01/12/2026,{{eff}},9.999999,,,,",
        "1.23,Thủ tục sai mã,mới,9/QĐ-UBND,01/12/2026,{eff},,,,,",
        f"{FOREIGN_MARRIAGE},,tạm dừng,9/QĐ-UBND,01/12/2026,{{eff}},,,,,",
    )
    fees = _fees(sample_engine, TEMPORARY_RESIDENCE)
    with session_scope(sample_engine) as session:
        preview = preview_decision(session, data, "qd.csv", today=TODAY)
    messages = {e.row: e.message for e in preview.errors}
    assert set(messages) == {3, 4, 5}
    assert "Mã thay thế 9.999999" in messages[3]
    assert "không hợp lệ" in messages[4]
    assert "Hành động 'tạm dừng' không rõ" in messages[5]
    with pytest.raises(ImportFailed) as failure:
        with session_scope(sample_engine) as session:
            apply_decision(session, data, "qd.csv", actor="quantri", today=TODAY)
    assert len(failure.value.problems) == 3
    assert _fees(sample_engine, TEMPORARY_RESIDENCE) == fees
    with session_scope(sample_engine) as session:
        assert list_decisions(session) == []
        assert list_changes(session) == []


def test_abolish_keeps_the_record_and_points_to_the_replacement(sample_engine: Engine) -> None:
    data = _csv(f"{MARRIAGE},,bãi bỏ,10/QĐ-UBND,20/11/2026,{{eff}},{FOREIGN_MARRIAGE},,,,")
    with session_scope(sample_engine) as session:
        apply_decision(session, data, "qd.csv", actor="quantri", today=TODAY)
    with session_scope(sample_engine) as session:
        card = get_procedure(session, MARRIAGE)
    assert card.status == "abolished"
    assert card.status_decision == "10/QĐ-UBND" and card.status_date == TODAY
    assert card.replaced_by_code == FOREIGN_MARRIAGE
    assert card.channels and card.papers  # the record stays whole


def test_future_effective_date_waits_for_its_day(sample_engine: Engine) -> None:
    later = TODAY + timedelta(days=10)
    data = _csv(
        f"{TEMPORARY_RESIDENCE},,sửa đổi,11/QĐ-UBND,20/11/2026,{{eff}},,,,3.000 đồng,",
        effective=later.strftime("%d/%m/%Y"),
    )
    fees = _fees(sample_engine, TEMPORARY_RESIDENCE)
    with session_scope(sample_engine) as session:
        preview = preview_decision(session, data, "qd.csv", today=TODAY)
        assert not preview.takes_effect_now
    with session_scope(sample_engine) as session:
        apply_decision(session, data, "qd.csv", actor="quantri", today=TODAY)
    assert _fees(sample_engine, TEMPORARY_RESIDENCE) == fees
    with session_scope(sample_engine) as session:
        assert [d.state for d in list_decisions(session)] == ["scheduled"]
        assert activate_due_decisions(session, today=later - timedelta(days=1)) == []
    with session_scope(sample_engine) as session:
        assert activate_due_decisions(session, today=later) == ["11/QĐ-UBND"]
    assert _fees(sample_engine, TEMPORARY_RESIDENCE)["online"] == "3.000 đồng"
    with session_scope(sample_engine) as session:
        card = get_procedure(session, TEMPORARY_RESIDENCE)
        assert card.status == "amended" and card.status_date == later
        assert {e.actor for e in list_changes(session)} == {"hệ thống"}


def test_same_decision_twice_is_refused_until_rolled_back(sample_engine: Engine) -> None:
    with session_scope(sample_engine) as session:
        decision_id = apply_decision(
            session, DEMO.read_bytes(), DEMO.name, actor="quantri", today=TODAY
        ).id
    with pytest.raises(ImportFailed, match="lỗi"):
        with session_scope(sample_engine) as session:
            apply_decision(session, DEMO.read_bytes(), DEMO.name, actor="quantri", today=TODAY)
    with session_scope(sample_engine) as session:
        rollback_decision(session, decision_id, actor="quantri")
    with session_scope(sample_engine) as session:
        apply_decision(session, DEMO.read_bytes(), DEMO.name, actor="quantri", today=TODAY)
    with session_scope(sample_engine) as session:
        assert get_procedure(session, "1.099001").status == "in_force"


def test_rollback_refused_while_a_later_decision_touches_the_same_procedure(
    sample_engine: Engine,
) -> None:
    first = _csv(f"{TEMPORARY_RESIDENCE},,sửa đổi,12/QĐ-UBND,20/11/2026,{{eff}},,,,4.000 đồng,")
    second = _csv(f"{TEMPORARY_RESIDENCE},,sửa đổi,13/QĐ-UBND,21/11/2026,{{eff}},,,,6.000 đồng,")
    with session_scope(sample_engine) as session:
        first_id = apply_decision(session, first, "a.csv", actor="quantri", today=TODAY).id
    with session_scope(sample_engine) as session:
        second_id = apply_decision(session, second, "b.csv", actor="quantri", today=TODAY).id
    with pytest.raises(InvalidInputError, match="13/QĐ-UBND"):
        with session_scope(sample_engine) as session:
            rollback_decision(session, first_id, actor="quantri")
    with session_scope(sample_engine) as session:
        rollback_decision(session, second_id, actor="quantri")
    assert _fees(sample_engine, TEMPORARY_RESIDENCE)["online"] == "4.000 đồng"


def test_new_row_from_national_json_inline_and_excel_file(engine: Engine) -> None:
    raw = json.loads(next(SAMPLE_CATALOG_DIR.rglob("1.001193.json")).read_text("utf-8"))
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["QUYẾT ĐỊNH CÔNG BỐ DANH MỤC THỦ TỤC HÀNH CHÍNH"])
    sheet.append(["STT", "Mã số", "Hành động", "Số quyết định", "Ngày hiệu lực", "Bản ghi JSON"])
    sheet.append([1, "1.001193", "Mới", "14/QĐ-UBND", TODAY, json.dumps(raw, ensure_ascii=False)])
    sheet.append([2, "1.000656", "mới", "14/QĐ-UBND", None, "bo-tu-phap/1.000656.json"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    with session_scope(engine) as session:
        apply_decision(session, buffer.getvalue(), "qd.xlsx", actor="quantri", today=TODAY)
    with session_scope(engine) as session:
        birth = get_procedure(session, "1.001193")
        death = get_procedure(session, "1.000656")
    assert birth.name == "Thủ tục đăng ký khai sinh" and birth.channels and birth.papers
    assert death.decision_number == "14/QĐ-UBND" and death.legal_documents


@pytest.mark.parametrize(
    ("data", "filename", "message"),
    [
        (b"", "qd.csv", "trống"),
        (b"a,b\n1,2\n", "qd.csv", "dòng tiêu đề"),
        (b"x", "qd.pdf", ".csv hoặc .xlsx"),
        (b"not a zip", "qd.xlsx", "không đọc được tệp Excel"),
        ("Mã số,Hành động\n".encode(), "qd.csv", "không có dòng thủ tục"),
        (b"\xff\xfe\x00", "qd.csv", "UTF-8"),
    ],
)
def test_unreadable_files_get_a_vietnamese_error(
    engine: Engine, data: bytes, filename: str, message: str
) -> None:
    with session_scope(engine) as session, pytest.raises(InvalidInputError, match=message):
        preview_decision(session, data, filename)


def test_one_file_is_one_decision(sample_engine: Engine) -> None:
    data = _csv(
        f"{TEMPORARY_RESIDENCE},,sửa đổi,15/QĐ-UBND,20/11/2026,{{eff}},,,,1.000 đồng,",
        f"{MARRIAGE},,bãi bỏ,16/QĐ-UBND,20/11/2026,{{eff}},,,,,",
        f"{FOREIGN_MARRIAGE},,sửa đổi,,,31/02/2026,,,,1.000 đồng,",
    )
    with session_scope(sample_engine) as session:
        errors = preview_decision(session, data, "qd.csv", today=TODAY).errors
    assert any("Một tệp là một quyết định" in e.message for e in errors)


def test_json_paths_may_not_leave_the_catalog_folders(
    sample_engine: Engine, tmp_path: Path
) -> None:
    data = _csv("1.777777,,mới,17/QĐ-UBND,20/11/2026,{eff},,,,,../../etc/passwd")
    with session_scope(sample_engine) as session:
        errors = preview_decision(session, data, "qd.csv", today=TODAY).errors
    assert len(errors) == 1 and "không có '..'" in errors[0].message


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("01/12/2026", date(2026, 12, 1)),
        ("2026-12-01", date(2026, 12, 1)),
        ("1-12-2026", date(2026, 12, 1)),
    ],
)
def test_parse_day(text: str, day: date) -> None:
    assert parse_day(text) == day


def test_parse_day_refuses_other_shapes() -> None:
    with pytest.raises(ValueError):
        parse_day("mai")


def test_an_amended_procedure_says_what_changed_and_since_when(sample_engine: Engine) -> None:
    from knowledge.answers import format_answer, summarize

    with session_scope(sample_engine) as session:
        old = _fees(sample_engine, TEMPORARY_RESIDENCE)
        assert get_procedure(session, TEMPORARY_RESIDENCE).amendments == []
        apply_decision(session, DEMO.read_bytes(), DEMO.name, actor="quantri", today=TODAY)
    with session_scope(sample_engine) as session:
        card = get_procedure(session, TEMPORARY_RESIDENCE)
    changes = {a.label: (a.before, a.after) for a in card.amendments}
    assert changes["Lệ phí (Trực tuyến)"] == (old["online"], "5.000 đồng/lần đăng ký")
    assert changes["Lệ phí (Trực tiếp)"] == (old["in_person"], "10.000 đồng/lần đăng ký")
    answer = format_answer(card, "fee")
    assert answer.startswith(
        "Lưu ý: thủ tục đã được sửa đổi theo Quyết định 2468/QĐ-UBND, áp dụng từ 01/12/2026:\n"
    )
    assert f"- Lệ phí (Trực tuyến): {old['online']} → 5.000 đồng/lần đăng ký" in answer
    # The agent console shows the server's note (the summary), the same words as the bot.
    assert summarize(card).status_note == answer.split("\nLệ phí", 1)[0].split("\nThời hạn")[0]


def test_citizen_changes_group_channels_and_list_papers() -> None:
    from knowledge.catalog.editing import citizen_changes

    def channel(key: str, fee: str, time: str = "5 ngày") -> dict[str, str]:
        return {"channel": key, "fee_text": fee, "time_text": time}

    before = {
        "channels": [channel("in_person", "50.000 đồng"), channel("online", "50.000 đồng")],
        "papers": [{"name": "Tờ khai"}, {"name": "Bản sao giấy khai sinh"}],
        "implementing_agency": "UBND cấp huyện",
        "steps": "Bước 1",
    }
    after = {
        "channels": [
            channel("in_person", "30.000 đồng"),
            channel("online", "30.000 đồng", "3 ngày"),
        ],
        "papers": [{"name": "Tờ khai"}, {"name": "Ảnh 4x6"}],
        "implementing_agency": "UBND cấp xã",
        "steps": "Bước 1, bước 2",
    }
    told = [(a.label, a.before, a.after) for a in citizen_changes(before, after)]
    assert told == [
        ("Lệ phí (Trực tiếp, Trực tuyến)", "50.000 đồng", "30.000 đồng"),
        ("Thời hạn (Trực tuyến)", "5 ngày", "3 ngày"),
        ("Thêm giấy tờ", None, "Ảnh 4x6"),
        ("Bỏ giấy tờ", None, "Bản sao giấy khai sinh"),
        ("Cơ quan thực hiện", "UBND cấp huyện", "UBND cấp xã"),
        ("Trình tự thực hiện", None, "có thay đổi"),
    ]
    assert citizen_changes(before, before) == []


def test_rollback_refuses_to_overwrite_hand_edits_made_since(sample_engine: Engine) -> None:
    from knowledge.catalog.decisions import RollbackConflictError, preview_rollback
    from knowledge.catalog.editing import ChannelEdit, ProcedureEdit, edit_procedure

    original = _fees(sample_engine, TEMPORARY_RESIDENCE)
    with session_scope(sample_engine) as session:
        decision_id = apply_decision(
            session, DEMO.read_bytes(), DEMO.name, actor="quantri", today=TODAY
        ).id
    with session_scope(sample_engine) as session:
        clean = preview_rollback(session, decision_id)
    assert {p.code for p in clean.restored} == {TEMPORARY_RESIDENCE, "1.004873", "2.001195"}
    assert [p.code for p in clean.removed] == ["1.099001"] and clean.edited_since == []
    residence = next(p for p in clean.restored if p.code == TEMPORARY_RESIDENCE)
    online = next(c for c in residence.changes if c.label == "Kênh Trực tuyến")
    assert "5.000 đồng/lần đăng ký" in online.before and original["online"] in online.after

    # A clerk corrects the fee by hand after the decision.
    edit = ProcedureEdit(
        channels=[
            ChannelEdit(channel="in_person", time_text="3 ngày làm việc", fee_text="10.000 đồng"),
            ChannelEdit(channel="online", time_text="2 ngày làm việc", fee_text="4.000 đồng"),
        ]
    )
    with session_scope(sample_engine) as session:
        edit_procedure(session, TEMPORARY_RESIDENCE, edit, actor="canbo.an")
    with session_scope(sample_engine) as session:
        preview = preview_rollback(session, decision_id)
    [edited] = preview.edited_since
    assert edited.code == TEMPORARY_RESIDENCE and edited.edited_by == ["canbo.an"]
    assert edited.last_edited_at is not None
    hand = next(c for c in edited.changes if c.label == "Kênh Trực tuyến")
    assert "5.000 đồng/lần đăng ký" in hand.before and "4.000 đồng" in hand.after

    with pytest.raises(RollbackConflictError, match=TEMPORARY_RESIDENCE) as refused:
        with session_scope(sample_engine) as session:
            rollback_decision(session, decision_id, actor="quantri")
    assert refused.value.status_code == 409
    assert _fees(sample_engine, TEMPORARY_RESIDENCE)["online"] == "4.000 đồng"  # untouched
    with session_scope(sample_engine) as session:
        assert [d.state for d in list_decisions(session)] == ["applied"]

    with session_scope(sample_engine) as session:
        rollback_decision(session, decision_id, actor="quantri", overwrite_edits=True)
    assert _fees(sample_engine, TEMPORARY_RESIDENCE) == original
    with session_scope(sample_engine) as session:
        overwritten = [
            e
            for e in list_changes(session, code=TEMPORARY_RESIDENCE)
            if e.action == "rollback" and e.label == "Kênh Trực tuyến"
        ]
    assert overwritten and "4.000 đồng" in overwritten[0].before  # the hand value is in the log
