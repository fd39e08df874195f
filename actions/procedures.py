"""Answers about procedures: find the procedure a message is about, answer the asked aspect.

The NLU intent says which aspect is asked (fee, papers, time…); the procedure comes from the
knowledge layer's search. A message can

* carry a code chosen with a button (``/ask_fee{"procedure_code":"1.001193"}``) or typed;
* name a procedure ("lệ phí làm căn cước") — the search resolves it and context switches;
* only ask a follow-up ("còn lệ phí thì sao?") — the last procedure (slot) is reused.

Which procedure a message means is the knowledge layer's rule (``knowledge.search.resolve``,
shared with the API): the likeliest variant is answered first with the others as short
buttons under the answer; a menu only when the candidates differ in substance and the
message gives no hint; a weak match is confirmed first ("Ý bạn là …?"); no match gives the
hotline and a human. A message typed past a menu answers its likeliest candidate.

Follow-ups refer back (``knowledge.search.follow_ups``): a button typed instead of clicked
("cái thứ 2", or its label) is that button; another case of the same procedure ("con tôi 10
tuổi thì sao") is searched within its family, even when NLU took the message for small talk;
"còn … thì sao" asks the last answer's aspect; an action the family lacks ("không, ý tôi là gia
hạn" after the passport) is said so, the topic kept. Two procedures in one message ("làm hộ chiếu
và cccd cần gì") are both answered.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.orm import Session

from actions.answers import LOW_CONFIDENCE_MARKER, UNANSWERED_MARKER
from actions.dossiers import dossier_followup, forget_unfinished_lookup
from knowledge.answers import (
    ASPECTS,
    abolished_notice,
    aspect_buttons,
    button_payload,
    format_answer,
    is_abolished,
    shorten,
)
from knowledge.center import answer_center_question, only_about_center
from knowledge.config import get_settings
from knowledge.db import session_scope
from knowledge.dossiers.cues import asks_papers_tersely
from knowledge.errors import InvalidInputError, KnowledgeError, NotFoundError
from knowledge.procedures import get_procedure
from knowledge.schemas import ProcedureCard, SearchHit
from knowledge.search.aspects import asked_aspect, asking_sentences, cued_aspects
from knowledge.search.follow_ups import (
    absent_case_note,
    follow_up_query,
    refers_back,
    same_label,
    typed_position,
)
from knowledge.search.long_questions import answered_where_asked
from knowledge.search.resolve import (
    CONFIRM_CANDIDATES,
    MAX_BUTTONS,
    PROCEDURE_CODE_IN_TEXT,
    Alternative,
    Resolution,
    asks_for_a_procedure,
    catalog_word_weights,
    combined_procedure,
    get_variant_words,
    resolve,
    same_family,
)
from knowledge.text.entities import mask_pii

logger = logging.getLogger(__name__)

PROCEDURE_CODE_SLOT = "procedure_code"
CANDIDATES_SLOT = "candidate_codes"
PENDING_ASPECT_SLOT = "pending_aspect"
ANSWERED_ASPECT_SLOT = "answered_aspect"
# A button's payload: /ask_fee{"procedure_code":"1.001193"} (knowledge.answers.button_payload)
PAYLOAD = re.compile(r"^/(?P<intent>\w+)(?P<entities>\{.*\})$")
# Two procedures asked in one message ("làm hộ chiếu và cccd cần gì"): the joining words.
TOPIC_JOINER = re.compile(r"\s+(?:và|va|với)\s+", re.IGNORECASE)
# Below this NLU confidence, an aspect intent with no aspect word in the message ("đổi bằng
# lái xe ô tô hết hạn" taken for ask_result at 0.30) is a guess: the overview, which shows
# the fees, time and papers in brief, is answered instead. Raised from 0.5: "cấp giấy chứng
# nhận quyền sử dụng đất lần đầu" was answered its "Nơi giải quyết" (ask_agency at 0.61), and
# two questions of the new set's tuning half their place or result at 0.50; no question of
# either tuning half with an aspect intent under 0.85 and no aspect word asked that aspect.
SURE_ASPECT_CONFIDENCE = 0.7
MAX_CHOICE_CHARS = 70  # a menu button names the procedure, cut short for a phone screen
# The actions whose reply may be a procedure's answer: a terse "hồ sơ" right after one asks
# that procedure's papers (actions.dossiers.papers_asked_after_answer).
PROCEDURE_ANSWERS = frozenset(
    [spec.action for spec in ASPECTS.values()] + ["action_affirm_candidate", "action_choose_option"]
)
Message = dict[str, Any]
CARDS_READ = "tthc_cards_read"  # session.info key: the cards a turn's session has read


@dataclass
class Reply:
    """What an action says (messages for the dispatcher) and the events it returns."""

    messages: list[Message] = field(default_factory=list)
    events: list[EventType] = field(default_factory=list)

    def say(self, **message: Any) -> None:
        """Queue one bot message (``text=…`` or ``response=…``, with buttons)."""
        self.messages.append(message)

    def send(self, dispatcher: CollectingDispatcher) -> list[EventType]:
        """Hand the messages to ``dispatcher``; return the events."""
        for message in self.messages:
            dispatcher.utter_message(**message)
        return self.events


# --------------------------------------------------------------------------- replying


def read_card(session: Session, code: str) -> ProcedureCard:
    """``get_procedure``, read once per code in one turn's session: a follow-up ("nộp ở
    đâu?") reads the current procedure to see whether it states another case of it, then
    answers it. The session only reads, so the card is the one the database holds."""
    cards: dict[str, ProcedureCard] = session.info.setdefault(CARDS_READ, {})
    if code not in cards:
        cards[code] = get_procedure(session, code)
    return cards[code]


def answer_aspect(session: Session, aspect: str, resolution: Resolution) -> Reply:
    """The reply to a question about ``aspect`` once the procedure is resolved (or not)."""
    reply = Reply()
    settings = get_settings()
    if resolution.outcome == "answer" and resolution.code:
        try:
            card = read_card(session, resolution.code)
        except (NotFoundError, InvalidInputError):
            reply.say(
                response="utter_no_match", hotline=settings.hotline, json_message=UNANSWERED_MARKER
            )
            return reply
        _answer_card(session, card, aspect, reply)
        if resolution.notice:
            reply.say(text=resolution.notice)
        if resolution.alternatives:
            reply.say(
                response="utter_other_cases",
                buttons=[_alternative_button(alt, aspect) for alt in resolution.alternatives],
            )
        if resolution.related:
            reply.say(
                response="utter_related_procedures",
                buttons=[_alternative_button(alt, aspect) for alt in resolution.related],
            )
        reply.events += [
            SlotSet(PROCEDURE_CODE_SLOT, card.code),
            SlotSet(CANDIDATES_SLOT, None),
            SlotSet(PENDING_ASPECT_SLOT, None),
            SlotSet(ANSWERED_ASPECT_SLOT, aspect),
        ]
    elif resolution.outcome == "choose":
        reply.say(
            response="utter_choose_procedure",
            buttons=[_choice_button(hit, aspect) for hit in resolution.hits],
            json_message=LOW_CONFIDENCE_MARKER,
        )
        # A follow-up typed past the menu answers its first (likeliest) candidate.
        if resolution.notice:
            reply.say(text=resolution.notice)
        reply.events += _pending(aspect, [hit.code for hit in resolution.hits])
    elif resolution.outcome == "confirm" and resolution.code:
        top, *others = resolution.hits
        buttons = [{"title": "Đúng vậy", "payload": button_payload(aspect, top.code)}]
        buttons += [_choice_button(hit, aspect, prefix="Hay: ") for hit in others]
        buttons = buttons[:CONFIRM_CANDIDATES] + [{"title": "Không phải", "payload": "/deny"}]
        reply.say(
            response="utter_confirm_procedure",
            name=top.name,
            code=top.code,
            buttons=buttons,
            json_message=LOW_CONFIDENCE_MARKER,
        )
        reply.events += _pending(aspect, [top.code])
    elif resolution.outcome == "need_procedure":
        reply.say(response="utter_which_procedure")
        reply.events += [SlotSet(PENDING_ASPECT_SLOT, aspect)]
    elif resolution.outcome == "invalid":
        reply.say(text=resolution.message)
    else:
        reply.say(
            response="utter_no_match", hotline=settings.hotline, json_message=UNANSWERED_MARKER
        )
        if resolution.related:  # what the catalog holds on the question's topic word
            reply.say(
                response="utter_related_procedures",
                buttons=[_alternative_button(alt, aspect) for alt in resolution.related],
            )
    return reply


def _answer_card(session: Session, card: ProcedureCard, aspect: str, reply: Reply) -> None:
    if is_abolished(card):
        replacement = _replacement(session, card)
        buttons = []
        if replacement is not None:
            buttons = [
                {
                    "title": f"Xem thủ tục thay thế ({replacement.code})",
                    "payload": button_payload(aspect, replacement.code),
                }
            ]
        reply.say(text=abolished_notice(card, replacement), buttons=buttons)
        return
    buttons = aspect_buttons(card.code) if aspect == "procedure" else []
    reply.say(text=format_answer(card, aspect), buttons=buttons)


def _replacement(session: Session, card: ProcedureCard) -> ProcedureCard | None:
    if not card.replaced_by_code:
        return None
    try:
        return get_procedure(session, card.replaced_by_code)
    except KnowledgeError:
        return None


def _choice_button(hit: SearchHit, aspect: str, prefix: str = "") -> dict[str, str]:
    name = shorten(hit.name.removeprefix("Thủ tục ").strip(), MAX_CHOICE_CHARS)
    level = f" ({hit.levels})" if hit.levels else ""
    title = f"{prefix}{name[:1].upper()}{name[1:]}{level}"
    return {"title": title, "payload": button_payload(aspect, hit.code)}


def _alternative_button(alternative: Alternative, aspect: str) -> dict[str, str]:
    return {"title": alternative.label, "payload": button_payload(aspect, alternative.code)}


def _pending(aspect: str, codes: Iterable[str]) -> list[EventType]:
    return [SlotSet(CANDIDATES_SLOT, list(codes)), SlotSet(PENDING_ASPECT_SLOT, aspect)]


# --------------------------------------------------------------------------- actions


def chosen_code(tracker: Tracker) -> str | None:
    """The ``procedure_code`` a button put in the latest message, if any."""
    for entity in tracker.latest_message.get("entities") or []:
        if entity.get("entity") == PROCEDURE_CODE_SLOT and entity.get("value"):
            return str(entity["value"]).strip()
    return None


def reply_to_question(
    tracker: Tracker,
    aspect: str,
    *,
    strict: bool = False,
    confirm_weak: bool = False,
    related_if_none: bool = False,
) -> Reply:
    """Resolve the procedure of the latest message and answer ``aspect``; never raises.

    With ``strict`` (see ``resolve``), nothing is said unless the message names a procedure
    (or, with ``related_if_none``, asks for a procedure, ``asks_for_a_procedure``, on a topic
    the catalog holds some on: the "not found" with them, as a question NLU understood gets):
    the caller then answers in its own way. The aspect the message names outright ("… cần
    gì") overrides ``aspect``, the intent's (``knowledge.search.aspects.asked_aspect``).
    """
    text = tracker.latest_message.get("text") or ""
    try:
        if not strict and not chosen_code(tracker) and only_about_center(text):
            # "thứ bảy có trả kết quả không", taken for a question about a result: no
            # procedure is named, the Center's Saturday is asked.
            reply = Reply()
            reply.say(text=answer_center_question(text))
            return reply
        aspect = asked_aspect(text, aspect)
        if aspect == "procedure" and code_with_terse_papers(text):
            aspect = "documents"  # "1.001193 ho so": that procedure's papers
        with session_scope() as session:
            slot_code = tracker.get_slot(PROCEDURE_CODE_SLOT)
            query = _within_topic(session, text, slot_code) if not chosen_code(tracker) else None
            if query and strict:
                # "vợ tôi là người Nhật" after the marriage answer, which NLU takes for small
                # talk: another case of the current procedure, answered as a follow-up.
                strict = False
                aspect = _answered_again(tracker) or aspect
            current = None if strict else slot_code
            resolution = resolve(
                session,
                query or text,
                chosen_code=chosen_code(tracker),
                current_code=current,
                candidates=() if strict else tuple(tracker.get_slot(CANDIDATES_SLOT) or ()),
                strict=strict,
                confirm_weak=confirm_weak,
            )
            if not strict:
                resolution = answered_where_asked(session, query or text, resolution)
            logger.info(
                "aspect=%s outcome=%s code=%s question=%r",
                aspect,
                resolution.outcome,
                resolution.code,
                mask_pii(text[:200]),
            )
            if query and resolution.outcome == "answer" and resolution.code and slot_code:
                resolution = _with_absent_action(session, text, resolution, slot_code)
                resolution = _with_absent_case(session, text, resolution)
            if not strict and not query and not chosen_code(tracker):
                both = _two_topics(session, text, aspect, resolution)
                if both is not None:
                    return both
            named = resolution.outcome in ("answer", "choose", "confirm")
            related = (
                related_if_none
                and resolution.outcome == "no_match"
                and resolution.related
                and asks_for_a_procedure(text)
            )
            if strict and not (named or related):
                return Reply()
            return answer_aspect(session, aspect, resolution)
    except Exception:  # noqa: BLE001 - an action must answer, whatever went wrong
        logger.exception("answering %s failed", aspect)
        reply = Reply()
        reply.say(response="utter_service_unavailable", hotline=get_settings().hotline)
        return reply


def _with_absent_case(session: Session, text: str, resolution: Resolution) -> Resolution:
    """``resolution`` with a note when the follow-up ``text`` states a case (living abroad)
    the procedure answered does not carry: the answer is the usual case, said so."""
    try:
        card = read_card(session, resolution.code or "")
    except KnowledgeError:
        return resolution
    note = absent_case_note(text, card.name)
    if not note:
        return resolution
    notice = f"{resolution.notice}\n{note}" if resolution.notice else note
    return replace(resolution, notice=notice)


def code_with_terse_papers(text: str) -> bool:
    """Whether ``text`` is a procedure code and a terse "hồ sơ" ("1.001193 ho so")."""
    rest = PROCEDURE_CODE_IN_TEXT.sub(" ", text).strip(" ,.?")
    return rest != text.strip(" ,.?") and bool(rest) and asks_papers_tersely(rest)


def _with_absent_action(
    session: Session, text: str, resolution: Resolution, current: str
) -> Resolution:
    """``resolution`` of a follow-up naming an action ("không, ý tôi là gia hạn") that the
    current procedure's family does not carry: the current procedure again, with a note
    saying the catalog holds no such case of it, rather than another topic's "gia hạn" (the
    tax deadline) or the same answer repeated as if the action had not been heard."""
    variants = get_variant_words()
    named = variants.question_actions(text)
    if not named:
        return resolution
    try:
        card = read_card(session, current)
        answered = read_card(session, resolution.code or "")
    except KnowledgeError:
        return resolution
    if same_family(answered.name, card.name) and named & variants.name_actions(answered.name):
        return resolution
    labels = ", ".join(f"«{variants.label(key).lower()}»" for key in sorted(named))
    note = (
        f"Danh mục thủ tục của Trung tâm không có trường hợp {labels} của thủ tục "
        f"{shorten(card.name, MAX_CHOICE_CHARS)}; mình trả lời thủ tục gần nhất ở trên. "
        f"Bạn gọi tổng đài {get_settings().hotline} nếu cần được hướng dẫn thêm."
    )
    if same_family(answered.name, card.name):
        return replace(resolution, notice=f"{resolution.notice}\n{note}".strip())
    return Resolution("answer", card.code, notice=note)


def _two_topics(session: Session, text: str, aspect: str, resolution: Resolution) -> Reply | None:
    """Both answers when ``text`` asks the same thing of two procedures ("làm hộ chiếu và
    cccd cần gì", "đăng ký khai sinh và tạm trú cần gì"); else None.

    Each part is resolved on its own (the aspect words of the end stand for both); the later
    one becomes the current procedure. A message the whole of which names one procedure
    whose name holds the joining word ("… xây dựng và nhà ở riêng lẻ") is not split, and
    one procedure doing both (``combined_procedure``: a liên thông one) is answered alone.
    Only the sentences that ask are split: a story's "và" joins events ("đã đăng ký kết hôn
    … và đang thường trú"), not the procedures asked.
    """
    parts = TOPIC_JOINER.split(" ".join(asking_sentences(text)))
    if len(parts) != 2:
        return None
    if resolution.outcome == "answer" and resolution.hits:
        if TOPIC_JOINER.search(f" {resolution.hits[0].name} "):
            return None
    answers = [resolve(session, part, strict=True) for part in parts]
    codes = [found.code for found in answers]
    if any(found.outcome != "answer" for found in answers) or codes[0] == codes[1]:
        return None
    if resolution.outcome == "answer" and resolution.code not in codes:
        return None  # the whole names a third procedure: trust it
    apart = [
        next((hit for hit in (*found.hits, *resolution.hits) if hit.code == found.code), None)
        for found in answers
    ]
    known = [hit for hit in apart if hit is not None]
    weights = catalog_word_weights(session)
    combined = combined_procedure(parts, resolution.hits, known, weights)
    if combined is not None:
        # One procedure does both ("khai sinh và thường trú cho con": the liên thông one).
        return answer_aspect(session, aspect, Resolution("answer", combined.code))
    both = Reply()
    for found in answers:
        part = answer_aspect(session, aspect, found)
        both.messages += part.messages
        both.events += part.events
    return both


def _within_topic(session: Session, text: str, current: str | None) -> str | None:
    """The question to search when ``text`` states another case of the current procedure
    ("con tôi 10 tuổi thì sao" after the identity card), else None."""
    if not current or text.startswith("/"):
        return None
    try:
        card = read_card(session, current)
    except KnowledgeError:
        return None
    return follow_up_query(session, text, card.name)


def typed_choice(tracker: Tracker) -> tuple[str, str] | None:
    """The (aspect, code) of a button of the bot's last reply that the latest message names
    by its place ("cái thứ 2") or by its label typed by hand ("có yếu tố nước ngoài").

    Only the buttons that offer a procedure count, not the aspect buttons of the answer
    itself: "cái đầu tiên" under an answer is its first other case.
    """
    text = (tracker.latest_message.get("text") or "").strip()
    if not text or text.startswith("/"):
        return None
    current = tracker.get_slot(PROCEDURE_CODE_SLOT)
    offered = []
    for title, aspect, code in _last_buttons(tracker):
        if code and code != current and (title, aspect, code) not in offered:
            offered.append((title, aspect, code))
    if not offered:
        return None
    position = typed_position(text)
    if position is not None:
        index = position - 1 if position > 0 else len(offered) + position
        if 0 <= index < len(offered):
            _, aspect, code = offered[index]
            return aspect, code
        return None
    for title, aspect, code in offered:
        if same_label(text, title):
            return aspect, code
    return None


def reply_to_typed_choice(tracker: Tracker) -> Reply | None:
    """The answer to a button of the last reply typed instead of clicked, or None."""
    choice = typed_choice(tracker)
    if choice is None:
        return None
    aspect, code = choice
    return answer_code(code, aspect)


def _last_buttons(tracker: Tracker) -> list[tuple[str, str, str | None]]:
    """(title, aspect, code) of the buttons the bot sent since the previous user message."""
    intents = {spec.intent: key for key, spec in ASPECTS.items()}
    events = list(tracker.events)
    # The latest user message is the one being answered: skip it and what follows.
    while events and events[-1].get("event") != "user":
        events.pop()
    if events:
        events.pop()
    sent: list[dict[str, Any]] = []
    for event in reversed(events):
        if event.get("event") == "user":
            break
        if event.get("event") == "bot":
            sent[:0] = (event.get("data") or {}).get("buttons") or []
    buttons = []
    for button in sent:
        match = PAYLOAD.match(str(button.get("payload") or ""))
        if not match or match["intent"] not in intents:
            continue
        try:
            code = json.loads(match["entities"]).get(PROCEDURE_CODE_SLOT)
        except ValueError:
            continue
        buttons.append((str(button.get("title") or ""), intents[match["intent"]], code))
    return buttons


class ActionAnswerAspect(Action):
    """Base of the aspect actions: resolve the procedure, answer one aspect of it."""

    aspect = "procedure"

    def name(self) -> str:
        """``action_answer_<aspect>``."""
        return ASPECTS[self.aspect].action

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        """Answer off the event loop (search and database are blocking).

        A follow-up of a dossier lookup ("cần bổ sung gì" after it) is answered from it.
        """
        followup = await dossier_followup(dispatcher, tracker)
        if followup is not None:
            return followup
        chosen = await asyncio.to_thread(reply_to_typed_choice, tracker)
        if chosen is not None:
            return [*chosen.send(dispatcher), *forget_unfinished_lookup(tracker)]
        reply = await asyncio.to_thread(reply_to_question, tracker, self.aspect_asked(tracker))
        return [*reply.send(dispatcher), *forget_unfinished_lookup(tracker)]

    def aspect_asked(self, tracker: Tracker) -> str:
        """This action's aspect, or the pending one when the message only names the procedure."""
        # "mất bao lâu?" → "Bạn đang hỏi về thủ tục nào?" → "đăng ký khai sinh" (ask_procedure)
        pending = tracker.get_slot(PENDING_ASPECT_SLOT)
        if self.aspect == "procedure" and pending in ASPECTS:
            return str(pending)
        aspect = self.aspect
        if aspect != "procedure" and _unsure_aspect(tracker.latest_message):
            aspect = "procedure"
        if aspect == "procedure":
            # "lệ phí khai tử" → "còn đăng ký lại thì sao": the fee again, of the new case.
            return _answered_again(tracker) or aspect
        return aspect


def _answered_again(tracker: Tracker) -> str | None:
    """The aspect of the last answer, when the latest message refers back to it without
    naming an aspect: "… thì sao", "không phải, tôi hỏi …", or only another case."""
    answered = tracker.get_slot(ANSWERED_ASPECT_SLOT)
    text = tracker.latest_message.get("text") or ""
    if answered not in ASPECTS or answered == "procedure" or text.startswith("/"):
        return None
    if cued_aspects(text):
        return None
    variants = get_variant_words()
    if refers_back(text) or variants.question_qualifiers(text) or variants.question_actions(text):
        return str(answered)
    return None


def _unsure_aspect(message: dict[str, Any]) -> bool:
    """Whether NLU guessed the aspect of ``message``: low confidence, no aspect word in the
    text, and typed (a button's payload says its aspect)."""
    text = message.get("text") or ""
    confidence = (message.get("intent") or {}).get("confidence")
    if text.startswith("/") or confidence is None or confidence >= SURE_ASPECT_CONFIDENCE:
        return False
    return not cued_aspects(text)


class ActionAnswerProcedure(ActionAnswerAspect):
    """Overview of a procedure (ask_procedure), with buttons for the usual follow-ups."""

    aspect = "procedure"


class ActionAnswerFee(ActionAnswerAspect):
    """Fees per channel (ask_fee)."""

    aspect = "fee"


class ActionAnswerDocuments(ActionAnswerAspect):
    """Papers of the dossier (ask_documents)."""

    aspect = "documents"


class ActionAnswerProcessingTime(ActionAnswerAspect):
    """Processing time per channel (ask_processing_time)."""

    aspect = "processing_time"


class ActionAnswerAgency(ActionAnswerAspect):
    """Where to submit, who decides (ask_agency)."""

    aspect = "agency"


class ActionAnswerSteps(ActionAnswerAspect):
    """Steps of the procedure (ask_steps)."""

    aspect = "steps"


class ActionAnswerChannels(ActionAnswerAspect):
    """Ways to submit: in person, online, by post (ask_channels)."""

    aspect = "channels"


class ActionAnswerConditions(ActionAnswerAspect):
    """Requirements and who may apply (ask_conditions)."""

    aspect = "conditions"


class ActionAnswerResult(ActionAnswerAspect):
    """What the applicant receives (ask_result)."""

    aspect = "result"


class ActionAnswerLegalBasis(ActionAnswerAspect):
    """Legal documents the procedure rests on (ask_legal_basis)."""

    aspect = "legal_basis"


class ActionAffirmCandidate(Action):
    """ "Đúng rồi" after "Ý bạn là …?": answer the pending aspect of the proposed procedure."""

    def name(self) -> str:
        """``action_affirm_candidate``."""
        return "action_affirm_candidate"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        """Answer the one candidate, ask to pick among several, or ask what else is needed."""
        candidates = tracker.get_slot(CANDIDATES_SLOT) or []
        aspect = tracker.get_slot(PENDING_ASPECT_SLOT) or "procedure"
        if aspect not in ASPECTS:
            aspect = "procedure"
        if len(candidates) == 1:
            reply = await asyncio.to_thread(answer_code, candidates[0], aspect)
            return reply.send(dispatcher)
        if candidates:
            dispatcher.utter_message(
                response="utter_pick_one",
                buttons=[
                    {"title": code, "payload": button_payload(aspect, code)}
                    for code in candidates[:MAX_BUTTONS]
                ],
            )
            return []
        dispatcher.utter_message(response="utter_anything_else")
        return []


class ActionDenyCandidate(Action):
    """ "Không phải" after "Ý bạn là …?": drop the proposal, ask for the name or offer a human."""

    def name(self) -> str:
        """``action_deny_candidate``."""
        return "action_deny_candidate"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        """Ask for a clearer name when something was proposed, else ask what is needed."""
        if tracker.get_slot(CANDIDATES_SLOT):
            dispatcher.utter_message(
                response="utter_rephrase_procedure", hotline=get_settings().hotline
            )
            return [SlotSet(CANDIDATES_SLOT, None)]
        dispatcher.utter_message(response="utter_anything_else")
        return []


def answer_code(code: str, aspect: str) -> Reply:
    try:
        with session_scope() as session:
            return answer_aspect(session, aspect, Resolution("answer", code))
    except Exception:  # noqa: BLE001 - an action must answer, whatever went wrong
        logger.exception("answering %s of %s failed", aspect, code)
        reply = Reply()
        reply.say(response="utter_service_unavailable", hotline=get_settings().hotline)
        return reply


class ActionChooseOption(Action):
    """ "cái thứ 2" (choose_option): the button of the last reply at that place, answered."""

    def name(self) -> str:
        """``action_choose_option``."""
        return "action_choose_option"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        """Answer the chosen button's aspect and procedure. Without one, NLU misread the
        message ("có làm thứ 7 không" for "cái thứ 7"): the Center's facts when it asks about
        the Center, else the fallback's clarification."""
        chosen = await asyncio.to_thread(reply_to_typed_choice, tracker)
        if chosen is not None:
            return chosen.send(dispatcher)
        text = tracker.latest_message.get("text") or ""
        if only_about_center(text):
            dispatcher.utter_message(text=answer_center_question(text))
            return []
        from actions.fallback import ActionClarify  # the fallback builds on this module

        return await ActionClarify().run(dispatcher, tracker, domain)
