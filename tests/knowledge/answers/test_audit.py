"""The answer audit: every rule that denotes a wrong fact finds nothing, catalog-wide.

Over the national export in ../shared when present (what a deployment serves), else over the
sample catalog. A parser or renderer change that brings a pattern back fails here, and each
rule is shown to fire on the pattern it names.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from knowledge.answers.audit import RULES, AuditReport, Case, audit, raw_records
from knowledge.catalog.importer import import_index_sheet, import_json_catalog
from knowledge.config import NATIONAL_CATALOG_DIR, NATIONAL_LISTS_DIR, SAMPLE_CATALOG_DIR
from knowledge.db import make_engine, migrate, session_scope
from knowledge.procedures import all_procedure_cards
from knowledge.schemas import ChannelInfo, ProcedureCard

WRONG = [rule.name for rule in RULES if rule.kind == "wrong"]


@pytest.fixture(scope="module")
def catalog(tmp_path_factory: pytest.TempPathFactory) -> tuple[Engine, Path]:
    """The default catalog as ``make run`` loads it (index sheets included), and its folder."""
    national = NATIONAL_CATALOG_DIR.is_dir()
    folder = NATIONAL_CATALOG_DIR if national else SAMPLE_CATALOG_DIR
    url = f"sqlite:///{tmp_path_factory.mktemp('audit') / 'catalog.db'}"
    migrate(url)
    engine = make_engine(url)
    with session_scope(engine) as session:
        import_json_catalog(session, folder, source="national" if national else "sample")
        if national and NATIONAL_LISTS_DIR.is_dir():
            for sheet in sorted(NATIONAL_LISTS_DIR.glob("*.xlsx")):
                import_index_sheet(session, sheet)
    return engine, folder


@pytest.fixture(scope="module")
def report(catalog: tuple[Engine, Path]) -> AuditReport:
    engine, folder = catalog
    with session_scope(engine) as session:
        return audit(all_procedure_cards(session), raw_records(folder))


@pytest.mark.slow
def test_every_procedure_is_audited(report: AuditReport, catalog: tuple[Engine, Path]) -> None:
    _engine, folder = catalog
    assert report.procedures == len(raw_records(folder)) > 0


@pytest.mark.slow
@pytest.mark.parametrize("rule", WRONG)
def test_no_answer_states_a_wrong_fact(report: AuditReport, rule: str) -> None:
    assert report.findings[rule] == [], f"{rule}: {report.findings[rule][:10]}"


def test_the_report_writes_the_offending_codes(tmp_path: Path) -> None:
    report = AuditReport(procedures=2)
    report.findings["papers_dropped"] = ["1.004772"]
    report.findings["duplicated_agency"] = ["1.012537"]
    out = tmp_path / "audit.tsv"
    report.write(out)
    assert out.read_text(encoding="utf-8").splitlines() == [
        "papers_dropped\t1.004772",
        "duplicated_agency\t1.012537",
    ]
    assert report.wrong_findings() == 1


# --------------------------------------------------------------------------- each rule fires


def _case(answers: dict[str, str], **raw: str) -> Case:
    card = ProcedureCard(
        code="1.000001",
        name="Thủ tục thử",
        levels="",
        procedure_type=None,
        ministry=None,
        field=None,
        decision_number=None,
        target_subjects=None,
        competent_agency=None,
        implementing_agency=None,
        receiving_address=None,
        steps=None,
        conditions=None,
        results=[],
        detail_url=None,
        status="in_force",
        status_decision=None,
        status_date=None,
        replaced_by_code=None,
        channels=[
            ChannelInfo(
                channel="in_person",
                channel_label="Trực tiếp",
                time_value=None,
                time_unit=None,
                time_text="",
                fee_text="",
                fee_amount=None,
                description="",
            )
        ],
        papers=[],
        papers_text=None,
        legal_documents=[],
    )
    full = {
        aspect: "Tiêu đề:\n"
        for aspect in ("fee", "processing_time", "documents", "agency", "channels")
    }
    full.update({aspect: f"Tiêu đề:\n{text}" for aspect, text in answers.items()})
    record = {"ma_thu_tuc": "1.000001", "ten_thu_tuc": "Thủ tục thử", **raw}
    return Case(card=card, raw=record, answers=full, today=date(2026, 12, 1))


HEADER = "Hình thức nộpThời gianPhí, lệ phíMô tả"
PAPERS = "--Tên giấy tờMẫu đơn, tờ khaiSố lượng"

BAD = {
    "papers_dropped": _case(
        {"documents": "1. Tờ khai (1 bản chính)"},
        thanh_phan_ho_so=PAPERS + "Tờ khai1 bản chínhBản sao giấy khai sinh0 bản chính,1 bản sao",
    ),
    "papers_only_in_text": _case(
        {"documents": "Hồ sơ: danh mục chưa liệt kê thành phần hồ sơ."},
        thanh_phan_ho_so="Theo quy định tại Điều 33 Luật Cư trú.",
    ),
    "zero_copies_shown": _case({"documents": "1. Tờ khai (0 bản chính)"}),
    "time_unit_invented": _case(
        {"processing_time": "- Trực tiếp: 9 ngày"},
        cach_thuc_thuc_hien=HEADER + "Trực tiếp9Miễn phí",
        trinh_tu_thuc_hien="Trong thời hạn 09 ngày làm việc.",
    ),
    "zero_time_as_days": _case({"processing_time": "- Trực tiếp: 0 ngày"}),
    "time_without_time": _case({"processing_time": "- Trực tiếp: Nộp tại Bộ phận một cửa."}),
    "free_headline_fee_due": _case(
        {"fee": "- Trực tiếp: miễn phí"},
        cach_thuc_thuc_hien=HEADER + "Trực tiếp5 NgàyMiễn phí(Mức lệ phí do HĐND tỉnh quyết định)",
    ),
    "amount_not_in_record": _case(
        {"fee": "- Trực tiếp: 500.000 đồng"},
        cach_thuc_thuc_hien=HEADER + "Trực tiếp6 Ngày500 VNĐ(Từ ngày 01/01/2026 áp dụng)",
    ),
    "reduced_fee_hidden": _case(
        {"fee": "- Trực tiếp: 3.000.000 đồng"},
        cach_thuc_thuc_hien=HEADER + "Trực tiếp7 Ngày làm việc3,000,000 Việt Nam Đồng((áp dụng "
        "mức phí 1.500.000 đồng/hồ sơ kể từ ngày 01/7/2025 đến hết ngày 31/12/2026))",
    ),
    "no_fee_rule_as_missing": _case(
        {"fee": "- Trực tiếp: danh mục chưa ghi lệ phí"},
        cach_thuc_thuc_hien=HEADER + "Trực tiếpKhông có thông tinKhông có thông tin"
        "- Không quy định phí, lệ phí",
    ),
    "fee_note_dropped": _case(
        {"fee": "- Trực tiếp: 50.000 đồng"},
        cach_thuc_thuc_hien=HEADER + "Trực tiếp3 Ngày làm việc50,000 VNĐ(50.000đ/giấy thông hành)",
    ),
    "agency_missing": _case(
        {"agency": "Danh mục chưa ghi cơ quan thực hiện."},
        trinh_tu_thuc_hien="Tổ chức gửi 01 bộ hồ sơ đến cơ quan đăng ký phương tiện.",
    ),
    "channels_differ": _case(
        {"channels": "Có thể nộp: Trực tiếp."},
        cach_thuc_thuc_hien=HEADER + "Trực tuyến1 NgàyMiễn phí",
    ),
    "agency_time_sentence": _case({"agency": "- Nộp trực tiếp: Trong thời hạn 05 ngày làm việc"}),
    "duplicated_agency": _case({"agency": "- Cơ quan thực hiện: Sở Tư pháp; Sở Tư pháp"}),
    "repeated_channel_label": _case({"channels": "Có thể nộp: Trực tiếp, Trực tiếp."}),
    "empty_paper_item": _case({"documents": "1. (1 bản chính)"}),
    "paper_heading_repeats_item": _case(
        {"documents": "Phiếu đề nghị (Mẫu DC02):\n1. Phiếu đề nghị (Mẫu DC02) (1 bản chính)"}
    ),
    "special_case_before_form": _case(
        {
            "documents": "1. Trường hợp ủy quyền: văn bản ủy quyền (1 bản chính)\n"
            "2. Tờ khai (1 bản chính)"
        }
    ),
}


@pytest.mark.parametrize("rule", RULES, ids=[rule.name for rule in RULES])
def test_each_rule_fires_on_its_pattern(rule: object) -> None:
    assert rule.check(BAD[rule.name])  # type: ignore[attr-defined]
    clean = _case(
        {
            "documents": "1. Tờ khai (1 bản chính)",
            "channels": "Có thể nộp: Trực tiếp.",
            "fee": "- Trực tiếp: miễn phí",
            "processing_time": "- Trực tiếp: 1 ngày",
        },
        cach_thuc_thuc_hien=HEADER + "Trực tiếp1 NgàyMiễn phí",
        thanh_phan_ho_so=PAPERS + "Tờ khai1 bản chính",
    )
    assert not rule.check(clean)  # type: ignore[attr-defined]


def test_every_rule_has_a_pattern_case() -> None:
    assert set(BAD) == {rule.name for rule in RULES}
