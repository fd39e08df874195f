"""The dossier actions on built trackers: form extraction, the answers, privacy, lockout."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.dossiers import (
    ActionAnswerDossierStatus,
    ActionCancelDossierLookup,
    ValidateDossierStatusForm,
    digits_with_code,
    dossier_followup,
    is_procedure_code,
    papers_asked_after_answer,
)
from bot.responses import message_text, response_text
from knowledge.clock import local_now
from knowledge.config import PROJECT_ROOT, get_settings
from knowledge.db import get_engine, session_scope
from knowledge.dossiers.ingest import parse_dossier
from knowledge.dossiers.messages import not_verified_message, status_message, supplement_message
from knowledge.dossiers.schemas import DossierCitizenView
from knowledge.dossiers.sources import _http_source
from knowledge.dossiers.store import upsert_dossier
from knowledge.enums import DossierState, ResultDelivery
from knowledge.text.entities import canonical_dossier_code
from tests.dossier_payloads import CODE, commune_payload

NOW = datetime(2025, 11, 24, 10, 0)


@lru_cache(maxsize=1)
def _domain() -> dict[str, Any]:
    """The bot's real domain (bot/domain), as Rasa hands it to the action server."""
    from rasa.shared.core.domain import Domain  # heavy: loaded once, on first use

    return Domain.load(PROJECT_ROOT / "bot" / "domain").as_dict()


def _push(**overrides: Any) -> None:
    data = commune_payload(due_at="2099-12-31T17:00:00", **overrides)
    with session_scope(get_engine()) as session:
        upsert_dossier(session, parse_dossier(data), now=NOW)


@pytest.fixture()
def database(sample_database: str) -> Iterator[None]:
    """The sample catalog and one dossier, in a database the actions reach through settings."""
    _push()
    yield


def _tracker(
    text: str = "",
    slots: dict[str, Any] | None = None,
    sender: str = "chat-1",
    intent: str = "check_dossier_status",
) -> Tracker:
    return Tracker(
        sender_id=sender,
        slots={"dossier_code": None, "phone_last4": None, "requested_slot": None, **(slots or {})},
        latest_message={
            "text": text,
            "intent": {"name": intent, "confidence": 0.9},
            "entities": [],
        },
        events=[],
        paused=False,
        followup_action=None,
        active_loop={"name": "dossier_status_form"},
        latest_action_name="action_listen",
    )


def _run_form(tracker: Tracker) -> tuple[list[dict[str, Any]], list[str]]:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(ValidateDossierStatusForm().run(dispatcher, tracker, _domain()))
    return events, [message_text(m) for m in dispatcher.messages]


def _answer(slots: dict[str, Any], sender: str = "chat-1") -> tuple[list[dict[str, Any]], str]:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(
        ActionAnswerDossierStatus().run(dispatcher, _tracker(slots=slots, sender=sender), _domain())
    )
    assert len(dispatcher.messages) == 1
    return events, message_text(dispatcher.messages[0])


@pytest.mark.usefixtures("database")
@pytest.mark.parametrize(
    "typed",
    [
        CODE,
        "000 00 12 h48 251120 0001",
        "mã của em là 000.00.12.h48-251120-0001 ạ",
    ],
)
def test_form_takes_the_code_as_typed(typed: str) -> None:
    events, messages = _run_form(_tracker(typed, {"requested_slot": "dossier_code"}))
    assert events == [SlotSet("dossier_code", CODE)]
    assert messages == []


@pytest.mark.usefixtures("database")
def test_form_keeps_a_mistyped_code_for_the_generic_answer() -> None:
    events, _ = _run_form(_tracker("000.00.12.H48-25112-0001", {"requested_slot": "dossier_code"}))
    assert SlotSet("dossier_code", "000.00.12.H48-25112-0001") in events


@pytest.mark.usefixtures("database")
def test_form_hints_at_the_code_shape_for_stray_digits() -> None:
    events, messages = _run_form(_tracker("nộp hôm 20/11", {"requested_slot": "dossier_code"}))
    assert SlotSet("dossier_code", None) in events
    assert messages == [response_text("utter_dossier_code_hint")]


