"""Which procedure a message means: action words, qualifiers and the variant answered first.

The variants are real records of the national catalog (../shared), read from the export.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from knowledge.schemas import SearchHit
from knowledge.search import resolve as resolve_module
from knowledge.search.accents import AccentRestorer, guiding_accents
from knowledge.search.resolve import (
    MAX_LABEL_CHARS,
    _keep_search_best,
    _keep_search_first,
    _naming_asked_action,
    choose_variant,
    get_variant_words,
    preference,
    procedure_words,
    question_phrases,
    same_family,
    variant_label,
)
from knowledge.text import fold_accents

CCCD_FIRST = "1.014061"  # Cấp thẻ căn cước cho người từ đủ 14 tuổi trở lên (cấp xã)
CCCD_FIRST_PROVINCE = "2.000200"
CCCD_UNDER_14 = "1.014062"
CCCD_EXCHANGE = "1.014063"
CCCD_EXCHANGE_PROVINCE = "2.001195"
CCCD_EXCHANGE_CENTRAL = "1.000889"
CCCD_REISSUE = "1.014064"
MARRIAGE = "1.000894"
MARRIAGE_FOREIGN = "2.000806"
MARRIAGE_MOBILE = "1.000593"
MARRIAGE_AGAIN = "1.004746"
CAR_FIRST = "1.013067"
CAR_TRANSFER = "1.013076"
CAR_EXCHANGE = "1.013079"
CAR_REISSUE = "1.013082"
PASSPORT = "1.001456"  # Cấp hộ chiếu phổ thông ở trong nước (cấp tỉnh)
PASSPORT_CENTRAL = "1.001471"
PASSPORT_LOSS = "1.010386"  # Trình báo mất hộ chiếu phổ thông (cấp xã)
HEALTH_CARD_EXCHANGE = "1.002438"  # Cấp đổi thẻ bảo hiểm y tế (cấp tỉnh)
HEALTH_CARD_MANY = "1.002759"  # Cấp lại, đổi, điều chỉnh thông tin trên sổ BHXH, thẻ BHYT
HOUSEHOLD_BUSINESS = "1.001612"  # Đăng ký thành lập hộ kinh doanh
HOUSEHOLD_BUSINESS_UPDATE = "1.014034"  # Đăng ký cập nhật, bổ sung thông tin … hộ kinh doanh
HOUSEHOLD_BUSINESS_CHANGE = "2.000720"  # Đăng ký thay đổi nội dung đăng ký hộ kinh doanh
CAR_FIRST_ONLINE = "1.012575"  # Đăng ký xe lần đầu trực tuyến toàn trình … lắp ráp trong nước
CAR_FIRST_IMPORTED = "1.013066"  # … trực tuyến toàn trình đối với xe nhập khẩu
RESIDENCE = "1.004222"
BIRTH = "1.001193"  # Thủ tục đăng ký khai sinh
BIRTH_FOREIGN = "2.000528"  # Thủ tục đăng ký khai sinh có yếu tố nước ngoài
LLC_CONVERSION = "2.002033"  # Chuyển đổi công ty TNHH một thành viên thành công ty TNHH …
LLC_TO_JSC = "2.002034"  # Chuyển đổi công ty TNHH thành công ty cổ phần và ngược lại
LLC_FOUNDING = "2.001583"  # Đăng ký thành lập công ty TNHH một thành viên
SUSPENSION = "1.001570"  # Tạm ngừng kinh doanh, tiếp tục kinh doanh trước thời hạn …
RESIDENCE_REMOVE = "1.003197"
BIRTH_COPY = "2.000635"  # Cấp bản sao Trích lục hộ tịch, bản sao Giấy khai sinh
BIRTH_AGAIN = "1.004884"  # Thủ tục đăng ký lại khai sinh
CIVIL_CORRECTION = "1.004859"  # Thủ tục thay đổi, cải chính, bổ sung thông tin hộ tịch …
CIVIL_CORRECTION_FOREIGN = "2.000748"
TRAVEL_PASS_LOSS = "1.010055"  # Trình báo mất giấy thông hành (thực hiện tại cấp xã)


def hits_of(records: dict[str, SearchHit], *codes: str) -> list[SearchHit]:
    """The records of ``codes``, in that (search) order."""
    return [records[code] for code in codes]


# --------------------------------------------------------------------------- action words


@pytest.mark.parametrize(
    ("question", "actions"),
    [
        ("làm căn cước lần đầu cần gì", {"issue"}),
        # A loss is a re-issue or a report of the loss, whichever the paper has.
        ("bi mat cccd lam lai can gi", {"reissue", "report_loss"}),
        ("mất căn cước làm lại bao nhiêu tiền", {"reissue", "report_loss"}),
        # A citizen's "đổi" may exchange a paper or change what a registration says.
        ("căn cước bị hỏng muốn đổi", {"exchange", "change"}),
        # "hết hạn": an exchange of a card or an extension of a permit, whichever exists.
        ("căn cước hết hạn đổi cần gì", {"exchange", "extend", "change"}),
        ("gia hạn tạm trú cần giấy tờ gì", {"extend"}),
        ("sửa sai tên trong giấy khai sinh", {"correct"}),
        ("sang tên xe máy cần những gì", {"transfer"}),
        ("xóa đăng ký thường trú cần gì", {"remove"}),
        ("dang ky ket hon mat bao lau", set()),  # "mất bao lâu" is time, not a loss
        ("lam cccd mat phi k", set()),
        ("lệ phí đăng ký khai sinh", set()),
        # Folded, "mo" is "mở" (open) as well as "mờ" (faded), "ban" is "bản" as well as "bán":
        # those two are read only as typed with their diacritics.
        ("mo ho kinh doanh le phi bao nhieu", {"issue"}),
        ("mở công ty tnhh một thành viên", {"issue"}),
        ("căn cước bị mờ chữ đổi ở đâu", {"exchange", "change"}),
        ("cong chung ban sao giay to o dau", set()),
        ("bán xe máy cần làm gì", {"transfer"}),
        ("mở lại hộ kinh doanh", {"restore"}),  # "mở lại" is no first issue
        ("giải thể công ty cần giấy tờ gì", {"dissolve"}),
        ("giai the hop tac xa", {"dissolve"}),
        # Folded, "doi voi" is "đối với" and "cu tru" is "cư trú": no exchange.
        ("thu tuc doi voi cong ty giai the", {"dissolve"}),
        ("dang cu tru o ha noi lam cccd o dau", set()),
        ("cccd cu het han doi o dau", {"exchange", "extend", "change"}),
        # "mở lại" restores, but "lái" after "thi bằng" (folded "lai") keeps the first issue.
        ("thi bằng lái xe máy ở đâu", {"issue"}),
        ("thi bang lai o to can ho so gi", {"issue"}),
        ("báo cáo tai nạn lao động", {"report"}),
    ],
)
def test_the_action_a_citizen_names_is_found(question: str, actions: set[str]) -> None:
    """Action words, with or without diacritics; "mất" before a cost or a time is not a loss."""
    assert get_variant_words().question_actions(question) == actions


@pytest.mark.parametrize(
    ("code", "actions"),
    [
        (CCCD_FIRST, {"issue"}),
        (CCCD_EXCHANGE, {"exchange"}),
        (CCCD_REISSUE, {"reissue"}),
        # "… thay đổi chủ xe (đăng ký sang tên xe)": the "đổi" of "thay đổi chủ" is no exchange.
        (CAR_TRANSFER, {"transfer"}),
        (LLC_CONVERSION, {"convert"}),  # "Chuyển đổi công ty …" converts, exchanges no paper
        (HOUSEHOLD_BUSINESS_UPDATE, {"update"}),  # "Đăng ký cập nhật, bổ sung thông tin …"
        (HOUSEHOLD_BUSINESS, {"issue"}),
        (RESIDENCE_REMOVE, {"remove"}),
        (MARRIAGE_AGAIN, {"reregister"}),
        (MARRIAGE, {"issue"}),
        ("1.001939", {"issue"}),  # "Đăng ký đóng, cấp thẻ BHYT đối với …": "đối" is not "đổi"
        (PASSPORT_LOSS, {"report_loss"}),
    ],
)
def test_the_action_of_a_catalog_name(
    records: dict[str, SearchHit], code: str, actions: set[str]
) -> None:
    """A real name's action: "Cấp lại …", "Xóa …"; a name without one is a first issue."""
    assert get_variant_words().name_actions(records[code].name) == actions


