"""The procedure actions on the sample catalog: run ``action.run()``, assert messages and events."""

from __future__ import annotations

import asyncio
import logging
from datetime import date
from typing import Any

import pytest
from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import procedures as procedures_module
from actions.fallback import ActionClarify, ActionOutOfScope
from actions.feedback import (
    ActionStoreFeedback,
    ValidateFeedbackForm,
    has_substance,
)
from actions.handoff import ActionHandoff
from actions.procedures import (
    ActionAffirmCandidate,
    ActionAnswerAgency,
    ActionAnswerChannels,
    ActionAnswerConditions,
    ActionAnswerDocuments,
    ActionAnswerFee,
    ActionAnswerLegalBasis,
    ActionAnswerProcedure,
    ActionAnswerProcessingTime,
    ActionAnswerResult,
    ActionAnswerSteps,
    ActionDenyCandidate,
)
from bot.responses import message_buttons, message_text, response_text
from knowledge.answers import shorten
from knowledge.config import get_settings
from knowledge.db import get_engine, session_scope
from knowledge.models import ProcedureStatus
from knowledge.procedures import get_procedure, set_procedure_status
from knowledge.schemas import SearchHit
from knowledge.search import search_procedures
from knowledge.search.resolve import (
    CONFIRM_CANDIDATES,
    SEARCH_DEPTH,
    STRONG_COVERAGE,
    WEAK_COVERAGE,
    Alternative,
    Resolution,
    coverage,
    procedure_words,
)
from knowledge.text.abbreviations import get_abbreviations

CCCD_COMMUNE = "1.014063"  # Cấp đổi thẻ căn cước (Cấp xã)
CCCD_PROVINCE = "2.001195"  # … (thực hiện tại cấp tỉnh)
BIRTH = "1.001193"  # Thủ tục đăng ký khai sinh
MARRIAGE = "1.000894"  # Thủ tục đăng ký kết hôn
MARRIAGE_FOREIGN = "2.000806"  # … có yếu tố nước ngoài
RESIDENCE = "1.004222"  # Đăng ký thường trú
TEMPORARY_RESIDENCE = "1.004194"  # Đăng ký tạm trú

pytestmark = pytest.mark.usefixtures("sample_database")


def tracker(
    text: str,
    intent: str = "ask_procedure",
    *,
    confidence: float = 0.99,
    slots: dict[str, Any] | None = None,
    entities: list[dict[str, Any]] | None = None,
    events: list[dict[str, Any]] | None = None,
) -> Tracker:
    """A tracker whose latest user message is ``text`` classified as ``intent``."""
    latest = {
        "text": text,
        "intent": {"name": intent, "confidence": confidence},
        "entities": entities or [],
    }
    user_event = {"event": "user", "text": text, "parse_data": latest}
    return Tracker(
        "test-conversation",
        slots or {},
        latest,
        [*(events or []), user_event],
        False,
        None,
        {},
        "action_listen",
    )


def button(code: str) -> list[dict[str, Any]]:
    """The entities a button payload ``/ask_x{"procedure_code": code}`` carries."""
    return [{"entity": "procedure_code", "value": code}]


def run(action: Action, current: Tracker) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Run ``action`` as the action server does; return (messages, events).

    A message sent as a domain response gets the text and buttons Rasa would fill in.
    """
    dispatcher = CollectingDispatcher()
    events = asyncio.run(_call(action, dispatcher, current))
    messages = [
        {**m, "text": message_text(m), "buttons": message_buttons(m)} if m.get("response") else m
        for m in dispatcher.messages
    ]
    return messages, events


async def _call(action: Action, dispatcher: CollectingDispatcher, current: Tracker) -> Any:
    result = action.run(dispatcher, current, {})
    return (await result if asyncio.iscoroutine(result) else result) or []


def slot(events: list[dict[str, Any]], name: str) -> Any:
    """The last value ``events`` set ``name`` to (KeyError when never set)."""
    values = [e["value"] for e in events if e.get("event") == "slot" and e["name"] == name]
    if not values:
        raise KeyError(name)
    return values[-1]


# --------------------------------------------------------------------------- aspects


@pytest.mark.parametrize(
    ("action", "expected"),
    [
        (
            ActionAnswerFee(),
            ["Lệ phí", "- Trực tiếp, Trực tuyến: 50.000 đồng", "- Dịch vụ bưu chính: miễn phí"],
        ),
        (ActionAnswerDocuments(), ["Hồ sơ", "1. Phiếu đề nghị giải quyết thủ tục về căn cước"]),
        (
            ActionAnswerProcessingTime(),
            ["Thời hạn giải quyết", "- Trực tiếp, Trực tuyến, Dịch vụ bưu chính: 7 ngày làm việc"],
        ),
        (ActionAnswerAgency(), ["Nơi giải quyết", "Cơ quan thực hiện: Công an cấp Xã"]),
        (ActionAnswerSteps(), ["Các bước", "Bước 1:", "Bước 4:"]),
        (ActionAnswerChannels(), ["Có thể nộp: Trực tiếp, Trực tuyến, Dịch vụ bưu chính."]),
        (ActionAnswerConditions(), ["Điều kiện", "Đối tượng thực hiện: Công dân Việt Nam"]),
        (ActionAnswerResult(), ["Kết quả", "- Thẻ căn cước"]),
        (ActionAnswerLegalBasis(), ["Căn cứ pháp lý", "- 26/2023/QH15: Luật Căn cước"]),
        (
            ActionAnswerProcedure(),
            [
                "Lĩnh vực: Cấp, quản lý căn cước",
                "- Trực tiếp, Trực tuyến: 7 ngày làm việc, 50.000 đồng",
            ],
        ),
    ],
)
def test_each_aspect_is_answered_from_the_catalog(action: Action, expected: list[str]) -> None:
    """A button's code gets the asked aspect, named, with the code cited and the link."""
    messages, events = run(action, tracker(f"/{action.name()}", entities=button(CCCD_COMMUNE)))
    [message] = messages
    text = message["text"]
    assert "Cấp đổi thẻ căn cước (Cấp xã)" in text
    for line in expected:
        assert line in text
    assert f"Mã thủ tục: {CCCD_COMMUNE}" in text
    assert "Chi tiết: https://dichvucong.gov.vn/thu-tuc-hanh-chinh/" in text
    assert len(text) < 1500  # readable on a phone
    assert slot(events, "procedure_code") == CCCD_COMMUNE


