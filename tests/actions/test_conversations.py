"""Conversation turns of the second probe (bench/data/dialogue_probe2.txt), on the sample
catalog: a case stated alone after an answer, an action the procedure lacks, two procedures in
one message, an agent's code with a terse "ho so"."""

from __future__ import annotations

from typing import Any

import pytest

from actions.fallback import ActionOutOfScope
from actions.procedures import (
    ActionAnswerDocuments,
    ActionAnswerFee,
    ActionAnswerProcedure,
    code_with_terse_papers,
)
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


def cited(messages: list[dict[str, Any]]) -> list[str]:
    """Every ``Mã thủ tục`` the messages cite, in order."""
    return [
        line.removeprefix("Mã thủ tục: ").strip()
        for message in messages
        for line in (message.get("text") or "").splitlines()
        if line.startswith("Mã thủ tục: ")
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1.001193 ho so", True),
        ("1.001193 hồ sơ ạ", True),
        ("ho so", False),  # no code: actions.dossiers decides (after an answer only)
        ("1.001193 le phi", False),
        ("hồ sơ 000.00.12.H48-251120-0001", False),
    ],
)
def test_a_code_and_a_terse_ho_so_asks_the_papers(text: str, expected: bool) -> None:
    assert code_with_terse_papers(text) is expected


def test_an_agents_code_with_ho_so_gets_the_papers() -> None:
    messages, events = run(ActionAnswerProcedure(), tracker(f"{BIRTH} ho so"))
    assert messages[0]["text"].startswith("Hồ sơ – ")
    assert cited(messages) == [BIRTH]
    assert slot(events, "answered_aspect") == "documents"


def test_a_case_stated_alone_taken_for_small_talk_moves_to_that_case() -> None:
    """ "vợ tôi là người Hàn Quốc" after the marriage answer, classified out_of_scope: the
    foreign case's overview, not "mình chỉ hỗ trợ về thủ tục hành chính"."""
    current = tracker(
        "vợ tôi là người Hàn Quốc",
        "out_of_scope",
        slots={"procedure_code": MARRIAGE, "answered_aspect": "procedure"},
    )
    messages, events = run(ActionOutOfScope(), current)
    assert cited(messages)[:1] == [MARRIAGE_FOREIGN]
    assert slot(events, "procedure_code") == MARRIAGE_FOREIGN


def test_a_case_stated_alone_keeps_the_aspect_answered_before() -> None:
    current = tracker(
        "vợ tôi là người Hàn Quốc",
        "out_of_scope",
        slots={"procedure_code": MARRIAGE, "answered_aspect": "fee"},
    )
    messages, _ = run(ActionOutOfScope(), current)
    assert messages[0]["text"].startswith("Lệ phí – ")


def test_small_talk_without_a_case_is_still_declined() -> None:
    current = tracker("hôm nay trời đẹp nhỉ", "out_of_scope", slots={"procedure_code": MARRIAGE})
    messages, events = run(ActionOutOfScope(), current)
    assert cited(messages) == []
    assert not [e for e in events if e.get("name") == "procedure_code"]


def test_an_action_the_procedure_lacks_is_said_and_the_topic_kept() -> None:
    """ "không, ý tôi là gia hạn" after the marriage fee: no such case of the marriage, said
    so; the marriage kept, not some other procedure's extension."""
    current = tracker(
        "không, ý tôi là gia hạn",
        slots={"procedure_code": MARRIAGE, "answered_aspect": "fee"},
    )
    messages, events = run(ActionAnswerProcedure(), current)
    said = "\n".join(m.get("text") or "" for m in messages)
    assert cited(messages)[:1] == [MARRIAGE]
    assert "không có trường hợp «gia hạn»" in said
    assert slot(events, "procedure_code") == MARRIAGE


def test_two_procedures_in_one_message_are_both_answered() -> None:
    current = tracker("đăng ký khai sinh và đăng ký tạm trú cần gì", "ask_documents")
    messages, events = run(ActionAnswerDocuments(), current)
    assert cited(messages) == [BIRTH, TEMPORARY_RESIDENCE]
    assert all(
        m["text"].startswith("Hồ sơ – ") for m in messages if "Mã thủ tục" in (m["text"] or "")
    )
    assert slot(events, "procedure_code") == TEMPORARY_RESIDENCE


def test_a_story_joining_events_with_va_is_not_two_procedures() -> None:
    """Only the sentence that asks is split: the story's "và" joins what happened."""
    story = (
        "Hai vợ chồng tôi đã đăng ký kết hôn từ năm 2019 và đang thường trú tại xã. "
        "Xin hỏi làm giấy khai sinh cho cháu thì cần chuẩn bị những giấy tờ gì?"
    )
    messages, _ = run(ActionAnswerDocuments(), tracker(story, "ask_documents"))
    assert cited(messages)[:1] == [BIRTH]
    assert MARRIAGE not in cited(messages)


def test_one_name_holding_va_is_not_split() -> None:
    """A message the whole of which resolves to one procedure is answered once."""
    messages, _ = run(ActionAnswerFee(), tracker("lệ phí đăng ký kết hôn", "ask_fee"))
    assert cited(messages) == [MARRIAGE]