@pytest.mark.usefixtures("database")
def test_form_fills_nothing_from_a_message_without_digits() -> None:
    events, messages = _run_form(
        _tracker(
            "lệ phí làm hộ chiếu bao nhiêu", {"requested_slot": "dossier_code"}, intent="ask_fee"
        )
    )
    assert events == []  # the form is rejected, so the other rules answer the question
    assert messages == []


@pytest.mark.usefixtures("database")
@pytest.mark.parametrize(
    ("typed", "digits"),
    [
        ("5678", "5678"),
        ("5 6 7 8", "5678"),
        ("số cuối là 5678 nhé", "5678"),
        ("0912 345 678", "5678"),
        ("+84912345678", "5678"),
    ],
)
def test_form_takes_the_last_four_digits(typed: str, digits: str) -> None:
    events, messages = _run_form(
        _tracker(typed, {"requested_slot": "phone_last4", "dossier_code": CODE})
    )
    assert events == [SlotSet("phone_last4", digits)]
    assert messages == []


@pytest.mark.usefixtures("database")
@pytest.mark.parametrize("typed", ["567", "56789", "12 34 5"])
def test_form_asks_again_for_exactly_four_digits(typed: str) -> None:
    events, messages = _run_form(
        _tracker(typed, {"requested_slot": "phone_last4", "dossier_code": CODE})
    )
    assert SlotSet("phone_last4", None) in events
    assert messages == [response_text("utter_phone_digits_hint")]


@pytest.mark.usefixtures("database")
def test_form_skips_its_questions_when_the_conversation_is_locked() -> None:
    for _ in range(5):
        _answer({"dossier_code": CODE, "phone_last4": "0000"}, sender="locked-chat")
    events, _ = _run_form(
        _tracker(
            "000.00.12.H48-251120-0001", {"requested_slot": "dossier_code"}, sender="locked-chat"
        )
    )
    assert SlotSet("requested_slot", None) in events
    assert not any(e.get("name") == "dossier_code" for e in events)


@pytest.mark.filterwarnings("ignore::UserWarning")  # Rasa's note on removed slot auto-fill
def test_forms_ask_with_domain_responses() -> None:
    """Every slot a form requests is asked by an ``utter_ask_<slot>`` response, not an action."""
    from rasa.shared.core.domain import Domain

    domain = Domain.load(PROJECT_ROOT / "bot" / "domain")
    for form in domain.form_names:
        for slot in domain.required_slots_for_form(form):
            assert domain.responses.get(f"utter_ask_{slot}"), slot
            assert f"action_ask_{slot}" not in domain.user_actions
    [code_question] = domain.responses["utter_ask_dossier_code"]
    [digits_question] = domain.responses["utter_ask_phone_last4"]
    assert "Giấy tiếp nhận hồ sơ" in code_question["text"] and CODE in code_question["text"]
    assert "4 số cuối của số điện thoại" in digits_question["text"]


@pytest.mark.usefixtures("database")
def test_verified_answer_shows_status_and_clears_the_slots() -> None:
    events, text = _answer({"dossier_code": CODE, "phone_last4": "5678"})
    assert events[:3] == [
        SlotSet("dossier_code", None),
        SlotSet("phone_last4", None),
        SlotSet("dossier_retry_code", None),
    ]
    # Kept for "cần bổ sung gì": the dossier's answer, never the digits or the name.
    assert events[3]["name"] == "dossier_supplement"
    assert events[3]["value"].startswith(f"Hồ sơ {CODE} hiện không cần bổ sung giấy tờ gì")
    assert text.splitlines()[:4] == [
        f"Hồ sơ {CODE} — Thủ tục đăng ký khai sinh",
        "Người nộp: N*** V** A",
        'Tình trạng: đang giải quyết (bước "Thẩm định hồ sơ") tại Ủy ban nhân dân xã Bình Sơn.',
        "Tiếp nhận: 08:30 ngày 20/11/2025. Hẹn trả kết quả: 17:00 ngày 31/12/2099.",
    ]
    assert "Khi có kết quả, bạn nhận trực tiếp tại Bộ phận Một cửa UBND xã Bình Sơn." in text
    for secret in ("0912345678", "5678", "051090001234", "Nguyễn Văn An"):
        assert secret not in text