# --------------------------------------------------------------------------- qualifiers


@pytest.mark.parametrize(
    ("question", "qualifiers"),
    [
        ("làm căn cước cho con 10 tuổi cần gì", {"under_14"}),
        ("lam can cuoc cho be 5 tuoi", {"under_14"}),
        ("con 15 tuổi làm căn cước", {"over_14"}),
        ("lấy chồng người Hàn Quốc đăng ký kết hôn", {"foreign"}),
        ("ket hon voi nguoi nuoc ngoai", {"foreign"}),
        ("đăng ký kết hôn lưu động", {"mobile"}),
        ("cấp đổi thẻ căn cước cấp tỉnh", {"province"}),
        ("đăng ký kết hôn cần những giấy tờ gì", set()),
        ("gia han tam tru can giay to gi", set()),  # "han" is "hạn" here, not Korea
        ("kết hôn với người Lào", {"foreign"}),
        ("người lao động nghỉ việc hưởng bảo hiểm xã hội", set()),  # a worker, not a Lao
        ("nguoi lao dong nghi viec", set()),
    ],
)
def test_the_qualifiers_a_citizen_states_are_found(question: str, qualifiers: set[str]) -> None:
    """Ages become the catalog's age bands; nationalities a foreign element; a level."""
    assert get_variant_words().question_qualifiers(question) == qualifiers


# --------------------------------------------------------------------------- variant choice

