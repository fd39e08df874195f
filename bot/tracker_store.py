"""Rasa's tracker store: no dossier codes or phone digits at rest, a retention.

Registered in ``bot/endpoints.yml`` (``type: bot.tracker_store.ConfiguredTrackerStore``),
which picks the database from the settings: ``MaskingSQLTrackerStore`` (Rasa's
``SQLTrackerStore``) in PostgreSQL in the production topology (``tracker_db_url``), so every
Rasa process sees every conversation and a restart loses none; else in an SQLite database in
the process's memory (``make run``: a restart forgets the conversations, as Rasa's in-memory
store did). One store class, so the embedded default masks, forgets and bounds long
conversations exactly as production does:

* Once a lookup is over (the answer or the cancel action cleared both slots), every earlier
  event is stored masked: dossier codes lose their sequence digits, the citizen's replies to
  the code and digits questions lose every digit, the slot values become "***", and phone and
  ID numbers are masked everywhere. A lookup in progress keeps its slots (the form needs them
  on the next turn) until it ends, one or two turns later.
* A conversation whose last event is older than ``tracker_retention_hours`` is dropped.

Long conversations (SQL store): Rasa rebuilds the tracker from every event of the session on
each turn and sends all of them to the action server, so a 300-turn conversation grew slower
turn by turn. ``retrieve`` (Rasa's "latest session" read; ``retrieve_full_tracker`` still
reads everything) returns a window instead: the state at the window's start as the events
Rasa's own ``action_session_start`` writes to carry a session over (``SlotSet`` of every
slot that differs from its initial value, the ``ActiveLoop`` in progress, a pause), followed
by the last ``tracker_window_events`` events. Slots, the form and the last turns (all the
policies read: Memoization's max_history is 3) are what they were; only older events are left
out of what Rasa and the action server handle. ``save`` appends the events that follow the
window, and rewrites masked only the rows inside it.
"""

from __future__ import annotations

import json
import logging
import re
import time
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import (
    AwaitableTrackerStore,
    SQLTrackerStore,
    TrackerStore,
    create_engine_kwargs,
)
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActiveLoop,
    ConversationPaused,
    Event,
    LoopInterrupted,
    SlotSet,
)
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy.engine import make_url
from sqlalchemy.orm import sessionmaker
from sqlalchemy.pool import StaticPool

from bot import action_http, action_validation
from knowledge.config import get_settings
from knowledge.logs import mask_text
from knowledge.text.entities import mask_pii

logger = logging.getLogger(__name__)

SECRET_SLOTS = ("dossier_code", "phone_last4")
MASK = "***"
# Events older than the window that change the tracker's state (slots, form, pause, reset);
# user, bot and action events before the window only mattered to the turns they were in.
STATE_EVENTS = (
    "slot",
    "active_loop",
    "loop_interrupted",
    "reset_slots",
    "restart",
    "session_started",
    "pause",
    "resume",
)
# The embedded default (``make run``, no ``tracker_db_url``): SQLite in the process's memory.
IN_MEMORY = "sqlite:///:memory:"
# Attribute of a windowed tracker: (its last stored event, how many stored events it holds).
_STORED = "_tthc_stored"


def _lookup_end(events: list[dict[str, Any]]) -> int:
    """Index of the last place both secret slots were cleared together (0 when none)."""
    for index in range(len(events) - 2, -1, -1):
        first, second = events[index], events[index + 1]
        if (
            first.get("event") == "slot"
            and second.get("event") == "slot"
            and first.get("name") == SECRET_SLOTS[0]
            and second.get("name") == SECRET_SLOTS[1]
            and first.get("value") is None
            and second.get("value") is None
        ):
            return index
    return 0


# Every save masks the whole conversation again, and a bot answer can run to thousands of
# characters (papers, fees): the masked form of a text already seen is remembered.
MASKED_TEXTS = 1024


@lru_cache(maxsize=MASKED_TEXTS)
def _masked_pii(text: str) -> str:
    return mask_pii(text)


