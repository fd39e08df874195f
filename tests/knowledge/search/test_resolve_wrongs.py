"""Wrong first replies the lead found (issue 16, 2026-12-01), each fixed at its general cause,
on real records of the national catalog (../shared), read from the export."""

from __future__ import annotations

import pytest

from knowledge.schemas import SearchHit
from knowledge.search.resolve import (
    WordWeights,
    choose_variant,
    coverage,
    get_variant_words,
    procedure_words,
    weighing_words,
)

MATERNITY = "2.000693"  # Giải quyết hưởng chế độ thai sản
LUMP_SUM = "1.001613"  # Giải quyết hưởng bảo hiểm xã hội một lần
ACCIDENT_FIRST = "1.001632"  # Giải quyết hưởng chế độ TNLĐ, BNN … bị TNLĐ lần đầu
ACCIDENT_AGAIN = "1.001643"  # … đã bị TNLĐ, BNN nay tiếp tục bị TNLĐ hoặc BNN
HOUSEHOLD_BUSINESS = "1.001612"  # Đăng ký thành lập hộ kinh doanh
HOUSEHOLD_BUSINESS_REISSUE = "2.000575"  # Cấp lại Giấy chứng nhận …, Cấp đổi sang Giấy …
HOUSEHOLD_BUSINESS_CHANGE = "2.000720"  # Đăng ký thay đổi nội dung đăng ký hộ kinh doanh
LICENCE = "3.000346"  # Cấp giấy phép lái xe
LICENCE_EXCHANGE = "3.000347"  # Đổi giấy phép lái xe
LICENCE_REISSUE = "3.000348"  # Cấp lại giấy phép lái xe
LICENCE_INTERNATIONAL = "3.000353"  # Cấp giấy phép lái xe quốc tế
CIVIL_STATUS_CORRECTION = "1.004859"  # Thủ tục thay đổi, cải chính, bổ sung thông tin hộ tịch …
BIRTH = "1.001193"  # Thủ tục đăng ký khai sinh


@pytest.fixture(scope="module")
def weights(records: dict[str, SearchHit]) -> WordWeights:
    """The word weights of the whole national catalog."""
    return WordWeights.of_names(hit.name for hit in records.values())


def test_a_word_beside_a_citizen_term_fits_the_word_beside_its_wording(
    records: dict[str, SearchHit], weights: WordWeights
) -> None:
    """ "nghỉ đẻ" stands for "chế độ thai sản", and "hưởng" beside it is the name's "hưởng"
    beside that wording: the maternity benefit fits the question as well as the lump-sum
    benefit, which shares "hưởng bảo hiểm" (it was answered), and the search ranks it first."""
    words = procedure_words("nghỉ đẻ được hưởng tiền bảo hiểm")
    with weighing_words(weights):
        maternity = coverage(words, records[MATERNITY])
        assert maternity >= 0.6
        assert round(maternity, 1) >= round(coverage(words, records[LUMP_SUM]), 1)


@pytest.mark.parametrize(
    "question", ["xin giấy phép kinh doanh karaoke", "sửa sai tên trên bằng tốt nghiệp đại học"]
)
def test_a_citizen_term_alone_does_not_fit_a_whole_name(
    records: dict[str, SearchHit], weights: WordWeights, question: str
) -> None:
    """A citizen term that is a whole name's wording ("giấy phép kinh doanh" → "đăng ký thành
    lập hộ kinh doanh") leaves the question's own topic ("karaoke", "bằng tốt nghiệp")
    uncovered: no strong fit, so no answer."""
    words = procedure_words(question)
    with weighing_words(weights):
        assert coverage(words, records[HOUSEHOLD_BUSINESS]) < 0.6
        assert coverage(words, records[CIVIL_STATUS_CORRECTION]) < 0.6


