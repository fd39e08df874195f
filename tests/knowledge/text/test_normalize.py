"""Normalization, accent folding and syllable offsets."""

import unicodedata

import pytest

from knowledge.text import fold_accents, has_diacritics, normalize, syllables


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("  Thủ tục HOÀ GIẢI,  thuỷ sản!! ", "thủ tục hòa giải thủy sản"),
        ("Làm CCCD ở đâu?", "làm cccd ở đâu"),
        ("", ""),
        ("?!… :)", ""),
        ("Hồ sơ 000.00.12.H48", "hồ sơ 000 00 12 h48"),
    ],
)
def test_normalize(text: str, expected: str) -> None:
    assert normalize(text) == expected


def test_normalize_decomposed_input_equals_composed() -> None:
    composed = "Đăng ký kết hôn có yếu tố nước ngoài"
    assert normalize(unicodedata.normalize("NFD", composed)) == normalize(composed)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Đăng ký khai sinh", "Dang ky khai sinh"),
        ("giấy phép lái xe", "giay phep lai xe"),
        ("ĐỒNG đường", "DONG duong"),
        ("abc 123", "abc 123"),
    ],
)
def test_fold_accents(text: str, expected: str) -> None:
    assert fold_accents(text) == expected


def test_has_diacritics() -> None:
    assert has_diacritics("lệ phí")
    assert has_diacritics("đi")
    assert not has_diacritics("le phi bao nhieu")


def test_syllable_offsets_point_into_the_original_text() -> None:
    text = unicodedata.normalize("NFD", "Đăng ký hoà giải")
    spans = syllables(text)
    assert [s.text for s in spans] == ["đăng", "ký", "hòa", "giải"]
    assert [unicodedata.normalize("NFC", text[s.start : s.end]) for s in spans] == [
        "Đăng",
        "ký",
        "hoà",
        "giải",
    ]
