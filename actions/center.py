"""Questions about the Center itself (ask_center_info): answered from the deployment's file."""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.procedures import reply_to_question
from knowledge.center import answer_center_question, names_more_than_center
from knowledge.config import get_settings
from knowledge.errors import KnowledgeError

logger = logging.getLogger(__name__)


class ActionAnswerCenter(Action):
    """Address, opening hours, Saturday, holidays, hotline or queue numbers of the Center."""

    def name(self) -> str:
        """``action_answer_center``."""
        return "action_answer_center"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        """Answer from the Center's configuration; a polite message when it cannot be read."""
        text = tracker.latest_message.get("text") or ""
        if names_more_than_center(text):
            # "mở trung tâm đào tạo lái xe": NLU heard the Center, the words name a procedure.
            procedure = reply_to_question(tracker, "procedure", strict=True)
            if procedure.messages:
                return procedure.send(dispatcher)
        try:
            dispatcher.utter_message(text=answer_center_question(text))
        except KnowledgeError:
            logger.exception("the Center's configuration cannot be read")
            dispatcher.utter_message(
                response="utter_service_unavailable", hotline=get_settings().hotline
            )
        return []
