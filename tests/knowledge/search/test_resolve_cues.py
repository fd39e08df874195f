"""Cue words that are topic words, a name's head, land transfers and labels: the causes of
wrong first replies found on tuning material (issue 16, branch wrongs2).

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
    preference,
    procedure_words,
    same_family,
    variant_label,
    weighing_words,
)

MARTYR = "1.004163"  # Xét công nhận liệt sỹ, cấp bằng Tổ quốc ghi công …
VISA_EXEMPTION = "1.003144"  # Cấp giấy miễn thị thực cho người Việt Nam định cư ở nước ngoài …
LAND_CHANGE = "1.013831"  # Đăng ký biến động … trong các trường hợp … chuyển nhượng …
LAND_BUYER_IN_PROJECT = "1.012787"  # … cho người nhận chuyển nhượng … trong dự án bất động sản
LAND_PROJECT = "1.013994"  # Đăng ký, cấp Giấy chứng nhận … chuyển nhượng dự án đầu tư …
DRIVING_LICENCE = "3.000346"  # Cấp giấy phép lái xe
DRIVING_SCHOOL = "1.001777"  # Cấp Giấy phép đào tạo lái xe, cấp Giấy phép xe tập lái
DRIVING_SCHOOL_REISSUE = "1.001623"  # Cấp lại Giấy phép đào tạo lái xe ô tô khi …


@pytest.fixture(scope="module")
def weights(records: dict[str, SearchHit]) -> WordWeights:
    """The word weights of the whole national catalog."""
    return WordWeights.of_names(hit.name for hit in records.values())


@pytest.mark.parametrize(
    ("question", "kept"),
    [
        ("xin miễn học phí cho con hộ nghèo", ["miễn", "học", "phí", "hộ", "nghèo"]),
        ("lam lai bang dai hoc bi mat", ["bang", "dai", "hoc"]),
    ],
)
def test_a_listed_topic_word_keeps_its_cue_syllable(question: str, kept: list[str]) -> None:
    """ "học phí", "bằng đại học": the fee and "by/with" readings would drop the topic."""
    words = procedure_words(question)
    assert all(word in words for word in kept)


def test_a_cue_word_the_names_carry_beside_its_neighbour_is_a_topic_word(
    weights: WordWeights, records: dict[str, SearchHit]
) -> None:
    """ "bằng" of "cấp bằng Tổ quốc ghi công", "miễn" of "miễn thị thực" are in the names; "với"
    or "của" join every topic and stay filler; outside a catalog's context nothing changes."""
    assert "bằng" not in procedure_words("cấp bằng tổ quốc ghi công")
    with weighing_words(weights):
        martyr = procedure_words("cấp bằng tổ quốc ghi công")
        assert "bằng" in martyr
        assert "miễn" in procedure_words("xin giấy miễn thị thực")
        assert "với" not in procedure_words("đăng ký kết hôn với chồng")
        assert coverage(martyr, records[MARTYR]) >= 0.6
        assert coverage(procedure_words("giấy miễn thị thực"), records[VISA_EXEMPTION]) >= 0.6


def test_a_topic_the_catalog_lacks_is_no_strong_match(
    weights: WordWeights, records: dict[str, SearchHit]
) -> None:
    """ "miễn học phí cho con hộ nghèo" is no "Công nhận hộ nghèo" (the catalog has no
    school-fee procedure): sharing "hộ nghèo" covers under the strong share."""
    poor = next(h for h in records.values() if h.name.startswith("Công nhận hộ nghèo"))
    with weighing_words(weights):
        words = procedure_words("xin miễn học phí cho con hộ nghèo")
        assert coverage(words, poor) < 0.6


def test_a_land_transfer_is_the_registration_of_a_change(records: dict[str, SearchHit]) -> None:
    """ "sang tên sổ đỏ khi mua đất": the actions listed in "… trong các trường hợp …" are the
    cases 1.013831 covers, and buying from a developer is a special case."""
    question = "sang tên sổ đỏ khi mua đất"
    change, buyer = records[LAND_CHANGE], records[LAND_BUYER_IN_PROJECT]
    assert preference(question, change) > preference(question, buyer)
    resolution = choose_variant(question, [buyer, change, records[LAND_PROJECT]])
    assert resolution.code == LAND_CHANGE
    assert LAND_BUYER_IN_PROJECT in {alt.code for alt in resolution.alternatives}
    assert preference("mua căn hộ chung cư làm sổ hồng", buyer) > preference(
        "mua căn hộ chung cư làm sổ hồng", change
    )


def test_a_driving_school_permit_is_no_variant_of_the_driving_licence(
    records: dict[str, SearchHit],
) -> None:
    """ "giấy phép [đào tạo] lái xe" breaks the licence's words: another procedure, labelled
    by its own name, not "Lái xe"."""
    licence, school = records[DRIVING_LICENCE], records[DRIVING_SCHOOL]
    assert not same_family(licence.name, school.name)
    assert same_family(school.name, records[DRIVING_SCHOOL_REISSUE].name)
    assert variant_label(licence, school) == "Cấp giấy phép lái xe"


def test_a_label_never_begins_with_a_piece_of_the_shared_head(
    records: dict[str, SearchHit],
) -> None:
    """ "Đăng ký, cấp …" against "Đăng ký biến động …": the comma does not part them at "ký"."""
    label = variant_label(records[LAND_PROJECT], records[LAND_CHANGE])
    assert not label.startswith("Ký")
    assert len(label) <= MAX_LABEL_CHARS