CCCD_VARIANTS = (CCCD_EXCHANGE, CCCD_REISSUE, CCCD_FIRST, CCCD_UNDER_14, CCCD_FIRST_PROVINCE)


@pytest.mark.parametrize(
    ("question", "variants", "answered"),
    [
        ("làm căn cước lần đầu cần giấy tờ gì", CCCD_VARIANTS, CCCD_FIRST),
        ("lam cccd lan dau mat phi k", CCCD_VARIANTS, CCCD_FIRST),
        ("làm căn cước cho con 10 tuổi cần gì", CCCD_VARIANTS, CCCD_UNDER_14),
        ("mất căn cước làm lại bao nhiêu tiền", CCCD_VARIANTS, CCCD_REISSUE),
        ("căn cước hết hạn đổi cần gì", CCCD_VARIANTS, CCCD_EXCHANGE),
        (
            "cấp đổi thẻ căn cước nộp ở đâu",
            (CCCD_EXCHANGE_CENTRAL, CCCD_EXCHANGE, CCCD_EXCHANGE_PROVINCE),
            CCCD_EXCHANGE,  # the deployment's levels before the ministry's, then search order
        ),
        (
            "đăng ký kết hôn cần những giấy tờ gì",
            (MARRIAGE, MARRIAGE_FOREIGN, MARRIAGE_MOBILE, MARRIAGE_AGAIN),
            MARRIAGE,
        ),
        (
            "lấy chồng người Hàn Quốc đăng ký kết hôn cần giấy tờ gì",
            (MARRIAGE, MARRIAGE_FOREIGN, MARRIAGE_MOBILE),
            MARRIAGE_FOREIGN,
        ),
        ("sang tên xe máy cần những gì", (CAR_EXCHANGE, CAR_REISSUE, CAR_TRANSFER), CAR_TRANSFER),
        ("mất giấy đăng ký xe làm lại", (CAR_FIRST, CAR_TRANSFER, CAR_REISSUE), CAR_REISSUE),
        ("xoá thường trú", (RESIDENCE, RESIDENCE_REMOVE), RESIDENCE_REMOVE),
        ("lam ho chieu het bao nhieu tien", (PASSPORT_LOSS, PASSPORT, PASSPORT_CENTRAL), PASSPORT),
        ("mất hộ chiếu thì phải làm sao", (PASSPORT, PASSPORT_LOSS), PASSPORT_LOSS),
        (
            "đổi thẻ bhyt cần giấy tờ gì",
            (HEALTH_CARD_MANY, HEALTH_CARD_EXCHANGE),
            HEALTH_CARD_EXCHANGE,
        ),
    ],
)
def test_the_likeliest_variant_is_answered_first(
    records: dict[str, SearchHit], question: str, variants: tuple[str, ...], answered: str
) -> None:
    """Action words, qualifiers and the deployment's levels pick the variant; no menu."""
    resolution = choose_variant(question, hits_of(records, *variants))
    assert resolution.outcome == "answer"
    assert resolution.code == answered
    assert {alt.code for alt in resolution.alternatives} <= set(variants) - {answered}
    assert resolution.alternatives, "the other variants are offered under the answer"


def test_an_accentless_opening_is_a_first_issue_not_a_change(
    records: dict[str, SearchHit],
) -> None:
    """ "mo ho kinh doanh" (mở): the registration, not "thay đổi nội dung" ("mờ" → đổi)."""
    resolution = choose_variant(
        "mo ho kinh doanh le phi bao nhieu",
        hits_of(records, HOUSEHOLD_BUSINESS, HOUSEHOLD_BUSINESS_CHANGE),
    )
    assert resolution.outcome == "answer"
    assert resolution.code == HOUSEHOLD_BUSINESS


def test_an_unstated_special_case_is_asked_back_not_guessed(
    records: dict[str, SearchHit],
) -> None:
    """The likeliest first registration is only "trực tuyến toàn trình" (a special case the
    question did not state) while another candidate is not: a menu, not a wrong answer."""
    variants = hits_of(records, CAR_FIRST_IMPORTED, CAR_EXCHANGE, CAR_FIRST_ONLINE, CAR_REISSUE)
    resolution = choose_variant("đăng ký xe máy mới mua cần giấy tờ gì", variants)
    assert resolution.outcome == "choose"
    assert resolution.code is None
    assert {hit.code for hit in resolution.hits} >= {CAR_FIRST_ONLINE, CAR_EXCHANGE}
    # Stated, the same special case is answered directly.
    stated = choose_variant("đăng ký xe mới mua trực tuyến toàn trình", variants)
    assert stated.outcome == "answer"
    assert stated.code == CAR_FIRST_ONLINE


def test_a_first_time_question_never_gets_only_exchange_or_reissue(
    records: dict[str, SearchHit],
) -> None:
    """ "Lần đầu" answers the first issue even when search ranks "cấp đổi/cấp lại" first."""
    resolution = choose_variant(
        "làm căn cước lần đầu", hits_of(records, CCCD_EXCHANGE, CCCD_REISSUE, CCCD_FIRST)
    )
    assert resolution.code == CCCD_FIRST