@pytest.mark.usefixtures("database")
@pytest.mark.parametrize(
    "slots",
    [
        {"dossier_code": CODE, "phone_last4": "1234"},
        {"dossier_code": "000.00.12.H48-251120-0999", "phone_last4": "5678"},
        {"dossier_code": "000.00.12.H48-25112-0001", "phone_last4": "5678"},
    ],
)
def test_failures_share_one_answer(slots: dict[str, Any]) -> None:
    events, text = _answer(slots)
    assert text == not_verified_message()
    # The code tried is kept for a retry with other digits in the next message.
    retry = canonical_dossier_code(slots["dossier_code"]) or slots["dossier_code"]
    assert events == [
        SlotSet("dossier_code", None),
        SlotSet("phone_last4", None),
        SlotSet("dossier_retry_code", retry),
        SlotSet("dossier_supplement", None),
    ]


@pytest.mark.usefixtures("database")
def test_fifth_failure_locks_with_the_hotline_and_refuses_the_right_digits() -> None:
    texts = [_answer({"dossier_code": CODE, "phone_last4": "0000"})[1] for _ in range(5)]
    assert texts[:4] == [not_verified_message()] * 4
    hotline = get_settings().hotline
    assert "tạm khóa" in texts[4] and hotline in texts[4]
    refused = _answer({"dossier_code": CODE, "phone_last4": "5678"})[1]
    assert "tạm khóa" in refused and "Thẩm định" not in refused
    # Locked and the form skipped its questions: the answer still explains the lockout.
    assert "tạm khóa" in _answer({})[1]


@pytest.mark.usefixtures("database")
def test_lock_is_released_after_the_lockout(monkeypatch: pytest.MonkeyPatch) -> None:
    for _ in range(5):
        _answer({"dossier_code": CODE, "phone_last4": "0000"})
    later = local_now() + timedelta(minutes=16)
    monkeypatch.setattr("actions.dossiers.local_now", lambda: later)
    assert "Thẩm định hồ sơ" in _answer({"dossier_code": CODE, "phone_last4": "5678"})[1]


