"""Feedback about the service: collected by ``feedback_form``, logged with personal numbers masked.

The form's question is the domain's ``utter_ask_feedback_text`` (bot/domain/feedback.yml).

The feedback goes to the ``actions.feedback`` logger (one line per feedback, phone and ID
numbers masked), where the deployment's log shipping picks it up.
"""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.procedures import PROCEDURE_CODE_SLOT, reply_to_question
from actions.turns import replied_last_turn_with
from knowledge.config import get_settings
from knowledge.search.aspects import reads_as_question
from knowledge.text import fold_accents, normalize
from knowledge.text.entities import mask_pii

logger = logging.getLogger(__name__)

FEEDBACK_SLOT = "feedback_text"
ASK_FEEDBACK = "utter_ask_feedback_text"
MAX_FEEDBACK_CHARS = 2000
# Words that only announce feedback ("tôi muốn góp ý"), folded; the feedback itself is
# whatever else the message says.
ANNOUNCING_WORDS = frozenset(
    fold_accents(
        normalize(
            "tôi mình em cho muốn xin gửi góp ý phản ánh kiến nghị khiếu nại ý kiến về"
            " dịch vụ chút ạ nhé với một có cần"
        )
    ).split()
)
MIN_CONTENT_WORDS = 2
# Words that make a message feedback even when it asks something ("tôi phản ánh: sao hồ sơ
# khai sinh chậm thế?"), folded.
FEEDBACK_WORDS = tuple(
    tuple(fold_accents(normalize(phrase)).split())
    for phrase in ("góp ý", "phản ánh", "khiếu nại", "kiến nghị", "phàn nàn", "bức xúc", "tố cáo")
)


def is_question_not_feedback(text: str) -> bool:
    """Whether ``text`` asks a question and says nothing of feedback: NLU took a question
    for feedback ("Công chứng viên trả lời như vậy có đúng không?").

    Example:
        >>> is_question_not_feedback("Cơ quan nào xem xét hồ sơ thành lập hợp tác xã?")
        True
        >>> is_question_not_feedback("tôi phản ánh: sao hồ sơ khai sinh chậm thế?")
        False
        >>> is_question_not_feedback("cán bộ hẹn đi hẹn lại nhiều lần")
        False
    """
    words = fold_accents(normalize(text)).split()
    announced = any(
        tuple(words[i : i + len(phrase)]) == phrase
        for phrase in FEEDBACK_WORDS
        for i in range(len(words) - len(phrase) + 1)
    )
    return not announced and reads_as_question(text)


def has_substance(text: str) -> bool:
    """Whether ``text`` says something beyond announcing feedback.

    Example:
        >>> has_substance("tôi muốn góp ý"), has_substance("cán bộ hẹn đi hẹn lại nhiều lần")
        (False, True)
    """
    words = fold_accents(normalize(text)).split()
    return sum(1 for w in words if w not in ANNOUNCING_WORDS) >= MIN_CONTENT_WORDS


class ValidateFeedbackForm(FormValidationAction):
    """Keep the feedback text only when it has content; otherwise the form asks for it."""

    def name(self) -> str:
        """``validate_feedback_form``."""
        return "validate_feedback_form"

    def validate_feedback_text(
        self,
        slot_value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> dict[str, Any]:
        """Accept a text with content, cut to a reasonable length; reject bare announcements."""
        text = str(slot_value or "").strip()
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        if intent == "request_human":  # a request for a human is never stored as feedback
            return {FEEDBACK_SLOT: None}
        if not text or text.startswith("/") or not has_substance(text):
            return {FEEDBACK_SLOT: None}
        return {FEEDBACK_SLOT: text[:MAX_FEEDBACK_CHARS]}


class ActionStoreFeedback(Action):
    """Record the feedback (masked) and thank the citizen; answer a question taken for one."""

    def name(self) -> str:
        """``action_store_feedback``."""
        return "action_store_feedback"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        """Log the feedback with phone and ID numbers masked, thank, and clear the slot.

        A question that names a procedure (strongly, or weakly to confirm) is answered
        instead: storing it as feedback would leave the citizen without an answer.
        """
        text = tracker.get_slot(FEEDBACK_SLOT) or ""
        if (
            text
            and text == tracker.latest_message.get("text")
            and not replied_last_turn_with(tracker, ASK_FEEDBACK)
            and is_question_not_feedback(text)
        ):
            reply = reply_to_question(tracker, "procedure", strict=True, confirm_weak=True)
            if reply.messages:
                return [*reply.send(dispatcher), SlotSet(FEEDBACK_SLOT, None)]
        if text:
            logger.info(
                "feedback conversation=%s procedure=%s text=%s",
                tracker.sender_id,
                tracker.get_slot(PROCEDURE_CODE_SLOT) or "-",
                mask_pii(text).replace("\n", " "),
            )
        settings = get_settings()
        dispatcher.utter_message(
            response="utter_feedback_saved",
            hotline=settings.hotline,
            portal_url=settings.public_portal_url,
        )
        return [SlotSet(FEEDBACK_SLOT, None)]
