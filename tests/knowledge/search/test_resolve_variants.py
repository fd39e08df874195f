"""Choosing between variants of one procedure (issue 16, branch variants): a bounded age, a
nationality, a stated qualifier's wording, a name that breaks the question's words, a name
quoted in full against the joint procedure.

The names are real records of the national catalog (../shared), read from the export.
"""

from __future__ import annotations

import pytest

from knowledge.schemas import SearchHit
from knowledge.search.resolve import (
    VARIANT_COVERAGE_GAP,
    WordWeights,
    _quoted_fit,
    _share,
    breaks_pairs,
    choose_variant,
    get_variant_words,
    kept_pairs,
    likelihoods,
    procedure_words,
    stated_ages,
    variant_label,
    weighing_words,
)
from knowledge.text.abbreviations import get_abbreviations

MARRIAGE = "1.000894"  # Thủ tục đăng ký kết hôn
MARRIAGE_FOREIGN = "2.000806"  # Thủ tục đăng ký kết hôn có yếu tố nước ngoài
MARRIAGE_AGAIN = "1.004746"  # Thủ tục đăng ký lại kết hôn
DEATH = "1.000656"  # Thủ tục đăng ký khai tử
DEATH_FOREIGN = "1.001766"  # Thủ tục đăng ký khai tử có yếu tố nước ngoài
STAY_EXTENSION = "1.002755"  # Gia hạn tạm trú
STAY_EXTENSION_FOREIGN = "1.001146"  # Gia hạn tạm trú cho người nước ngoài … (… cấp tỉnh)
STAY_EXTENSION_FOREIGN_CENTRAL = "1.003326"  # … (thực hiện tại cấp Trung ương)
ID_UNDER_14 = "1.014062"  # Cấp thẻ căn cước cho người dưới 14 tuổi
ID_UNDER_14_PROVINCE = "1.012549"  # … dưới 14 tuổi (thực hiện tại cấp tỉnh)
ID_OVER_14 = "1.014061"  # Cấp thẻ căn cước cho người từ đủ 14 tuổi trở lên
ID_OVER_14_PROVINCE = "2.000200"  # … từ đủ 14 tuổi trở lên (thực hiện tại cấp tỉnh)
LICENCE = "3.000346"  # Cấp giấy phép lái xe (Cấp bộ)
LICENCE_INTERNATIONAL = "3.000353"  # Cấp giấy phép lái xe quốc tế (Cấp bộ)
DRIVING_SCHOOL = "1.001777"  # Cấp Giấy phép đào tạo lái xe, cấp Giấy phép xe tập lái
LICENCE_REISSUE = "3.000348"  # Cấp lại giấy phép lái xe
LICENCE_EXCHANGE = "3.000347"  # Đổi giấy phép lái xe
DRIVING_SCHOOL_REISSUE = "1.005210"  # Cấp lại Giấy phép đào tạo lái xe ô tô khi bị mất, …
HEALTH_CARD = "2.000639"  # Cấp thẻ bảo hiểm y tế (thực hiện tại cấp tỉnh)
HEALTH_CARD_CENTRAL = "1.003116"  # Cấp thẻ bảo hiểm y tế (thực hiện tại cấp trung ương)
BIRTH = "1.001193"  # Thủ tục đăng ký khai sinh
BIRTH_JOINT = "2.000986"  # Liên thông … đăng ký khai sinh, đăng ký thường trú, cấp thẻ BHYT …
BIRTH_HEALTH_CARD = "2.001023"  # Liên thông … đăng ký khai sinh, cấp Thẻ bảo hiểm y tế …


@pytest.fixture(scope="module")
def weights(records: dict[str, SearchHit]) -> WordWeights:
    """The word weights of the whole national catalog."""
    return WordWeights.of_names(hit.name for hit in records.values())


def hits_of(records: dict[str, SearchHit], *codes: str) -> list[SearchHit]:
    return [records[code] for code in codes]


