"""Dossier status lookup: ``dossier_status_form`` asks for the code, then the last 4 phone digits.

The two questions are the domain's ``utter_ask_dossier_code`` and ``utter_ask_phone_last4``
(bot/domain/dossiers.yml); a reply that does not fit gets a hint from the validation below
before the form asks again.

The verification, the one generic failure and the lockout live in
``knowledge.dossiers.lookup``; here the form extracts what the citizen typed and the answer
action words the citizen-safe view. Neither the phone number nor the ID number ever reaches
a message; the applicant's name only masked. The digits are cleared from the slots after
each lookup.

A message with no digits at all while the form waits fills nothing: "thôi"/"không"/"hủy" stops
the lookup, and a new question stops it and is answered by its own action (rules in
``data/rules/dossiers.yml``).

After the answer, :func:`dossier_followup` (called first by the procedure and fallback actions)
keeps the conversation on the dossier for one more message: digits right after a failed
attempt are a retry with the same code (4 digits) or a new code, not an out-of-scope message;
"cần bổ sung gì" after a verified lookup is answered from that dossier.

A message NLU took for a lookup that carries no dossier code and no cue of one filed dossier
("hồ sơ của tôi", "tra cứu", "đến đâu rồi": ``knowledge.dossiers.cues``) but names a procedure
and asks something ("… đã có Giấy biên nhận thì khi nào sẽ nhận được kết quả?") is a procedure
question: the form asks nothing and the answer action answers it.
"""

from __future__ import annotations

import asyncio
import logging
import re
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import REQUESTED_SLOT
from rasa_sdk.types import DomainDict

from knowledge.clock import local_now
from knowledge.config import get_settings
from knowledge.db import session_scope
from knowledge.dossiers.cues import asks_about_own_dossier, asks_papers_tersely
from knowledge.dossiers.lookup import locked_until, lookup_dossier
from knowledge.dossiers.messages import status_message, supplement_message
from knowledge.dossiers.schemas import LookupOutcome
from knowledge.errors import KnowledgeError
from knowledge.search.aspects import cued_aspects, reads_as_question
from knowledge.search.resolve import PROCEDURE_CODE_IN_TEXT
from knowledge.text.entities import DOSSIER_CODE_RE, PHONE_RE, canonical_dossier_code

if TYPE_CHECKING:
    from actions.procedures import Reply

logger = logging.getLogger(__name__)

CODE_SLOT = "dossier_code"
DIGITS_SLOT = "phone_last4"
# The code of a failed attempt, kept for a retry with other digits in the next message.
RETRY_SLOT = "dossier_retry_code"
# After a verified lookup: the answer to "cần bổ sung gì", from that dossier.
SUPPLEMENT_SLOT = "dossier_supplement"
ANSWER_ACTION = "action_answer_dossier_status"
FORM = "dossier_status_form"
ASKS_SUPPLEMENT = re.compile(r"\b(?:bổ sung|bo sung|bổ xung|bo xung)\b", re.IGNORECASE)
MAX_CODE_CHARS = 64
# A mistyped code still has most of its 19 digits: looked up (and failed) like any other
# code, so the answer never tells a malformed code from an unknown one.
MIN_CODE_DIGITS = 8
CANCELLED = "utter_dossier_lookup_cancelled"
# The phone digits given with the code in one message: "…-0001, sđt đuôi 0312".
DIGITS_AFTER_CODE = re.compile(
    r"(?:sđt|sdt|số điện thoại|so dien thoai|điện thoại|dien thoai|đuôi|duoi|số cuối|so cuoi)"
    r"\D{0,20}?(\d{4})(?!\d)",
    re.IGNORECASE,
)

Message = dict[str, Any]  # one dispatcher message: text=… or response=… with its values


def is_procedure_code(text: str) -> bool:
    """Whether ``text`` names a procedure code ("thủ tục 1.001193"), not a dossier code.

    Example:
        >>> is_procedure_code("thủ tục 1.001193"), is_procedure_code("000.00.12.H48-251120-0001")
        (True, False)
    """
    return bool(PROCEDURE_CODE_IN_TEXT.search(text)) and not DOSSIER_CODE_RE.search(text)


def digits_with_code(text: str) -> str | None:
    """The 4 phone digits given in the same message as the dossier code, if any.

    Example:
        >>> digits_with_code("hồ sơ 000.00.12.H48-251120-0001, sđt đuôi 0312")
        '0312'
    """
    code = DOSSIER_CODE_RE.search(text)
    if not code:
        return None
    rest = text[code.end() :]
    phone = PHONE_RE.search(rest)
    if phone:
        return re.sub(r"\D", "", phone.group())[-4:]
    match = DIGITS_AFTER_CODE.search(rest)
    return match.group(1) if match else None


