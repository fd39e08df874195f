"""Each rendering rule of issue 17 on the real national records it was found on."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from knowledge.answers import format_answer, summarize
from knowledge.answers import render as render_module
from knowledge.answers.facts import (
    copies_label,
    distinct_agencies,
    is_note,
    read_fee,
    read_time,
    reduced_fee,
)
from knowledge.catalog.parsing import parse_fee_amount, parse_papers
from knowledge.schemas import ChannelInfo, PaperInfo, ProcedureCard

pytestmark = pytest.mark.shared_data

Cards = Callable[[str], ProcedureCard]
TODAY = date(2026, 12, 1)


def _lines(card: ProcedureCard, aspect: str) -> list[str]:
    return format_answer(card, aspect).split("\nMã thủ tục:")[0].splitlines()


# --------------------------------------------------------------------------- papers


def test_a_paper_held_as_a_copy_is_shown_with_its_copy(real_card: Cards) -> None:
    # 1.004772: "Bản sao toàn bộ hồ sơ, giấy tờ của người yêu cầu…" is "0 bản chính, 1 bản sao".
    answer = format_answer(real_card("1.004772"), "documents")
    assert "Bản sao toàn bộ hồ sơ, giấy tờ của người yêu cầu" in answer
    assert "(0 bản chính" not in answer


def test_a_paper_to_show_is_kept_and_said_to_be_shown(real_card: Cards) -> None:
    # 2.002363: the identity paper is "0 bản chính" under "Giấy tờ phải xuất trình".
    card = real_card("2.002363")
    answer = format_answer(card, "documents")
    assert "Hộ chiếu/Thẻ căn cước công dân" in answer
    identity = next(p for p in card.papers if p.name.startswith("Hộ chiếu/Thẻ căn cước"))
    assert copies_label(identity) == "xuất trình"


def test_the_main_form_marked_zero_copies_is_kept(real_card: Cards) -> None:
    # 1.007930: the registration form itself is marked "0 bản chính".
    card = real_card("1.007930")
    zero = [p for p in card.papers if p.copies.startswith("0") and not is_note(p)]
    assert zero, "the record has a real paper marked 0 bản chính"
    answer = format_answer(card, "documents")
    for paper in zero[:3]:
        assert paper.name.lstrip("-+ ")[:40] in answer


def test_instructions_marked_zero_copies_are_notes_not_papers() -> None:
    note = PaperInfo(
        group="Giấy tờ phải xuất trình",
        name="Trường hợp các thông tin cá nhân … đã có trong Cơ sở dữ liệu",
        template="",
        copies="0 bản chính",
    )
    heading = PaperInfo(group="", name="- Giấy tờ phải nộp:", template="", copies="0 bản chính")
    paper = PaperInfo(
        group="", name="Bản sao giấy khai sinh", template="", copies="0 bản chính,1 bản sao"
    )
    assert is_note(note) and is_note(heading) and not is_note(paper)


def test_a_count_starting_the_next_paper_ends_the_row() -> None:
    # 1.012680: "…đối chiếu.0 bản chính,1 bản sao02 ảnh 4x6cm…" is two rows.
    rows = parse_papers(
        "--Tên giấy tờMẫu đơn, tờ khaiSố lượngBản sao giấy tờ chứng minh người đại diện; "
        "xuất trình bản chính để đối chiếu.0 bản chính,1 bản sao02 ảnh 4x6cm mới chụp."
        "2 bản chính"
    )
    assert [(r.name[:8], r.copies) for r in rows] == [
        ("Bản sao ", "0 bản chính,1 bản sao"),
        ("02 ảnh 4", "2 bản chính"),
    ]


def test_forms_come_first_and_special_cases_last(real_card: Cards) -> None:
    lines = _lines(real_card("1.002697"), "documents")
    assert lines[1].startswith("1. Giấy đề nghị gia hạn")


def test_papers_only_in_text_are_shown_as_text() -> None:
    card = _card(papers_text="Theo quy định tại Điều 33 Luật Cư trú, hồ sơ gồm tờ khai.")
    assert "Điều 33 Luật Cư trú" in format_answer(card, "documents")


# --------------------------------------------------------------------------- time


def test_a_bare_number_takes_the_unit_the_steps_give_it(real_card: Cards) -> None:
    # 1.007930: the cell says "9"; the steps say "09 ngày làm việc".
    values = _lines(real_card("1.007930"), "processing_time")[1:]
    assert values and all("9 ngày làm việc" in line for line in values)


def test_a_bare_number_without_a_unit_in_the_record_is_said_plainly() -> None:
    channel = _channel(time_value=1.0, time_unit=None, time_text="1")
    assert read_time(channel, ["Bước 1: nộp hồ sơ."]) == "1 (danh mục không ghi đơn vị)"


def test_zero_is_no_time(real_card: Cards) -> None:
    answer = format_answer(real_card("1.115148"), "processing_time")
    assert "0 ngày" not in answer
    assert "không nêu thời hạn cụ thể" in answer


def test_an_empty_time_cell_is_answered_only_with_a_time() -> None:
    no_time = _channel(time_text="", description="Nộp hồ sơ tại Bộ phận một cửa.")
    with_time = _channel(time_text="", description="Nộp tại Sở. Trong thời hạn 05 ngày làm việc.")
    assert read_time(no_time, []) == "danh mục chưa ghi thời hạn"
    assert read_time(with_time, []) == "Trong thời hạn 05 ngày làm việc."


# --------------------------------------------------------------------------- fees


def test_free_with_a_fee_set_by_the_province_says_so(real_card: Cards) -> None:
    # 1.004772: "Miễn phí (Mức lệ phí cụ thể do Hội đồng nhân dân tỉnh… quyết định…)".
    lines = _lines(real_card("1.004772"), "fee")[1:]
    assert all(
        "miễn phí" not in line.split("Ghi chú")[0] for line in lines if line.startswith("- ")
    )
    assert "Hội đồng nhân dân cấp tỉnh quyết định" in lines[0]


def test_the_deployment_fills_in_its_own_provincial_fee(
    real_card: Cards, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fees = tmp_path / "province_fees.yml"
    fees.write_text('fees:\n  "1.004772": "8.000 đồng/việc"\n', encoding="utf-8")
    monkeypatch.setattr(render_module, "PROVINCE_FEES_FILE", fees)
    render_module._province_fees.cache_clear()
    try:
        assert "tại địa phương: 8.000 đồng/việc" in format_answer(real_card("1.004772"), "fee")
    finally:
        render_module._province_fees.cache_clear()


def test_free_with_a_charge_in_the_note_shows_the_charge(real_card: Cards) -> None:
    # 1.013089: "Miễn phí (- Lệ phí cấp giấy chứng nhận: 40.000 đồng/01 Giấy chứng nhận…)".
    line = _lines(real_card("1.013089"), "fee")[1]
    assert not line.endswith("miễn phí")
    assert "40.000 đồng" in line


def test_an_amount_is_never_scaled_without_the_record() -> None:
    # 1.013222 "500 VNĐ (Từ ngày 01/01/2026 áp dụng theo…)"; 1.002055 "1 VNĐ (… miễn lệ phí)".
    assert parse_fee_amount("500 VNĐ (Từ ngày 01/01/2026 áp dụng theo Thông tư 156/2025)") is None
    assert parse_fee_amount("1 VNĐ (Tổ chức hành nghề luật sư … được miễn lệ phí)") is None
    assert parse_fee_amount("40 Việt Nam Đồng (4.000 đ/giấy)") == 4000
    assert parse_fee_amount("20 VNĐ (20.000 đồng/tờ khai)") == 20000


def test_the_500_vnd_cell_is_shown_as_written(real_card: Cards) -> None:
    answer = format_answer(real_card("1.013222"), "fee")
    assert "500.000 đồng" not in answer
    assert "500 VNĐ" in answer


def test_a_reduced_fee_in_force_leads_with_its_end_date(real_card: Cards) -> None:
    # 1.002697: 3.000.000 đồng, "áp dụng mức phí 1.500.000 đồng/hồ sơ … đến hết ngày 31/12/2026".
    card = real_card("1.002697")
    fee = read_fee(card.channels[0], today=TODAY)
    assert fee.kind == "reduced"
    assert fee.text.startswith("1.500.000 đồng (mức áp dụng đến hết ngày 31/12/2026")
    after = read_fee(card.channels[0], today=date(2027, 1, 1))
    assert after.text == "3.000.000 đồng"


def test_an_expired_waiver_is_not_shown() -> None:
    text = "20,000,000 VNĐ (đồng/lần (Miễn phí từ ngày 07/4/2026 đến 30/6/2026 theo TT 40/2026)"
    assert reduced_fee(text, TODAY) is None
    assert reduced_fee(text, date(2026, 5, 1)) == (0, date(2026, 6, 30))


def test_no_fee_rule_is_said_so(real_card: Cards) -> None:
    answer = format_answer(real_card("6.003488"), "fee")
    assert "không quy định phí, lệ phí" in answer
    assert "chưa ghi" not in answer


def test_every_channels_fee_note_is_shown(real_card: Cards) -> None:
    # 1.012680: the in-person and the online notes differ; both are kept.
    answer = format_answer(real_card("1.012680"), "fee")
    assert "Thông tư số 25/2021/TT-BTC" in answer
    assert "Thông tư số 64/2025/TT-BTC" in answer


# --------------------------------------------------------------------------- agency, channels


def test_no_agency_on_the_card_takes_the_office_the_steps_name(real_card: Cards) -> None:
    # 2.001211: "… gửi … 01 bộ hồ sơ đến cơ quan đăng ký phương tiện."
    answer = format_answer(real_card("2.001211"), "agency")
    assert "chưa ghi cơ quan" not in answer
    assert "cơ quan đăng ký phương tiện" in answer


def test_a_time_sentence_is_no_agency_line(real_card: Cards) -> None:
    # 1.013260: the in-person description is "02 ngày làm việc, kể từ ngày nhận đủ hồ sơ…".
    answer = format_answer(real_card("1.013260"), "agency")
    assert "Nộp trực tiếp" not in answer


def test_agencies_are_named_once() -> None:
    assert distinct_agencies("Ủy ban nhân dân cấp xã; Ủy ban nhân dân cấp xã") == [
        "Ủy ban nhân dân cấp xã"
    ]
    assert distinct_agencies("Thuế cơ sở, Thuế tỉnh, thành phố") == [
        "Thuế cơ sở",
        "Thuế tỉnh, thành phố",
    ]


def test_channel_labels_are_listed_once(real_card: Cards) -> None:
    # 3.000380 has two rows per channel.
    offered = next(
        line for line in _lines(real_card("3.000380"), "channels") if "Có thể nộp" in line
    )
    assert offered == "Có thể nộp: Trực tiếp, Trực tuyến, Dịch vụ bưu chính."


def test_the_summary_says_what_the_bot_says(real_card: Cards) -> None:
    card = real_card("1.002697")
    summary = summarize(card)
    assert summary.channels[0].fee == read_fee(card.channels[0]).text
    assert summary.channels[0].fee in format_answer(card, "fee")
    assert summary.text.splitlines()[0].startswith(card.name)


# --------------------------------------------------------------------------- helpers


def _channel(**values: object) -> ChannelInfo:
    base: dict[str, object] = {
        "channel": "in_person",
        "channel_label": "Trực tiếp",
        "time_value": None,
        "time_unit": None,
        "time_text": "",
        "fee_text": "",
        "fee_amount": None,
        "description": "",
    }
    return ChannelInfo(**{**base, **values})


def _card(**values: object) -> ProcedureCard:
    base: dict[str, object] = {
        "code": "1.000001",
        "name": "Thủ tục thử",
        "levels": "Cấp xã",
        "procedure_type": None,
        "ministry": None,
        "field": None,
        "decision_number": None,
        "target_subjects": None,
        "competent_agency": None,
        "implementing_agency": None,
        "receiving_address": None,
        "steps": None,
        "conditions": None,
        "results": [],
        "detail_url": None,
        "status": "in_force",
        "status_decision": None,
        "status_date": None,
        "replaced_by_code": None,
        "channels": [],
        "papers": [],
        "papers_text": None,
        "legal_documents": [],
    }
    return ProcedureCard(**{**base, **values})