def shares_of(question: str, hits: list[SearchHit]) -> dict[str, float]:
    """Each hit's share of ``question`` as the resolution weighs it (within ``weighing_words``)."""
    words = get_variant_words()
    typed = procedure_words(get_abbreviations().spell_out(question))
    stated = frozenset(words.question_qualifiers(question))
    return {
        hit.code: _share(
            typed,
            words.without_variant_words(typed),
            words.without_variant_words(typed, actions=False),
            hit,
            stated,
        )
        for hit in hits
    }


@pytest.mark.parametrize(
    ("question", "ages", "qualifier"),
    [
        ("làm căn cước cho con dưới 14 tuổi", [(0, 13)], "under_14"),
        ("lam can cuoc cho con duoi 14 tuoi", [(0, 13)], "under_14"),
        ("căn cước cho bé chưa đủ 14 tuổi", [(0, 13)], "under_14"),
        ("con 15 tuổi làm căn cước", [(15, 15)], "over_14"),
        ("con tôi đủ 14 tuổi", [(14, 200)], "over_14"),
        ("người trên 60 tuổi", [(61, 200)], "over_14"),
        ("con 10 tuoi", [(10, 10)], "under_14"),
    ],
)
def test_a_stated_age_is_bounded_by_the_words_before_it(
    question: str, ages: list[tuple[int, int]], qualifier: str
) -> None:
    """ "dưới 14 tuổi" is any age under 14 (it was read as the age 14, over 14); "chưa đủ"
    is below, not "đủ" (from): the longest phrase is read."""
    assert stated_ages(question) == ages
    qualifiers = get_variant_words().question_qualifiers(question)
    assert qualifier in qualifiers
    assert not {"under_14", "over_14"} - {qualifier} & qualifiers


def test_an_age_range_spanning_both_cases_states_neither() -> None:
    """ "dưới 18 tuổi" spans the card under 14 and the one from 14: no age qualifier."""
    assert not {"under_14", "over_14"} & get_variant_words().question_qualifiers(
        "làm căn cước cho người dưới 18 tuổi"
    )


@pytest.mark.parametrize(
    "question",
    [
        "vợ tôi là người Nhật muốn đăng ký kết hôn",
        "chồng quốc tịch Mỹ",
        "lấy vợ Hàn Quốc",
        "lay chong dai loan",
        "bo chau la nguoi my",
        "đăng ký giám hộ cho cháu có quốc tịch Úc",
    ],
)
def test_a_nationality_states_a_foreign_element(question: str) -> None:
    """A country after a cue ("người", "quốc tịch", "vợ", "chồng", "lấy") is a foreign
    element: data of variants.yml (cues × countries), not a list of whole phrases."""
    assert "foreign" in get_variant_words().question_qualifiers(question)


@pytest.mark.parametrize(
    "question",
    [
        "người lao động nghỉ việc",
        "nguoi lao dong nghi viec",
        "dan lao dong",
        "đi Nhật làm hộ chiếu",
        "người Thái",
        "lấy ý kiến cộng đồng dân cư",
        "nguoi bi mat giay to",
        "lay my pham",
    ],
)
def test_a_country_alone_or_a_look_alike_is_no_foreign_element(question: str) -> None:
    """Going to a country is no foreign element; "người lao động" is a worker, not a Lao
    national; "người Thái" is a people of Việt Nam; folded look-alikes ("lấy ý kiến", "người
    bị", "mỹ phẩm") are no nationality."""
    assert "foreign" not in get_variant_words().question_qualifiers(question)