# Whether the conversation of the form run in progress is locked out, checked once per run
# (required_slots is consulted three times per run); a context variable, so concurrent
# conversations never see each other's value.
_LOCKED: ContextVar[bool | None] = ContextVar("dossier_lookup_locked", default=None)
# Likewise whether the message is a procedure question rather than a lookup.
_PROCEDURE_QUESTION: ContextVar[bool | None] = ContextVar("procedure_question", default=None)


def _latest_text(tracker: Tracker) -> str:
    return str(tracker.latest_message.get("text") or "")


def _asks_supplement(tracker: Tracker) -> bool:
    """Whether the message asks what to supplement, right after a verified lookup."""
    text = _latest_text(tracker)
    return bool(
        tracker.get_slot(SUPPLEMENT_SLOT)
        and ASKS_SUPPLEMENT.search(text)
        and not DOSSIER_CODE_RE.search(text)
    )


def may_be_procedure_question(tracker: Tracker) -> bool:
    """Whether the message NLU took for a lookup may ask about a procedure in general: it
    asks something (a question, or an aspect's words) and carries no dossier code and no cue
    of one filed dossier (``knowledge.dossiers.cues``). Whether it names a procedure is
    :func:`procedure_question_reply`'s to say.
    """
    text = _latest_text(tracker)
    intent = (tracker.latest_message.get("intent") or {}).get("name")
    if intent != "check_dossier_status" or not text or text.startswith("/"):
        return False
    if _asks_supplement(tracker) or asks_about_own_dossier(text):
        return False
    return reads_as_question(text) or bool(cued_aspects(text))


def papers_asked_after_answer(tracker: Tracker) -> str | None:
    """The procedure whose papers a terse "hồ sơ" / "cần hồ sơ gì" asks, typed right after
    that procedure was answered; None for anything else (a real lookup keeps its cue:
    "hồ sơ của tôi đến đâu", "tra cứu hồ sơ …")."""
    from actions.procedures import PROCEDURE_ANSWERS, PROCEDURE_CODE_SLOT  # imports this module

    code = tracker.get_slot(PROCEDURE_CODE_SLOT)
    text = _latest_text(tracker)
    if not code or text.startswith("/") or _last_action(tracker) not in PROCEDURE_ANSWERS:
        return None
    return str(code) if asks_papers_tersely(text) else None


def procedure_question_reply(tracker: Tracker) -> Reply | None:
    """The answer (or "Ý bạn là …?") to a procedure question NLU took for a lookup.

    A terse "hồ sơ" right after a procedure answer asks that procedure's papers
    (:func:`papers_asked_after_answer`). None when the message is a lookup after all: it
    names one filed dossier, asks nothing, or names no procedure.
    """
    if (tracker.latest_message.get("intent") or {}).get("name") == "check_dossier_status":
        code = papers_asked_after_answer(tracker)
        if code is not None:
            from actions.procedures import answer_code  # actions.procedures imports this module

            return answer_code(code, "documents")
    if not may_be_procedure_question(tracker):
        return None
    # actions.fallback imports this module (the lookup's follow-ups): imported on use.
    from actions.fallback import reply_to_unclear_message

    reply = reply_to_unclear_message(tracker, confirm_weak=True)
    return reply if reply.messages else None


def _conversation_locked(conversation_id: str) -> bool:
    """Whether the conversation is locked out of lookups (False if the check itself fails)."""
    try:
        with session_scope() as session:
            return locked_until(session, conversation_id, local_now()) is not None
    except Exception:  # noqa: BLE001 - the answer action reports problems; the form goes on
        logger.exception("lockout check failed")
        return False


