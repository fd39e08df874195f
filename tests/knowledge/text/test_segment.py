"""Word segmentation with and without diacritics."""

from pathlib import Path

import pytest

from knowledge.text import segment
from knowledge.text.segment import folded_words
from knowledge.text.wordlist import build_word_list


def test_accented_text_is_segmented_by_underthesea_with_offsets() -> None:
    text = "Thủ tục đăng ký khai sinh"
    words = segment(text)
    assert [w.key for w in words] == ["thu_tuc", "dang_ky", "khai_sinh"]
    assert [text[w.start : w.end] for w in words] == ["Thủ tục", "đăng ký", "khai sinh"]


def test_accentless_text_gives_the_same_keys_as_accented_text() -> None:
    accented = [w.key for w in segment("đăng ký kết hôn ở đâu")]
    accentless = [w.key for w in segment("dang ky ket hon o dau")]
    assert accentless == accented


def test_accentless_offsets_cover_the_words() -> None:
    text = "thu tuc  doi giay phep lai xe"
    words = segment(text)
    assert [text[w.start : w.end] for w in words] == ["thu tuc", "doi", "giay phep", "lai xe"]
    assert [w.key for w in words] == [w.key for w in segment("thủ tục  đổi giấy phép lái xe")]


def test_empty_and_punctuation_only_text_give_no_words() -> None:
    assert segment("") == []
    assert segment(" ?! ") == []


def test_build_word_list_keeps_words_seen_often_enough() -> None:
    words = build_word_list(
        ["Đăng ký khai sinh", "đăng ký kết hôn", "no accents here"], min_count=2
    )
    assert words == ["dang ky"]


def test_word_file_is_read_in_folded_form(tmp_path: Path) -> None:
    path = tmp_path / "words.txt"
    path.write_text("# comment\ndang ky\n\nkhai sinh\n", encoding="utf-8")
    folded_words.cache_clear()
    try:
        assert folded_words(path) == frozenset({"dang ky", "khai sinh"})
    finally:
        folded_words.cache_clear()


def test_the_restorers_names_and_forms_of_address_are_read_from_the_data(tmp_path: Path) -> None:
    from knowledge.errors import InvalidInputError
    from knowledge.text.wordlist import place_names, words_before_names

    assert {"Quảng Nam", "Hà Nội", "Thái Nguyên"} <= set(place_names())
    assert "anh" in words_before_names() and "bà" in words_before_names()
    broken = tmp_path / "accents.yml"
    broken.write_text("before_names: anh\n", encoding="utf-8")
    with pytest.raises(InvalidInputError, match="before_names"):
        words_before_names(broken)