@pytest.mark.parametrize(
    ("question", "codes", "foreign"),
    [
        (
            "vợ tôi là người Nhật muốn đăng ký kết hôn",
            (MARRIAGE, MARRIAGE_FOREIGN),
            MARRIAGE_FOREIGN,
        ),
        ("đăng ký khai tử cho bố tôi là người Pháp", (DEATH, DEATH_FOREIGN), DEATH_FOREIGN),
        (
            "gia hạn tạm trú cho chồng người Úc",
            (STAY_EXTENSION, STAY_EXTENSION_FOREIGN, STAY_EXTENSION_FOREIGN_CENTRAL),
            STAY_EXTENSION_FOREIGN,
        ),
    ],
)
def test_a_stated_nationality_fits_the_foreign_variant_as_well_as_the_base(
    records: dict[str, SearchHit],
    weights: WordWeights,
    question: str,
    codes: tuple[str, ...],
    foreign: str,
) -> None:
    """The name's "có yếu tố nước ngoài" / "người nước ngoài tại Việt Nam" is what the
    question's "người Nhật" says: the foreign variant fits as well as the base (it fell more
    than VARIANT_COVERAGE_GAP behind, so it was no variant and the base was answered), and
    the stated qualifier chooses it, at the deployment's level."""
    hits = hits_of(records, *codes)
    with weighing_words(weights):
        shares = shares_of(question, hits)
        assert shares[foreign] >= max(shares.values()) - VARIANT_COVERAGE_GAP
        resolution = choose_variant(question, hits, fit=shares)
    assert resolution.code == foreign
    labels = {alt.code: alt.label for alt in resolution.alternatives}
    assert labels[codes[0]].startswith("Không có yếu tố nước ngoài")


def test_the_usual_case_under_a_foreign_answer_is_named_by_what_it_lacks(
    records: dict[str, SearchHit],
) -> None:
    """Under the foreign marriage, the domestic one is "Không có yếu tố nước ngoài", not its
    whole name, and the domestic re-registration says both differences."""
    hits = hits_of(records, MARRIAGE_FOREIGN, MARRIAGE, MARRIAGE_AGAIN)
    resolution = choose_variant("chồng tôi quốc tịch Mỹ muốn đăng ký kết hôn", hits)
    assert resolution.code == MARRIAGE_FOREIGN
    labels = {alt.code: alt.label for alt in resolution.alternatives}
    assert labels == {
        MARRIAGE: "Không có yếu tố nước ngoài",
        MARRIAGE_AGAIN: "Đăng ký lại · Không có yếu tố nước ngoài",
    }


@pytest.mark.parametrize(
    ("question", "right"),
    [
        ("lam can cuoc cho con 16 tuoi can giay to gi", ID_OVER_14),
        ("làm căn cước cho con dưới 14 tuổi", ID_UNDER_14),
    ],
)
def test_a_stated_age_chooses_the_identity_card_for_that_age(
    records: dict[str, SearchHit], weights: WordWeights, question: str, right: str
) -> None:
    """The lexicon reads "căn cước cho con" as the card under 14; a stated age of 16 gives
    that wording no credit (the card from 14 fell out of the variants and the card under 14
    was answered), and "dưới 14 tuổi" is no longer read as over 14."""
    hits = hits_of(records, ID_UNDER_14, ID_UNDER_14_PROVINCE, ID_OVER_14, ID_OVER_14_PROVINCE)
    with weighing_words(weights):
        shares = shares_of(question, hits)
        assert shares[right] >= max(shares.values()) - VARIANT_COVERAGE_GAP
        assert choose_variant(question, hits, fit=shares).code == right


def test_a_name_breaking_the_question_gains_nothing_by_its_level(
    records: dict[str, SearchHit],
) -> None:
    """ "cấp giấy phép lái xe" is the ministry's "Cấp giấy phép lái xe", not the province's
    driving-school permit ("Cấp Giấy phép đào tạo lái xe …"), which breaks "phép lái" and was
    answered for its level; between one name at two levels the deployment's still wins."""
    question = "cấp giấy phép lái xe"
    words = procedure_words(question)
    assert kept_pairs(words, records[LICENCE]) == 4
    assert kept_pairs(words, records[DRIVING_SCHOOL]) == 3
    # The search's order: the licence first, the driving school fourth (after "Cấp lại").
    hits = hits_of(records, LICENCE, LICENCE_INTERNATIONAL, DRIVING_SCHOOL)
    licence, _, school = likelihoods(question, hits)
    assert licence == school  # the same case, and no level advantage for the school's permit
    assert choose_variant(question, hits).code == LICENCE
    cards = hits_of(records, HEALTH_CARD_CENTRAL, HEALTH_CARD)
    assert choose_variant("cấp thẻ bảo hiểm y tế", cards).code == HEALTH_CARD


