"""Abbreviations: both a catalog name and a question are read with them spelt out."""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge.errors import InvalidInputError
from knowledge.search.terms import folded_syllables
from knowledge.text.abbreviations import Abbreviations, get_abbreviations


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Cấp lại thẻ BHYT", "cap lai the bao hiem y te"),
        ("hưởng chế độ TNLĐ, BNN", "huong che do tai nan lao dong benh nghe nghiep"),
        ("che do tnld", "che do tai nan lao dong"),  # typed without the đ
        ("công ty TNHH MTV", "cong ty trach nhiem huu han mot thanh vien"),
        ("đăng ký kết hôn", "dang ky ket hon"),  # nothing to expand
    ],
)
def test_project_table_spells_out_catalog_abbreviations(text: str, expected: str) -> None:
    assert " ".join(get_abbreviations().expand(folded_syllables(text))) == expected


def test_every_expansion_is_plain_words_of_the_catalog_alphabet() -> None:
    """A full wording never holds another abbreviation, so expansion needs one pass."""
    table = get_abbreviations()
    for full in table._full.values():
        assert table.expand(list(full)) == list(full)


def test_missing_meaning_is_reported_with_the_abbreviation(tmp_path: Path) -> None:
    path = tmp_path / "abbreviations.yml"
    path.write_text("abbreviations:\n  bhyt: bảo hiểm y tế\n  kcb:\n", encoding="utf-8")
    with pytest.raises(InvalidInputError, match="kcb"):
        Abbreviations.from_file(path)


def test_broken_yaml_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "abbreviations.yml"
    path.write_text("abbreviations: [unclosed\n", encoding="utf-8")
    with pytest.raises(InvalidInputError, match="Không đọc được bảng viết tắt"):
        Abbreviations.from_file(path)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("- bhyt\n- kcb\n", "phải là một bảng YAML"),
        ("abbreviations: [bhyt, kcb]\n", "'abbreviations' phải là một bảng"),
    ],
)
def test_a_list_where_a_table_belongs_is_a_clear_error(
    tmp_path: Path, content: str, message: str
) -> None:
    path = tmp_path / "abbreviations.yml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InvalidInputError, match=message):
        Abbreviations.from_file(path)