def test_overview_offers_the_usual_follow_ups_as_buttons() -> None:
    """ask_procedure ends with buttons that ask about papers, fee, time and agency."""
    [message], _ = run(ActionAnswerProcedure(), tracker("thủ tục đăng ký khai sinh"))
    assert f"Mã thủ tục: {BIRTH}" in message["text"]
    assert [b["payload"] for b in message["buttons"]] == [
        f'/ask_{aspect}{{"procedure_code":"{BIRTH}"}}'
        for aspect in ("documents", "fee", "processing_time", "agency")
    ]


@pytest.mark.parametrize(
    "question",
    [
        "lệ phí đăng ký thường trú là bao nhiêu",
        "le phi dang ky thuong tru la bao nhieu",
        "LỆ PHÍ ĐĂNG KÝ THƯỜNG TRÚ?",
    ],
)
def test_the_procedure_comes_from_the_question(question: str) -> None:
    """Search resolves the procedure with or without diacritics, in any case."""
    [message], events = run(ActionAnswerFee(), tracker(question, "ask_fee"))
    assert message["text"].startswith("Lệ phí – Đăng ký thường trú (Cấp xã):")
    assert f"Mã thủ tục: {RESIDENCE}" in message["text"]
    assert slot(events, "procedure_code") == RESIDENCE


def test_an_aspect_nlu_guessed_with_no_aspect_word_gets_the_overview() -> None:
    """ "đăng ký thường trú" taken for ask_result at 0.30: no word of the message asks the
    result, so the overview answers (it shows fees, time and papers in brief)."""
    [unsure, *_], _ = run(
        ActionAnswerResult(), tracker("đăng ký thường trú", "ask_result", confidence=0.3)
    )
    assert unsure["text"].startswith("Đăng ký thường trú (Cấp xã)")
    # "cấp giấy chứng nhận quyền sử dụng đất lần đầu" was taken for ask_agency at 0.61.
    [fair, *_], _ = run(
        ActionAnswerAgency(), tracker("đăng ký thường trú", "ask_agency", confidence=0.61)
    )
    assert fair["text"].startswith("Đăng ký thường trú (Cấp xã)")
    [sure, *_], _ = run(
        ActionAnswerResult(), tracker("đăng ký thường trú", "ask_result", confidence=0.9)
    )
    assert sure["text"].startswith("Kết quả – Đăng ký thường trú")
    [cued, *_], _ = run(
        ActionAnswerFee(), tracker("lệ phí đăng ký thường trú", "ask_fee", confidence=0.3)
    )
    assert cued["text"].startswith("Lệ phí – Đăng ký thường trú")


