"""Follow-ups that refer back to the last answer, on the sample catalog: a button typed
instead of clicked, another case of the same procedure, "còn … thì sao" asking again."""

from __future__ import annotations

from typing import Any

import pytest

from actions.fallback import ActionClarify
from actions.procedures import (
    ActionAnswerConditions,
    ActionAnswerProcedure,
    ActionChooseOption,
    typed_choice,
)
from knowledge.answers import button_payload
from tests.actions.test_procedures import (
    BIRTH,
    MARRIAGE,
    MARRIAGE_FOREIGN,
    TEMPORARY_RESIDENCE,
    run,
    slot,
    tracker,
)

pytestmark = pytest.mark.usefixtures("sample_database")


def shown(*buttons: tuple[str, str, str]) -> list[dict[str, Any]]:
    """The events of a previous turn whose reply showed ``buttons`` (title, aspect, code)."""
    return [
        {"event": "user", "text": "câu trước", "parse_data": {"intent": {"name": "ask_fee"}}},
        {"event": "bot", "text": "Lệ phí – …", "data": {"buttons": []}},
        {
            "event": "bot",
            "text": "Trường hợp khác:",
            "data": {
                "buttons": [
                    {"title": title, "payload": button_payload(aspect, code)}
                    for title, aspect, code in buttons
                ]
            },
        },
    ]


OTHER_CASES = shown(
    ("Giấy tờ cần nộp", "documents", MARRIAGE),  # the answer's own aspect buttons do not count
    ("Đăng ký khai sinh", "fee", BIRTH),
    ("Có yếu tố nước ngoài", "fee", MARRIAGE_FOREIGN),
)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("cái thứ 2", MARRIAGE_FOREIGN),
        ("chọn cái đầu tiên nhé", BIRTH),
        ("cai cuoi", MARRIAGE_FOREIGN),
        ("có yếu tố nước ngoài", MARRIAGE_FOREIGN),
        ("Co yeu to nuoc ngoai", MARRIAGE_FOREIGN),
    ],
)
def test_a_button_typed_by_its_place_or_label_is_that_button(text: str, code: str) -> None:
    """The other cases under a fee answer: the typed choice keeps the fee, for that case."""
    current = tracker(text, "choose_option", slots={"procedure_code": MARRIAGE}, events=OTHER_CASES)
    assert typed_choice(current) == ("fee", code)
    [message, *_], events = run(ActionChooseOption(), current)
    assert message["text"].startswith("Lệ phí – ")
    assert f"Mã thủ tục: {code}" in message["text"]
    assert slot(events, "procedure_code") == code
    assert slot(events, "answered_aspect") == "fee"


def test_a_label_typed_as_a_question_answers_the_last_aspect_of_that_case() -> None:
    """NLU takes the label for an overview question: the label still picks its button."""
    current = tracker(
        "có yếu tố nước ngoài", slots={"procedure_code": MARRIAGE}, events=OTHER_CASES
    )
    [message, *_], _ = run(ActionAnswerProcedure(), current)
    assert message["text"].startswith("Lệ phí – Thủ tục đăng ký kết hôn có yếu tố nước ngoài")


def test_a_place_beyond_the_row_or_without_buttons_is_asked_again() -> None:
    """ "cái thứ 4" under three buttons, or "cái thứ 2" under none: not guessed."""
    for events in (OTHER_CASES, []):
        current = tracker("cái thứ 4", "choose_option", events=events)
        assert typed_choice(current) is None
        [message], _ = run(ActionChooseOption(), current)
        assert "chưa hiểu rõ ý bạn" in message["text"]


def test_a_center_question_taken_for_a_choice_is_answered_about_the_center() -> None:
    """ "có làm thứ 7 không" read as "cái thứ 7": the Center's Saturday."""
    current = tracker("có làm thứ 7 không", "choose_option", events=OTHER_CASES)
    [message], _ = run(ActionChooseOption(), current)
    assert "Thứ Bảy:" in message["text"]


def test_the_fallback_takes_a_typed_button_too() -> None:
    """ "cái thứ hai" that NLU could not place: the second button, not "please rephrase"."""
    current = tracker(
        "cái thứ hai",
        "nlu_fallback",
        confidence=0.3,
        slots={"procedure_code": MARRIAGE},
        events=OTHER_CASES,
    )
    [message, *_], _ = run(ActionClarify(), current)
    assert f"Mã thủ tục: {MARRIAGE_FOREIGN}" in message["text"]


def test_another_case_of_the_same_procedure_keeps_the_topic_and_the_aspect() -> None:
    """Fee of marriage, then "chồng tôi người Hàn Quốc": the fee of marriage with a
    foreign element, not the bare case searched over the whole catalog."""
    current = tracker(
        "chồng tôi người Hàn Quốc",
        slots={"procedure_code": MARRIAGE, "answered_aspect": "fee"},
    )
    [message, *_], events = run(ActionAnswerProcedure(), current)
    assert message["text"].startswith("Lệ phí – Thủ tục đăng ký kết hôn có yếu tố nước ngoài")
    assert slot(events, "procedure_code") == MARRIAGE_FOREIGN


def test_an_unsure_aspect_of_a_follow_up_is_the_last_answers() -> None:
    """ "vợ tôi là người nước ngoài thì sao", guessed as conditions: the fee asked before."""
    current = tracker(
        "vợ tôi là người nước ngoài thì sao",
        "ask_conditions",
        confidence=0.3,
        slots={"procedure_code": MARRIAGE, "answered_aspect": "fee"},
    )
    [message, *_], _ = run(ActionAnswerConditions(), current)
    assert message["text"].startswith("Lệ phí – Thủ tục đăng ký kết hôn có yếu tố nước ngoài")


def test_a_new_topic_without_a_follow_up_word_gets_its_overview() -> None:
    """ "tôi muốn hỏi về đăng ký tạm trú" after a fee: a new topic, its overview."""
    current = tracker(
        "tôi muốn hỏi về đăng ký tạm trú",
        slots={"procedure_code": MARRIAGE, "answered_aspect": "fee"},
    )
    [message, *_], events = run(ActionAnswerProcedure(), current)
    assert not message["text"].startswith("Lệ phí")
    assert slot(events, "procedure_code") == TEMPORARY_RESIDENCE
    assert slot(events, "answered_aspect") == "procedure"
