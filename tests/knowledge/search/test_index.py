"""Procedure search: ranking rules on a handful of procedures, the service, and the real data."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.orm import Session

from knowledge.config import FAQ_QUESTIONS_CSV, NATIONAL_CATALOG_DIR, Settings, get_settings
from knowledge.db import make_engine, session_scope
from knowledge.enums import ProcedureStatus
from knowledge.errors import InvalidInputError
from knowledge.models import Field, Procedure
from knowledge.search import (
    ProcedureIndex,
    SearchDocument,
    documents_from_session,
    get_index,
    search_procedures,
    service,
)
from knowledge.search.index import Weights
from knowledge.text import Lexicon, fold_accents, get_lexicon
from knowledge.text.lexicon import LexiconEntry

PROVINCE_AND_COMMUNE = ("Cấp tỉnh", "Cấp xã")


def document(
    code: str,
    name: str,
    *,
    field: str = "Hộ tịch",
    levels: tuple[str, ...] = ("Cấp xã",),
    body: str = "",
    status: str = "in_force",
) -> SearchDocument:
    return SearchDocument(code, name, field, levels, body, status)


DOCUMENTS = [
    document(
        "1.001193",
        "Thủ tục đăng ký khai sinh",
        body="Người đi đăng ký khai sinh nộp tờ khai và giấy chứng sinh cho cơ quan hộ tịch.",
    ),
    document(
        "1.000894",
        "Thủ tục đăng ký kết hôn",
        body="Hai bên nam, nữ nộp tờ khai đăng ký kết hôn và cùng có mặt khi đăng ký.",
    ),
    document(
        "2.000806",
        "Thủ tục đăng ký kết hôn có yếu tố nước ngoài",
        body="Công dân Việt Nam kết hôn với người nước ngoài nộp xác nhận tình trạng hôn nhân.",
    ),
    document(
        "1.000656",
        "Thủ tục đăng ký khai tử",
        # As long as the body of the next one: the ranking compares names, not lengths.
        body="Người thân của người chết nộp tờ khai đăng ký khai tử và giấy báo tử hoặc giấy "
        "tờ thay thế giấy báo tử; công chức tư pháp ghi vào Sổ hộ tịch và cấp trích lục.",
    ),
    document(
        "2.000635",
        "Thủ tục cấp bản sao trích lục hộ tịch",
        body="Cấp bản sao trích lục khai sinh, trích lục khai tử, trích lục khai tử lưu trong "
        "Sổ đăng ký khai tử; bản sao trích lục khai tử có giá trị như bản chính.",
    ),
    document(
        "3.000347",
        "Cấp đổi giấy phép lái xe",
        field="Đường bộ",
        levels=("Cấp tỉnh",),
        body="Người có giấy phép lái xe hết hạn hoặc hư hỏng nộp đơn đề nghị đổi.",
    ),
    document(
        "1.002010",
        "Công nhận văn bằng do cơ sở giáo dục nước ngoài cấp",
        field="Văn bằng, chứng chỉ",
        levels=("Cấp tỉnh",),
        body="Người có văn bằng nước ngoài đề nghị công nhận văn bằng.",
    ),
    document(
        "1.000757",
        "Cấp lại thẻ căn cước",
        field="Cấp, quản lý căn cước",
        levels=("Cấp bộ",),
        body="Công dân bị mất thẻ căn cước đề nghị cấp lại tại Cục Cảnh sát quản lý hành chính.",
    ),
    document(
        "1.014064",
        "Cấp lại thẻ căn cước",
        field="Cấp, quản lý căn cước",
        levels=("Cấp xã",),
        body="Công dân bị mất thẻ căn cước đề nghị cấp lại tại Công an cấp xã.",
    ),
    document(
        "1.002757",
        "Cấp thị thực điện tử theo đề nghị của người nước ngoài",
        field="Quản lý xuất nhập cảnh",
        levels=("Cấp bộ",),
        body="Người nước ngoài khai tờ khai đề nghị cấp thị thực điện tử trên cổng thông tin.",
    ),
    document(
        "1.007956",
        "Cấp giấy phép hoạt động thẻ ngân hàng",
        field="Hoạt động thanh toán",
        levels=("Cấp bộ",),
        body="Tổ chức chuyển mạch thẻ kết nối với Visa, Mastercard; thẻ Visa quốc tế.",
    ),
    document(
        "1.003583",
        "Thủ tục đăng ký khai sinh lưu động",
        body="Đăng ký khai sinh tại nhà cho trẻ em khuyết tật.",
        status="abolished",
    ),
    document(
        "1.013000",
        "Thủ tục đăng ký khai sinh lưu động (thay thế)",
        body="Đăng ký khai sinh tại nhà cho trẻ em khuyết tật.",
    ),
]

LEXICON = Lexicon(
    [
        LexiconEntry(catalog=("giấy phép lái xe",), citizen=("bằng lái", "bằng lái xe")),
        LexiconEntry(catalog=("đăng ký kết hôn",), citizen=("giấy hôn thú", "đám cưới")),
        LexiconEntry(catalog=("thị thực",), citizen=("visa",)),
    ]
)


@pytest.fixture(scope="module")
def index() -> ProcedureIndex:
    return ProcedureIndex.build(
        DOCUMENTS, preferred_levels=PROVINCE_AND_COMMUNE, level_preference=0.15, lexicon=LEXICON
    )


def codes(index: ProcedureIndex, question: str, limit: int = 5) -> list[str]:
    return [hit.code for hit in index.search(question, limit)]


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Đăng ký kết hôn với người nước ngoài cần giấy tờ gì?", "2.000806"),
        ("Thủ tục đăng ký khai sinh cho con", "1.001193"),
        ("Tôi muốn đổi giấy phép lái xe", "3.000347"),
    ],
)
def test_accentless_question_ranks_like_accented(
    index: ProcedureIndex, question: str, expected: str
) -> None:
    accented = index.search(question)
    accentless = index.search(fold_accents(question))
    assert accented[0].code == expected
    assert [(h.code, h.score) for h in accentless] == [(h.code, h.score) for h in accented]


def test_decomposed_unicode_ranks_like_composed(index: ProcedureIndex) -> None:
    import unicodedata

    question = "Đăng ký kết hôn có yếu tố nước ngoài"
    assert codes(index, unicodedata.normalize("NFD", question)) == codes(index, question)


@pytest.mark.parametrize("question", ["đổi bằng lái", "doi bang lai o dau", "Đổi bằng lái xe"])
def test_citizen_words_reach_catalog_wording(index: ProcedureIndex, question: str) -> None:
    assert codes(index, question)[0] == "3.000347"


def test_lexicon_wording_is_what_finds_a_slang_only_question() -> None:
    with_lexicon = ProcedureIndex.build(DOCUMENTS, lexicon=LEXICON)
    without = ProcedureIndex.build(DOCUMENTS, lexicon=Lexicon([]))
    assert codes(with_lexicon, "đám cưới")[0] == "1.000894"
    assert without.search("đám cưới") == []


def test_slang_only_question_trusts_the_lexicon_over_a_literal_body_match(
    index: ProcedureIndex,
) -> None:
    assert codes(index, "visa")[0] == "1.002757"


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("mất thẻ bảo hiểm y tế thì làm lại thế nào", "1.002759"),  # the name says "BHYT"
        ("thanh toán trực tiếp chi phí KCB", "1.001656"),  # the name says "khám, chữa bệnh"
    ],
)
def test_abbreviations_meet_full_words_both_ways(question: str, expected: str) -> None:
    index = ProcedureIndex.build(
        [
            document("1.002759", "Cấp lại, đổi, điều chỉnh thông tin trên sổ BHXH, thẻ BHYT"),
            document("1.001656", "Thanh toán trực tiếp chi phí khám, chữa bệnh bảo hiểm y tế"),
            document("1.001193", "Thủ tục đăng ký khai sinh"),
        ],
        lexicon=Lexicon([]),
    )
    assert codes(index, question)[0] == expected


def test_local_variant_preferred_when_question_names_no_level(index: ProcedureIndex) -> None:
    hits = index.search("cấp lại thẻ căn cước")
    assert [h.code for h in hits[:2]] == ["1.014064", "1.000757"]
    assert hits[0].levels == "Cấp xã"


def test_level_named_in_question_wins(index: ProcedureIndex) -> None:
    assert codes(index, "cấp lại thẻ căn cước ở cấp bộ")[0] == "1.000757"
    assert codes(index, "cap lai the can cuoc tai cap trung uong")[0] == "1.000757"


@pytest.mark.parametrize(
    ("question", "levels"),
    [
        ("Nộp hồ sơ ở cấp xã hay cấp tỉnh?", ("Cấp tỉnh", "Cấp xã")),
        ("thuc hien tai cap phuong", ("Cấp xã",)),
        ("Làm tại cấp trung ương được không", ("Cấp bộ",)),
        ("Hưởng trợ cấp xã hội hằng tháng", ()),
        ("Đề nghị cấp bổ sung giấy phép", ()),
        ("tỉnh, thành phố trực thuộc trung ương", ()),
    ],
)
def test_named_levels(index: ProcedureIndex, question: str, levels: tuple[str, ...]) -> None:
    assert index.named_levels(question) == levels


def test_without_level_preference_variants_tie_on_text() -> None:
    neutral = ProcedureIndex.build(DOCUMENTS, lexicon=LEXICON)
    first, second = neutral.search("cấp lại thẻ căn cước")[:2]
    assert {first.code, second.code} == {"1.014064", "1.000757"}


def test_name_match_beats_body_only_match(index: ProcedureIndex) -> None:
    ranked = codes(index, "khai tử")
    assert ranked[0] == "1.000656"
    assert "2.000635" in ranked  # found through its body, but below the named procedure


def test_fuller_record_ranks_above_a_bare_twin_that_stays_findable() -> None:
    steps = "Người đề nghị nộp tờ khai, bản sao giấy tờ tùy thân và ảnh; cơ quan kiểm tra, "
    twins = [
        document("9.000001", "Cấp giấy xác nhận cư trú", body="Nộp tờ khai."),
        document("9.000002", "Cấp giấy xác nhận cư trú", body=steps * 6 + "trả kết quả."),
        document("9.000003", "Cấp giấy xác nhận độc thân", body=""),
    ]
    index = ProcedureIndex.build(twins, lexicon=LEXICON)
    assert codes(index, "xác nhận cư trú")[:2] == ["9.000002", "9.000001"]
    neutral = ProcedureIndex.build(twins, weights=Weights(body_length=0), lexicon=LEXICON)
    assert codes(neutral, "xác nhận cư trú")[:2] == ["9.000001", "9.000002"]  # code order
    assert codes(index, "xác nhận độc thân")[0] == "9.000003"


def test_abolished_procedure_ranks_below_in_force_twin(index: ProcedureIndex) -> None:
    hits = index.search("đăng ký khai sinh lưu động")
    ranked = [h.code for h in hits]
    assert ranked.index("1.013000") < ranked.index("1.003583")
    assert next(h for h in hits if h.code == "1.003583").status == "abolished"


ENTERPRISE = "Thành lập và hoạt động doanh nghiệp"
ENTERPRISE_DOCUMENTS = [
    document("9.100001", "Đăng ký thành lập doanh nghiệp tư nhân", field=ENTERPRISE),
    document("9.100002", "Hiệu đính thông tin đăng ký doanh nghiệp tư nhân", field=ENTERPRISE),
    document("9.100003", "Cấp lại Giấy chứng nhận đăng ký doanh nghiệp", field=ENTERPRISE),
]


@pytest.mark.parametrize(
    "question", ["đăng ký doanh nghiệp tư nhân ở đâu", "dang ky doanh nghiep tu nhan o dau"]
)
def test_question_naming_no_action_prefers_the_base_procedure(question: str) -> None:
    index = ProcedureIndex.build(ENTERPRISE_DOCUMENTS, lexicon=LEXICON)
    assert codes(index, question)[0] == "9.100001"
    # Without the action weight, the longer name that repeats "đăng ký doanh nghiệp" wins.
    neutral = ProcedureIndex.build(ENTERPRISE_DOCUMENTS, weights=Weights(action=0), lexicon=LEXICON)
    assert codes(neutral, question)[0] == "9.100002"


# Real names of the catalog's business registrations (2.001610 … 2.002041).
FOUNDINGS = {
    "2.001610": "Đăng ký thành lập doanh nghiệp tư nhân",
    "2.001583": "Đăng ký thành lập công ty TNHH một thành viên",
    "2.002043": "Đăng ký thành lập công ty cổ phần",
}
REGISTRATION_DOCUMENTS = [
    *(document(code, name, field=ENTERPRISE) for code, name in FOUNDINGS.items()),
    document("2.002016", "Hiệu đính thông tin đăng ký doanh nghiệp", field=ENTERPRISE),
    document(
        "2.002015", "Cập nhật bổ sung thông tin trong hồ sơ đăng ký doanh nghiệp", field=ENTERPRISE
    ),
    document(
        "2.002041",
        "Đăng ký thay đổi địa chỉ trụ sở chính, đăng ký đổi tên của doanh nghiệp",
        field=ENTERPRISE,
    ),
]


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        # "Đăng ký doanh nghiệp" with no other action is founding one (the Law on Enterprises
        # calls the founding registration so), not amending a registration's wording.
        ("Hồ sơ đăng ký doanh nghiệp có bắt buộc phải đóng dấu không?", set(FOUNDINGS)),
        ("Ho so dang ky doanh nghiep co bat buoc phai dong dau khong?", set(FOUNDINGS)),
        ("hiệu đính thông tin đăng ký doanh nghiệp", {"2.002016"}),
        ("đăng ký đổi tên doanh nghiệp", {"2.002041"}),
    ],
)
def test_registering_a_business_is_founding_one_unless_another_action_is_named(
    question: str, expected: set[str]
) -> None:
    index = ProcedureIndex.build(REGISTRATION_DOCUMENTS, lexicon=get_lexicon())
    assert codes(index, question)[0] in expected


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("bị mất giấy chứng nhận doanh nghiệp tư nhân làm lại", "9.100003"),
        ("hiệu đính thông tin doanh nghiệp tư nhân", "9.100002"),
    ],
)
def test_named_action_favours_the_procedure_carrying_it(question: str, expected: str) -> None:
    index = ProcedureIndex.build(ENTERPRISE_DOCUMENTS, lexicon=LEXICON)
    neutral = ProcedureIndex.build(ENTERPRISE_DOCUMENTS, weights=Weights(action=0), lexicon=LEXICON)
    hits = {h.code: h.score for h in index.search(question)}
    plain = {h.code: h.score for h in neutral.search(question)}
    assert codes(index, question)[0] == expected
    assert hits[expected] == pytest.approx(plain[expected] * (1 + Weights().action), rel=1e-3)
    assert hits["9.100001"] == pytest.approx(plain["9.100001"], rel=1e-3)  # not the asked one


class TwoActions:
    """Action words of a test: "renew" in a question or a name, else a first issue."""

    def question_actions(self, text: str) -> set[str]:
        return {"renew"} if "gia hạn" in text else set()

    def name_actions(self, name: str) -> set[str]:
        return {"renew"} if "Gia hạn" in name else {"issue"}


def test_action_words_can_be_given() -> None:
    permits = [
        document("9.200001", "Gia hạn giấy phép lao động", field="Việc làm"),
        document("9.200002", "Cấp giấy phép lao động", field="Việc làm"),
    ]
    index = ProcedureIndex.build(permits, lexicon=LEXICON, action_words=TwoActions())
    assert codes(index, "giấy phép lao động") == ["9.200002", "9.200001"]
    assert codes(index, "gia hạn giấy phép lao động")[0] == "9.200001"


@pytest.mark.parametrize("question", ["xyzzy quux", "?!…", "tôi"])
def test_nothing_matches_gives_empty_list(index: ProcedureIndex, question: str) -> None:
    assert index.search(question) == []


def test_limit_and_order(index: ProcedureIndex) -> None:
    hits = index.search("đăng ký", limit=3)
    assert len(hits) == 3
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_empty_index_finds_nothing() -> None:
    assert ProcedureIndex.build([], lexicon=LEXICON).search("khai sinh") == []


def test_documents_without_field_or_body_are_searchable() -> None:
    bare = [document("1.000001", "Thủ tục đăng ký khai sinh", field="", body="")]
    assert codes(ProcedureIndex.build(bare, lexicon=LEXICON), "khai sinh") == ["1.000001"]


# ------------------------------------------------------------------ service, with a database


@pytest.fixture()
def session(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Session]:
    monkeypatch.setattr(service, "FINGERPRINT_INTERVAL", 0.0)
    monkeypatch.setattr("knowledge.search.index.get_lexicon", lambda: LEXICON)
    engine = make_engine(database_url)
    with session_scope(engine) as session:
        civil_status = Field(name="Hộ tịch")
        session.add_all(
            [
                Procedure(
                    code="1.001193",
                    name="Thủ tục đăng ký khai sinh",
                    levels="Cấp xã",
                    field=civil_status,
                    steps="Nộp tờ khai đăng ký khai sinh.",
                    papers_text="Giấy chứng sinh: 1 bản chính",
                ),
                Procedure(
                    code="1.000894",
                    name="Thủ tục đăng ký kết hôn",
                    levels="Cấp tỉnh, Cấp xã",
                    field=civil_status,
                    steps="Hai bên nam, nữ nộp tờ khai đăng ký kết hôn và cùng có mặt.",
                    competent_agency="Ủy ban nhân dân cấp xã",
                ),
            ]
        )
        session.flush()
        yield session
    engine.dispose()


def test_documents_from_session(session: Session) -> None:
    documents = {d.code: d for d in documents_from_session(session)}
    birth, marriage = documents["1.001193"], documents["1.000894"]
    assert birth.field == "Hộ tịch"
    assert marriage.levels == ("Cấp tỉnh", "Cấp xã")
    assert "Giấy chứng sinh" in birth.body and "Nộp tờ khai" in birth.body
    assert "Ủy ban nhân dân cấp xã" in marriage.body
    assert birth.status == "in_force"


def test_search_procedures_finds_and_caches(session: Session) -> None:
    hits = search_procedures(session, "dang ky ket hon", limit=1)
    assert [h.code for h in hits] == ["1.000894"]
    assert get_index(session) is get_index(session)


def test_get_index_rebuilds_after_a_procedure_is_added(session: Session) -> None:
    before = get_index(session)
    assert "1.000110" not in [h.code for h in search_procedures(session, "giám hộ")]
    session.add(
        Procedure(
            code="1.000110",
            name="Thủ tục đăng ký giám hộ",
            levels="Cấp xã",
            status=ProcedureStatus.in_force,
        )
    )
    session.flush()
    assert search_procedures(session, "giám hộ")[0].code == "1.000110"
    assert get_index(session) is not before


@pytest.mark.parametrize("question", ["", "   ", "\n\t"])
def test_empty_question_is_refused(session: Session, question: str) -> None:
    with pytest.raises(InvalidInputError, match="Câu hỏi trống"):
        search_procedures(session, question)


def test_too_long_question_is_refused(session: Session) -> None:
    question = "a" * (get_settings().max_question_chars + 1)
    with pytest.raises(InvalidInputError):
        search_procedures(session, question)


@pytest.mark.parametrize("limit", [0, -1, 51])
def test_limit_out_of_range_is_refused(session: Session, limit: int) -> None:
    with pytest.raises(InvalidInputError):
        search_procedures(session, "khai sinh", limit)


# ------------------------------------------------------------------------------ real data


@pytest.mark.slow
@pytest.mark.shared_data
@pytest.mark.skipif(
    not (NATIONAL_CATALOG_DIR.exists() and FAQ_QUESTIONS_CSV.exists()),
    reason="needs ../shared/datasets",
)
def test_quality_on_real_questions(monkeypatch: pytest.MonkeyPatch) -> None:
    from bench.search_eval import run

    # The project's cache: the national catalog's vectors are computed once, not per run.
    monkeypatch.setenv("TTHC_EMBEDDINGS_DIR", str(Settings.__fields__["embeddings_dir"].default))
    get_settings.cache_clear()
    figures = run()
    rows = {(r["system"], r["rows"], r["typing"]): r for r in figures["results"]}
    accented = rows["search", "odd (report)", "accented"]
    accentless = rows["search", "odd (report)", "accentless"]
    baseline = rows["tfidf n+f+steps", "odd (report)", "accented"]
    lexical = rows["search bm25", "odd (report)", "accented"]
    assert figures["questions"] == 286
    # Measured 2026-12-01 on the odd rows, BM25 fused with e5 cosines and the action a
    # question names (weights tuned on the even rows): accented hit@1 0.664, hit@5 0.881,
    # MRR@10 0.752; accentless 0.643, 0.874, 0.744. Before the action weight: 0.636, 0.860,
    # 0.725 and 0.629, 0.839. The targets: hit@1 >= 0.62, hit@5 >= 0.88, accentless
    # within 0.03; the bounds below leave one question of slack for hit@5.
    assert accented["hit@1"] >= 0.62
    assert accented["hit@5"] >= 0.87
    assert accented["mrr@10"] >= 0.72
    assert abs(accentless["hit@1"] - accented["hit@1"]) <= 0.03
    assert abs(accentless["hit@5"] - accented["hit@5"]) <= 0.03
    assert accented["hit@5"] > lexical["hit@5"] and accented["hit@1"] > lexical["hit@1"]
    assert accented["hit@5"] > baseline["hit@5"]