@pytest.mark.parametrize(
    ("code", "chosen", "label"),
    [
        (MARRIAGE_FOREIGN, MARRIAGE, "Có yếu tố nước ngoài"),
        (MARRIAGE_MOBILE, MARRIAGE, "Lưu động"),
        (MARRIAGE_AGAIN, MARRIAGE, "Đăng ký lại"),
        (CCCD_EXCHANGE_PROVINCE, CCCD_EXCHANGE, "Cấp tỉnh"),
        (CCCD_REISSUE, CCCD_EXCHANGE, "Cấp lại"),
        (CCCD_UNDER_14, CCCD_FIRST, "Dưới 14 tuổi"),
    ],
)
def test_button_labels_name_only_what_differs(
    records: dict[str, SearchHit], code: str, chosen: str, label: str
) -> None:
    """Short labels ("Có yếu tố nước ngoài", "Cấp tỉnh"), never the catalog's long name."""
    assert variant_label(records[code], records[chosen]) == label


def test_a_household_business_is_registered_not_updated(records: dict[str, SearchHit]) -> None:
    """ "đăng ký hộ kinh doanh" answers the registration; the update is one labelled case."""
    variants = hits_of(records, HOUSEHOLD_BUSINESS_UPDATE, HOUSEHOLD_BUSINESS)
    resolution = choose_variant("đăng ký hộ kinh doanh", variants)
    assert resolution.code == HOUSEHOLD_BUSINESS
    assert [(alt.code, alt.label) for alt in resolution.alternatives] == [
        (HOUSEHOLD_BUSINESS_UPDATE, "Cập nhật, bổ sung")
    ]


def test_no_two_alternatives_share_a_label(records: dict[str, SearchHit]) -> None:
    """Two conversions of a company under a suspension answer are told apart by their
    names, not both called "Chuyển đổi loại hình"."""
    question = "công ty tạm ngừng kinh doanh"
    hits = hits_of(records, SUSPENSION, LLC_CONVERSION, LLC_TO_JSC)
    resolution = choose_variant(question, hits)
    labels = [alt.label for alt in resolution.alternatives]
    assert resolution.code == SUSPENSION
    assert len(set(labels)) == len(labels) == 2
    assert all(0 < len(label) <= MAX_LABEL_CHARS for label in labels)
    # Each reads as its own name going on from where the two part, not as scattered words
    # ("Chuyển đổi công ty trách nhiệm hữu một…").
    assert labels[0].startswith("Chuyển đổi … một thành viên")
    assert labels[1].startswith("Chuyển đổi … thành công ty cổ phần")


@pytest.mark.parametrize(
    ("code", "other", "family"),
    [
        (MARRIAGE, MARRIAGE_FOREIGN, True),
        (MARRIAGE, MARRIAGE_AGAIN, True),
        (CCCD_EXCHANGE, CCCD_EXCHANGE_PROVINCE, True),  # the level note does not count
        (SUSPENSION, LLC_CONVERSION, False),
        (HEALTH_CARD_EXCHANGE, BIRTH, False),
    ],
)
def test_variants_of_one_procedure_are_told_from_other_procedures(
    records: dict[str, SearchHit], code: str, other: str, family: bool
) -> None:
    """Names that share most of the shorter one's syllables are variants of one procedure."""
    assert same_family(records[code].name, records[other].name) is family


def test_another_procedure_is_labelled_with_its_own_name(records: dict[str, SearchHit]) -> None:
    """Under a suspension answer, a change of partners is no "Cấp đổi · Sang tên": its label
    is its own name, shortened; a variant's label still names only the difference."""
    partners = "2.002011"  # Đăng ký thay đổi thành viên hợp danh; … công ty TNHH …
    label = variant_label(records[partners], records[SUSPENSION])
    assert label.startswith("Đăng ký thay đổi thành viên")
    assert len(label) <= MAX_LABEL_CHARS
    assert variant_label(records[MARRIAGE_FOREIGN], records[MARRIAGE]) == "Có yếu tố nước ngoài"


def test_labels_of_long_names_stay_short(records: dict[str, SearchHit]) -> None:
    """Even two long, unlike names give a label of at most MAX_LABEL_CHARS characters."""
    label = variant_label(records["1.013314"], records[RESIDENCE])
    assert 0 < len(label) <= MAX_LABEL_CHARS


