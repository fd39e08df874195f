"""Rules found on fresh everyday questions: rare words weigh more, words of a name stay,
the base procedure over an unasked action, labels that read as names.

The names are real records of the national catalog (../shared), read from the export.
"""

from __future__ import annotations

import pytest

from knowledge.schemas import SearchHit
from knowledge.search.resolve import (
    MAX_LABEL_CHARS,
    WordWeights,
    choose_variant,
    coverage,
    get_variant_words,
    procedure_words,
    variant_label,
    weighing_words,
)

DRIVING_LICENCE_REISSUE = "3.000348"  # Cấp lại giấy phép lái xe
DEATH = "1.000656"  # Thủ tục đăng ký khai tử
EXPERT = "2.002058"  # Xác nhận chuyên gia (cấp tỉnh)
HOUSEHOLD_BUSINESS = "1.001612"  # Đăng ký thành lập hộ kinh doanh
HOUSEHOLD_BUSINESS_STOP = "1.014035"  # Dừng thực hiện thủ tục đăng ký hộ kinh doanh
PASSPORT = "1.001456"  # Cấp hộ chiếu phổ thông ở trong nước (thực hiện tại cấp tỉnh)
PASSPORT_LOSS_DISTRICT = "1.010385"  # Trình báo mất hộ chiếu phổ thông (… cấp huyện)
PASSPORT_LOSS_COMMUNE = "1.010386"  # Trình báo mất hộ chiếu phổ thông (… cấp xã)
LAND_TRANSFER = "1.012787"  # Đăng ký, cấp Giấy chứng nhận … cho người nhận chuyển nhượng …
LAND_PROJECT = "1.013994"  # Đăng ký, cấp Giấy chứng nhận … chuyển nhượng dự án đầu tư …


@pytest.fixture(scope="module")
def weights(records: dict[str, SearchHit]) -> WordWeights:
    """The word weights of the whole national catalog."""
    return WordWeights.of_names(hit.name for hit in records.values())


def test_generic_name_words_weigh_less_than_topic_words(weights: WordWeights) -> None:
    """ "giấy", "phép", "đăng ký" are in many names; "rượu" in few; an unseen word weighs most."""
    assert weights.weight("giấy") < weights.weight("rượu") < weights.weight("karaoke")
    assert weights.weight("đăng") < weights.weight("khai")
    assert weights.weight("ruou") == weights.weight("rượu")  # typed without diacritics


def test_a_question_sharing_only_generic_words_is_no_strong_match(
    records: dict[str, SearchHit], weights: WordWeights
) -> None:
    """ "xin giấy phép bán rượu": the catalog has no liquor licence; sharing "giấy phép" with
    "Cấp lại giấy phép lái xe" covers little of the question once words are weighed."""
    words = ["giấy", "phép", "rượu"]
    hit = records[DRIVING_LICENCE_REISSUE]
    assert coverage(words, hit) >= 0.6  # unweighted: 2 of 3 words, a "strong" match
    with weighing_words(weights):
        assert coverage(words, hit) < 0.6


def test_a_question_quoting_a_name_but_its_action_covers_it(
    records: dict[str, SearchHit], weights: WordWeights
) -> None:
    """ "bà mất rồi làm khai tử": "đăng ký" of "Thủ tục đăng ký khai tử" is its action, not a
    word the question lacks."""
    with weighing_words(weights):
        assert coverage(["bà", "khai", "tử"], records[DEATH]) == 1.0


def test_a_name_partly_quoted_is_no_strong_match(
    records: dict[str, SearchHit], weights: WordWeights
) -> None:
    """ "cấp work permit cho chuyên gia nước ngoài" shares "chuyên gia" only with "Xác nhận
    chuyên gia": half of the name, however common "xác nhận" is."""
    words = procedure_words("cấp work permit cho chuyên gia nước ngoài")
    with weighing_words(weights):
        assert coverage(words, records[EXPERT]) < 0.6


def test_an_age_is_a_variant_word() -> None:
    """ "cho bé 5 tuổi" says which variant (under 14), not which procedure."""
    words = ["làm", "căn", "cước", "bé", "5", "tuổi"]
    assert get_variant_words().without_variant_words(words) == ["làm", "căn", "cước"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # "nhận" alone asks for a result; after "xác" it ends the word "xác nhận".
        ("Xác nhận chuyên gia (cấp tỉnh)", ["xác", "nhận", "chuyên", "gia"]),
        (
            "xin giấy xác nhận tình trạng hôn nhân",
            ["giấy", "xác", "nhận", "tình", "trạng", "hôn", "nhân"],
        ),
        ("xac nhan cu tru mat may ngay", ["xac", "nhan", "cu", "tru"]),
        ("nhận được giấy gì", []),  # "nhận" opening a question is still the result asked
    ],
)
def test_a_syllable_ending_a_word_of_the_name_stays(text: str, expected: list[str]) -> None:
    """An aspect or filler syllable that ends a word begun by a kept one is part of a name."""
    assert procedure_words(text) == expected


def test_the_base_procedure_over_another_unasked_action(records: dict[str, SearchHit]) -> None:
    """ "đăng ký hộ kinh doanh bán tạp hóa": "bán" sells goods; no variant transfers, so the
    registration is answered, not "Dừng thực hiện thủ tục đăng ký hộ kinh doanh"."""
    variants = [records[HOUSEHOLD_BUSINESS_STOP], records[HOUSEHOLD_BUSINESS]]
    resolution = choose_variant("đăng ký hộ kinh doanh bán tạp hóa", variants)
    assert resolution.code == HOUSEHOLD_BUSINESS


def test_the_same_name_at_two_levels_is_labelled_by_level(records: dict[str, SearchHit]) -> None:
    """Two "Trình báo mất hộ chiếu phổ thông" differ only by their level note."""
    district, commune = records[PASSPORT_LOSS_DISTRICT], records[PASSPORT_LOSS_COMMUNE]
    assert variant_label(district, commune) == "Cấp huyện"
    labels = {
        alt.label
        for alt in choose_variant(
            "lệ phí làm hộ chiếu", [records[PASSPORT], district, commune]
        ).alternatives
    }
    assert len(labels) == 2
    assert all(len(label) <= MAX_LABEL_CHARS for label in labels)
    assert labels == {"Trình báo mất · Cấp huyện", "Trình báo mất · Cấp xã"}


def test_a_long_variant_is_labelled_by_how_its_name_goes_on(records: dict[str, SearchHit]) -> None:
    """Not the scattered words only it has ("Đối trường hợp đầu tư có")."""
    label = variant_label(records[LAND_PROJECT], records[LAND_TRANSFER])
    assert label.startswith("Đăng ký, … ")
    assert len(label) <= MAX_LABEL_CHARS


def test_a_place_the_citizen_names_weighs_like_a_common_word(
    records: dict[str, SearchHit], weights: WordWeights
) -> None:
    """ "làm hộ chiếu lần đầu ở Quảng Ngãi": where the citizen lives is no topic word. Rare
    among names, "quảng ngãi" would make the passport a weak match; it weighs the floor."""
    words = procedure_words("làm hộ chiếu lần đầu ở Quảng Ngãi")
    assert weights.weight("ngãi") > weights.floor
    with weighing_words(weights):
        assert coverage(words, records[PASSPORT]) >= 0.6
        accentless = procedure_words("lam ho chieu lan dau o quang ngai")
        assert coverage(accentless, records[PASSPORT]) >= 0.6
