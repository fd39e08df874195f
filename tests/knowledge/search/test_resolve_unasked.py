"""Rules found on new everyday questions: a name must share what the question is about, a
case the citizen rarely means unnamed is confirmed, and buttons name only what differs.

The names are real records of the national catalog (../shared), read from the export.
"""

from __future__ import annotations

import pytest

from knowledge.schemas import SearchHit
from knowledge.search.resolve import (
    MAX_LABEL_CHARS,
    WordWeights,
    _share,
    _sharing_topic,
    choose_variant,
    coverage,
    get_variant_words,
    procedure_words,
    weighing_words,
)

DRIVING_LICENCE_REISSUE = "3.000348"  # Cấp lại giấy phép lái xe
MARRIAGE_FOREIGN = "2.000806"  # Thủ tục đăng ký kết hôn có yếu tố nước ngoài
BENEFIT_PROXY = "1.001601"  # Ủy quyền lĩnh thay các chế độ bảo hiểm xã hội, trợ cấp thất nghiệp
DIVORCE_ABROAD = "2.000554"  # Thủ tục ghi vào Sổ hộ tịch việc ly hôn … của nước ngoài
LAND_FIRST_ORGANIZATION = "1.012753"  # … cấp Giấy chứng nhận … lần đầu đối với tổ chức …
LAND_FIRST_HOUSEHOLD = "1.013978"  # … lần đầu đối với hộ gia đình, cá nhân …
BUILDING_NEW = "1.013225"  # Cấp giấy phép xây dựng mới … và nhà ở riêng lẻ
BUILDING_REPAIR = "1.013229"  # Cấp giấy phép xây dựng sửa chữa, cải tạo …
COPY_OF_PAPER = "2.000815"  # Chứng thực bản sao từ bản chính giấy tờ, văn bản …
COPY_OF_DEAL = "2.000942"  # Cấp bản sao có chứng thực từ bản chính giao dịch đã được chứng thực
RECORD_CITIZEN = "3.000333"  # Cấp Phiếu Lý lịch tư pháp cho công dân Việt Nam, …
RECORD_STATE = "3.000334"  # Cấp Phiếu Lý lịch tư pháp theo yêu cầu của cơ quan nhà nước, …
RECORD_COURT = "3.000335"  # Cấp Phiếu lý lịch tư pháp theo yêu cầu của cơ quan tiến hành tố tụng


@pytest.fixture(scope="module")
def weights(records: dict[str, SearchHit]) -> WordWeights:
    """The word weights of the whole national catalog."""
    return WordWeights.of_names(hit.name for hit in records.values())


def test_a_name_sharing_only_generic_words_does_not_fit(
    records: dict[str, SearchHit], weights: WordWeights
) -> None:
    """ "xin giấy phép bán rượu" shares only "giấy phép" with "Cấp lại giấy phép lái xe": not
    even a confirmation (it was "Ý bạn là Cấp giấy phép khai thác khoáng sản?")."""
    words = procedure_words("xin giấy phép bán rượu")
    hit = records[DRIVING_LICENCE_REISSUE]
    assert coverage(words, hit) > 0  # unweighted, "giấy phép" counts
    with weighing_words(weights):
        assert coverage(words, hit) == 0.0


def test_a_name_sharing_only_the_stated_qualifier_does_not_fit(
    records: dict[str, SearchHit], weights: WordWeights
) -> None:
    """ "giấy phép lao động cho người nước ngoài" is no marriage with a foreign element."""
    words = procedure_words("xin giấy phép lao động cho người nước ngoài")
    variant_words = get_variant_words()
    variant_free = variant_words.without_variant_words(words)
    unqualified = variant_words.without_variant_words(words, actions=False)
    hit = records[MARRIAGE_FOREIGN]
    with weighing_words(weights):
        assert coverage(words, hit) > 0
        assert _share(words, variant_free, unqualified, hit) == 0.0


@pytest.mark.parametrize(
    ("question", "code", "outcome"),
    [
        # Unemployment benefit is not in the catalog; authorising someone to collect it is.
        ("xin trợ cấp thất nghiệp", BENEFIT_PROXY, "confirm"),
        ("ủy quyền cho con lĩnh thay trợ cấp thất nghiệp", BENEFIT_PROXY, "answer"),
        # A divorce is a court's; the commune only records one granted abroad.
        ("tôi muốn hỏi về thủ tục ly hôn", DIVORCE_ABROAD, "confirm"),
        ("ghi chú ly hôn ở nước ngoài vào sổ hộ tịch", DIVORCE_ABROAD, "answer"),
    ],
)
def test_a_case_rarely_meant_unnamed_is_confirmed_not_answered(
    records: dict[str, SearchHit], question: str, code: str, outcome: str
) -> None:
    """Even as the only fitting name, an ask-first action or qualifier the question does not
    name is confirmed ("Ý bạn là …?"); named, it is answered."""
    resolution = choose_variant(question, [records[code]])
    assert (resolution.outcome, resolution.code) == (outcome, code)


def test_a_citizen_gets_the_household_variant_not_the_organization_one(
    records: dict[str, SearchHit],
) -> None:
    """ "cấp giấy chứng nhận quyền sử dụng đất lần đầu": "đối với tổ chức" is not stated."""
    variants = [records[LAND_FIRST_ORGANIZATION], records[LAND_FIRST_HOUSEHOLD]]
    resolution = choose_variant("cấp giấy chứng nhận quyền sử dụng đất lần đầu", variants)
    assert resolution.code == LAND_FIRST_HOUSEHOLD
    assert [alt.label for alt in resolution.alternatives] == ["Tổ chức"]