# --------------------------------------------------------------------------- words


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        # "bản sao" asks for papers, but "bản sao giấy khai sinh" names a procedure.
        ("xin bản sao giấy khai sinh mất bao nhiêu tiền", ["bản", "sao", "giấy", "khai", "sinh"]),
        # Folded, "giam" is also "giảm" (a filler word): "giám hộ" is the lexicon's wording.
        ("dang ky giam ho can giay to gi", ["dang", "ky", "giam", "ho"]),
    ],
)
def test_catalog_wordings_of_the_lexicon_are_procedure_words(text: str, kept: list[str]) -> None:
    """A wording the lexicon gives for a procedure is never dropped as an aspect or filler."""
    assert procedure_words(text) == kept


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("thi bằng lái ô tô hạng B", ["bằng", "lái", "ô", "tô"]),
        ("đổi bằng lái hạng B2", ["đổi", "bằng", "lái"]),
        ("thi bang lai hang b2 o dau", ["bang", "lai"]),
        # Not a licence's class: "hạng" of a driving school's permit stays a name word.
        ("điều chỉnh hạng xe đào tạo", ["điều", "chỉnh", "hạng", "xe", "đào", "tạo"]),
    ],
)
def test_a_driving_licences_class_is_no_procedure_word(text: str, kept: list[str]) -> None:
    """No procedure's name carries a licence's class: "hạng B" left among the words made
    "thi bằng lái ô tô hạng B" fit no name well and the driving schools' permits win."""
    assert procedure_words(text) == kept


# The accents the catalog puts back, as the restorer of the search index would (a few n-grams).
GUIDE = AccentRestorer(
    {
        "dau tu": "đầu tư",
        "du an": "dự án",
        "o dau": "ở đâu",
        "o dau va": "ở đầu và",  # the restorer's own slip: "ở đâu và" read as "ở đầu và"
        "cong dan": "công dân",
        "the nao": "thẻ nào",  # another slip; "thế nào" is asked all the same
        "nha dau tu": "nhà đầu tư",
        "lan dau": "lần đầu",
    }
)


@pytest.mark.parametrize(
    ("text", "accented"),
    [
        ("du an dau tu nop o dau", "dự án đầu tư nộp ở đâu"),
        ("cong dan lam ho chieu the nao", "công dân làm hộ chiếu thế nào"),
        ("nop o dau va mat bao lau", "nộp ở đâu và mất bao lâu"),
        # A word of three syllables ("nha dau" alone is none), an action's phrase of two.
        ("nha dau tu nop ho so o dau", "nhà đầu tư nộp hồ sơ ở đâu"),
        ("le phi lam ho chieu lan dau", "lệ phí làm hộ chiếu lần đầu"),
    ],
)
def test_an_accentless_question_keeps_the_words_of_the_accented_one(
    text: str, accented: str
) -> None:
    """Folded, "dau" is also "đâu" and "cong" the channel word "cổng": with the catalog's
    accents as a guide (and a word of the word list), they stay name words, as typed."""
    with guiding_accents(GUIDE):
        words = procedure_words(text)
    assert [fold_accents(w) for w in procedure_words(accented)] == words
    assert words != procedure_words(text) or not words  # the guide made the difference
    assert all(w == fold_accents(w) for w in words)  # kept as typed, matched folded


CUE_GUIDE = AccentRestorer.learn(
    ["nộp tiền mặt", "tiền mặt", "sổ hồng", "cấp sổ hồng", "bị mất căn cước", "tôi bị mất"] * 3
    + ["sổ bị hỏng", "đóng cửa hàng"] * 3
)


@pytest.mark.parametrize(
    ("text", "actions"),
    [
        # Folded, "mat" is also "mặt" (tiền mặt), "hong" also "hồng" (sổ hồng).
        ("khai tu co phai nop tien mat khong", set()),
        ("cap so hong", set()),
        # The guide reads the loss and the damage as such: still actions.
        ("toi bi mat can cuoc", {"reissue", "report_loss"}),
        ("so bi hong", {"exchange"}),
        # A syllable the guide does not know is matched folded, as without a guide.
        ("lam lai bang lai", {"reissue"}),
        # A phrase of several syllables is matched folded whatever the guide reads.
        ("dong cua ho kinh doanh", {"terminate"}),
    ],
)
def test_an_accentless_action_word_is_read_with_the_guide(text: str, actions: set[str]) -> None:
    words = get_variant_words()
    with guiding_accents(CUE_GUIDE):
        assert words.question_actions(text) == actions
    accented = {"khai tu co phai nop tien mat khong": "khai tử có phải nộp tiền mặt không"}
    if text in accented:  # the same as typed with accents; without the guide, misread
        assert words.question_actions(accented[text]) == actions
        assert words.question_actions(text) == {"reissue", "report_loss"}


def test_the_guide_keeps_the_procedure_words_a_folded_cue_would_drop() -> None:
    """Without the guide, "mat" of "tien mat" is dropped from the procedure's words."""
    words = get_variant_words()
    assert words.without_variant_words(["nop", "tien", "mat"]) == ["nop", "tien"]
    with guiding_accents(CUE_GUIDE):
        assert words.without_variant_words(["nop", "tien", "mat"]) == ["nop", "tien", "mat"]
        assert words.without_variant_words(["bi", "mat", "so"]) == ["so"]


