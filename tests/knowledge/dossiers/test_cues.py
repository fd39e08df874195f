"""What makes a message a question about one filed dossier (knowledge.dossiers.cues)."""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge.config import PROJECT_ROOT
from knowledge.dossiers.cues import asks_about_own_dossier, dossier_cues, dossier_cues_in
from knowledge.errors import InvalidInputError
from knowledge.text import fold_accents


def _status_examples() -> list[str]:
    from rasa.shared.nlu.training_data.loading import load_data  # heavy: only here

    data = load_data(str(PROJECT_ROOT / "data" / "nlu"))
    return [
        m.get("text") for m in data.intent_examples if m.get("intent") == "check_dossier_status"
    ]


def test_every_status_example_of_the_training_data_shows_a_cue() -> None:
    """The NLU data and the rule agree: each check_dossier_status example, as written and
    without diacritics, has a dossier code or a cue, so none is re-routed to a procedure."""
    examples = _status_examples()
    assert len(examples) > 100
    missed = [
        typed
        for text in examples
        for typed in (text, fold_accents(text))
        if not asks_about_own_dossier(typed)
    ]
    assert missed == []


@pytest.mark.parametrize(
    "text",
    [
        "hồ sơ của tôi đến đâu rồi",
        "ho so cua toi den dau roi",
        "tra cứu hồ sơ 000.00.12.H48-251120-0001",
        "kiểm tra tình trạng hồ sơ",
        "kiem tra tinh trang ho so",
        "000 00 12 h48 251120 0001",
        "hồ sơ cấp đổi căn cước nộp tuần trước sao chưa có kết quả",
        "Tôi đã nộp hồ sơ đăng ký kết hôn từ 1/9, đến nay đã quá hạn mà chưa có kết quả.",
        "hồ sơ khai sinh cho bé nhà em xong chưa ạ",
    ],
)
def test_status_questions_name_a_filed_dossier(text: str) -> None:
    assert asks_about_own_dossier(text)


@pytest.mark.parametrize(
    "text",
    [
        "Nộp hồ sơ đăng ký hộ kinh doanh, có giấy biên nhận rồi thì khi nào nhận được kết quả?",
        "nop ho so dang ky ho kinh doanh co giay bien nhan thi khi nao nhan duoc ket qua",
        "hồ sơ đăng ký kết hôn cần những giấy tờ gì",
        "nộp hôm nay thì bao giờ có kết quả",
        "làm giấy xác nhận tình trạng hôn nhân mất bao lâu",
        "Con tôi sinh ra quá hạn mới đi khai sinh thì có bị phạt không?",
        "Hồ sơ thành lập hợp tác xã kể từ ngày Thông tư mới có hiệu lực gồm những gì?",
    ],
)
def test_procedure_questions_name_no_filed_dossier(text: str) -> None:
    assert not asks_about_own_dossier(text)


def test_cues_are_found_as_typed_with_or_without_diacritics() -> None:
    assert dossier_cues_in("hồ sơ của tôi đã được duyệt chưa ạ") == [
        "của tôi",
        "được duyệt chưa",
        "chưa ạ",
    ]
    assert dossier_cues_in("ho so bi tra ve a") == ["bi tra ve", "tra ve a"]
    # A syllable typed with diacritics must match exactly ("trà" is not "tra"); typed
    # without, it matches the folded cue.
    assert dossier_cues_in("uống trà cứu đói") == []
    assert dossier_cues_in("trang thai") == ["trang thai"]


def test_a_table_without_cues_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "cues.yml"
    path.write_text("cues: {}\nendings: rồi\n", encoding="utf-8")
    with pytest.raises(InvalidInputError, match="cues"):
        dossier_cues(path)