def _mask_user_text(text: Any, asked: str | None) -> Any:
    if not isinstance(text, str):
        return text
    text = mask_text(text)
    return re.sub(r"\d", "*", text) if asked in SECRET_SLOTS else text


def mask_events(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``events`` (serialised) with the codes and digits of finished lookups masked."""
    end = _lookup_end(events)
    asked: str | None = None
    for event in events[:end]:
        kind = event.get("event")
        if kind == "slot":
            if event.get("name") == "requested_slot":
                asked = event.get("value")
            elif event.get("name") in SECRET_SLOTS and event.get("value") is not None:
                event["value"] = MASK
        elif kind == "user":
            event["text"] = _mask_user_text(event.get("text"), asked)
            parse = event.get("parse_data") or {}
            if "text" in parse:
                parse["text"] = _mask_user_text(parse["text"], asked)
            for entity in parse.get("entities") or []:
                if entity.get("entity") in (*SECRET_SLOTS, "phone", "id_number"):
                    entity["value"] = MASK
        elif kind == "bot" and isinstance(event.get("text"), str):
            event["text"] = mask_text(event["text"])
    for event in events[end:]:
        if event.get("event") in ("user", "bot") and isinstance(event.get("text"), str):
            event["text"] = _masked_pii(event["text"])
        parse = event.get("parse_data") or {}
        if isinstance(parse.get("text"), str):
            parse["text"] = _masked_pii(parse["text"])
    return events


class MaskingSQLTrackerStore(SQLTrackerStore):
    """Rasa's ``SQLTrackerStore`` storing masked events and deleting old conversations.

    Rasa's store only appends the events it has not stored yet; once a lookup ends, the
    rows written while it was in progress (the code and the digits, needed by the form until
    then) are rewritten masked, in the same transaction as the new events.
    """

    def __init__(
        self,
        *args: Any,
        retention_hours: float | None = None,
        window_events: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        settings = get_settings()
        if retention_hours is None:
            retention_hours = settings.tracker_retention_hours
        self.retention_seconds = 3600.0 * float(retention_hours)
        self.window_events = int(window_events or settings.tracker_window_events)
        self.expired_at = 0.0
        if self.engine.dialect.name == "sqlite" and self.engine.url.database == ":memory:":
            # One connection shared by every thread: with SQLAlchemy's default pool for an
            # in-memory database, each thread would open (and see) its own empty database.
            self.engine.dispose()
            self.engine = sa.create_engine(
                "sqlite://", poolclass=StaticPool, connect_args={"check_same_thread": False}
            )
            self.Base.metadata.create_all(self.engine)
            self.sessionmaker = sessionmaker(bind=self.engine)
        elif self.engine.dialect.name != "sqlite":
            # Rasa's engine has no pre-ping: after PostgreSQL restarts, every pooled
            # connection would fail one turn before being replaced. Same engine, pinged.
            url = self.engine.url
            self.engine.dispose()
            self.engine = sa.create_engine(url, pool_pre_ping=True, **create_engine_kwargs(url))
            self.sessionmaker = sessionmaker(bind=self.engine)

    @classmethod
    def from_url(
        cls,
        url: str,
        domain: Domain | None = None,
        event_broker: EventBroker | None = None,
        **kwargs: Any,
    ) -> MaskingSQLTrackerStore:
        """The store in the database at the SQLAlchemy ``url``."""
        parsed = make_url(url)
        return cls(
            domain=domain,
            dialect=parsed.drivername,
            host=parsed.host,
            port=parsed.port,
            db=parsed.database or "rasa.db",
            username=parsed.username,
            password=parsed.password,
            event_broker=event_broker,
            query=dict(parsed.query) or None,
            **kwargs,
        )

    async def _retrieve(
        self, sender_id: str, fetch_events_from_all_sessions: bool
    ) -> DialogueStateTracker | None:
        """The latest session's tracker windowed (see the module); the full one when asked."""
        if fetch_events_from_all_sessions:
            return await super()._retrieve(sender_id, fetch_events_from_all_sessions)
        table = self.SQLEvent
        with self.session_scope() as session:
            query = self._event_query(session, sender_id, fetch_events_from_all_sessions=False)
            tail = query.order_by(None).order_by(table.id.desc()).limit(self.window_events).all()
            if not tail or not self.domain:
                return None
            tail.reverse()
            earlier = (
                query.filter(table.id < tail[0].id, table.type_name.in_(STATE_EVENTS)).all()
                if len(tail) == self.window_events
                else []
            )
            window = [json.loads(row.data) for row in tail]
            state = [json.loads(row.data) for row in earlier]
        carried = self._carried_over(sender_id, state, window[0].get("timestamp"))
        tracker = DialogueStateTracker.from_dict(
            sender_id, [*(e.as_dict() for e in carried), *window], self.domain.slots
        )
        setattr(tracker, _STORED, (tracker.events[-1], len(window)))
        return tracker

    def _carried_over(
        self, sender_id: str, state: list[dict[str, Any]], timestamp: float | None
    ) -> list[Event]:
        """The events that set the state of ``state``'s replay: slots, form, pause."""
        if not state:
            return []
        before = DialogueStateTracker.from_dict(sender_id, state, self.domain.slots)
        carried: list[Event] = [
            SlotSet(slot.name, slot.value, timestamp=timestamp)
            for slot in before.slots.values()
            if slot.value != slot.initial_value
        ]
        if before.active_loop_name:
            carried.append(ActiveLoop(before.active_loop_name, timestamp=timestamp))
            if before.active_loop and before.active_loop.is_interrupted:
                carried.append(LoopInterrupted(True, timestamp=timestamp))
        if before.is_paused():
            carried.append(ConversationPaused(timestamp=timestamp))
        return carried

    def _window_rows(self, session: Any, tracker: DialogueStateTracker) -> tuple[list[Any], int]:
        """The stored rows ``tracker`` holds, and where they start among its events."""
        events = list(tracker.events)
        stored = getattr(tracker, _STORED, None)
        if stored is None:  # not retrieved through this store: every stored row
            rows = self._event_query(
                session, tracker.sender_id, fetch_events_from_all_sessions=False
            ).all()
            return rows, 0
        position = self._stored_up_to(tracker, events)
        if position == -1:
            return [], 0  # a new conversation: nothing stored before
        if position is not None:
            rows = (
                self._event_query(session, tracker.sender_id, False)
                .order_by(None)
                .order_by(self.SQLEvent.id.desc())
                .limit(stored[1])
                .all()
            )
            rows.reverse()
            return rows, position + 1 - len(rows)
        logger.warning("tracker window overrun: saving the events after the last stored one")
        newest = (
            self._event_query(session, tracker.sender_id, False)
            .order_by(None)
            .order_by(self.SQLEvent.id.desc())
            .first()
        )
        after = sum(1 for e in events if newest is None or e.timestamp > newest.timestamp)
        return [], len(events) - after

    def _row(self, sender_id: str, event: Event, data: dict[str, Any]) -> Any:
        """The table row of ``event``, its masked serialisation ``data``."""
        return self.SQLEvent(
            sender_id=sender_id,
            type_name=event.type_name,
            timestamp=data.get("timestamp"),
            intent_name=(data.get("parse_data") or {}).get("intent", {}).get("name"),
            action_name=data.get("name"),
            data=json.dumps(data),
        )

    @staticmethod
    def _stored_up_to(tracker: DialogueStateTracker, events: list[Event]) -> int | None:
        """Index in ``events`` of the last event this store holds already (None: unknown, -1:
        none, the tracker of a new conversation saved empty)."""
        stored = getattr(tracker, _STORED, None)
        if stored is None:
            return None
        last = stored[0]
        if last is None:
            return -1
        return next((i for i in range(len(events) - 1, -1, -1) if events[i] is last), None)

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Append the new events masked; mask the stored rows of a lookup that just ended."""
        await self.stream_events(tracker)
        events = list(tracker.events)
        if self._append_only(tracker, events):
            return
        serialised = [event.as_dict() for event in events]
        masked = mask_events(json.loads(json.dumps(serialised)))
        with self.session_scope() as session:
            rows, first = self._window_rows(session, tracker)
            for row, data in zip(rows, masked[first:], strict=False):
                text = json.dumps(data)
                if row.data != text:
                    row.data = text
            start = first + len(rows)
            for event, data in zip(events[start:], masked[start:], strict=True):
                session.add(self._row(tracker.sender_id, event, data))
            session.commit()
        if events:
            setattr(tracker, _STORED, (events[-1], len(events) - first))
        elif not rows:  # a new conversation (Rasa saves it empty first): nothing stored yet
            setattr(tracker, _STORED, (None, 0))
        self.expire()

    def _append_only(self, tracker: DialogueStateTracker, events: list[Event]) -> bool:
        """Save by appending the new events alone, when no stored row can change.

        A stored row changes only when a lookup ends after it: ``save`` then masks the rows
        before that end. When the last lookup end (both slots cleared) is already stored, or
        there is none, the stored rows are what masking them again would give, so reading
        them back (the window, up to ``tracker_window_events`` rows) and serialising every
        event to compare is skipped: Rasa saves twice a turn, and this was most of its cost.

        Returns:
            Whether the events were saved; False leaves the work to the full ``save``.
        """
        position = self._stored_up_to(tracker, events)
        if position is None:
            return False
        slots = [
            {"event": e.type_name, "name": getattr(e, "key", None), "value": getattr(e, "value", 0)}
            for e in events
        ]
        end = _lookup_end(slots)
        if end and end + 1 > position:
            return False  # a lookup ends in the new events: the full save masks what it must
        new = events[position + 1 :]
        if new:
            masked = mask_events(json.loads(json.dumps([event.as_dict() for event in new])))
            with self.session_scope() as session:
                for event, data in zip(new, masked, strict=True):
                    session.add(self._row(tracker.sender_id, event, data))
                session.commit()
            _, count = getattr(tracker, _STORED)
            setattr(tracker, _STORED, (events[-1], count + len(new)))
        self.expire()
        return True

    def expire(self, now: float | None = None) -> int:
        """Delete conversations idle for longer than the retention (at most once a minute).

        Returns:
            The number of event rows deleted.
        """
        now = now or time.time()
        if now - self.expired_at < 60.0:
            return 0
        self.expired_at = now
        events = self.SQLEvent.__table__
        idle = (
            sa.select(events.c.sender_id)
            .group_by(events.c.sender_id)
            .having(sa.func.max(events.c.timestamp) < now - self.retention_seconds)
        )
        with self.session_scope() as session:
            result = session.execute(events.delete().where(events.c.sender_id.in_(idle)))
            session.commit()
            return int(result.rowcount or 0)


class ConfiguredTrackerStore(AwaitableTrackerStore):
    """The tracker store the settings select, wrapped the way Rasa wraps its own.

    ``MaskingSQLTrackerStore`` in the ``tracker_db_url`` database, or in SQLite in memory
    when it is empty. endpoints.yml cannot choose by itself: Rasa 3.6 refuses to start when a
    ``${VAR}`` it names is unset.
    """

    def __init__(
        self,
        host: str | None = None,
        domain: Domain | None = None,
        event_broker: EventBroker | None = None,
        **kwargs: Any,
    ) -> None:
        action_validation.install()  # Rasa builds its tracker store once, before any turn
        action_http.install()
        url = get_settings().tracker_db_url or IN_MEMORY
        super().__init__(MaskingSQLTrackerStore.from_url(url, domain, event_broker, **kwargs))

    @property
    def inner(self) -> TrackerStore:
        """The store in use."""
        return self._tracker_store