@pytest.mark.usefixtures("database")
def test_source_down_gives_the_citizen_message(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TTHC_DOSSIER_SOURCE", "http")
    monkeypatch.setenv("TTHC_DOSSIER_SOURCE_URL", "http://127.0.0.1:9/api/dossiers")
    monkeypatch.setenv("TTHC_DOSSIER_SOURCE_RETRIES", "0")
    get_settings.cache_clear()
    _http_source.cache_clear()
    try:
        events, text = _answer({"dossier_code": CODE, "phone_last4": "5678"})
    finally:
        get_settings.cache_clear()
        _http_source.cache_clear()
    assert text.startswith("Xin lỗi, hệ thống tra cứu tình trạng hồ sơ đang tạm thời gián đoạn")
    assert events == [
        SlotSet("dossier_code", None),
        SlotSet("phone_last4", None),
        SlotSet("dossier_retry_code", None),
        SlotSet("dossier_supplement", None),
    ]


@pytest.mark.usefixtures("database")
def test_unexpected_errors_become_an_apology(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_args: Any, **_kwargs: Any) -> None:
        raise RuntimeError("database on fire")

    monkeypatch.setattr("actions.dossiers.lookup_dossier", broken)
    _, text = _answer({"dossier_code": CODE, "phone_last4": "5678"})
    assert text == response_text("utter_service_unavailable", hotline=get_settings().hotline)
    assert "fire" not in text


def test_cancel_clears_the_slots() -> None:
    dispatcher = CollectingDispatcher()
    events = ActionCancelDossierLookup().run(dispatcher, _tracker(), _domain())
    assert events == [
        SlotSet("dossier_code", None),
        SlotSet("phone_last4", None),
        SlotSet("dossier_retry_code", None),
        SlotSet("dossier_supplement", None),
    ]
    assert dispatcher.messages[0]["response"] == "utter_dossier_lookup_cancelled"


def _view(state: DossierState, **overrides: Any) -> DossierCitizenView:
    data: dict[str, Any] = dict(
        code=CODE,
        procedure_code="1.001193",
        procedure_name="Thủ tục đăng ký khai sinh",
        state=state,
        state_label="",
        state_reason=None,
        current_step="Thẩm định hồ sơ",
        handling_agency="Ủy ban nhân dân xã Bình Sơn",
        receiving_agency="Bộ phận Một cửa UBND xã Bình Sơn",
        received_at=datetime(2025, 11, 20, 8, 30),
        due_at=datetime(2025, 11, 21, 8, 30),
        finished_at=None,
        overdue=False,
        result_delivery=ResultDelivery.counter,
        result_delivery_label="",
        fee_paid_online=False,
        applicant_name_masked="N*** V** A",
    )
    data.update(overrides)
    return DossierCitizenView(**data)


def _say(view: DossierCitizenView) -> str:
    return status_message(view, NOW, "1900 1234", "https://dichvucong.example")


def test_overdue_answer_apologises_with_the_delay_and_hotline() -> None:
    text = _say(_view(DossierState.in_progress, overdue=True))
    assert (
        "Hồ sơ đã quá hạn hẹn trả 1 ngày làm việc. Thành thật xin lỗi bạn về sự chậm trễ " "này"
    ) in text
    assert "tổng đài 1900 1234" in text


def test_supplement_answer_says_what_and_where() -> None:
    text = _say(_view(DossierState.needs_supplement, state_reason="Bản sao giấy chứng sinh."))
    assert "Tình trạng: cần bổ sung hồ sơ tại Ủy ban nhân dân xã Bình Sơn." in text
    assert "Cần bổ sung: Bản sao giấy chứng sinh." in text
    assert "Bộ phận Một cửa UBND xã Bình Sơn hoặc trên Cổng dịch vụ công" in text


@pytest.mark.parametrize(
    ("delivery", "expected"),
    [
        (ResultDelivery.counter, "Nhận kết quả: trực tiếp tại Bộ phận Một cửa UBND xã Bình Sơn"),
        (ResultDelivery.postal, "Nhận kết quả: qua dịch vụ bưu chính công ích"),
    ],
)
def test_result_ready_answer_says_how_to_collect(delivery: ResultDelivery, expected: str) -> None:
    text = _say(
        _view(
            DossierState.result_ready,
            result_delivery=delivery,
            finished_at=datetime(2025, 11, 21, 8, 0),
            fee_paid_online=True,
        )
    )
    assert "Tình trạng: đã có kết quả, đang chờ trả." in text
    assert expected in text
    assert "Phí, lệ phí: đã thanh toán trực tuyến." in text


def test_finished_answers() -> None:
    done = datetime(2025, 11, 21, 15, 0)
    assert "đã trả kết quả lúc 15:00 ngày 21/11/2025" in _say(
        _view(DossierState.returned, finished_at=done)
    )
    rejected = _say(_view(DossierState.rejected, finished_at=done, state_reason="Sai thẩm quyền."))
    assert "Lý do: Sai thẩm quyền." in rejected and "tổng đài 1900 1234" in rejected
    assert "đã được rút" in _say(_view(DossierState.withdrawn, finished_at=done))
    assert "Hẹn trả" not in _say(_view(DossierState.received, due_at=None))


# --------------------------------------------------------------------------- not trapped


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("thủ tục 1.001193", True),
        ("1.001193 cần giấy tờ gì", True),
        ("000.00.12.H48-251120-0001", False),
        ("mã hồ sơ 000 00 12 h48 251120 0001", False),
    ],
)
def test_a_procedure_code_is_never_a_dossier_code(text: str, expected: bool) -> None:
    """ "thủ tục 1.001193" names a procedure; a dossier code is never read as one."""
    assert is_procedure_code(text) is expected


