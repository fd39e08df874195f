"""What the bot said in reply to the citizen's previous message, read from the tracker."""

from __future__ import annotations

from rasa_sdk import Tracker


def replied_last_turn_with(tracker: Tracker, utter_action: str) -> bool:
    """Whether the bot's replies to the previous user message include the response
    `utter_action` (e.g. the stage-one clarification, or the feedback form's question)."""
    user_messages = 0
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            user_messages += 1
            if user_messages == 2:
                return False
        elif (
            event.get("event") == "bot"
            and user_messages == 1
            and (event.get("metadata") or {}).get("utter_action") == utter_action
        ):
            return True
    return False
