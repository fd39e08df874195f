"""Payload validation in Vietnamese, and file imports that write everything or nothing."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from knowledge.dossiers.ingest import DossierInvalid, import_dossiers, parse_dossier
from knowledge.dossiers.store import get_dossier
from knowledge.enums import DossierState, ResultDelivery
from knowledge.errors import ImportFailed, InvalidInputError
from knowledge.models import Dossier
from tests.knowledge.dossiers.conftest import CODE, NOW, payload

HEADER = (
    "code,procedure_code,receiving_agency,state,state_reason,received_at,"
    "applicant_name,applicant_phone,fee_paid_online,result_delivery\n"
)


def _problems(data: dict) -> dict[str, str]:
    with pytest.raises(DossierInvalid) as caught:
        parse_dossier(data)
    assert caught.value.message.startswith("Dữ liệu hồ sơ không hợp lệ")
    return dict(caught.value.problems)


def test_a_valid_payload_is_normalized() -> None:
    dossier = parse_dossier(
        payload(
            code=" 000.00.12.h48-251120-0001 ",
            applicant_phone="+84 912 345 678",
            applicant_name="  Nguyễn Văn An ",
            received_at="2025-11-20T01:30:00Z",
            state="Đang xử lý",
            result_delivery="bưu chính",
            fee_paid_online="có",
        )
    )
    assert dossier.code == CODE
    assert dossier.applicant_phone == "0912345678"
    assert dossier.applicant_name == "Nguyễn Văn An"
    assert dossier.received_at == datetime(2025, 11, 20, 8, 30)  # UTC → Vietnam time
    assert dossier.state is DossierState.in_progress
    assert dossier.result_delivery is ResultDelivery.postal
    assert dossier.fee_paid_online is True


def test_each_bad_field_is_named_with_a_vietnamese_reason() -> None:
    problems = _problems(
        payload(
            code="HS-2025-1",
            applicant_phone="12345",
            applicant_id_number="0510",
            state="lost",
            received_at="hôm qua",
            applicant_name=None,
        )
    )
    assert problems == {
        "code": "mã hồ sơ không đúng dạng (ví dụ 000.00.12.H48-251120-0001)",
        "applicant_phone": "số điện thoại phải có 10–11 chữ số, bắt đầu bằng 0 hoặc +84",
        "applicant_id_number": "số định danh (CCCD) phải có 12 chữ số (CMND cũ: 9 chữ số)",
        "state": (
            "phải là một trong: received, in_progress, needs_supplement, result_ready, "
            "returned, rejected, withdrawn"
        ),
        "received_at": "ngày giờ không hợp lệ (dạng 2025-11-20T08:30:00)",
        "applicant_name": "thiếu trường bắt buộc",
    }


@pytest.mark.parametrize(
    ("state", "what"), [("needs_supplement", "cần bổ sung gì"), ("rejected", "lý do từ chối")]
)
def test_supplement_and_rejection_need_a_reason(state: str, what: str) -> None:
    assert _problems(payload(state=state)) == {
        "hồ sơ": f"trạng thái {state} cần state_reason ({what})"
    }


def test_times_must_not_precede_reception() -> None:
    assert _problems(payload(due_at="2025-11-19T08:00:00")) == {
        "hồ sơ": "due_at không được trước received_at"
    }


def test_a_payload_must_be_an_object() -> None:
    assert _problems([1, 2]) == {"hồ sơ": "phải là một đối tượng JSON"}  # type: ignore[arg-type]


def _csv(tmp_path: Path, *rows: str, name: str = "dossiers.csv") -> Path:
    path = tmp_path / name
    path.write_text(HEADER + "".join(rows), encoding="utf-8")
    return path


ROW = (
    "{code},1.004194,Bộ phận Một cửa UBND xã Bình Sơn,{state},{reason},2025-11-20 08:30,"
    "Trần Thị Bình,{phone},không,tại quầy\n"
)


def _row(n: int, state: str = "received", reason: str = "", phone: str = "0905123456") -> str:
    return ROW.format(code=f"000.01.11.H48-251120-{n:04d}", state=state, reason=reason, phone=phone)


def test_csv_import_writes_every_row(session: Session, tmp_path: Path) -> None:
    path = _csv(
        tmp_path,
        _row(1),
        _row(2, "cho bo sung", '"Thiếu tờ khai, bản sao CCCD"'),
        _row(3, "in_progress"),
    )
    report = import_dossiers(session, path, now=NOW)
    assert (report.imported, report.created, report.updated) == (3, 3, 0)
    second = get_dossier(session, "000.01.11.H48-251120-0002")
    assert second.state is DossierState.needs_supplement
    assert second.state_reason == "Thiếu tờ khai, bản sao CCCD"
    assert second.due_at == datetime(2025, 11, 25, 8, 30)  # 1.004194: 3 working days


def test_csv_import_is_all_or_nothing_with_line_numbers(session: Session, tmp_path: Path) -> None:
    path = _csv(tmp_path, _row(1), _row(2, phone="12"), _row(3), _row(1), _row(5, "rejected"))
    with pytest.raises(ImportFailed) as caught:
        import_dossiers(session, path, now=NOW)
    assert caught.value.problems == [
        (
            "dossiers.csv:3",
            "applicant_phone: số điện thoại phải có 10–11 chữ số, bắt đầu bằng 0 " "hoặc +84",
        ),
        ("dossiers.csv:5", "mã hồ sơ 000.01.11.H48-251120-0001 trùng với dossiers.csv:2"),
        ("dossiers.csv:6", "hồ sơ: trạng thái rejected cần state_reason (lý do từ chối)"),
    ]
    assert "3 lỗi" in caught.value.message
    assert session.scalar(select(func.count(Dossier.id))) == 0


def test_unknown_procedures_fail_the_whole_file(session: Session, tmp_path: Path) -> None:
    path = _csv(tmp_path, _row(1), _row(2).replace("1.004194", "9.999999"))
    with pytest.raises(ImportFailed) as caught:
        import_dossiers(session, path, now=NOW)
    assert caught.value.problems == [
        ("dossiers.csv:3", "procedure_code: thủ tục 9.999999 không có trong danh mục")
    ]
    assert session.scalar(select(func.count(Dossier.id))) == 0


def test_semicolon_csv_with_a_byte_order_mark(session: Session, tmp_path: Path) -> None:
    path = tmp_path / "excel.csv"
    text = (HEADER + _row(1)).replace(",", ";")
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    assert import_dossiers(session, path, now=NOW).imported == 1


def test_csv_row_with_too_many_cells(session: Session, tmp_path: Path) -> None:
    path = _csv(tmp_path, _row(1).rstrip("\n") + ",thừa\n")
    with pytest.raises(ImportFailed) as caught:
        import_dossiers(session, path, now=NOW)
    assert caught.value.problems == [("dossiers.csv:2", "dòng có nhiều cột hơn tiêu đề")]


def test_json_import_updates_existing_dossiers(session: Session, tmp_path: Path) -> None:
    path = tmp_path / "push.json"
    path.write_text(
        json.dumps([payload(), payload(code="000.00.12.H48-251120-0002")]), encoding="utf-8"
    )
    assert import_dossiers(session, path, now=NOW).created == 2
    path.write_text(
        json.dumps({"dossiers": [payload(state="result_ready", changed_at="2025-11-28T10:00:00")]}),
        encoding="utf-8",
    )
    report = import_dossiers(session, path, now=NOW)
    assert (report.imported, report.created, report.updated) == (1, 0, 1)
    assert [h.state for h in get_dossier(session, CODE).history][-1] is DossierState.result_ready


def test_json_problems_name_the_record_index(session: Session, tmp_path: Path) -> None:
    path = tmp_path / "push.json"
    path.write_text(json.dumps([payload(), payload(code="x")]), encoding="utf-8")
    with pytest.raises(ImportFailed) as caught:
        import_dossiers(session, path, now=NOW)
    assert caught.value.problems == [
        ("push.json[1]", "code: mã hồ sơ không đúng dạng (ví dụ 000.00.12.H48-251120-0001)")
    ]


def test_broken_json_names_its_line(session: Session, tmp_path: Path) -> None:
    path = tmp_path / "push.json"
    path.write_text('[\n{"code": 1},\n{oops}\n]', encoding="utf-8")
    with pytest.raises(ImportFailed) as caught:
        import_dossiers(session, path, now=NOW)
    assert caught.value.problems[0][0] == "push.json:3"


def test_json_lines_report_line_numbers(session: Session, tmp_path: Path) -> None:
    path = tmp_path / "push.jsonl"
    path.write_text(json.dumps(payload()) + "\n\n{not json}\n", encoding="utf-8")
    with pytest.raises(ImportFailed) as caught:
        import_dossiers(session, path, now=NOW)
    assert [where for where, _ in caught.value.problems] == ["push.jsonl:3"]


@pytest.mark.parametrize(
    ("name", "content", "error"),
    [
        ("dossiers.xlsx", "x", InvalidInputError),
        ("empty.csv", "", ImportFailed),
        ("missing.csv", None, InvalidInputError),
    ],
)
def test_files_the_import_refuses(
    session: Session, tmp_path: Path, name: str, content: str | None, error: type[Exception]
) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(error):
        import_dossiers(session, path, now=NOW)
