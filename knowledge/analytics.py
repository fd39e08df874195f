"""Figures for the admins' dashboard, from what the database records today.

The catalog by status, the admins' changes per day (audit log), the decisions by state, the
admins' citizen words, the citizens' dossier lookups through the bot per day (with the
share that failed), and from the chat gateway's tables: conversations and questions per
day, the most cited procedures, 👍/👎 and 1–5 ratings, handoffs with their waiting times
and callbacks, and the share of bot answers that were direct (no menu of buttons); and the
questions the bot could not answer or answered with low confidence (the actions mark such
answers, see ``knowledge.enums.AnswerQuality``), grouped by similarity of their sentence
vectors (the search's multilingual-e5-small encoder, agglomerative clustering on the cosine
distance).
"""

from __future__ import annotations

import csv
import io
import logging
from collections import Counter
from datetime import date, datetime, timedelta
from functools import lru_cache

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from knowledge.chat.models import ChatFeedback, ChatMessage, ChatSession, Handoff
from knowledge.clock import local_today
from knowledge.config import get_settings
from knowledge.enums import AnswerQuality, ProcedureStatus
from knowledge.errors import InvalidInputError, KnowledgeError
from knowledge.models import (
    CatalogChange,
    Decision,
    DecisionState,
    LexiconWord,
    LookupAttempt,
    Procedure,
)

logger = logging.getLogger(__name__)

MAX_DAYS = 366
# The newest questions behind unanswered or unsure answers that are grouped, and the distinct
# wordings among them that are encoded (the most frequent): 25-30 ms a wording on this
# 2-core machine while shared (measured 2026-12-01), so at most about 6 s for a first load;
# vectors are cached per process, so a reload encodes only new wordings.
MAX_GAP_QUESTIONS = 400
MAX_WORDINGS = 200
MAX_GROUPS = 20
SAMPLES = 5
# Cosine distance under which two questions join a group (average linkage). e5's cosines
# between unrelated Vietnamese questions sit around 0.75-0.82, between rewordings of one
# question above 0.88.
GROUP_DISTANCE = 0.12
MAX_TERM_CHARS = 100  # as the lexicon's (knowledge.catalog.live)


class DayCount(BaseModel):
    """A count on one day."""

    day: date
    count: int


class LookupDay(BaseModel):
    """Dossier lookups through the bot on one day."""

    day: date
    lookups: int
    failed: int


class ChatDay(BaseModel):
    """The chat gateway's figures on one day."""

    day: date
    conversations: int
    questions: int
    thumbs_up: int
    thumbs_down: int
    ratings: int
    rating_mean: float | None
    handoffs: int
    callbacks: int
    wait_seconds_mean: float | None = None  # handoffs claimed that day: queue to agent


class QuestionGroup(BaseModel):
    """Similar questions the bot could not answer or was unsure of, with a suggested fix."""

    count: int
    unanswered: int
    low_confidence: int
    samples: list[str]  # the most frequent wordings first
    term: str  # a citizen word to add, from the most frequent wording
    procedure_code: str | None  # the likeliest procedure by search, to confirm
    procedure_name: str | None


class CitedProcedure(BaseModel):
    """A procedure the bot's answers cited, with how often."""

    code: str
    name: str
    answers: int


class AnalyticsSummary(BaseModel):
    """The dashboard's figures for a day range."""

    since: date
    until: date
    procedures_by_status: dict[str, int]
    decisions_by_state: dict[str, int]
    lexicon_words: int
    changes_per_day: list[DayCount]
    lookups_per_day: list[LookupDay]
    chat_per_day: list[ChatDay]
    most_cited_procedures: list[CitedProcedure]
    direct_answer_share: float | None  # bot answers citing a procedure without a menu
    direct_answers: int = 0
    menu_answers: int = 0
    handoff_wait_seconds_mean: float | None
    unanswered_questions: int = 0
    low_confidence_questions: int = 0
    question_groups: list[QuestionGroup] = []


