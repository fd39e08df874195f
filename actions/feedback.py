"""Feedback about the service: collected by ``feedback_form``, logged with personal numbers masked.

The form's question is the domain's ``utter_ask_feedback_text`` (bot/domain/feedback.yml).

What announces feedback, what makes a message feedback, and how a citizen reports a problem
met in a procedure (a request for help, answered when it names the procedure) are data,
``data/dialogue/feedback_words.yml``.

The feedback goes to the ``actions.feedback`` logger (one line per feedback, phone and ID
numbers masked), where the deployment's log shipping picks it up.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.fallback import reply_to_unclear_message
from actions.procedures import PROCEDURE_CODE_SLOT
from actions.turns import replied_last_turn_with
from knowledge.config import PROJECT_ROOT, get_settings
from knowledge.db import session_scope
from knowledge.errors import InvalidInputError
from knowledge.search.aspects import reads_as_question
from knowledge.search.resolve import named_outright, split_phrases
from knowledge.text import fold_accents, normalize
from knowledge.text.entities import mask_pii
from knowledge.text.yaml_tables import read_yaml_table

logger = logging.getLogger(__name__)

FEEDBACK_SLOT = "feedback_text"
ASK_FEEDBACK = "utter_ask_feedback_text"
MAX_FEEDBACK_CHARS = 2000
FEEDBACK_WORDS_FILE = PROJECT_ROOT / "data" / "dialogue" / "feedback_words.yml"
MIN_CONTENT_WORDS = 2

Phrase = tuple[str, ...]


@dataclass(frozen=True)
class FeedbackWords:
    """The word table of ``data/dialogue/feedback_words.yml``, folded."""

    announcing: frozenset[str]  # syllables that only announce feedback ("tôi muốn góp ý")
    feedback: tuple[Phrase, ...]  # make a message feedback even when it asks ("phản ánh")
    problem_reports: tuple[Phrase, ...]  # a problem met in a procedure ("hệ thống báo lỗi")


@lru_cache(maxsize=4)
def feedback_words(path: Path = FEEDBACK_WORDS_FILE) -> FeedbackWords:
    """The feedback word table of ``path``; InvalidInputError when a group is missing."""
    table = read_yaml_table(path, "bảng từ góp ý")

    def phrases(group: str) -> tuple[Phrase, ...]:
        found = tuple(
            tuple(fold_accents(w) for w in p) for p in split_phrases(str(table.get(group) or ""))
        )
        if not found:
            raise InvalidInputError(f"{path}: thiếu mục '{group}'")
        return found

    return FeedbackWords(
        announcing=frozenset(w for p in phrases("announcing") for w in p),
        feedback=phrases("feedback"),
        problem_reports=phrases("problem_reports"),
    )


def _says(words: list[str], phrases: tuple[Phrase, ...]) -> bool:
    return any(
        tuple(words[i : i + len(phrase)]) == phrase
        for phrase in phrases
        for i in range(len(words) - len(phrase) + 1)
    )


def reports_a_problem(text: str) -> bool:
    """Whether ``text`` reports a problem met while doing a procedure (a portal error).

    Example:
        >>> reports_a_problem("nộp hồ sơ qua mạng thì hệ thống báo lỗi “Vui lòng thử lại”")
        True
        >>> reports_a_problem("cán bộ hẹn đi hẹn lại nhiều lần")
        False
    """
    return _says(fold_accents(normalize(text)).split(), feedback_words().problem_reports)


def is_question_not_feedback(text: str) -> bool:
    """Whether ``text`` asks a question, or reports a problem met in a procedure, and says
    nothing of feedback: NLU took a question for feedback ("Công chứng viên trả lời như vậy
    có đúng không?", "… Hệ thống báo lỗi “…”").

    Example:
        >>> is_question_not_feedback("Cơ quan nào xem xét hồ sơ thành lập hợp tác xã?")
        True
        >>> is_question_not_feedback("đăng ký hộ kinh doanh online hệ thống báo lỗi")
        True
        >>> is_question_not_feedback("tôi phản ánh: sao hồ sơ khai sinh chậm thế?")
        False
        >>> is_question_not_feedback("cán bộ hẹn đi hẹn lại nhiều lần")
        False
    """
    words = fold_accents(normalize(text)).split()
    if _says(words, feedback_words().feedback):
        return False
    return reads_as_question(text) or reports_a_problem(text)


def only_names_a_procedure(text: str) -> bool:
    """Whether ``text`` is a procedure's name and nothing more (``named_outright``), with no
    word of feedback: NLU took a bare name for feedback ("mien giam tien dich vu moi truong
    rung": "dịch vụ" is common in complaints about the portal)."""
    if _says(fold_accents(normalize(text)).split(), feedback_words().feedback):
        return False
    with session_scope() as session:
        return named_outright(session, text) is not None


def has_substance(text: str) -> bool:
    """Whether ``text`` says something beyond announcing feedback.

    Example:
        >>> has_substance("tôi muốn góp ý"), has_substance("cán bộ hẹn đi hẹn lại nhiều lần")
        (False, True)
    """
    announcing = feedback_words().announcing
    words = fold_accents(normalize(text)).split()
    return sum(1 for w in words if w not in announcing) >= MIN_CONTENT_WORDS


def _log_feedback(tracker: Tracker, text: str) -> None:
    logger.info(
        "feedback conversation=%s procedure=%s text=%s",
        tracker.sender_id,
        tracker.get_slot(PROCEDURE_CODE_SLOT) or "-",
        mask_pii(text).replace("\n", " "),
    )


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

        A question that names a procedure (strongly, or weakly to confirm), or a message that
        is only a procedure's name, is answered instead: storing it as feedback would leave
        the citizen without an answer. A problem met in a procedure ("hệ thống báo lỗi …") is
        answered and logged.
        """
        text = tracker.get_slot(FEEDBACK_SLOT) or ""
        if (
            text
            and text == tracker.latest_message.get("text")
            and not replied_last_turn_with(tracker, ASK_FEEDBACK)
            and (is_question_not_feedback(text) or only_names_a_procedure(text))
        ):
            reply = reply_to_unclear_message(tracker, confirm_weak=True)
            if reply.messages:
                if reports_a_problem(text):  # the portal's problem still reaches the Center
                    _log_feedback(tracker, text)
                return [*reply.send(dispatcher), SlotSet(FEEDBACK_SLOT, None)]
        if text:
            _log_feedback(tracker, text)
        settings = get_settings()
        dispatcher.utter_message(
            response="utter_feedback_saved",
            hotline=settings.hotline,
            portal_url=settings.public_portal_url,
        )
        return [SlotSet(FEEDBACK_SLOT, None)]