@pytest.mark.parametrize(
    ("text", "digits"),
    [
        ("hồ sơ 000.00.12.H48-251120-0001, sđt đuôi 0312", "0312"),
        ("000.00.12.H48-251120-0001 so dien thoai 0935123456", "3456"),
        ("000.00.12.H48-251120-0001 4 số cuối 5678", "5678"),
        ("000.00.12.H48-251120-0001", None),
        ("sđt đuôi 0312", None),
    ],
)
def test_digits_given_with_the_code_are_found(text: str, digits: str | None) -> None:
    """The phone digits typed after the code in the same message."""
    assert digits_with_code(text) == digits


def test_a_labelled_reason_is_not_labelled_twice() -> None:
    """An agency's reason "Cần bổ sung: …" is shown once as "Cần bổ sung: …"."""
    view = DossierCitizenView(
        code="000.00.12.H48-251120-0001",
        procedure_code="1.001193",
        procedure_name="Thủ tục đăng ký khai sinh",
        applicant_name_masked="N*** V** A",
        state=DossierState.needs_supplement,
        state_label="Cần bổ sung hồ sơ",
        state_reason="Cần bổ sung: bản sao giấy chứng sinh.",
        current_step="Yêu cầu bổ sung",
        handling_agency="UBND xã",
        receiving_agency="Bộ phận Một cửa",
        received_at=datetime(2025, 11, 20, 8, 30),
        due_at=datetime(2099, 12, 31, 17, 0),
        finished_at=None,
        overdue=False,
        result_delivery=ResultDelivery.counter,
        result_delivery_label="Nhận trực tiếp",
        fee_paid_online=False,
    )
    message = status_message(view, datetime(2025, 11, 21, 9, 0), "1900 1234", "https://x")
    assert "Cần bổ sung: bản sao giấy chứng sinh." in message
    assert "Cần bổ sung: Cần bổ sung" not in message


def _after_answer(text: str, slots: dict[str, Any], sender: str = "chat-1") -> Tracker:
    """A tracker whose latest message comes right after ``action_answer_dossier_status``."""
    tracker = _tracker(text, slots=slots, sender=sender, intent="nlu_fallback")
    tracker.active_loop = {}
    tracker.events = [
        {"event": "user", "text": "tra cứu hồ sơ"},
        {"event": "action", "name": "dossier_status_form"},
        {"event": "action", "name": "action_answer_dossier_status"},
        {"event": "action", "name": "action_listen"},
        {"event": "user", "text": text},
    ]
    return tracker


def _followup(tracker: Tracker) -> tuple[list[dict[str, Any]] | None, list[str]]:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(dossier_followup(dispatcher, tracker))
    return events, [message_text(m) for m in dispatcher.messages]


@pytest.mark.usefixtures("database")
def test_four_digits_after_a_failure_retry_the_same_code() -> None:
    events, texts = _followup(_after_answer("5678", {"dossier_retry_code": CODE}))
    assert texts[0].startswith(f"Hồ sơ {CODE} — ")
    assert "5678" not in texts[0]
    assert SlotSet("dossier_retry_code", None) in (events or [])


@pytest.mark.usefixtures("database")
def test_a_new_code_after_a_failure_restarts_the_form_with_it() -> None:
    events, texts = _followup(
        _after_answer("000 00 12 h48 251120 0001", {"dossier_retry_code": "000.00.12.H48-1"})
    )
    assert texts == []
    assert events is not None
    assert SlotSet("dossier_code", CODE) in events
    assert events[-1] == {"event": "followup", "timestamp": None, "name": "dossier_status_form"}


@pytest.mark.usefixtures("database")
def test_digits_are_no_retry_once_another_action_came_between() -> None:
    tracker = _after_answer("5678", {"dossier_retry_code": CODE})
    tracker.events.insert(3, {"event": "action", "name": "action_answer_fee"})
    tracker.events.insert(3, {"event": "user", "text": "lệ phí khai sinh"})
    assert _followup(tracker) == (None, [])


