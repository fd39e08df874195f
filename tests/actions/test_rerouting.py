"""Messages NLU routed away from a procedure answer, and the real lookups, feedback and
small talk that must stay where NLU put them (sample catalog)."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.dossiers import (
    ActionAnswerDossierStatus,
    ValidateDossierStatusForm,
    may_be_procedure_question,
)
from actions.fallback import ActionClarify, ActionOutOfScope
from actions.feedback import ActionStoreFeedback, is_question_not_feedback, reports_a_problem
from bot.responses import response_text
from knowledge.db import session_scope
from knowledge.search.long_questions import name_coverage, named_in_long_question
from tests.actions.test_dossiers import _domain
from tests.actions.test_procedures import run, tracker

pytestmark = pytest.mark.usefixtures("sample_database")

HOUSEHOLD_BUSINESS = "1.001612"  # Đăng ký thành lập hộ kinh doanh
MARRIAGE = "1.000894"
DEATH = "1.000656"  # Thủ tục đăng ký khai tử

# A long question that tells a story first: its words cover no name well, but it names the
# search's first hit in a citizen's words ("cưới vợ" → "đăng ký kết hôn").
MARRIAGE_STORY = (
    "Tôi năm nay ba mươi tuổi, làm công nhân ở khu công nghiệp, quen bạn gái cùng quê đã ba"
    " năm, hai bên gia đình đã gặp nhau và đồng ý. Cuối năm nay tôi cưới vợ thì hai đứa cần"
    " chuẩn bị những gì?"
)


def _lookup_tracker(text: str) -> Any:
    """A tracker as the dossier form sees a message NLU took for a lookup."""
    current = tracker(text, "check_dossier_status", slots={"requested_slot": None})
    current.active_loop = {"name": "dossier_status_form"}
    return current


def _form(text: str) -> list[dict[str, Any]]:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(
        ValidateDossierStatusForm().run(dispatcher, _lookup_tracker(text), _domain())
    )
    assert dispatcher.messages == []
    return events


def _asks_nothing(events: list[dict[str, Any]]) -> bool:
    """Whether the form, run on these events, is done without asking (Rasa's form asks the
    next slot itself when the validation leaves ``requested_slot`` alone)."""
    return SlotSet("requested_slot", None) in events


# --------------------------------------------------------------------------- dossier lookup


@pytest.mark.parametrize(
    "question",
    [
        "Nộp hồ sơ đăng ký thành lập hộ kinh doanh, đã có giấy biên nhận thì khi nào nhận được"
        " kết quả?",
        "nop ho so dang ky thanh lap ho kinh doanh da co giay bien nhan thi khi nao nhan duoc"
        " ket qua",
    ],
)
def test_a_procedure_question_taken_for_a_lookup_is_answered(question: str) -> None:
    """No dossier code and no cue of a filed dossier, a procedure named and something asked:
    the form asks nothing and the answer action answers the procedure."""
    assert _asks_nothing(_form(question))
    messages, events = run(ActionAnswerDossierStatus(), _lookup_tracker(question))
    assert f"Mã thủ tục: {HOUSEHOLD_BUSINESS}" in messages[0]["text"]
    assert response_text("utter_dossier_lookup_cancelled") not in messages[0]["text"]
    assert {"event": "slot", "timestamp": None, "name": "dossier_code", "value": None} in events


@pytest.mark.parametrize(
    "question",
    [
        "hồ sơ của tôi đến đâu rồi",
        "tra cứu hồ sơ",
        "kiểm tra tình trạng hồ sơ",
        "kiem tra tinh trang ho so",
        "hồ sơ đăng ký thành lập hộ kinh doanh nộp tuần trước sao chưa có kết quả",
        "Tôi đã nộp hồ sơ đăng ký kết hôn, quá hẹn rồi mà chưa có kết quả, hồ sơ ở khâu nào?",
    ],
)
def test_real_status_questions_still_ask_for_the_dossier_code(question: str) -> None:
    assert not may_be_procedure_question(_lookup_tracker(question))
    assert not _asks_nothing(_form(question))


def test_a_lookup_question_naming_no_procedure_stays_a_lookup() -> None:
    """Something asked, no cue, but no procedure named either: the form asks for the code."""
    question = "khi nào thì có kết quả vậy?"
    assert may_be_procedure_question(_lookup_tracker(question))
    assert not _asks_nothing(_form(question))


# --------------------------------------------------------------------------- out of scope


def test_a_long_story_naming_a_procedure_is_confirmed_not_declined() -> None:
    with session_scope() as session:
        named = named_in_long_question(session, MARRIAGE_STORY)
    assert named and named[0].code == MARRIAGE
    for action, intent in ((ActionOutOfScope(), "out_of_scope"), (ActionClarify(), "nlu_fallback")):
        [message], _ = run(action, tracker(MARRIAGE_STORY, intent))
        assert message["text"].startswith("Ý bạn là thủ tục «")
        assert MARRIAGE in message["text"]


@pytest.mark.parametrize(
    "chatter",
    [
        "thời tiết hôm nay thế nào",
        "Dạo này tôi hay bị đau đầu và mất ngủ, làm việc nhiều nên rất mệt, tôi nên uống thuốc"
        " gì và đi khám ở bệnh viện nào thì tốt?",
        "Hôm qua tôi đi đá bóng với mấy người bạn ở sân gần nhà, đội tôi thua, bạn nghĩ đội tuyển"
        " năm nay có vô địch không?",
    ],
)
def test_real_out_of_scope_is_still_declined(chatter: str) -> None:
    [message], _ = run(ActionOutOfScope(), tracker(chatter, "out_of_scope"))
    assert message["text"] == response_text("utter_out_of_scope")


def test_a_question_nlu_was_torn_about_is_answered_as_its_procedure_reading() -> None:
    """NLU fell back between small talk and a procedure question: answered as the latter."""
    question = "đăng ký kết hôn thì hai người có phải cùng đến không?"
    torn = tracker(question, "nlu_fallback")
    torn.latest_message["intent_ranking"] = [
        {"name": "nlu_fallback", "confidence": 0.3},
        {"name": "out_of_scope", "confidence": 0.41},
        {"name": "ask_procedure", "confidence": 0.39},
    ]
    messages, _ = run(ActionClarify(), torn)
    assert f"Mã thủ tục: {MARRIAGE}" in messages[0]["text"]
    # Not torn towards a procedure, or not a question: the usual clarification.
    chatter = tracker("kể chuyện cười đi", "nlu_fallback")
    chatter.latest_message["intent_ranking"] = [
        {"name": "nlu_fallback", "confidence": 0.3},
        {"name": "out_of_scope", "confidence": 0.29},
        {"name": "ask_procedure", "confidence": 0.28},
    ]
    [rephrase], _ = run(ActionClarify(), chatter)
    assert rephrase["text"] == response_text("utter_please_rephrase")


def test_name_coverage_counts_adjacent_words_and_citizen_terms() -> None:
    assert name_coverage("anh chị muốn đăng ký kết hôn thì sao?", "Thủ tục đăng ký kết hôn") == 1.0
    assert name_coverage("tôi sắp cưới vợ", "Thủ tục đăng ký kết hôn") == 1.0
    # Scattered syllables ("đăng … ký … kết … hôn") do not name it.
    assert name_coverage("hôn con, kết bạn, ký tên, đăng ảnh", "Thủ tục đăng ký kết hôn") == 0.0


def test_a_short_question_is_never_taken_for_a_story() -> None:
    with session_scope() as session:
        assert named_in_long_question(session, "cưới vợ cần gì") == []


# --------------------------------------------------------------------------- feedback

PORTAL_ERROR = (
    "Tôi nộp hồ sơ đăng ký kết hôn trực tuyến nhưng trạng thái hồ sơ là thất bại. Hệ thống"
    " báo lỗi “Vui lòng kiểm tra lại thông tin người yêu cầu”"
)


def test_a_portal_error_naming_a_procedure_is_answered_and_still_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The citizen gets the procedure, not "thank you for your feedback"; the portal's
    problem still reaches the Center's feedback log."""
    assert reports_a_problem(PORTAL_ERROR) and is_question_not_feedback(PORTAL_ERROR)
    with caplog.at_level(logging.INFO, logger="actions.feedback"):
        messages, _ = run(
            ActionStoreFeedback(),
            tracker(PORTAL_ERROR, "give_feedback", slots={"feedback_text": PORTAL_ERROR}),
        )
    assert MARRIAGE in messages[0]["text"]
    assert not messages[0]["text"].startswith("Cảm ơn bạn đã góp ý")
    assert [r for r in caplog.records if r.name == "actions.feedback"]