@pytest.mark.parametrize(
    ("action", "question", "heading"),
    [
        # NLU took "… cần giấy tờ gì" for an overview: the phrase says papers.
        (
            ActionAnswerProcedure(),
            "đăng ký thường trú cần giấy tờ gì",
            "Hồ sơ – Đăng ký thường trú",
        ),
        (
            ActionAnswerDocuments(),
            "dang ky thuong tru le phi bao nhieu",
            "Lệ phí – Đăng ký thường trú",
        ),
        # Two aspects named, the intent's not among them: the overview with its buttons.
        (ActionAnswerAgency(), "lệ phí và thời hạn đăng ký thường trú", "Đăng ký thường trú"),
    ],
)
def test_the_aspect_named_in_the_question_wins_over_the_intent(
    action: Action, question: str, heading: str
) -> None:
    """A wrong aspect answered directly is worse than the asked one, or an overview."""
    messages, events = run(action, tracker(question, action.name().replace("action_answer", "ask")))
    assert messages[0]["text"].startswith(heading)
    assert f"Mã thủ tục: {RESIDENCE}" in messages[0]["text"]
    assert slot(events, "procedure_code") == RESIDENCE


# --------------------------------------------------------------------------- context


@pytest.mark.parametrize(
    ("action", "question", "heading"),
    [
        (ActionAnswerFee(), "còn lệ phí thì sao?", "Lệ phí – Thủ tục đăng ký khai sinh"),
        (ActionAnswerAgency(), "nộp ở đâu?", "Nơi giải quyết – Thủ tục đăng ký khai sinh"),
        (
            ActionAnswerProcessingTime(),
            "mất bao lâu?",
            "Thời hạn giải quyết – Thủ tục đăng ký khai sinh",
        ),
        (ActionAnswerDocuments(), "can giay to gi", "Hồ sơ – Thủ tục đăng ký khai sinh"),
    ],
)
def test_follow_up_reuses_the_last_procedure(action: Action, question: str, heading: str) -> None:
    """A follow-up that names no procedure answers about the one in the slot."""
    [message], events = run(action, tracker(question, slots={"procedure_code": BIRTH}))
    assert message["text"].startswith(heading)
    assert f"Mã thủ tục: {BIRTH}" in message["text"]
    assert slot(events, "procedure_code") == BIRTH


def test_naming_another_procedure_switches_context() -> None:
    """A question that names a procedure wins over the slot, and replaces it."""
    current = tracker(
        "thủ tục đăng ký tạm trú nộp ở đâu", "ask_agency", slots={"procedure_code": BIRTH}
    )
    [message], events = run(ActionAnswerAgency(), current)
    assert f"Mã thủ tục: {TEMPORARY_RESIDENCE}" in message["text"]
    assert slot(events, "procedure_code") == TEMPORARY_RESIDENCE


def test_a_follow_up_without_context_asks_which_procedure() -> None:
    """ "mất bao lâu?" as the first question: ask for the procedure, remember the aspect."""
    [message], events = run(ActionAnswerProcessingTime(), tracker("mất bao lâu?"))
    assert message["text"] == response_text("utter_which_procedure")
    assert slot(events, "pending_aspect") == "processing_time"


def test_the_name_given_after_the_question_answers_the_pending_aspect() -> None:
    """ "mất bao lâu?" → "which procedure?" → "đăng ký khai sinh": the time, not an overview."""
    current = tracker("đăng ký khai sinh", slots={"pending_aspect": "processing_time"})
    [message], events = run(ActionAnswerProcedure(), current)
    assert message["text"].startswith("Thời hạn giải quyết – Thủ tục đăng ký khai sinh")
    assert slot(events, "pending_aspect") is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Còn lệ phí thì sao?", []),
        ("thế còn giấy tờ thì sao", []),
        ("nop o dau a", []),
        ("lệ phí làm sổ đỏ mất bao lâu", ["làm", "sổ", "đỏ"]),  # "làm sổ đỏ": a lexicon term
        ("đăng ký kết hôn cần giấy tờ gì", ["đăng", "ký", "kết", "hôn"]),
        ("mất căn cước thì làm sao", ["mất", "căn", "cước"]),
    ],
)
def test_procedure_words_drop_aspect_and_filler_words(text: str, expected: list[str]) -> None:
    """Only words that may name a procedure remain ("mất" in "mất căn cước" stays)."""
    assert procedure_words(text) == expected


@pytest.mark.parametrize(
    ("question", "name", "expected"),
    [
        ("đăng ký kết hôn", "Thủ tục đăng ký kết hôn", 1.0),
        ("dang ky ket hon", "Thủ tục đăng ký kết hôn", 1.0),
        ("sổ đỏ", "Cấp đổi Giấy chứng nhận quyền sử dụng đất", 1.0),  # via the lexicon
        ("du hành sao hỏa", "Cấp giấy phép hoạt động phát hành xuất bản phẩm", 0.0),
        ("giá vàng", "Đăng ký đất đai cho hộ gia đình", 0.0),  # "giá" typed is not "gia"
        ("thẻ bảo hiểm y tế", "Cấp lại, đổi, điều chỉnh thông tin trên sổ BHXH, thẻ BHYT", 1.0),
        ("the BHYT", "Cấp thẻ bảo hiểm y tế", 1.0),
    ],
)
def test_coverage_matches_adjacent_words_not_scattered_syllables(
    question: str, name: str, expected: float
) -> None:
    """A name covers a question through adjacent word pairs or lexicon terms only."""
    hit = SearchHit(code="1.000001", name=name, score=10.0)
    words = procedure_words(get_abbreviations().spell_out(question))
    assert coverage(words, hit) == pytest.approx(expected)