def test_supplement_question_is_answered_from_the_verified_dossier() -> None:
    answer = supplement_message(
        _view(DossierState.needs_supplement, state_reason="Cần bổ sung: Bản sao giấy chứng sinh."),
        "https://dichvucong.example",
    )
    assert answer.startswith(f"Hồ sơ {CODE} cần bổ sung: Bản sao giấy chứng sinh.\n")
    assert "Cần bổ sung: Cần bổ sung" not in answer
    events, texts = _followup(_after_answer("vậy cần bổ sung gì", {"dossier_supplement": answer}))
    assert (events, texts) == ([], [answer])
    # Any other question is not a follow-up.
    assert _followup(_after_answer("lệ phí bao nhiêu", {"dossier_supplement": answer})) == (
        None,
        [],
    )


@pytest.mark.usefixtures("database")
def test_supplement_question_read_as_a_new_lookup_is_answered_without_asking() -> None:
    slots = {"dossier_supplement": f"Hồ sơ {CODE} cần bổ sung: Bản sao giấy chứng sinh."}
    events, texts = _run_form(_tracker("cần bổ sung gì vậy", slots=slots))
    assert (
        texts == []
        and {"event": "slot", "timestamp": None, "name": "requested_slot", "value": None} in events
    )
    dispatcher = CollectingDispatcher()
    answered = asyncio.run(
        ActionAnswerDossierStatus().run(
            dispatcher, _tracker("cần bổ sung gì vậy", slots=slots), _domain()
        )
    )
    assert [message_text(m) for m in dispatcher.messages] == [slots["dossier_supplement"]]
    assert answered == [SlotSet("dossier_code", None), SlotSet("phone_last4", None)]


def _after_procedure_answer(text: str, code: str | None = "1.001193") -> Tracker:
    """A tracker whose latest message, NLU's lookup, comes right after a procedure answer."""
    tracker = _tracker(text, slots={"procedure_code": code})
    tracker.active_loop = {}
    tracker.events = [
        {"event": "user", "text": "lệ phí đăng ký khai sinh"},
        {"event": "action", "name": "action_answer_fee"},
        {"event": "action", "name": "action_listen"},
        {"event": "user", "text": text},
    ]
    return tracker


@pytest.mark.usefixtures("database")
@pytest.mark.parametrize("typed", ["ho so", "hồ sơ", "cần hồ sơ gì", "vậy cần hồ sơ gì ạ?"])
def test_a_terse_dossier_word_after_an_answer_asks_its_papers(typed: str) -> None:
    tracker = _after_procedure_answer(typed)
    events, texts = _run_form(tracker)
    assert texts == []
    assert {"event": "slot", "timestamp": None, "name": "requested_slot", "value": None} in events
    dispatcher = CollectingDispatcher()
    answered = asyncio.run(ActionAnswerDossierStatus().run(dispatcher, tracker, _domain()))
    said = "\n".join(message_text(m) for m in dispatcher.messages)
    assert "1.001193" in said
    assert "Hồ sơ" in said and "Mã hồ sơ" not in said
    assert SlotSet("answered_aspect", "documents") in answered


@pytest.mark.usefixtures("database")
@pytest.mark.parametrize(
    "typed", ["hồ sơ của tôi đến đâu", f"tra cứu hồ sơ {CODE}", "kiểm tra hồ sơ"]
)
def test_a_real_lookup_after_an_answer_still_opens_the_form(typed: str) -> None:
    assert papers_asked_after_answer(_after_procedure_answer(typed)) is None
    events, texts = _run_form(_after_procedure_answer(typed))
    assert {"event": "slot", "timestamp": None, "name": "requested_slot", "value": None} not in (
        events
    )


def test_a_terse_dossier_word_without_an_answer_before_is_a_lookup() -> None:
    assert papers_asked_after_answer(_after_procedure_answer("hồ sơ", code=None)) is None
    tracker = _after_procedure_answer("hồ sơ")
    tracker.events[1] = {"event": "action", "name": "action_answer_dossier_status"}
    assert papers_asked_after_answer(tracker) is None
