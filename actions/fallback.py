"""Out-of-scope messages and the two-stage fallback: clarify first, then offer a human.

Both first check whether the message clearly names a procedure (NLU may miss the aspect of
a long or unusual question): if so, the procedure's overview answers it, with buttons for
the usual aspects. The fallback also offers a weaker match for confirmation ("Ý bạn là …?"):
a question NLU was unsure of is better clarified by its likely procedure than by "please
rephrase". A long, story-like question whose words cover no name well but which names the
search's first hit ("… Vậy, nay tôi muốn nhận con tôi thì …?",
``knowledge.search.long_questions``) is confirmed rather than declined.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.answers import FALLBACK_HANDOFF_MARKER, UNANSWERED_MARKER
from actions.dossiers import dossier_followup
from actions.procedures import Reply, answer_aspect, reply_to_question, reply_to_typed_choice
from actions.turns import replied_last_turn_with
from knowledge.answers import ASPECTS
from knowledge.config import get_settings
from knowledge.db import session_scope
from knowledge.search.aspects import OVERVIEW, asked_aspect, reads_as_question
from knowledge.search.long_questions import named_in_long_question
from knowledge.search.resolve import Resolution

logger = logging.getLogger(__name__)

REPHRASE = "utter_please_rephrase"  # stage one; stage two offers a human
# NLU's best guesses after the fallback that are read as where it was torn.
TORN_BETWEEN = 2


def torn_aspect(tracker: Tracker) -> str | None:
    """The procedure aspect among NLU's two best guesses when it fell back, if any.

    NLU falls back below its confidence threshold or when its two best intents are too close
    ("tàu treo cờ nước ngoài … tuổi tàu là như nào?": out_of_scope 0.41, ask_procedure 0.39).
    A question one of whose two best readings is about a procedure is answered as that
    reading; the resolver still confirms a weak match or says it found none. Torn between
    two aspects ("cấp lại giấy khai sinh bản sao": result 0.31, documents 0.31), it asked
    for neither: the overview.

    Example:
        >>> from rasa_sdk import Tracker
        >>> def torn(*names):
        ...     message = {"intent_ranking": [{"name": n} for n in ("nlu_fallback", *names)]}
        ...     return torn_aspect(Tracker("c", {}, message, [], False, None, {}, ""))
        >>> torn("out_of_scope", "ask_fee")
        'fee'
        >>> torn("ask_result", "ask_documents")
        'procedure'
        >>> torn("greet", "out_of_scope") is None
        True
    """
    names = [
        str(guess.get("name"))
        for guess in tracker.latest_message.get("intent_ranking") or []
        if guess.get("name") != "nlu_fallback"
    ]
    aspects = [
        name.removeprefix("ask_")
        for name in names[:TORN_BETWEEN]
        if name.startswith("ask_") and name.removeprefix("ask_") in ASPECTS
    ]
    if len(set(aspects)) > 1:
        return OVERVIEW
    return aspects[0] if aspects else None


def reply_to_unclear_message(
    tracker: Tracker, *, confirm_weak: bool, related_if_none: bool = False
) -> Reply:
    """The reply to a message NLU did not take for a procedure question, if it names one.

    A clearly named procedure is answered; with ``confirm_weak``, a weak match is confirmed
    ("Ý bạn là …?"); a long question naming the search's first hit is confirmed too. With
    ``related_if_none``, a message naming no procedure but a topic the catalog holds some on
    ("xin giấy phép bán rượu") gets the resolver's "not found" with them ("Có thể bạn cần thủ
    tục liên quan"). Empty when the message names no procedure.
    """
    chosen = reply_to_typed_choice(tracker)  # "cái thứ 2", a button's label typed by hand
    if chosen is not None:
        return chosen
    reply = reply_to_question(
        tracker,
        "procedure",
        strict=True,
        confirm_weak=confirm_weak,
        related_if_none=related_if_none,
    )
    text = tracker.latest_message.get("text") or ""
    if reply.messages or not reads_as_question(text):
        return reply
    try:
        with session_scope() as session:
            named = named_in_long_question(session, text)
            if not named:
                return reply
            return answer_aspect(
                session,
                asked_aspect(text, "procedure"),
                Resolution("confirm", named[0].code, hits=tuple(named)),
            )
    except Exception:  # noqa: BLE001 - the caller answers in its own way
        logger.exception("confirming a long question's procedure failed")
        return Reply()


class ActionOutOfScope(Action):
    """Answer a procedure the message clearly names, else say politely what the bot does."""

    def name(self) -> str:
        """``action_out_of_scope``."""
        return "action_out_of_scope"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        """Overview of a clearly named procedure, or what the assistant can do.

        A message that reads as a question ("… thì tôi có cần văn bản đồng ý không?") and
        partly names a procedure gets "Ý bạn là …?", as in the fallback: NLU took a long
        question for small talk, and declining it would leave the citizen with nothing.
        """
        followup = await dossier_followup(dispatcher, tracker)
        if followup is not None:
            return followup
        text = tracker.latest_message.get("text") or ""
        reply = await asyncio.to_thread(
            reply_to_unclear_message, tracker, confirm_weak=reads_as_question(text)
        )
        if reply.messages:
            return reply.send(dispatcher)
        dispatcher.utter_message(response="utter_out_of_scope", json_message=UNANSWERED_MARKER)
        return []


class ActionClarify(Action):
    """The two-stage fallback: ask to rephrase, and if that fails too, offer a human."""

    def name(self) -> str:
        """``action_clarify``."""
        return "action_clarify"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        """A named procedure's overview or "Ý bạn là …?"; else stage one, or two after it.

        A question NLU was torn between a procedure aspect and something else about is
        answered as that aspect (``torn_aspect``). One naming no procedure but a topic the
        catalog holds some on gets the "not found" with them, as if NLU had understood it.
        """
        followup = await dossier_followup(dispatcher, tracker)
        if followup is not None:
            return followup
        text = tracker.latest_message.get("text") or ""
        aspect = torn_aspect(tracker) if reads_as_question(text) else None
        if aspect is not None:
            # Answered as the procedure question NLU half read it as (as its action would).
            reply = await asyncio.to_thread(reply_to_question, tracker, aspect)
        else:
            reply = await asyncio.to_thread(
                reply_to_unclear_message, tracker, confirm_weak=True, related_if_none=True
            )
        if reply.messages:
            return reply.send(dispatcher)
        if replied_last_turn_with(tracker, REPHRASE):
            dispatcher.utter_message(
                response="utter_offer_human",
                hotline=get_settings().hotline,
                json_message=UNANSWERED_MARKER,
            )
            # The second fallback: the chat gateway queues the conversation for an agent.
            dispatcher.utter_message(json_message=FALLBACK_HANDOFF_MARKER)
        else:
            dispatcher.utter_message(response=REPHRASE, json_message=UNANSWERED_MARKER)
        return []
