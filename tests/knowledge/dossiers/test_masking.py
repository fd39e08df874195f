"""Names reduced to initials for citizens; the last digits of a phone."""

from __future__ import annotations

import unicodedata

import pytest

from knowledge.dossiers.masking import last_digits, mask_name


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("Nguyễn Văn An", "N*** V** A"),
        ("Tôn Nữ Thị Phương Thảo", "T** N* T** P*** T"),
        ("  lê  thị hồng  ", "L* T** H"),
        ("Đặng Thị Út", "Đ*** T** Ú"),
        ("Y Moan", "Y M"),
        ("H'Hen", "H***"),
        ("", ""),
    ],
)
def test_mask_name(name: str, masked: str) -> None:
    assert mask_name(name) == masked


def test_mask_name_of_decomposed_unicode_keeps_whole_letters() -> None:
    assert mask_name(unicodedata.normalize("NFD", "Ông Văn Ánh")) == "Ô** V** Á"


@pytest.mark.parametrize(
    ("phone", "last"), [("0912345678", "5678"), ("+84 912 345 678", "5678"), ("091", ""), ("", "")]
)
def test_last_digits(phone: str, last: str) -> None:
    assert last_digits(phone) == last