def test_every_aspect_has_its_words_in_the_data_file() -> None:
    """The phrase table is data (data/dialogue/question_words.yml), read once."""
    by_folded, longest = question_phrases()
    assert ("le", "phi") in by_folded and ("o", "dau") in by_folded
    assert longest >= 4  # "bộ phận một cửa"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Còn lệ phí thì sao?", []),
        ("lệ phí làm sổ đỏ mất bao lâu", ["làm", "sổ", "đỏ"]),  # "làm sổ đỏ": a lexicon term
        ("lệ phí sổ đỏ mất bao lâu", ["sổ", "đỏ"]),
        ("đăng ký kết hôn cần những giấy tờ gì", ["đăng", "ký", "kết", "hôn"]),
        ("mất căn cước", ["mất", "căn", "cước"]),
    ],
)
def test_procedure_words_keep_only_what_names_a_procedure(text: str, expected: list[str]) -> None:
    """Aspect and filler words go; "mất" as a loss stays (only "mất bao lâu" is a phrase)."""
    assert procedure_words(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("cấp lại giấy khai sinh bản sao", ["cấp", "lại", "giấy", "khai", "sinh", "bản", "sao"]),
        ("cap lai giay khai sinh ban sao a", ["cap", "lai", "giay", "khai", "sinh", "ban", "sao"]),
        ("trích lục khai sinh bản sao", ["trích", "lục", "khai", "sinh", "bản", "sao"]),
        # Asked about, not named: "cần bản sao không".
        ("giấy khai sinh cần bản sao không", ["giấy", "khai", "sinh"]),
    ],
)
def test_a_copy_named_after_the_paper_ends_the_name(text: str, expected: list[str]) -> None:
    """ "giấy khai sinh bản sao" is a copy of the birth certificate: "bản sao" ending the
    procedure's words is a piece of the name (data/dialogue/question_words.yml name_endings)."""
    assert procedure_words(text) == expected


# --------------------------------------------------------------------------- search's best


def test_the_search_best_stays_under_an_answer_about_another_procedure(
    records: dict[str, SearchHit],
) -> None:
    question = "lấy chồng người Thụy Điển, sinh con bên đó, về nước làm khai sinh thế nào"
    answered = choose_variant(question, hits_of(records, BIRTH))
    assert answered.code == BIRTH and not answered.alternatives
    kept = _keep_search_best(answered, records[BIRTH_FOREIGN])
    assert kept.code == BIRTH
    assert [(alt.code, alt.label) for alt in kept.alternatives] == [
        (BIRTH_FOREIGN, "Có yếu tố nước ngoài")
    ]
    # Nothing is added when the answer is the search's best already.
    assert _keep_search_best(answered, records[BIRTH]) == answered


def test_a_long_question_keeps_the_search_first_two_under_the_answer(
    records: dict[str, SearchHit],
) -> None:
    """A long story keeps the search's first two names offered; a short question only the
    first; a name covering too little of the question is not offered."""
    answered = choose_variant("đăng ký khai sinh cho con", hits_of(records, BIRTH))
    hits = hits_of(records, BIRTH_FOREIGN, RESIDENCE, BIRTH)
    long = _keep_search_first(answered, hits, [0.5, 0.4, 1.0], long_question=True)
    assert long.code == BIRTH
    assert [alt.code for alt in long.alternatives] == [BIRTH_FOREIGN, RESIDENCE]
    short = _keep_search_first(answered, hits, [0.5, 0.4, 1.0], long_question=False)
    assert [alt.code for alt in short.alternatives] == [BIRTH_FOREIGN]
    weak = _keep_search_first(answered, hits, [0.5, 0.2, 1.0], long_question=True)
    assert [alt.code for alt in weak.alternatives] == [BIRTH_FOREIGN]


def test_a_hit_naming_the_asked_action_competes_with_better_covered_names(
    records: dict[str, SearchHit],
) -> None:
    question = "công ty TNHH một thành viên tạm ngừng kinh doanh trong trường hợp nào"
    variants = hits_of(records, LLC_CONVERSION, LLC_FOUNDING)
    hits = [*variants, records[SUSPENSION]]
    added = _naming_asked_action(question, variants, hits, [0.8, 0.8, 0.36])
    assert [hit.code for hit in added] == [SUSPENSION]
    assert choose_variant(question, variants + added, hits).code == SUSPENSION
    # A fit too weak is not added, nor anything when a variant names the action already.
    assert _naming_asked_action(question, variants, hits, [0.8, 0.8, 0.2]) == []
    assert _naming_asked_action(question, hits, hits, [0.8, 0.8, 0.36]) == []


def test_a_hit_naming_only_the_asked_action_does_not_compete(
    records: dict[str, SearchHit],
) -> None:
    """ "mất giấy khai sinh": a name sharing only "mất giấy" (a lost travel pass) is no
    candidate; the birth-certificate copy, covering the words, is answered."""
    question = "mất giấy khai sinh xin bản sao ở đâu"
    variants = hits_of(records, BIRTH_COPY, BIRTH_AGAIN, BIRTH)
    hits = [*variants, records[TRAVEL_PASS_LOSS]]
    assert _naming_asked_action(question, variants, hits, [1.0, 1.0, 1.0, 0.5]) == []