def summary(
    session: Session, since: date | None = None, until: date | None = None
) -> AnalyticsSummary:
    """The figures between ``since`` and ``until`` (default: the last 30 days, today included).

    Raises:
        InvalidInputError: ``since`` after ``until`` or a range over a year.
    """
    until = until or local_today()
    since = since or until - timedelta(days=29)
    if since > until:
        raise InvalidInputError("Ngày bắt đầu phải trước hoặc bằng ngày kết thúc.")
    if (until - since).days >= MAX_DAYS:
        raise InvalidInputError(f"Khoảng thời gian tối đa {MAX_DAYS} ngày.")
    start = datetime.combine(since, datetime.min.time())
    end = datetime.combine(until + timedelta(days=1), datetime.min.time())
    by_status = {s.value: 0 for s in ProcedureStatus}
    for status, count in session.execute(
        select(Procedure.status, func.count(Procedure.id)).group_by(Procedure.status)
    ):
        by_status[getattr(status, "value", status)] = count
    by_state = {s.value: 0 for s in DecisionState if s is not DecisionState.published}
    for state, count in session.execute(
        select(Decision.state, func.count(Decision.id))
        .where(Decision.state != DecisionState.published)
        .group_by(Decision.state)
    ):
        by_state[getattr(state, "value", state)] = count
    changes: dict[date, int] = {}
    for (at,) in session.execute(
        select(CatalogChange.at).where(CatalogChange.at >= start, CatalogChange.at < end)
    ):
        changes[at.date()] = changes.get(at.date(), 0) + 1
    lookups: dict[date, list[int]] = {}
    for at, succeeded in session.execute(
        select(LookupAttempt.at, LookupAttempt.succeeded).where(
            LookupAttempt.at >= start, LookupAttempt.at < end
        )
    ):
        row = lookups.setdefault(at.date(), [0, 0])
        row[0] += 1
        row[1] += 0 if succeeded else 1
    days = [since + timedelta(days=i) for i in range((until - since).days + 1)]
    zero = {"conversations": 0, "questions": 0, "thumbs_up": 0, "thumbs_down": 0, "ratings": 0}
    chat = {d: ChatDay(day=d, rating_mean=None, handoffs=0, callbacks=0, **zero) for d in days}
    for (at,) in session.execute(
        select(ChatSession.created_at).where(
            ChatSession.created_at >= start, ChatSession.created_at < end
        )
    ):
        chat[at.date()].conversations += 1
    cited: dict[str, int] = {}
    direct = menus = 0
    for role, at, codes, buttons in session.execute(
        select(
            ChatMessage.role,
            ChatMessage.created_at,
            ChatMessage.procedure_codes,
            ChatMessage.buttons,
        ).where(ChatMessage.created_at >= start, ChatMessage.created_at < end)
    ):
        if role == "user":
            chat[at.date()].questions += 1
        elif role == "bot":
            for code in filter(None, (codes or "").split(",")):
                cited[code] = cited.get(code, 0) + 1
            if codes and (buttons or "[]") == "[]":
                direct += 1
            elif (buttons or "[]") != "[]":
                menus += 1
    rating_sums: dict[date, int] = {}
    for kind, value, at in session.execute(
        select(ChatFeedback.kind, ChatFeedback.value, ChatFeedback.created_at).where(
            ChatFeedback.created_at >= start, ChatFeedback.created_at < end
        )
    ):
        on_day = chat[at.date()]
        if kind == "thumb":
            on_day.thumbs_up += value > 0
            on_day.thumbs_down += value < 0
        else:
            on_day.ratings += 1
            rating_sums[at.date()] = rating_sums.get(at.date(), 0) + value
    for d, total in rating_sums.items():
        chat[d].rating_mean = round(total / chat[d].ratings, 2)
    waits: list[float] = []
    day_waits: dict[date, list[float]] = {}
    for status, created, claimed in session.execute(
        select(Handoff.status, Handoff.created_at, Handoff.claimed_at).where(
            Handoff.created_at >= start, Handoff.created_at < end
        )
    ):
        chat[created.date()].handoffs += 1
        chat[created.date()].callbacks += status == "callback"
        if claimed is not None:
            waits.append((claimed - created).total_seconds())
            day_waits.setdefault(created.date(), []).append(waits[-1])
    for d, values in day_waits.items():
        chat[d].wait_seconds_mean = round(sum(values) / len(values), 1)
    top = sorted(cited.items(), key=lambda item: (-item[1], item[0]))[:10]
    names = dict(
        session.execute(
            select(Procedure.code, Procedure.name).where(Procedure.code.in_([c for c, _ in top]))
        ).all()
    )
    gaps = gap_questions(session, start, end)
    return AnalyticsSummary(
        since=since,
        until=until,
        procedures_by_status=by_status,
        decisions_by_state=by_state,
        lexicon_words=session.scalar(select(func.count(LexiconWord.id))) or 0,
        changes_per_day=[DayCount(day=d, count=changes.get(d, 0)) for d in days],
        lookups_per_day=[
            LookupDay(day=d, lookups=lookups.get(d, [0, 0])[0], failed=lookups.get(d, [0, 0])[1])
            for d in days
        ],
        chat_per_day=[chat[d] for d in days],
        most_cited_procedures=[
            CitedProcedure(code=code, name=names.get(code, ""), answers=count)
            for code, count in top
        ],
        direct_answer_share=round(direct / (direct + menus), 4) if direct + menus else None,
        direct_answers=direct,
        menu_answers=menus,
        handoff_wait_seconds_mean=round(sum(waits) / len(waits), 1) if waits else None,
        unanswered_questions=sum(q == AnswerQuality.unanswered for _, q in gaps),
        low_confidence_questions=sum(q == AnswerQuality.low_confidence for _, q in gaps),
        question_groups=group_questions(session, gaps),
    )