# --------------------------------------------------------------------------- ambiguity


@pytest.mark.parametrize(
    ("question", "answered", "others"),
    [
        ("đăng ký kết hôn cần giấy tờ gì", MARRIAGE, {MARRIAGE_FOREIGN: "Có yếu tố nước ngoài"}),
        ("dang ky ket hon can giay to gi", MARRIAGE, {MARRIAGE_FOREIGN: "Có yếu tố nước ngoài"}),
        ("cấp đổi thẻ căn cước cần giấy tờ gì", CCCD_COMMUNE, {CCCD_PROVINCE: "Cấp tỉnh"}),
    ],
)
def test_the_likeliest_variant_is_answered_with_the_others_under_it(
    question: str, answered: str, others: dict[str, str]
) -> None:
    """Variants that fit (foreign element, provincial level): the base one is answered, the
    others are short buttons under the answer ("Trường hợp khác")."""
    answer, alternatives = run(ActionAnswerDocuments(), tracker(question, "ask_documents"))[0]
    assert f"Mã thủ tục: {answered}" in answer["text"]
    assert alternatives["text"] == "Trường hợp khác:"
    assert {b["title"]: b["payload"] for b in alternatives["buttons"]} == {
        label: f'/ask_documents{{"procedure_code":"{code}"}}' for code, label in others.items()
    }
    events = run(ActionAnswerDocuments(), tracker(question, "ask_documents"))[1]
    assert slot(events, "procedure_code") == answered
    assert slot(events, "candidate_codes") is None


