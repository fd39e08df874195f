"""What the bot said in reply to the previous message: only that turn counts."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker

from actions.turns import replied_last_turn_with


def _conversation(*events: dict[str, Any]) -> Tracker:
    return Tracker("c", {}, {}, list(events), False, None, {}, "action_listen")


def _user(text: str) -> dict[str, Any]:
    return {"event": "user", "text": text}


def _bot(utter_action: str) -> dict[str, Any]:
    return {"event": "bot", "text": "…", "metadata": {"utter_action": utter_action}}


def test_a_reply_to_the_previous_message_counts_among_others() -> None:
    said = _conversation(
        _user("tôi muốn góp ý"), _bot("utter_greet"), _bot("utter_ask_feedback"), _user("x")
    )
    assert replied_last_turn_with(said, "utter_ask_feedback")
    assert not replied_last_turn_with(said, "utter_rephrase")


def test_a_reply_two_turns_ago_does_not_count() -> None:
    earlier = _conversation(
        _user("a"), _bot("utter_rephrase"), _user("b"), _bot("utter_greet"), _user("c")
    )
    assert not replied_last_turn_with(earlier, "utter_rephrase")
    assert not replied_last_turn_with(_conversation(_user("đầu tiên")), "utter_rephrase")