def test_a_correction_ranked_first_competes_with_the_birth_registrations(
    records: dict[str, SearchHit],
) -> None:
    """ "sửa sai tên trong giấy khai sinh" is a correction (cải chính), not a re-registration:
    the correction names no birth certificate, but the search ranks it first."""
    question = "sửa sai tên trong giấy khai sinh"
    variants = hits_of(records, BIRTH_AGAIN, BIRTH)
    hits = [*hits_of(records, CIVIL_CORRECTION, CIVIL_CORRECTION_FOREIGN), *variants]
    added = _naming_asked_action(question, variants, hits, [0.33, 0.33, 0.75, 0.75])
    assert [hit.code for hit in added] == [CIVIL_CORRECTION, CIVIL_CORRECTION_FOREIGN]
    assert choose_variant(question, variants + added, hits).code == CIVIL_CORRECTION


# --------------------------------------------------------------------------- confirmation


def _resolved_without_catalog(
    question: str, hits: list[SearchHit], monkeypatch: pytest.MonkeyPatch
) -> resolve_module.Resolution:
    """``resolve`` with the search stubbed to return ``hits``: no catalog session, so every
    word weighs the same."""
    monkeypatch.setattr(resolve_module, "search_procedures", lambda *_a, **_k: hits)
    # An index without semantic search: no accent restorer either.
    no_semantic = SimpleNamespace(semantic=None)
    monkeypatch.setattr(resolve_module, "get_index", lambda _session: no_semantic)
    monkeypatch.setattr(resolve_module, "catalog_word_weights", lambda _session, _index=None: None)
    return resolve_module.resolve(None, question)  # type: ignore[arg-type]