class ValidateDossierStatusForm(FormValidationAction):
    """Extract the code and the 4 digits from what the citizen types; skip both when locked."""

    def name(self) -> str:
        """``validate_dossier_status_form``."""
        return "validate_dossier_status_form"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Check the lockout and whether a procedure is asked once, then extract and validate
        as usual."""
        token = _LOCKED.set(await asyncio.to_thread(_conversation_locked, tracker.sender_id))
        asked = await asyncio.to_thread(procedure_question_reply, tracker)
        procedure_token = _PROCEDURE_QUESTION.set(asked is not None)
        try:
            return await super().run(dispatcher, tracker, domain)
        finally:
            _PROCEDURE_QUESTION.reset(procedure_token)
            _LOCKED.reset(token)

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        """Both slots; none while locked, for "cần bổ sung gì" after a verified lookup, or for
        a procedure question NLU took for a lookup.

        The answer action then says why (the lockout), answers from the verified dossier, or
        answers the procedure question.
        """
        if _asks_supplement(tracker):
            return []
        asked = _PROCEDURE_QUESTION.get()
        if asked is None:
            asked = await asyncio.to_thread(procedure_question_reply, tracker) is not None
        if asked:
            return []
        locked = _LOCKED.get()
        if locked is None:
            locked = await asyncio.to_thread(_conversation_locked, tracker.sender_id)
        return [] if locked else domain_slots

    def extract_dossier_code(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """The code in the reply to the code question (spaces, lower case, inside a sentence)."""
        if tracker.get_slot(REQUESTED_SLOT) != CODE_SLOT:
            return {}
        text = _latest_text(tracker)
        if text.startswith("/") or is_procedure_code(text):
            return {}  # "thủ tục 1.001193" is a question about a procedure: answered by rules
        code = canonical_dossier_code(text)
        if code:
            return {CODE_SLOT: code}
        if re.search(r"\d", text):
            return {CODE_SLOT: text.strip()[:MAX_CODE_CHARS]}
        return {}

    def validate_dossier_code(
        self,
        slot_value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> dict[str, Any]:
        """Keep a code (canonical when recognised); a few stray digits get the hint instead."""
        text = str(slot_value or "").strip()
        code = canonical_dossier_code(text)
        if code:
            digits = digits_with_code(_latest_text(tracker))
            return {CODE_SLOT: code, **({DIGITS_SLOT: digits} if digits else {})}
        if is_procedure_code(text):
            return {CODE_SLOT: None}
        if len(re.sub(r"\D", "", text)) >= MIN_CODE_DIGITS:
            return {CODE_SLOT: text[:MAX_CODE_CHARS]}
        dispatcher.utter_message(response="utter_dossier_code_hint")
        return {CODE_SLOT: None}

    def extract_phone_last4(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """The digits in the reply to the digits question; nothing when it has no digit."""
        if tracker.get_slot(REQUESTED_SLOT) != DIGITS_SLOT:
            return {}
        text = _latest_text(tracker)
        if text.startswith("/") or not re.search(r"\d", text):
            return {}
        phone = PHONE_RE.search(text)
        digits = re.sub(r"\D", "", phone.group() if phone else text)
        return {DIGITS_SLOT: digits[-4:] if phone else digits}

    def validate_phone_last4(
        self,
        slot_value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> dict[str, Any]:
        """Accept exactly four digits; otherwise explain and ask again."""
        digits = re.sub(r"\D", "", str(slot_value or ""))
        if len(digits) == 4:
            return {DIGITS_SLOT: digits}
        dispatcher.utter_message(response="utter_phone_digits_hint")
        return {DIGITS_SLOT: None}


def _lookup(
    conversation_id: str, code: str | None, digits: str | None, client: str | None
) -> tuple[Message, list[EventType]]:
    """The reply to a completed form and the slots it leaves for the next message."""
    settings = get_settings()
    unavailable = {"response": "utter_service_unavailable", "hotline": settings.hotline}
    now = local_now()
    forget = [SlotSet(RETRY_SLOT, None), SlotSet(SUPPLEMENT_SLOT, None)]
    try:
        with session_scope() as session:
            if not code or not digits:
                until = locked_until(session, conversation_id, now)
                if until is None:
                    return {"response": CANCELLED}, forget
            result = lookup_dossier(
                session, conversation_id, code or "", digits or "", now=now, client=client
            )
    except KnowledgeError as exc:
        logger.warning("dossier lookup unavailable: %s", type(exc).__name__)
        return {"text": exc.message}, forget
    except Exception:  # noqa: BLE001 - an action must answer, whatever went wrong
        logger.exception("dossier lookup failed")
        return unavailable, forget
    if result.outcome is LookupOutcome.verified and result.dossier is not None:
        view = result.dossier
        status = status_message(view, now, settings.hotline, settings.public_portal_url)
        return {"text": status}, [
            SlotSet(RETRY_SLOT, None),
            SlotSet(SUPPLEMENT_SLOT, supplement_message(view, settings.public_portal_url)),
        ]
    message = {"text": result.message} if result.message else unavailable
    if result.outcome is LookupOutcome.not_verified:
        retry = canonical_dossier_code(code or "") or (code or "")[:MAX_CODE_CHARS]
        return message, [SlotSet(RETRY_SLOT, retry), SlotSet(SUPPLEMENT_SLOT, None)]
    return message, forget


def _client(tracker: Tracker) -> str | None:
    # The citizen's address as Rasa's REST channel saw it (bot/channels.py).
    return (tracker.latest_message.get("metadata") or {}).get("client")


def _last_action(tracker: Tracker) -> str | None:
    """The bot's last action before the latest user message (action_listen aside)."""
    seen_user = False
    for event in reversed(tracker.events):
        kind = event.get("event")
        if kind == "user":
            if seen_user:
                return None
            seen_user = True
        elif kind == "action" and seen_user and event.get("name") != "action_listen":
            return str(event.get("name"))
    return None