def test_a_new_building_over_a_repair_unless_stated(records: dict[str, SearchHit]) -> None:
    """ "giấy phép xây dựng nhà ở": a new building; a repair is a case the question states."""
    variants = [records[BUILDING_REPAIR], records[BUILDING_NEW]]
    resolution = choose_variant("xin giấy phép xây dựng nhà ở", variants)
    assert resolution.code == BUILDING_NEW
    assert [alt.label for alt in resolution.alternatives] == ["Sửa chữa, cải tạo"]
    assert choose_variant("xin phép sửa chữa nhà ở", variants).code == BUILDING_REPAIR


@pytest.mark.parametrize(
    "question", ["chứng thực bản sao giấy tờ ở đâu", "lam chung thuc ban sao bang lai"]
)
def test_a_copy_of_a_paper_over_a_copy_of_a_certified_deal_unless_stated(
    records: dict[str, SearchHit], question: str
) -> None:
    """A citizen who wants a paper copied gets the everyday certification; the copy of a
    transaction certified earlier is a case the question states ("hợp đồng", "giao dịch")."""
    variants = [records[COPY_OF_DEAL], records[COPY_OF_PAPER]]
    resolution = choose_variant(question, variants)
    assert resolution.code == COPY_OF_PAPER
    assert [alt.label for alt in resolution.alternatives] == ["Giao dịch đã được chứng thực"]
    stated = "xin bản sao có chứng thực hợp đồng mua bán đã được chứng thực"
    assert choose_variant(stated, variants).code == COPY_OF_DEAL


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # "ở" and "bản sao" alone are filler and aspect words; here they begin a catalog
        # wording ("nhà ở riêng lẻ", "chứng thực bản sao từ bản chính").
        ("tôi muốn xin giấy phép xây dựng nhà ở", ["giấy", "phép", "xây", "dựng", "nhà", "ở"]),
        ("chứng thực bản sao giấy tờ ở đâu", ["chứng", "thực", "bản", "sao"]),
        ("chung thuc ban sao o dau", ["chung", "thuc", "ban", "sao"]),
        ("đăng ký khai sinh cần bản sao gì", ["đăng", "ký", "khai", "sinh"]),
    ],
)
def test_the_beginning_of_a_catalog_wording_is_kept(text: str, expected: list[str]) -> None:
    """An aspect or filler word inside the first words of a catalog wording names a procedure."""
    assert procedure_words(text) == expected


@pytest.mark.parametrize(
    ("question", "codes", "label"),
    [
        (
            "thủ tục cấp phiếu lý lịch tư pháp",
            (RECORD_CITIZEN, RECORD_STATE, RECORD_COURT),
            "Theo yêu cầu … tiến hành tố tụng",
        ),
    ],
)
def test_labels_name_only_what_differs(
    records: dict[str, SearchHit], question: str, codes: tuple[str, ...], label: str
) -> None:
    """Two variants that go on alike are told apart where they part, without the answer's
    head ("Cấp Phiếu …" twice before)."""
    resolution = choose_variant(question, [records[code] for code in codes])
    assert resolution.code == codes[0]
    labels = [alt.label for alt in resolution.alternatives]
    assert len(set(labels)) == len(labels) == len(codes) - 1
    assert label in labels
    assert all(len(text) <= MAX_LABEL_CHARS for text in labels)
    assert not any(text.startswith("Cấp Phiếu") for text in labels)


def test_a_not_found_offers_what_the_catalog_holds_on_the_topic_word(
    records: dict[str, SearchHit], weights: WordWeights
) -> None:
    """ "xin giấy phép bán rượu": under the "not found", the names carrying "rượu", not the
    driving licence that shares "giấy phép"."""
    liquor_tax = "1.009555"  # Thủ tục đề nghị xác nhận miễn thuế rượu, bia, thuốc lá …
    hits = [records[DRIVING_LICENCE_REISSUE], records[liquor_tax]]
    with weighing_words(weights):
        related = _sharing_topic(procedure_words("xin giấy phép bán rượu"), hits)
    assert [alt.code for alt in related] == [liquor_tax]
    assert related[0].label.startswith("Đề nghị xác nhận miễn thuế rượu")
    assert _sharing_topic(procedure_words("xin giấy phép bán rượu"), hits) == ()  # unweighed


def test_an_expired_permit_is_extended_an_expired_card_exchanged(
    records: dict[str, SearchHit],
) -> None:
    """ "hết hạn" picks the extension where a procedure has one, the exchange where not."""
    building = [records["1.013225"], records["1.013227"]]  # new; extension (cấp III, IV)
    assert choose_variant("giấy phép xây dựng hết hạn", building).code == "1.013227"
    cards = [records["1.014061"], records["1.014063"]]  # first issue; exchange of a CCCD
    assert choose_variant("căn cước hết hạn", cards).code == "1.014063"


def test_a_building_permit_is_a_house_not_a_railway_crossing(
    records: dict[str, SearchHit],
) -> None:
    """ "gia hạn giấy phép xây dựng": the railway crossing's shorter name ranks first in the
    search, but a railway is a case the question does not state."""
    crossing, building = records["1.005058"], records["1.013227"]
    assert choose_variant("gia hạn giấy phép xây dựng", [crossing, building]).code == "1.013227"