def test_a_weak_match_offers_a_fourth_candidate_only_when_it_fits(
    records: dict[str, SearchHit], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A weak match is confirmed with up to four candidates: past the third, only names that
    fit a fair share of the words (the asked one was often the fourth fair match)."""
    question = "hộ chiếu có visa đi nước ngoài"
    order = [
        "1.010385",  # Trình báo mất hộ chiếu phổ thông (cấp huyện)
        "1.001445",  # … (cấp tỉnh)
        PASSPORT_LOSS,  # … (cấp xã)
        "2.000539",  # … (cấp trung ương)
        PASSPORT,  # Cấp hộ chiếu phổ thông ở trong nước (cấp tỉnh)
        LLC_FOUNDING,  # a hit that shares no word with the question
    ]
    resolution = _resolved_without_catalog(question, hits_of(records, *order), monkeypatch)
    words = procedure_words(question)
    assert resolution.outcome == "confirm"
    assert len(resolution.hits) == resolve_module.CONFIRM_CANDIDATES == 4
    assert all(
        resolve_module.coverage(words, hit) >= resolve_module.WEAK_COVERAGE
        for hit in resolution.hits[3:]
    )
    assert LLC_FOUNDING not in {hit.code for hit in resolution.hits}
    # Three fair matches: the unrelated fourth hit is not offered.
    order = ["1.010385", "1.001445", LLC_FOUNDING, PASSPORT_LOSS]
    only_three = _resolved_without_catalog(question, hits_of(records, *order), monkeypatch)
    assert [hit.code for hit in only_three.hits] == ["1.010385", "1.001445", PASSPORT_LOSS]


def test_dissolving_a_company_is_not_withdrawing_a_filing(records: dict[str, SearchHit]) -> None:
    """ "giải thể" asks a dissolution: the withdrawal of a filing ("dừng thực hiện", read as
    terminate) and the end of a household business no longer outrank the search's first,
    "Giải thể doanh nghiệp" (they did while "giải thể" was read as terminate)."""
    withdraw = "1.010010"  # Đề nghị dừng thực hiện thủ tục đăng ký doanh nghiệp; …
    dissolve = "2.002023"  # Giải thể doanh nghiệp, giải thể trong trường hợp bị thu hồi …
    household_end = "1.001266"  # Chấm dứt hoạt động hộ kinh doanh
    question = "giải thể công ty cần giấy tờ gì"
    words = get_variant_words()
    assert words.question_actions(question) == {"dissolve"}
    assert "dissolve" in words.name_actions(records[dissolve].name)
    hits = hits_of(records, dissolve, withdraw, household_end)  # the search's order
    resolution = choose_variant(question, hits)
    assert resolution.code == dissolve
    assert household_end not in {alt.code for alt in resolution.alternatives[:1]}


def test_between_equally_likely_variants_the_better_fitting_name_wins(
    records: dict[str, SearchHit],
) -> None:
    """Same action, qualifiers and levels: the name covering more of the question goes first,
    the search order only after; a stated qualifier still outweighs the fit."""
    question = "thanh toán chi phí khám chữa bệnh bảo hiểm y tế"
    clinic, direct = "1.001909", "1.001656"  # … với cơ sở KCB BHYT / Thanh toán trực tiếp …
    hits = hits_of(records, clinic, direct)
    assert preference(question, hits[0]) == preference(question, hits[1])
    assert choose_variant(question, hits).code == clinic  # the search order
    assert choose_variant(question, hits, fit={clinic: 0.62, direct: 0.81}).code == direct
    assert choose_variant(question, hits, fit={clinic: 0.81, direct: 0.78}).code == clinic
    foreign = "đăng ký kết hôn với người nước ngoài"
    couples = hits_of(records, MARRIAGE, MARRIAGE_FOREIGN)
    fit = {MARRIAGE: 1.0, MARRIAGE_FOREIGN: 0.6}
    assert choose_variant(foreign, couples, fit=fit).code == MARRIAGE_FOREIGN


# --------------------------------------------------------------------------- related procedures


def scored(hit: SearchHit, score: float) -> SearchHit:
    """``hit`` with the search score ``score``."""
    return SearchHit(code=hit.code, name=hit.name, score=score, levels=hit.levels)


def test_other_procedures_ranked_close_are_offered_as_related(
    records: dict[str, SearchHit],
) -> None:
    """Under an answer, the search's next distinct procedures that score close to its best
    ("Thủ tục liên quan"); not its variants, not those already shown, not a far-scored hit,
    not past the first three other procedures, at most two."""
    question = "đăng ký khai sinh cho con"
    answered = choose_variant(question, hits_of(records, BIRTH))
    hits = [
        scored(records[BIRTH], 10.0),
        scored(records[BIRTH_FOREIGN], 9.5),  # a variant of the answer
        scored(records[BIRTH_COPY], 9.0),
        scored(records[MARRIAGE], 7.0),  # scored far
        scored(records[CIVIL_CORRECTION], 8.5),
        scored(records[RESIDENCE], 8.5),  # past the first three other procedures
    ]
    related = resolve_module.with_related(answered, hits)
    assert related.code == BIRTH and related.alternatives == answered.alternatives
    assert [alt.code for alt in related.related] == [BIRTH_COPY, CIVIL_CORRECTION]
    assert all(len(alt.label) <= MAX_LABEL_CHARS for alt in related.related)
    far = [scored(records[BIRTH], 10.0), scored(records[BIRTH_COPY], 7.0)]
    assert not resolve_module.with_related(answered, far).related
    close = [scored(records[BIRTH], 10.0)] + [
        scored(records[code], 9.0) for code in (BIRTH_COPY, RESIDENCE, MARRIAGE)
    ]
    assert [alt.code for alt in resolve_module.with_related(answered, close).related] == [
        BIRTH_COPY,
        RESIDENCE,
    ]
    # An alternative already under the answer is not repeated.
    kept = _keep_search_best(answered, records[BIRTH_COPY])
    assert not resolve_module.with_related(kept, hits[:3]).related


def test_the_answers_variants_do_not_push_other_procedures_out_of_the_related(
    records: dict[str, SearchHit],
) -> None:
    """The health insurance card answered at the province: its other levels and its "Cấp
    đổi" ranked next do not count among the first three hits a related procedure is looked
    for in, so "Đăng ký đóng, cấp thẻ BHYT …", ranked fourth as close, is offered under it
    (an even FAQ row, "Trách nhiệm của BHXH Việt Nam trong thực hiện BHYT?", missed it)."""
    card, central, exchange_central = "2.000639", "1.003116", "1.001321"
    enrol = "1.001939"  # Đăng ký đóng, cấp thẻ BHYT đối với người chỉ tham gia BHYT
    hits = [
        scored(records[card], 110.4),
        scored(records[central], 103.7),
        scored(records[exchange_central], 96.5),
        scored(records[enrol], 95.6),
        scored(records[HEALTH_CARD_EXCHANGE], 89.8),
    ]
    answered = choose_variant("bảo hiểm y tế", hits[:3] + hits[4:], hits)
    assert answered.code == card
    related = resolve_module.with_related(answered, hits)
    assert [alt.code for alt in related.related] == [enrol]


def test_a_confirmation_never_offers_one_procedure_twice(
    records: dict[str, SearchHit], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A long question no name covers well: the search's first is confirmed once, and the
    next hits fill the other buttons (it was offered twice, which lost one candidate)."""
    question = (
        "con tôi chung sống với một anh sinh được một cháu trai, cả hai chưa lấy nhau "
        "nay đã chết, nhà nước xác nhận bố mẹ của cháu được không"
    )
    order = [CCCD_FIRST, LLC_FOUNDING, HEALTH_CARD_EXCHANGE, SUSPENSION]
    resolution = _resolved_without_catalog(question, hits_of(records, *order), monkeypatch)
    assert resolution.outcome == "confirm"
    codes = [hit.code for hit in resolution.hits]
    assert codes[0] == CCCD_FIRST
    assert len(codes) == len(set(codes)) == resolve_module.MAX_BUTTONS - 1