def gap_questions(
    session: Session, start: datetime, end: datetime
) -> list[tuple[str, AnswerQuality]]:
    """The citizens' questions (masked) the bot answered as unanswered or unsure, newest first.

    The question is the conversation's last user message before the marked bot message.
    """
    user = aliased(ChatMessage)
    asked = (
        select(func.max(user.id))
        .where(user.session_id == ChatMessage.session_id, user.role == "user")
        .where(user.id < ChatMessage.id)
        .scalar_subquery()
    )
    marked = session.execute(
        select(asked, ChatMessage.event)
        .where(ChatMessage.role == "bot", ChatMessage.event.in_([q.value for q in AnswerQuality]))
        .where(ChatMessage.created_at >= start, ChatMessage.created_at < end)
        .order_by(ChatMessage.id.desc())
        .limit(MAX_GAP_QUESTIONS)
    ).all()
    quality = {question_id: AnswerQuality(event) for question_id, event in marked if question_id}
    texts = dict(
        session.execute(
            select(ChatMessage.id, ChatMessage.text).where(ChatMessage.id.in_(list(quality)))
        ).all()
    )
    return [(texts[i], quality[i]) for i in sorted(quality, reverse=True) if texts.get(i)]


def group_questions(
    session: Session, questions: list[tuple[str, AnswerQuality]]
) -> list[QuestionGroup]:
    """Similar ``questions`` grouped, the largest groups first (at most ``MAX_GROUPS``).

    Wordings are compared by their e5 sentence vectors (agglomerative clustering, average
    linkage on the cosine distance); with semantic search turned off, by their folded text.
    """
    from knowledge.text import fold_accents

    wordings = Counter(" ".join(text.split()) for text, _ in questions)
    if not wordings:
        return []
    distinct = [w for w, _ in wordings.most_common(MAX_WORDINGS)]
    kept = set(distinct)
    questions = [(text, q) for text, q in questions if " ".join(text.split()) in kept]
    labels = _cluster(distinct)
    if labels is None:  # no encoder: the same words, with or without diacritics
        keys = {
            key: n for n, key in enumerate(dict.fromkeys(fold_accents(w.lower()) for w in distinct))
        }
        labels = [keys[fold_accents(w.lower())] for w in distinct]
    by_wording = {w: [q for text, q in questions if " ".join(text.split()) == w] for w in distinct}
    members: dict[int, list[str]] = {}
    for wording, label in zip(distinct, labels, strict=True):
        members.setdefault(int(label), []).append(wording)
    ranked = []
    for group in members.values():
        group.sort(key=lambda w: (-wordings[w], w))
        ranked.append((group, [q for w in group for q in by_wording[w]]))
    ranked.sort(key=lambda item: (-len(item[1]), item[0][0]))
    groups = []
    for group, qualities in ranked[:MAX_GROUPS]:  # a search each: only for the groups shown
        code, name = _likely_procedure(session, group[0])
        groups.append(
            QuestionGroup(
                count=len(qualities),
                unanswered=sum(q == AnswerQuality.unanswered for q in qualities),
                low_confidence=sum(q == AnswerQuality.low_confidence for q in qualities),
                samples=group[:SAMPLES],
                term=_group_term(group, wordings),
                procedure_code=code,
                procedure_name=name,
            )
        )
    return groups


