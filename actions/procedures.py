"""Answers about procedures: find the procedure a message is about, answer the asked aspect.

The NLU intent says which aspect is asked (fee, papers, time…); the procedure comes from the
knowledge layer's search. A message can

* carry a code chosen with a button (``/ask_fee{"procedure_code":"1.001193"}``) or typed;
* name a procedure ("lệ phí làm căn cước") — the search resolves it and context switches;
* only ask a follow-up ("còn lệ phí thì sao?") — the last procedure (slot) is reused.

When several near-identical variants fit, up to four buttons let the citizen choose; a
weak match is confirmed first ("Ý bạn là …?"); no match gives the hotline and a human.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.orm import Session

from actions.answers import (
    ANYTHING_ELSE,
    ASK_PROCEDURE_NAME,
    ASPECTS,
    CHOOSE_PROCEDURE,
    CONFIRM_PROCEDURE,
    HUMAN_BUTTON,
    NO_MATCH,
    PICK_ONE,
    QUESTION_TOO_LONG,
    REPHRASE_PROCEDURE,
    SERVICE_UNAVAILABLE,
    abolished_notice,
    aspect_buttons,
    button_payload,
    format_answer,
    is_abolished,
)
from knowledge.config import get_settings
from knowledge.db import session_scope
from knowledge.errors import InvalidInputError, KnowledgeError, NotFoundError
from knowledge.procedures import get_procedure
from knowledge.schemas import ProcedureCard, SearchHit
from knowledge.search import search_procedures
from knowledge.search.terms import stopwords
from knowledge.text import fold_accents, get_lexicon, has_diacritics, normalize, syllables
from knowledge.text.abbreviations import get_abbreviations
from knowledge.text.entities import mask_pii

logger = logging.getLogger(__name__)

PROCEDURE_CODE_SLOT = "procedure_code"
CANDIDATES_SLOT = "candidate_codes"
PENDING_ASPECT_SLOT = "pending_aspect"
PROCEDURE_CODE_IN_TEXT = re.compile(r"(?<![\d.])\d{1,2}\.\d{6}(?![\d.])")

MAX_BUTTONS = 4
SEARCH_DEPTH = 8
# A hit is a variant of the best one when it covers the same words of the question and
# scores at least this share of the best score (BM25 favours shorter names, so a longer
# variant such as "… có yếu tố nước ngoài" scores lower although it fits as well).
VARIANT_SCORE_RATIO = 0.6
# Share of the question's procedure words the best hit must cover to be answered directly,
# or merely offered for confirmation.
STRONG_COVERAGE = 0.6
WEAK_COVERAGE = 0.3
# A message of at most this many unmatched syllables is a fragment, not an unknown name.
SHORT_FRAGMENT = 2

# Words that say WHAT is asked, or nothing at all, never WHICH procedure: a message made of
# only these ("còn lệ phí thì sao?", "nộp ở đâu?") is a follow-up on the current procedure.
# Matched on accented syllables when the message has diacritics, on folded ones otherwise;
# longest phrase first, so "mất bao lâu" goes but "mất" in "mất căn cước" stays.
ASPECT_AND_FILLER_PHRASES = """
lệ phí, phí, chi phí, mức thu, mức phí, bao nhiêu tiền, mất tiền, mất phí, tốn phí, tốn kém,
tốn bao nhiêu, miễn phí, đóng tiền, tiền, bao nhiêu, bnhiu, bn, hết bao nhiêu, giá bao nhiêu,
mất bao nhiêu, mất bao lâu, mất mấy, mất thời gian, rẻ hơn, đắt không, tính sao, tính thế nào,
đóng bao nhiêu, phải đóng, nộp bao nhiêu,
giấy tờ, giấy tờ gì, hồ sơ, thành phần, thành phần hồ sơ, chuẩn bị, mang theo, cần, những gì,
gồm, gồm có, bao gồm, bản sao, bản chính, bản gốc, photo, mấy bản, loại giấy, giấy gì, giấy j,
bao lâu, thời gian, thời hạn, mấy ngày, bao nhiêu ngày, ngày làm việc, lấy ngay, trong ngày,
bao giờ, nhanh, lâu, xong, giải quyết, xử lý, mấy hôm, chờ, lấy liền, trong vòng, khi nào,
ở đâu, cơ quan nào, nơi nộp, chỗ nào, đâu, ai, đơn vị nào, thẩm quyền, phòng nào, nộp, nộp cho,
đến đâu, làm ở, tại đâu, nơi nào,
trình tự, các bước, bước, quy trình, làm sao, thế nào, như thế nào, ntn, như nào, ra sao,
tiếp theo, hướng dẫn, cách, cách làm, từng bước, đầu tiên, cuối cùng, thực hiện, tiếp, sau đó,
sau khi, làm gì,
online, trực tuyến, qua mạng, trên mạng, mạng, bưu điện, bưu chính, trực tiếp, dịch vụ công,
điện thoại, app, zalo, email, tại nhà, hình thức, toàn trình, cổng, tận nơi, qua, trên, lên,
điều kiện, yêu cầu, đối tượng, trường hợp, được không,
kết quả, nhận được, được cấp, cái gì, bản điện tử, nhận, được gì, trả kết quả,
căn cứ pháp lý, căn cứ, pháp lý, cơ sở pháp lý, văn bản, văn bản nào, luật nào, nghị định nào,
thông tư nào, quy định, số hiệu, số mấy,
thủ tục, thủ tục này, cái này, việc này, làm, xin, muốn, hỏi, cho hỏi, xin hỏi, tư vấn, giúp,
giùm, biết, cho biết, thông tin, xem, để, việc,
tôi, mình, em, anh, chị, ad, admin, bạn, bot, ạ, à, nhé, nha, vậy, thế, thì, sao, còn, nữa,
với, ơi, ok, dạ, vâng, thôi, luôn, phải, là, có, không, ko, k, khong, hả, chứ, mà, đi, cho,
gì, j, nào, được, dc, đc, rồi, như vậy, kia, đó, ấy, đây, này, nhỉ, hay, hoặc, và, của, mấy,
chưa, bằng, hôm, hôm nay, ý, gấp, tại, ở, cấp tỉnh, cấp xã, cấp huyện, cấp bộ, trung ương,
có thể, lấy, lấy được, đến, gửi, gửi qua, qua đường, miễn, giảm, khoản, khoản phí, nhiều,
cơ quan, người nào, nơi, tiếp nhận, ở đây, lên phường, ra phường, lên xã, ra xã, lên tỉnh,
lên huyện, ủy ban, bộ phận một cửa, một cửa, bộ hồ sơ, mấy bộ, bao nhiêu bộ, ảnh, cỡ, chi tiết,
diễn ra, thứ tự, hẹn, giấy hẹn, duyệt, được duyệt, tận nhà, ngồi nhà, nhờ, công ích, một phần,
bắt buộc, đóng dấu, bản vẽ, bản scan, scan, điền, mẫu tờ khai, biểu mẫu
"""

Message = dict[str, Any]


@dataclass(frozen=True)
class Resolution:
    """Which procedure a message is about, or why no single one can be answered."""

    outcome: str  # answer | choose | confirm | need_procedure | no_match | invalid
    code: str | None = None
    hits: tuple[SearchHit, ...] = ()
    message: str = ""


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


# --------------------------------------------------------------------------- words


def same_word(typed: str, catalog: str) -> bool:
    """Whether a typed syllable is the catalog's: exactly when typed with diacritics, else folded.

    Citizens often type without accents, so "gia" matches "giá" and "gia"; but "giá" typed
    with its accent is not "gia" (as in "hộ gia đình").

    Example:
        >>> same_word("gia", "giá"), same_word("giá", "gia"), same_word("giá", "giá")
        (True, False, True)
    """
    if has_diacritics(typed):
        return typed == catalog
    return typed == fold_accents(catalog)


@lru_cache(maxsize=1)
def _phrases() -> tuple[dict[tuple[str, ...], list[tuple[str, ...]]], int]:
    """ASPECT_AND_FILLER_PHRASES indexed by their folded form, and the longest length."""
    by_folded: dict[tuple[str, ...], list[tuple[str, ...]]] = {}
    for piece in re.split(r"[,\n]", ASPECT_AND_FILLER_PHRASES):
        words = tuple(normalize(piece).split())
        if words:
            by_folded.setdefault(tuple(fold_accents(w) for w in words), []).append(words)
    return by_folded, max(len(p) for p in by_folded)


def _is_phrase(words: list[str]) -> bool:
    candidates = _phrases()[0].get(tuple(fold_accents(w) for w in words), [])
    return any(all(map(same_word, words, phrase)) for phrase in candidates)


def procedure_words(text: str) -> list[str]:
    """The words of ``text`` that may name a procedure: aspect and filler words removed.

    Citizen terms of the lexicon ("sổ đỏ", "cccd") are always kept.

    Example:
        >>> procedure_words("Còn lệ phí thì sao?")
        []
        >>> procedure_words("lệ phí làm sổ đỏ mất bao lâu")
        ['sổ', 'đỏ']
    """
    spans = [s.text for s in syllables(text)]
    folded = [fold_accents(s) for s in spans]
    longest = _phrases()[1]
    citizen_terms = {tuple(term.split()) for term, _ in get_lexicon().matches(text)}
    citizen_longest = max((len(t) for t in citizen_terms), default=0)
    stop = stopwords()
    kept: list[str] = []
    i = 0
    while i < len(spans):
        term = next(
            (
                n
                for n in range(min(citizen_longest, len(spans) - i), 0, -1)
                if tuple(folded[i : i + n]) in citizen_terms
            ),
            0,
        )
        if term:
            kept += spans[i : i + term]
            i += term
            continue
        phrase = next(
            (n for n in range(min(longest, len(spans) - i), 0, -1) if _is_phrase(spans[i : i + n])),
            0,
        )
        if phrase:
            i += phrase
            continue
        if folded[i] not in stop:
            kept.append(spans[i])
        i += 1
    return kept


def coverage(words: list[str], hit: SearchHit) -> float:
    """How well ``hit``'s name accounts for ``words`` (a question's procedure words), 0–1.

    Words are matched in adjacent pairs, since Vietnamese words are mostly two syllables:
    "du hành" must appear as such in the name, not "du" in one word and "hành" in another.
    A lexicon citizen term counts when its catalog wording is in the name ("sổ đỏ" →
    "giấy chứng nhận quyền sử dụng đất"). The share is the larger of: the question's words
    found in the name, and the name's own words found in the question (a long question
    quoting a short name).
    """
    if not words:
        return 0.0
    spelt_name = get_abbreviations().spell_out(hit.name)
    name = procedure_words(spelt_name)
    covered: set[int] = set()
    matched: set[int] = set()
    for i in range(len(words) - 1):
        for j in range(len(name) - 1):
            if same_word(words[i], name[j]) and same_word(words[i + 1], name[j + 1]):
                covered.update((i, i + 1))
                matched.update((j, j + 1))
    folded_words = [fold_accents(w) for w in words]
    folded_name = f" {fold_accents(normalize(spelt_name))} "
    spell_out = get_abbreviations().spell_out
    for term, entry in get_lexicon().matches(" ".join(words)):
        if any(f" {fold_accents(normalize(spell_out(w)))} " in folded_name for w in entry.catalog):
            size = len(term.split())
            for start in range(len(folded_words) - size + 1):
                if " ".join(folded_words[start : start + size]) == term:
                    covered.update(range(start, start + size))
    if not covered:
        return 0.0
    question_share = len(covered) / len(words)
    name_share = len(matched) / len(name) if name else 0.0
    return max(question_share, name_share)


# --------------------------------------------------------------------------- resolving


def resolve(
    session: Session,
    text: str,
    *,
    chosen_code: str | None = None,
    current_code: str | None = None,
    strict: bool = False,
    confirm_weak: bool = False,
) -> Resolution:
    """Decide which procedure ``text`` is about.

    Args:
        session: a catalog session.
        text: the user's message as typed.
        chosen_code: a code carried by the message (a button's ``procedure_code`` entity).
        current_code: the procedure of the conversation so far (the slot), if any.
        strict: only accept a strong match (for messages NLU did not take as a question
            about a procedure: out of scope, fallback); never fall back on the context.
        confirm_weak: with ``strict``, offer a weak match (a name that covers a fair share
            of the words) for confirmation, "Ý bạn là …?", instead of dropping it: the
            fallback's clarification of a question NLU was unsure of. Unlike a question NLU
            understood, a long message matching no name that well is not offered one.
    """
    if chosen_code:
        return Resolution("answer", chosen_code)
    text = text or ""
    if text.startswith("/"):  # a payload without a code: a follow-up by button
        return _follow_up(current_code, strict)
    typed = PROCEDURE_CODE_IN_TEXT.search(text)
    if typed:
        return Resolution("answer", typed.group())
    max_chars = get_settings().max_question_chars
    if len(text) > max_chars:
        return Resolution("invalid", message=QUESTION_TOO_LONG.format(max_chars=max_chars))
    words = procedure_words(get_abbreviations().spell_out(text))
    if not words:
        return _follow_up(current_code, strict)
    try:
        hits = search_procedures(session, " ".join(words), limit=SEARCH_DEPTH)
    except InvalidInputError as exc:
        return Resolution("invalid", message=exc.message)
    if not hits:
        return _follow_up(current_code, strict) if current_code else Resolution("no_match")
    shares = [coverage(words, hit) for hit in hits]
    best = shares[0]
    if not best and not current_code and len(words) <= SHORT_FRAGMENT:
        return Resolution("need_procedure")  # "cần ảnh cỡ nào?": a fragment, not a name
    if best >= STRONG_COVERAGE:
        variants = [
            hit
            for hit, share in zip(hits, shares, strict=True)
            if hit.score >= VARIANT_SCORE_RATIO * hits[0].score and share >= best - 1e-9
        ]
        if len(variants) > 1:
            return Resolution("choose", hits=tuple(variants[:MAX_BUTTONS]))
        return Resolution("answer", hits[0].code, hits=tuple(hits))
    weak = best >= WEAK_COVERAGE
    if strict and not (confirm_weak and weak):
        return Resolution("no_match", hits=tuple(hits))
    if current_code and (not weak or current_code in {h.code for h in hits[:5]}):
        return Resolution("answer", current_code)
    if weak or len(words) > 6:
        return Resolution("confirm", hits[0].code, hits=tuple(hits[: MAX_BUTTONS - 1]))
    return Resolution("no_match", hits=tuple(hits))


def _follow_up(current_code: str | None, strict: bool) -> Resolution:
    if current_code and not strict:
        return Resolution("answer", current_code)
    return Resolution("need_procedure")


# --------------------------------------------------------------------------- replying


def answer_aspect(session: Session, aspect: str, resolution: Resolution) -> Reply:
    """The reply to a question about ``aspect`` once the procedure is resolved (or not)."""
    reply = Reply()
    settings = get_settings()
    if resolution.outcome == "answer" and resolution.code:
        try:
            card = get_procedure(session, resolution.code)
        except (NotFoundError, InvalidInputError):
            reply.say(text=NO_MATCH.format(hotline=settings.hotline), buttons=[HUMAN_BUTTON])
            return reply
        _answer_card(session, card, aspect, reply)
        reply.events += [
            SlotSet(PROCEDURE_CODE_SLOT, card.code),
            SlotSet(CANDIDATES_SLOT, None),
            SlotSet(PENDING_ASPECT_SLOT, None),
        ]
    elif resolution.outcome == "choose":
        reply.say(
            text=CHOOSE_PROCEDURE,
            buttons=[_choice_button(hit, aspect) for hit in resolution.hits],
        )
        reply.events += _pending(aspect, [hit.code for hit in resolution.hits])
    elif resolution.outcome == "confirm" and resolution.code:
        top, *others = resolution.hits
        buttons = [{"title": "Đúng vậy", "payload": button_payload(aspect, top.code)}]
        buttons += [_choice_button(hit, aspect, prefix="Hay: ") for hit in others]
        buttons = buttons[: MAX_BUTTONS - 1] + [{"title": "Không phải", "payload": "/deny"}]
        reply.say(text=CONFIRM_PROCEDURE.format(name=top.name, code=top.code), buttons=buttons)
        reply.events += _pending(aspect, [top.code])
    elif resolution.outcome == "need_procedure":
        reply.say(text=ASK_PROCEDURE_NAME)
        reply.events += [SlotSet(PENDING_ASPECT_SLOT, aspect)]
    elif resolution.outcome == "invalid":
        reply.say(text=resolution.message)
    else:
        reply.say(text=NO_MATCH.format(hotline=settings.hotline), buttons=[HUMAN_BUTTON])
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
    level = f" ({hit.levels})" if hit.levels else ""
    return {"title": f"{prefix}{hit.name}{level}", "payload": button_payload(aspect, hit.code)}


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
    tracker: Tracker, aspect: str, *, strict: bool = False, confirm_weak: bool = False
) -> Reply:
    """Resolve the procedure of the latest message and answer ``aspect``; never raises.

    With ``strict`` (see ``resolve``), nothing is said unless the message names a procedure:
    the caller then answers in its own way.
    """
    text = tracker.latest_message.get("text") or ""
    try:
        with session_scope() as session:
            resolution = resolve(
                session,
                text,
                chosen_code=chosen_code(tracker),
                current_code=None if strict else tracker.get_slot(PROCEDURE_CODE_SLOT),
                strict=strict,
                confirm_weak=confirm_weak,
            )
            logger.info(
                "aspect=%s outcome=%s code=%s question=%r",
                aspect,
                resolution.outcome,
                resolution.code,
                mask_pii(text[:200]),
            )
            if strict and resolution.outcome not in ("answer", "choose", "confirm"):
                return Reply()
            return answer_aspect(session, aspect, resolution)
    except Exception:  # noqa: BLE001 - an action must answer, whatever went wrong
        logger.exception("answering %s failed", aspect)
        reply = Reply()
        reply.say(text=SERVICE_UNAVAILABLE.format(hotline=get_settings().hotline))
        return reply


class ActionAnswerAspect(Action):
    """Base of the aspect actions: resolve the procedure, answer one aspect of it."""

    aspect = "procedure"

    def name(self) -> str:
        """``action_answer_<aspect>``."""
        return ASPECTS[self.aspect].action

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        """Answer off the event loop (search and database are blocking)."""
        reply = await asyncio.to_thread(reply_to_question, tracker, self.aspect_asked(tracker))
        return reply.send(dispatcher)

    def aspect_asked(self, tracker: Tracker) -> str:
        """This action's aspect, or the pending one when the message only names the procedure."""
        # "mất bao lâu?" → "Bạn đang hỏi về thủ tục nào?" → "đăng ký khai sinh" (ask_procedure)
        pending = tracker.get_slot(PENDING_ASPECT_SLOT)
        if self.aspect == "procedure" and pending in ASPECTS:
            return str(pending)
        return self.aspect


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
            reply = await asyncio.to_thread(_answer_code, candidates[0], aspect)
            return reply.send(dispatcher)
        if candidates:
            dispatcher.utter_message(
                text=PICK_ONE,
                buttons=[
                    {"title": code, "payload": button_payload(aspect, code)}
                    for code in candidates[:MAX_BUTTONS]
                ],
            )
            return []
        dispatcher.utter_message(text=ANYTHING_ELSE)
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
                text=REPHRASE_PROCEDURE.format(hotline=get_settings().hotline),
                buttons=[HUMAN_BUTTON],
            )
            return [SlotSet(CANDIDATES_SLOT, None)]
        dispatcher.utter_message(text=ANYTHING_ELSE)
        return []


def _answer_code(code: str, aspect: str) -> Reply:
    try:
        with session_scope() as session:
            return answer_aspect(session, aspect, Resolution("answer", code))
    except Exception:  # noqa: BLE001 - an action must answer, whatever went wrong
        logger.exception("answering %s of %s failed", aspect, code)
        reply = Reply()
        reply.say(text=SERVICE_UNAVAILABLE.format(hotline=get_settings().hotline))
        return reply