def test_household_business_labels_say_what_differs(records: dict[str, SearchHit]) -> None:
    """A change of a registration is no "Cấp đổi"; a name's actions read in its order (the
    buttons read "Cấp đổi · Cấp lại | Cấp đổi")."""
    codes = (HOUSEHOLD_BUSINESS, HOUSEHOLD_BUSINESS_REISSUE, HOUSEHOLD_BUSINESS_CHANGE)
    resolution = choose_variant(
        "xin giấy phép kinh doanh hộ cá thể", [records[code] for code in codes]
    )
    assert resolution.outcome == "answer"
    assert resolution.code == HOUSEHOLD_BUSINESS
    labels = {alt.code: alt.label for alt in resolution.alternatives}
    assert labels == {
        HOUSEHOLD_BUSINESS_REISSUE: "Cấp lại · Cấp đổi",
        HOUSEHOLD_BUSINESS_CHANGE: "Thay đổi",
    }


def test_a_change_of_registration_still_answers_a_change(records: dict[str, SearchHit]) -> None:
    """ "thay đổi ngành nghề" asks for the change, not the reissue or exchange of the paper."""
    codes = (HOUSEHOLD_BUSINESS_REISSUE, HOUSEHOLD_BUSINESS_CHANGE, HOUSEHOLD_BUSINESS)
    resolution = choose_variant(
        "thay đổi ngành nghề hộ kinh doanh", [records[code] for code in codes]
    )
    assert resolution.code == HOUSEHOLD_BUSINESS_CHANGE


def test_the_change_words_count_in_a_names_fit(
    records: dict[str, SearchHit], weights: WordWeights
) -> None:
    """Read as an action, "thay đổi nội dung" was dropped from the name, which then fitted
    "đăng ký hộ kinh doanh bán tạp hóa" whole: it still fits less than the registration."""
    words = procedure_words("đăng ký hộ kinh doanh bán tạp hóa")
    with weighing_words(weights):
        change = coverage(words, records[HOUSEHOLD_BUSINESS_CHANGE])
        assert change < coverage(words, records[HOUSEHOLD_BUSINESS])


@pytest.mark.parametrize("question", ["thi bằng lái", "thi bang lai xe may o dau"])
def test_sitting_a_driving_test_is_answered_not_asked_back(
    records: dict[str, SearchHit], question: str
) -> None:
    """ "thi bằng lái" is a first issue ("lai" after "thi bằng" is "lái", not "mở lại"): the
    licence is answered, the other cases under it, the international one labelled by what
    it adds."""
    codes = (LICENCE, LICENCE_REISSUE, LICENCE_INTERNATIONAL, LICENCE_EXCHANGE)
    resolution = choose_variant(question, [records[code] for code in codes])
    assert resolution.outcome == "answer"
    assert resolution.code == LICENCE
    labels = {alt.code: alt.label for alt in resolution.alternatives}
    assert labels[LICENCE_INTERNATIONAL] == "Quốc tế"


def test_reporting_an_accident_is_confirmed_not_answered(records: dict[str, SearchHit]) -> None:
    """An employer's report names an action no benefit procedure carries: the likeliest is
    confirmed, not answered as if asked; the worker's question is still answered."""
    codes = (ACCIDENT_FIRST, ACCIDENT_AGAIN)
    variants = [records[code] for code in codes]
    assert choose_variant("báo cáo tai nạn lao động", variants).outcome == "confirm"
    assert choose_variant("bị tai nạn lao động lần đầu", variants).outcome == "answer"


@pytest.mark.parametrize("question", ["sửa năm sinh", "sua nam sinh"])
def test_a_wrong_year_of_birth_fits_the_civil_status_correction(
    records: dict[str, SearchHit], weights: WordWeights, question: str
) -> None:
    """The lexicon says "sửa năm sinh" as it says "sửa ngày sinh": the correction fits the
    question (it was "not found")."""
    with weighing_words(weights):
        assert coverage(procedure_words(question), records[CIVIL_STATUS_CORRECTION]) >= 0.6


@pytest.mark.parametrize(
    "question", ["sửa năm sinh", "sua nam sinh", "giấy khai sinh ghi sai năm sinh"]
)
def test_a_wrong_year_of_birth_is_corrected_not_registered(
    records: dict[str, SearchHit], question: str
) -> None:
    """The correction is answered before the birth registration the question also names."""
    assert get_variant_words().question_actions(question) == {"correct"}
    variants = [records[BIRTH], records[CIVIL_STATUS_CORRECTION]]
    assert choose_variant(question, variants).code == CIVIL_STATUS_CORRECTION
