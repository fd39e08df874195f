"""Catalog import: upsert by code, all-or-nothing failure, mismatched records, Excel sheets."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from knowledge.catalog.importer import import_index_sheet, import_json_catalog
from knowledge.catalog.stats import catalog_coverage
from knowledge.config import SAMPLE_CATALOG_DIR
from knowledge.db import session_scope
from knowledge.errors import ImportFailed, InvalidInputError, NotFoundError
from knowledge.models import ChannelOption, Procedure
from knowledge.procedures import card_of, find_procedure, get_procedure

BIRTH = "1.001193"


def _count(engine: Engine, model: type) -> int:
    with session_scope(engine) as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def _copy_sample(tmp_path: Path) -> Path:
    target = tmp_path / "catalog"
    shutil.copytree(SAMPLE_CATALOG_DIR, target, ignore=shutil.ignore_patterns("*.md"))
    return target


def test_import_parses_channels_papers_and_legal_basis(engine: Engine) -> None:
    with session_scope(engine) as session:
        report = import_json_catalog(session, SAMPLE_CATALOG_DIR, source="sample")
    assert report.imported == 20 and report.skipped == []
    with session_scope(engine) as session:
        card = get_procedure(session, BIRTH)
    assert card.name == "Thủ tục đăng ký khai sinh"
    assert card.levels == "Cấp xã"
    assert card.field == "Hộ tịch"
    assert card.ministry == "bo-tu-phap"
    assert {c.channel for c in card.channels} >= {"in_person", "online"}
    assert all(c.fee_amount == 0 for c in card.channels)
    assert card.papers and all(p.name for p in card.papers)
    assert card.legal_documents and all("/" in d.number for d in card.legal_documents)


def test_a_card_read_as_rows_is_the_card_of_the_orm_objects(engine: Engine) -> None:
    """get_procedure reads plain rows (faster); every field of every card is what the
    procedure's ORM objects give, papers, channels and legal basis in their order."""
    with session_scope(engine) as session:
        import_json_catalog(session, SAMPLE_CATALOG_DIR, source="sample")
    with session_scope(engine) as session:
        codes = list(session.scalars(select(Procedure.code)))
        for code in codes:
            assert get_procedure(session, f" {code} ") == card_of(find_procedure(session, code))
        with pytest.raises(NotFoundError):
            get_procedure(session, "9.999999")
        with pytest.raises(InvalidInputError):
            get_procedure(session, "khai sinh")
    assert len(codes) == 20


def test_reimport_is_idempotent(engine: Engine) -> None:
    with session_scope(engine) as session:
        import_json_catalog(session, SAMPLE_CATALOG_DIR, source="sample")
    with session_scope(engine) as session:
        before = {p.code: p.updated_at for p in session.scalars(select(Procedure))}
    channels_before = _count(engine, ChannelOption)
    with session_scope(engine) as session:
        report = import_json_catalog(session, SAMPLE_CATALOG_DIR, source="sample")
    assert report.imported == 20
    with session_scope(engine) as session:
        after = {p.code: p.updated_at for p in session.scalars(select(Procedure))}
    assert after == before
    assert _count(engine, ChannelOption) == channels_before


def test_reimport_updates_a_changed_record(engine: Engine, tmp_path: Path) -> None:
    catalog = _copy_sample(tmp_path)
    with session_scope(engine) as session:
        import_json_catalog(session, catalog)
    file = next(catalog.rglob(f"{BIRTH}.json"))
    raw = json.loads(file.read_text(encoding="utf-8"))
    raw["cach_thuc_thuc_hien"] = (
        "Hình thức nộpThời gianPhí, lệ phíMô tảTrực tiếp3 Ngày làm việc8,000 VNĐ(8.000 đồng/bản)"
    )
    file.write_text(json.dumps(raw, ensure_ascii=False), encoding="utf-8")
    with session_scope(engine) as session:
        import_json_catalog(session, catalog)
    with session_scope(engine) as session:
        card = get_procedure(session, BIRTH)
    assert [(c.channel, c.time_value, c.fee_amount) for c in card.channels] == [
        ("in_person", 3.0, 8000)
    ]