@pytest.mark.parametrize(
    "question", ["giấy phép lái xe bị mất thì làm sao", "giay phep lai xe bi mat thi lam sao"]
)
def test_another_thing_named_with_the_same_words_is_no_other_case(
    records: dict[str, SearchHit], question: str
) -> None:
    """The driving school's lost permit holds "giấy phép" and "lái xe" apart: it is not
    offered under the lost licence as "Trường hợp khác"; the licence's own cases are."""
    hits = hits_of(records, LICENCE_REISSUE, DRIVING_SCHOOL_REISSUE, LICENCE, LICENCE_EXCHANGE)
    assert breaks_pairs(procedure_words(question), records[DRIVING_SCHOOL_REISSUE])
    resolution = choose_variant(question, hits)
    assert resolution.code == LICENCE_REISSUE
    assert [alt.code for alt in resolution.alternatives] == [LICENCE, LICENCE_EXCHANGE]


def test_an_action_word_inside_a_name_breaks_no_pair(records: dict[str, SearchHit]) -> None:
    """ "Đăng ký lại kết hôn" is a case of "đăng ký kết hôn": "lại" is an action word."""
    words = procedure_words("đăng ký kết hôn")
    assert not breaks_pairs(words, records[MARRIAGE_AGAIN])
    resolution = choose_variant("đăng ký kết hôn", hits_of(records, MARRIAGE, MARRIAGE_AGAIN))
    assert [alt.code for alt in resolution.alternatives] == [MARRIAGE_AGAIN]


def test_the_joint_procedure_beats_a_name_the_question_quotes_in_full(
    records: dict[str, SearchHit], weights: WordWeights
) -> None:
    """ "làm khai sinh với thẻ bhyt cho bé" quotes "Cấp thẻ bảo hiểm y tế" and "Thủ tục đăng ký
    khai sinh" in full; the joint procedures account for both, and win the tie-break the
    quoted names won (the health card alone was answered)."""
    question = "làm khai sinh với thẻ bhyt cho bé luôn một lần cần gì"
    hits = hits_of(records, BIRTH_JOINT, BIRTH_HEALTH_CARD, HEALTH_CARD, BIRTH)
    words = procedure_words(get_abbreviations().spell_out(question))
    with weighing_words(weights):
        shares = shares_of(question, hits)
        assert shares[HEALTH_CARD] > shares[BIRTH_JOINT]  # quoted in full
        fit = _quoted_fit(words, hits, shares)
        assert fit[HEALTH_CARD] < fit[BIRTH_JOINT]
        assert choose_variant(question, hits, fit=fit).code in {BIRTH_JOINT, BIRTH_HEALTH_CARD}


def test_a_procedure_a_joint_one_lists_is_labelled_by_its_name_not_its_level(
    records: dict[str, SearchHit],
) -> None:
    """Under the joint birth procedure, the health card alone read "Cấp tỉnh", as if it were
    the joint procedure at the province; it now says what it is, then its level. One name at
    two levels is still labelled by its level alone."""
    joint, card = records[BIRTH_JOINT], records[HEALTH_CARD]
    assert variant_label(card, joint) == "Cấp thẻ bảo hiểm y tế · Cấp tỉnh"
    assert variant_label(records[ID_UNDER_14_PROVINCE], records[ID_UNDER_14]) == "Cấp tỉnh"