def test_related_procedures_are_a_row_of_their_own_under_the_answer(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Other procedures the search ranked close come after the variants, in their own row
    ("Có thể bạn cần thủ tục liên quan:"), each a short label asking the same aspect."""
    resolution = Resolution(
        "answer",
        CCCD_COMMUNE,
        alternatives=(Alternative(CCCD_PROVINCE, "Cấp tỉnh"),),
        related=(Alternative(MARRIAGE, "Đăng ký kết hôn"),),
    )
    monkeypatch.setattr(procedures_module, "resolve", lambda *_a, **_k: resolution)
    question = "đổi căn cước rồi có phải đăng ký lại gì không"
    answer, others, related = run(ActionAnswerDocuments(), tracker(question, "ask_documents"))[0]
    assert f"Mã thủ tục: {CCCD_COMMUNE}" in answer["text"]
    assert others["text"] == "Trường hợp khác:"
    assert related["text"] == "Có thể bạn cần thủ tục liên quan:"
    assert related["buttons"] == [
        {"title": "Đăng ký kết hôn", "payload": f'/ask_documents{{"procedure_code":"{MARRIAGE}"}}'}
    ]


def test_a_not_found_lists_what_the_catalog_holds_on_the_topic(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """ "xin giấy phép bán rượu": no procedure fits; the hotline reply, then the names carrying
    the question's topic word, each a button asking the same aspect."""
    liquor_tax = "1.009555"
    resolution = Resolution(
        "no_match", related=(Alternative(liquor_tax, "Đề nghị xác nhận miễn thuế rượu, bia…"),)
    )
    monkeypatch.setattr(procedures_module, "resolve", lambda *_a, **_k: resolution)
    not_found, related = run(ActionAnswerProcedure(), tracker("xin giấy phép bán rượu"))[0]
    assert not_found["response"] == "utter_no_match"
    assert related["response"] == "utter_related_procedures"
    assert related["buttons"] == [
        {
            "title": "Đề nghị xác nhận miễn thuế rượu, bia…",
            "payload": f'/ask_procedure{{"procedure_code":"{liquor_tax}"}}',
        }
    ]


def test_the_fallback_gives_the_same_not_found_with_the_topics_procedures(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """ "xin giấy phép bán rượu" NLU did not understand: not "please rephrase" but the
    resolver's "not found" with what the catalog holds on "rượu", as the question would get."""
    liquor_tax = "1.009555"
    asked: list[dict[str, object]] = []

    def strict_not_found(*_a: object, **options: object) -> Resolution:
        asked.append(options)
        return Resolution(
            "no_match", related=(Alternative(liquor_tax, "Đề nghị xác nhận miễn thuế rượu, bia…"),)
        )

    monkeypatch.setattr(procedures_module, "resolve", strict_not_found)
    not_found, related = run(ActionClarify(), tracker("xin giấy phép bán rượu", "nlu_fallback"))[0]
    assert asked and asked[0]["strict"] is True
    assert not_found["response"] == "utter_no_match"
    assert related["response"] == "utter_related_procedures"
    assert [b["payload"] for b in related["buttons"]] == [
        f'/ask_procedure{{"procedure_code":"{liquor_tax}"}}'
    ]
    # Nothing on the topic either: still the request to rephrase.
    monkeypatch.setattr(procedures_module, "resolve", lambda *_a, **_k: Resolution("no_match"))
    [rephrase], _ = run(ActionClarify(), tracker("xin giấy phép bán rượu", "nlu_fallback"))
    assert rephrase["text"] == response_text("utter_please_rephrase")
    # Out of scope keeps declining politely: only the fallback lists the topic's procedures.
    monkeypatch.setattr(procedures_module, "resolve", strict_not_found)
    [declined], _ = run(ActionOutOfScope(), tracker("xin giấy phép bán rượu", "out_of_scope"))
    assert declined["text"] == response_text("utter_out_of_scope")


def test_a_question_typed_past_a_menu_keeps_the_topic() -> None:
    """Menu ignored, "thế cần giấy tờ gì" typed: the papers of the likeliest candidate."""
    past = tracker(
        "thế cần giấy tờ gì",
        "ask_documents",
        slots={"candidate_codes": [MARRIAGE, MARRIAGE_FOREIGN], "pending_aspect": "fee"},
    )
    [message], events = run(ActionAnswerDocuments(), past)
    assert message["text"].startswith("Hồ sơ – Thủ tục đăng ký kết hôn")
    assert f"Mã thủ tục: {MARRIAGE}" in message["text"]
    assert slot(events, "procedure_code") == MARRIAGE


def test_a_chosen_button_answers_that_variant() -> None:
    """The button's code is answered even though its text would be ambiguous."""
    chosen = tracker(
        f'/ask_documents{{"procedure_code":"{MARRIAGE_FOREIGN}"}}',
        "ask_documents",
        entities=button(MARRIAGE_FOREIGN),
        slots={"candidate_codes": [MARRIAGE, MARRIAGE_FOREIGN]},
    )
    [message], events = run(ActionAnswerDocuments(), chosen)
    assert "Thủ tục đăng ký kết hôn có yếu tố nước ngoài" in message["text"]
    assert f"Mã thủ tục: {MARRIAGE_FOREIGN}" in message["text"]
    assert slot(events, "candidate_codes") is None


def test_a_weak_match_is_confirmed_first() -> None:
    """A partial match gets "Ý bạn là …?" about the best hit, with yes, alternatives and no."""
    question = "giấy phép cho con vật nuôi"  # only "giấy phép" is in the catalog's names
    [message], events = run(ActionAnswerConditions(), tracker(question, "ask_conditions"))
    words = procedure_words(question)
    with session_scope(get_engine()) as session:
        hits = search_procedures(session, " ".join(words), SEARCH_DEPTH)
    names = {hit.code: hit.name for hit in hits}
    [candidate] = slot(events, "candidate_codes")
    # A hit whose name covers a fair share of the words, but not enough to answer outright.
    [proposed] = [hit for hit in hits if hit.code == candidate]
    assert WEAK_COVERAGE <= coverage(words, proposed) < STRONG_COVERAGE
    assert message["text"].startswith(f"Ý bạn là thủ tục «{names[candidate]}")
    assert f"(Mã thủ tục: {candidate}" in message["text"]
    titles = [b["title"] for b in message["buttons"]]
    assert titles[0] == "Đúng vậy" and titles[-1] == "Không phải"
    assert len(titles) <= CONFIRM_CANDIDATES + 1  # the candidates, and "Không phải"
    assert message["buttons"][0]["payload"] == f'/ask_conditions{{"procedure_code":"{candidate}"}}'
    offered = [b["payload"].split('"')[-2] for b in message["buttons"][1:-1]]
    assert offered and set(offered) <= set(names) - {candidate}  # alternatives: the next hits
    assert all("giấy phép" in names[code].lower() for code in [candidate, *offered])


def test_yes_answers_the_pending_aspect_of_the_candidate() -> None:
    """ "đúng rồi" after the confirmation answers the aspect first asked."""
    current = tracker(
        "đúng rồi", "affirm", slots={"candidate_codes": [BIRTH], "pending_aspect": "fee"}
    )
    [message], events = run(ActionAffirmCandidate(), current)
    assert message["text"].startswith("Lệ phí – Thủ tục đăng ký khai sinh")
    assert slot(events, "procedure_code") == BIRTH


def test_no_drops_the_candidate_and_offers_a_human() -> None:
    """ "không phải" asks for a clearer name and offers the hotline."""
    current = tracker(
        "không phải", "deny", slots={"candidate_codes": [BIRTH], "pending_aspect": "fee"}
    )
    [message], events = run(ActionDenyCandidate(), current)
    assert get_settings().hotline in message["text"]
    assert message["buttons"] == [{"title": "Gặp cán bộ hỗ trợ", "payload": "/request_human"}]
    assert slot(events, "candidate_codes") is None


# --------------------------------------------------------------------------- no answer


def test_unknown_procedure_gives_the_hotline_and_a_human() -> None:
    """No match: say so, give the hotline, offer a human; the context is left alone."""
    [message], events = run(ActionAnswerFee(), tracker("thủ tục nuôi khủng long", "ask_fee"))
    assert message["text"].startswith("Mình chưa tìm thấy thủ tục nào")
    assert get_settings().hotline in message["text"]
    assert message["buttons"][0]["payload"] == "/request_human"
    assert events == []


@pytest.mark.parametrize("text", ["", "   ", "?!", "🙂"])
def test_empty_messages_ask_for_the_procedure(text: str) -> None:
    """Nothing to search: ask which procedure, never crash."""
    [message], _ = run(ActionAnswerFee(), tracker(text, "ask_fee"))
    assert message["text"] == response_text("utter_which_procedure")


def test_a_10000_character_message_is_answered_politely() -> None:
    """An over-long message gets a polite request to shorten it."""
    [message], events = run(ActionAnswerFee(), tracker("đăng ký khai sinh " * 560, "ask_fee"))
    assert message["text"].startswith("Câu hỏi dài quá")
    assert events == []


def test_a_typed_procedure_code_is_answered() -> None:
    """ "1.001193" in the text is taken as the code itself."""
    [message], _ = run(
        ActionAnswerResult(), tracker("kết quả của thủ tục 1.001193 là gì", "ask_result")
    )
    assert f"Mã thủ tục: {BIRTH}" in message["text"]


def test_an_unknown_code_is_a_polite_no_match() -> None:
    """A button or text code that the catalog lacks ends in the no-match reply."""
    [message], _ = run(
        ActionAnswerFee(), tracker("/ask_fee", "ask_fee", entities=button("9.999999"))
    )
    assert message["text"].startswith("Mình chưa tìm thấy thủ tục nào")


def test_abolished_procedure_names_the_decision_and_the_replacement() -> None:
    """An abolished procedure is not answered as if in force: decision and replacement instead."""
    with session_scope(get_engine()) as session:
        set_procedure_status(
            session,
            MARRIAGE,
            ProcedureStatus.abolished,
            decision_number="123/QĐ-UBND",
            on=date(2026, 11, 1),
            replaced_by=MARRIAGE_FOREIGN,
        )
    [message], events = run(
        ActionAnswerFee(), tracker("/ask_fee", "ask_fee", entities=button(MARRIAGE))
    )
    text = message["text"]
    assert "đã bị bãi bỏ theo Quyết định 123/QĐ-UBND ngày 01/11/2026" in text
    assert f"(Mã thủ tục: {MARRIAGE_FOREIGN})" in text
    assert f"Mã thủ tục: {MARRIAGE}" in text
    assert "Miễn" not in text  # no fee of a procedure that no longer exists
    assert message["buttons"] == [
        {
            "title": f"Xem thủ tục thay thế ({MARRIAGE_FOREIGN})",
            "payload": f'/ask_fee{{"procedure_code":"{MARRIAGE_FOREIGN}"}}',
        }
    ]
    assert slot(events, "procedure_code") == MARRIAGE


def test_an_amended_procedure_answer_says_what_changed_and_since_when() -> None:
    """After an amending decision the bot's answer lists the change, before → after."""
    from knowledge.catalog.decisions import apply_decision
    from knowledge.config import PROJECT_ROOT

    demo = PROJECT_ROOT / "data" / "decisions" / "quyet-dinh-mau.csv"
    with session_scope(get_engine()) as session:
        old_fee = next(
            c.fee_text
            for c in get_procedure(session, TEMPORARY_RESIDENCE).channels
            if c.channel == "online"
        )
        apply_decision(
            session, demo.read_bytes(), demo.name, actor="quantri", today=date(2026, 12, 1)
        )
    messages, _ = run(
        ActionAnswerFee(), tracker("/ask_fee", "ask_fee", entities=button(TEMPORARY_RESIDENCE))
    )
    text = messages[0]["text"]
    assert text.startswith("Lưu ý: thủ tục đã được sửa đổi theo Quyết định 2468/QĐ-UBND, ")
    assert "áp dụng từ 01/12/2026:" in text
    assert f"- Lệ phí (Trực tuyến): {old_fee} → 5.000 đồng/lần đăng ký" in text


def test_a_database_failure_is_answered_politely(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    """A broken database never escapes the action: the citizen gets an apology and the hotline."""
    monkeypatch.setenv("TTHC_DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    get_settings.cache_clear()
    get_engine.cache_clear()
    [message], events = run(ActionAnswerFee(), tracker("lệ phí đăng ký khai sinh", "ask_fee"))
    assert message["response"] == "utter_service_unavailable"
    assert message["text"] == response_text(
        "utter_service_unavailable", hotline=get_settings().hotline
    )
    assert events == []


@pytest.mark.parametrize(
    ("action", "intent", "question", "expected"),
    [
        (ActionAnswerResult(), "ask_result", "thứ bảy có trả kết quả không", "Thứ Bảy:"),
        (ActionAnswerChannels(), "ask_channels", "lấy số online được ko", "lấy số thứ tự"),
    ],
)
def test_a_center_question_taken_for_an_aspect_is_answered_about_the_center(
    action: Action, intent: str, question: str, expected: str
) -> None:
    """NLU took a Center question for a procedure's aspect: the Center answers, even in the
    middle of a conversation about a procedure, instead of "which procedure?"."""
    for slots in ({}, {"procedure_code": BIRTH}):
        [message], _ = run(action, tracker(question, intent, slots=slots))
        assert expected in message["text"]
        assert "Mã thủ tục" not in message["text"]


# --------------------------------------------------------------------------- fallback, hand-off


def test_out_of_scope_is_declined_politely() -> None:
    """Small talk outside administration: what the assistant can do."""
    [message], _ = run(ActionOutOfScope(), tracker("hôm nay giá vàng bao nhiêu", "out_of_scope"))
    assert message["text"] == response_text("utter_out_of_scope")


def test_out_of_scope_that_clearly_names_a_procedure_is_answered() -> None:
    """NLU said out of scope, but the text names a procedure: give its overview."""
    [message], _ = run(ActionOutOfScope(), tracker("thủ tục đăng ký khai sinh", "out_of_scope"))
    assert f"Mã thủ tục: {BIRTH}" in message["text"]


def test_the_fallback_offers_a_weak_match_for_confirmation() -> None:
    """NLU unsure, the text partly names a procedure: "Ý bạn là …?" rather than "rephrase";
    out of scope, the same text is declined, and long chatter still gets "rephrase"."""
    text = "giấy phép cho con vật nuôi"
    [message], events = run(ActionClarify(), tracker(text, "nlu_fallback"))
    assert message["text"].startswith("Ý bạn là thủ tục «")
    [candidate] = slot(events, "candidate_codes")
    assert message["buttons"][0]["payload"] == f'/ask_procedure{{"procedure_code":"{candidate}"}}'
    [declined], _ = run(ActionOutOfScope(), tracker(text, "out_of_scope"))
    assert declined["text"] == response_text("utter_out_of_scope")
    # Out of scope but asked as a question: the same weak match is offered for confirmation.
    asked = f"{text} có được không?"
    [offered], _ = run(ActionOutOfScope(), tracker(asked, "out_of_scope"))
    assert offered["text"].startswith("Ý bạn là thủ tục «")
    chatter = "con mèo nhà tôi bị ốm mấy hôm nay không chịu ăn uống gì cả"
    [rephrase], _ = run(ActionClarify(), tracker(chatter, "nlu_fallback"))
    assert rephrase["text"] == response_text("utter_please_rephrase")


def test_two_stage_fallback_clarifies_then_offers_a_human() -> None:
    """First a request to rephrase; if the next message is not understood either, a human."""
    [first], _ = run(ActionClarify(), tracker("abc xyz", "nlu_fallback"))
    assert first["text"] == response_text("utter_please_rephrase")
    history = [
        {"event": "user", "text": "abc xyz", "parse_data": {}},
        {"event": "action", "name": "action_clarify"},
        {
            "event": "bot",
            "text": response_text("utter_please_rephrase"),
            "data": {},
            "metadata": {"utter_action": "utter_please_rephrase"},
        },
        {"event": "action", "name": "action_listen"},
    ]
    [second, marker], _ = run(ActionClarify(), tracker("qwe rty", "nlu_fallback", events=history))
    assert get_settings().hotline in second["text"]
    assert second["buttons"] == [{"title": "Gặp cán bộ hỗ trợ", "payload": "/request_human"}]
    # The chat gateway reads it and queues the conversation for an agent.
    assert marker["custom"] == {"handoff": True, "reason": "fallback"}


def test_handoff_gives_the_hotline_and_the_procedure_code() -> None:
    """request_human: the configured hotline and portal, and the code under discussion."""
    [message, marker], _ = run(
        ActionHandoff(),
        tracker("cho gặp nhân viên", "request_human", slots={"procedure_code": BIRTH}),
    )
    assert marker["custom"] == {"handoff": True, "reason": "asked"}
    settings = get_settings()
    assert settings.hotline in message["text"]
    assert settings.public_portal_url in message["text"]
    assert BIRTH in message["text"]


# --------------------------------------------------------------------------- feedback


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("tôi muốn góp ý", None),
        ("cho mình góp ý chút", None),
        ("cán bộ hẹn đi hẹn lại nhiều lần", "cán bộ hẹn đi hẹn lại nhiều lần"),
        ("bot trả lời sai rồi", "bot trả lời sai rồi"),
    ],
)
def test_feedback_form_keeps_only_feedback_with_content(text: str, kept: str | None) -> None:
    """A bare announcement leaves the slot empty so the form asks for the content."""
    result = ValidateFeedbackForm().validate_feedback_text(
        text, CollectingDispatcher(), tracker(text), {}
    )
    assert result == {"feedback_text": kept}
    assert has_substance(text) is (kept is not None)


def test_feedback_is_stored_masked(caplog: pytest.LogCaptureFixture) -> None:
    """The stored feedback hides phone numbers; the slot is cleared (the question is a response)."""
    feedback = "cán bộ không nghe máy, số của tôi là 0912345678"
    with caplog.at_level(logging.INFO, logger="actions.feedback"):
        [thanks], events = run(
            ActionStoreFeedback(), tracker(feedback, slots={"feedback_text": feedback})
        )
    assert thanks["text"].startswith("Cảm ơn bạn đã góp ý!")
    [record] = [r for r in caplog.records if r.name == "actions.feedback"]
    assert "********78" in record.getMessage() and "0912345678" not in record.getMessage()
    assert events == [SlotSet("feedback_text", None)]


@pytest.mark.parametrize(
    "question",
    [
        "Cán bộ xã bảo đăng ký kết hôn phải chờ 15 ngày, như vậy có đúng không.",
        "can bo xa bao dang ky ket hon phai cho 15 ngay nhu vay co dung khong",
    ],
)
def test_a_question_taken_for_feedback_is_answered_not_stored(
    question: str, caplog: pytest.LogCaptureFixture
) -> None:
    """NLU took a question for feedback: it names a procedure, so it is answered (or
    confirmed), and nothing is logged as feedback."""
    with caplog.at_level(logging.INFO, logger="actions.feedback"):
        messages, events = run(
            ActionStoreFeedback(),
            tracker(question, "give_feedback", slots={"feedback_text": question}),
        )
    assert f"Mã thủ tục: {MARRIAGE}" in messages[0]["text"]
    assert not messages[0]["text"].startswith("Cảm ơn bạn đã góp ý")
    assert not [r for r in caplog.records if r.name == "actions.feedback"]
    assert SlotSet("feedback_text", None) in events


def test_a_question_typed_when_asked_for_feedback_is_stored(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """After "tôi muốn góp ý" and the form's question, what the citizen types is feedback,
    even a question naming a procedure."""
    feedback = "Cán bộ xã bảo đăng ký kết hôn phải chờ 15 ngày, như vậy có đúng không?"
    asked = [
        {"event": "user", "text": "tôi muốn góp ý", "parse_data": {}},
        {
            "event": "bot",
            "text": response_text("utter_ask_feedback_text"),
            "data": {},
            "metadata": {"utter_action": "utter_ask_feedback_text"},
        },
        {"event": "action", "name": "action_listen"},
    ]
    with caplog.at_level(logging.INFO, logger="actions.feedback"):
        [thanks], _ = run(
            ActionStoreFeedback(),
            tracker(feedback, "ask_procedure", slots={"feedback_text": feedback}, events=asked),
        )
    assert thanks["text"].startswith("Cảm ơn bạn đã góp ý!")
    assert [r for r in caplog.records if r.name == "actions.feedback"]


def test_shorten_cuts_at_a_word_boundary() -> None:
    """Long catalog texts end with an ellipsis at a word boundary."""
    assert shorten("Bản sao   Giấy khai sinh của người được cấp", 20) == "Bản sao Giấy khai…"
    assert shorten("ngắn", 20) == "ngắn"


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        ("làm giấy khai sinh kèm cả thẻ BHYT", ["làm giấy khai sinh", "thẻ BHYT"]),
        ("lam giay khai sinh kem ca the bhyt", ["lam giay khai sinh", "the bhyt"]),
        ("nộp tờ khai kèm theo giấy tờ gì", ["nộp tờ khai kèm theo giấy tờ gì"]),
        ("làm căn cước kèm theo định danh điện tử", ["làm căn cước kèm theo định danh điện tử"]),
        ("làm hộ chiếu và cccd cần gì", ["làm hộ chiếu", "cccd cần gì"]),
        ("đăng ký cung cấp dịch vụ", ["đăng ký cung cấp dịch vụ"]),
    ],
)
def test_joining_words_split_two_procedures(text: str, parts: list[str]) -> None:
    """ "kèm", "kèm cả" join two procedures as "và" does; "kèm theo" (what comes with one)
    and "cung" (of "cung cấp") do not."""
    assert procedures_module.TOPIC_JOINER.split(text) == parts