def forget_unfinished_lookup(tracker: Tracker) -> list[EventType]:
    """Clear what a lookup stopped by a new question left in the slots (the code, the digits)."""
    if tracker.active_loop_name:
        return []
    return [SlotSet(slot, None) for slot in (CODE_SLOT, DIGITS_SLOT) if tracker.get_slot(slot)]


async def dossier_followup(
    dispatcher: CollectingDispatcher, tracker: Tracker
) -> list[EventType] | None:
    """Answer the message as the follow-up of a lookup, or None when it is not one.

    Right after a failed attempt, 4 digits retry the same code and a longer run of digits is a
    new code (the form then asks for the 4 digits); after a verified lookup, a question about
    what to supplement is answered from that dossier. Any other message ends the follow-up.
    """
    text = _latest_text(tracker)
    if _asks_supplement(tracker):
        dispatcher.utter_message(text=str(tracker.get_slot(SUPPLEMENT_SLOT)))
        return []
    retry = tracker.get_slot(RETRY_SLOT)
    if not retry or _last_action(tracker) != ANSWER_ACTION or text.startswith("/"):
        return None
    digits = re.sub(r"\D", "", text)
    if len(digits) == 4 and not canonical_dossier_code(text):
        message, events = await asyncio.to_thread(
            _lookup, tracker.sender_id, str(retry), digits, _client(tracker)
        )
        dispatcher.utter_message(**message)
        return events
    if len(digits) >= MIN_CODE_DIGITS and not is_procedure_code(text):
        code = canonical_dossier_code(text) or text.strip()[:MAX_CODE_CHARS]
        found = digits_with_code(text)
        return [
            SlotSet(RETRY_SLOT, None),
            SlotSet(CODE_SLOT, code),
            *([SlotSet(DIGITS_SLOT, found)] if found else []),
            FollowupAction(FORM),
        ]
    return None


class ActionAnswerDossierStatus(Action):
    """Look the dossier up once the form has the code and the digits, then clear both."""

    def name(self) -> str:
        """``action_answer_dossier_status``."""
        return "action_answer_dossier_status"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        """Answer with the status (verified), the generic failure, or the lockout.

        "cần bổ sung gì" after a verified lookup (read as a new lookup) is answered from it; a
        procedure question NLU took for a lookup is answered as such.
        """
        if _asks_supplement(tracker):
            dispatcher.utter_message(text=str(tracker.get_slot(SUPPLEMENT_SLOT)))
            return [SlotSet(CODE_SLOT, None), SlotSet(DIGITS_SLOT, None)]
        asked = await asyncio.to_thread(procedure_question_reply, tracker)
        if asked is not None:
            return [*asked.send(dispatcher), SlotSet(CODE_SLOT, None), SlotSet(DIGITS_SLOT, None)]
        message, events = await asyncio.to_thread(
            _lookup,
            tracker.sender_id,
            tracker.get_slot(CODE_SLOT),
            tracker.get_slot(DIGITS_SLOT),
            _client(tracker),
        )
        dispatcher.utter_message(**message)
        return [SlotSet(CODE_SLOT, None), SlotSet(DIGITS_SLOT, None), *events]


class ActionCancelDossierLookup(Action):
    """Stop the lookup when the citizen declines, forgetting what was typed."""

    def name(self) -> str:
        """``action_cancel_dossier_lookup``."""
        return "action_cancel_dossier_lookup"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        """Confirm the lookup stopped; clear the code and the digits."""
        dispatcher.utter_message(response=CANCELLED)
        return [
            SlotSet(CODE_SLOT, None),
            SlotSet(DIGITS_SLOT, None),
            SlotSet(RETRY_SLOT, None),
            SlotSet(SUPPLEMENT_SLOT, None),
        ]