def test_one_broken_file_rolls_back_the_whole_run(engine: Engine, tmp_path: Path) -> None:
    catalog = _copy_sample(tmp_path)
    (catalog / "bo-tu-phap" / "9.999999.json").write_text(
        '{"ma_thu_tuc": "9.999999",\n "ten', encoding="utf-8"
    )
    nameless = catalog / "bo-tu-phap" / "9.999998.json"
    nameless.write_text(json.dumps({"ma_thu_tuc": "9.999998", "ten_thu_tuc": ""}), encoding="utf-8")
    with pytest.raises(ImportFailed) as failure:
        with session_scope(engine) as session:
            import_json_catalog(session, catalog)
    places = dict(failure.value.problems)
    assert "bo-tu-phap/9.999999.json:2" in places
    assert "bo-tu-phap/9.999998.json" in places
    assert len(failure.value.problems) == 2
    assert _count(engine, Procedure) == 0


def test_a_record_holding_another_procedure_is_skipped_and_reported(
    engine: Engine, tmp_path: Path
) -> None:
    catalog = _copy_sample(tmp_path)
    file = next(catalog.rglob(f"{BIRTH}.json"))
    raw = json.loads(file.read_text(encoding="utf-8"))
    raw["raw_text"] = raw["raw_text"].replace(f"Mã thủ tục{BIRTH}", "Mã thủ tục1.000894")
    file.write_text(json.dumps(raw, ensure_ascii=False), encoding="utf-8")
    with session_scope(engine) as session:
        report = import_json_catalog(session, catalog)
    assert report.imported == 19
    assert [where for where, _ in report.skipped] == [f"bo-tu-phap/{BIRTH}.json"]
    assert "1.000894" in report.skipped[0][1]


def test_missing_folder_is_a_clear_error(engine: Engine, tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError, match="Không tìm thấy"):
        with session_scope(engine) as session:
            import_json_catalog(session, tmp_path / "nowhere")


def _sheet(path: Path, rows: list[tuple]) -> Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nDANH SÁCH THỦ TỤC HÀNH CHÍNH",))
    sheet.append(("Mã số", "Tên", "Cơ quan ban hành", "Cơ quan thực hiện", "Lĩnh vực"))
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path


def test_index_sheet_updates_names_and_adds_new_codes(
    sample_engine: Engine, tmp_path: Path
) -> None:
    sheet = _sheet(
        tmp_path / "list.xlsx",
        [
            (BIRTH, "Đăng ký khai sinh", "Bộ Tư pháp", "UBND cấp xã", "Hộ tịch"),
            (
                "1.999001",
                "Thủ tục mới công bố",
                "Bộ Tư pháp",
                "Sở Tư pháp\nUBND cấp tỉnh",
                "Chứng thực",
            ),
        ],
    )
    with session_scope(sample_engine) as session:
        report = import_index_sheet(session, sheet)
    assert report.imported == 2
    with session_scope(sample_engine) as session:
        assert get_procedure(session, BIRTH).name == "Đăng ký khai sinh"
        added = get_procedure(session, "1.999001")
    assert added.implementing_agency == "Sở Tư pháp; UBND cấp tỉnh"
    assert added.field == "Chứng thực"


def test_index_sheet_with_bad_rows_names_each_row_and_writes_nothing(
    sample_engine: Engine, tmp_path: Path
) -> None:
    sheet = _sheet(
        tmp_path / "bad.xlsx",
        [
            ("1.999001", "Thủ tục hợp lệ", "Bộ Tư pháp", "Sở Tư pháp", "Chứng thực"),
            ("ABC", "Mã sai", None, None, None),
            ("1.999002", "  ", None, None, None),
        ],
    )
    with pytest.raises(ImportFailed) as failure:
        with session_scope(sample_engine) as session:
            import_index_sheet(session, sheet)
    assert [where for where, _ in failure.value.problems] == ["bad.xlsx:4", "bad.xlsx:5"]
    assert _count(sample_engine, Procedure) == 20


def test_a_file_that_is_not_excel_is_refused(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"not a workbook")
    with pytest.raises(InvalidInputError, match="broken.xlsx"):
        with session_scope(engine) as session:
            import_index_sheet(session, path)


@pytest.mark.slow
@pytest.mark.shared_data
def test_full_national_catalog(engine: Engine, national_catalog_dir: Path) -> None:
    with session_scope(engine) as session:
        report = import_json_catalog(session, national_catalog_dir)
    assert report.imported == 2625
    assert len(report.skipped) == 17
    with session_scope(engine) as session:
        coverage = catalog_coverage(session)
    assert coverage.procedures == 2625
    assert coverage.all_time_share > 0.9
    assert coverage.all_fee_share > 0.8