def _group_term(group: list[str], wordings: Counter[str]) -> str:
    """The citizen word most of the group's questions suggest (the shortest on a tie)."""
    terms: Counter[str] = Counter()
    for wording in group:
        terms[suggested_term(wording)] += wordings[wording]
    return min(terms, key=lambda term: (-terms[term], len(term), term))


def _cluster(wordings: list[str]) -> list[int] | None:
    """Cluster labels of ``wordings`` by sentence vectors; None when semantic search is off."""
    if not get_settings().semantic_search:
        return None
    if len(wordings) == 1:
        return [0]
    from sklearn.cluster import AgglomerativeClustering

    vectors = np.stack([_question_vector(w) for w in wordings])
    # scikit-learn 1.1 (Rasa's pin) names the metric ``affinity``.
    clustering = AgglomerativeClustering(
        n_clusters=None, affinity="cosine", linkage="average", distance_threshold=GROUP_DISTANCE
    )
    return [int(label) for label in clustering.fit_predict(vectors)]


@lru_cache(maxsize=4096)
def _question_vector(text: str) -> npt.NDArray[np.float32]:
    from knowledge.search.embeddings import get_encoder

    return get_encoder().query(text)


def suggested_term(question: str) -> str:
    """``question`` without its leading and trailing question words, as a citizen word to add.

    One phrase of the question-word table goes from each end ("ở đâu", "làm"); the words
    between stay, since a citizen word may hold such words ("giấy ở nhờ"). The admin edits it.

    Example:
        >>> suggested_term("Làm giấy ở nhờ ở đâu?")
        'giấy ở nhờ'
    """
    from knowledge.search.resolve import question_phrases, same_word
    from knowledge.text import fold_accents

    phrases, longest = question_phrases()
    words = "".join(c if c.isalnum() else " " for c in question.lower()).split()

    def is_phrase(part: list[str]) -> bool:
        known = phrases.get(tuple(fold_accents(w) for w in part), [])
        return any(all(map(same_word, part, phrase)) for phrase in known)

    end = next((n for n in range(min(longest, len(words) - 1), 0, -1) if is_phrase(words[-n:])), 0)
    words = words[: len(words) - end]
    start = next((n for n in range(min(longest, len(words) - 1), 0, -1) if is_phrase(words[:n])), 0)
    return " ".join(words[start:])[:MAX_TERM_CHARS].strip()


def _likely_procedure(session: Session, question: str) -> tuple[str | None, str | None]:
    from knowledge.search.service import search_procedures

    try:
        hits = search_procedures(session, question, limit=1)
    except KnowledgeError as exc:  # an over-long question, an index that cannot be built
        logger.info("no suggestion for a question group: %s", exc)
        return None, None
    return (hits[0].code, hits[0].name) if hits else (None, None)


def summary_csv(figures: AnalyticsSummary) -> str:
    """The per-day figures as CSV (open data export), one row per day."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(
        ["ngay", "thay_doi_danh_muc", "tra_cuu_ho_so", "tra_cuu_that_bai", "cuoc_tro_chuyen",
         "cau_hoi", "thich", "khong_thich", "so_danh_gia", "diem_trung_binh", "chuyen_can_bo",
         "hen_goi_lai", "cho_trung_binh_giay"]
    )  # fmt: skip
    rows = zip(figures.changes_per_day, figures.lookups_per_day, figures.chat_per_day, strict=True)
    for change, lookup, chat in rows:
        writer.writerow(
            [change.day.isoformat(), change.count, lookup.lookups, lookup.failed,
             chat.conversations, chat.questions, chat.thumbs_up, chat.thumbs_down, chat.ratings,
             "" if chat.rating_mean is None else chat.rating_mean, chat.handoffs, chat.callbacks,
             "" if chat.wait_seconds_mean is None else chat.wait_seconds_mean]
        )  # fmt: skip
    return buffer.getvalue()
