"""Hand-off to a human: the chat gateway queues the conversation; the hotline stays in the text.

The action ends with the custom payload ``HANDOFF_MARKER`` (``{"handoff": true, "reason":
"asked"}``), which the chat gateway (``knowledge.chat.gateway``) reads to put the conversation
in the agents' queue, or to offer the callback form outside office hours. A client talking to
Rasa directly ignores it and still has the hotline.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.answers import HANDOFF_MARKER
from actions.procedures import PROCEDURE_CODE_SLOT
from knowledge.config import get_settings


class ActionHandoff(Action):
    """Tell the citizen how to reach a person; name the procedure under discussion if any."""

    def name(self) -> str:
        """``action_handoff``."""
        return "action_handoff"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        """Give the configured hotline and portal, and the code of the current procedure."""
        settings = get_settings()
        contact = {"hotline": settings.hotline, "portal_url": settings.public_portal_url}
        code = tracker.get_slot(PROCEDURE_CODE_SLOT)
        if code:
            dispatcher.utter_message(response="utter_handoff_procedure", code=code, **contact)
        else:
            dispatcher.utter_message(response="utter_handoff", **contact)
        dispatcher.utter_message(json_message=HANDOFF_MARKER)
        return []