@pytest.mark.parametrize("name", ["Thủ tục đăng ký kết hôn", "dang ky ket hon"])
def test_a_bare_procedure_name_taken_for_feedback_is_answered(
    name: str, caplog: pytest.LogCaptureFixture
) -> None:
    """A procedure's name and nothing more is asked about, not thanked for as feedback, and
    nothing reaches the feedback log."""
    with caplog.at_level(logging.INFO, logger="actions.feedback"):
        messages, _ = run(
            ActionStoreFeedback(), tracker(name, "give_feedback", slots={"feedback_text": name})
        )
    assert MARRIAGE in messages[0]["text"]
    assert not [r for r in caplog.records if r.name == "actions.feedback"]


@pytest.mark.parametrize(
    "feedback",
    [
        "tôi muốn góp ý về thái độ cán bộ",
        # A message that says it is a complaint stays feedback, even with a question mark.
        "Tôi phản ánh: đăng ký kết hôn ở xã sao chậm thế?",
        "Tôi phản ánh: hệ thống báo lỗi suốt khi đăng ký kết hôn trực tuyến",
        "cán bộ một cửa làm việc chậm, thái độ không tốt",
        "đăng ký kết hôn trực tuyến thanh toán lệ phí bị lỗi mãi",
        "Đề nghị cải tiến cổng dịch vụ công, đăng ký kết hôn trực tuyến hay bị lỗi.",
        "thủ tục đăng ký kết hôn rườm rà quá",  # names it, and says more of it
    ],
)
def test_real_feedback_is_still_stored(feedback: str, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="actions.feedback"):
        [thanks], _ = run(
            ActionStoreFeedback(),
            tracker(feedback, "give_feedback", slots={"feedback_text": feedback}),
        )
    assert thanks["text"].startswith("Cảm ơn bạn đã góp ý!")
    assert [r for r in caplog.records if r.name == "actions.feedback"]
