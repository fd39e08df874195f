"""Rasa's tracker store: no dossier codes or phone digits at rest, a retention.

Registered in ``bot/endpoints.yml`` (``type: bot.tracker_store.ConfiguredTrackerStore``),
which picks the store from the settings: ``MaskingSQLTrackerStore`` (Rasa's
``SQLTrackerStore``, PostgreSQL in the production topology, so every Rasa process sees every
conversation and a restart loses none) when ``tracker_db_url`` is set, else
``MaskingTrackerStore`` in the process's memory (``make run``). Both store the same masked
events:

* Once a lookup is over (the answer or the cancel action cleared both slots), every earlier
  event is stored masked: dossier codes lose their sequence digits, the citizen's replies to
  the code and digits questions lose every digit, the slot values become "***", and phone and
  ID numbers are masked everywhere. A lookup in progress keeps its slots (the form needs them
  on the next turn) until it ends, one or two turns later.
* A conversation whose last event is older than ``tracker_retention_hours`` is dropped.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import (
    AwaitableTrackerStore,
    InMemoryTrackerStore,
    SQLTrackerStore,
    TrackerStore,
)
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy.engine import make_url

from knowledge.config import get_settings
from knowledge.logs import mask_text
from knowledge.text.entities import mask_pii

SECRET_SLOTS = ("dossier_code", "phone_last4")
MASK = "***"


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
            event["text"] = mask_pii(event["text"])
        parse = event.get("parse_data") or {}
        if isinstance(parse.get("text"), str):
            parse["text"] = mask_pii(parse["text"])
    return events


class MaskingTrackerStore(InMemoryTrackerStore):
    """``InMemoryTrackerStore`` that stores masked events and forgets old conversations."""

    def __init__(self, *args: Any, retention_hours: float | None = None, **kwargs: Any) -> None:
        kwargs.pop("host", None)
        super().__init__(*args, **kwargs)
        if retention_hours is None:
            retention_hours = get_settings().tracker_retention_hours
        self.retention_seconds = 3600.0 * float(retention_hours)
        self.last_seen: dict[str, float] = {}

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Store the tracker with finished lookups masked; drop expired conversations."""
        await self.stream_events(tracker)
        dialogue = json.loads(self.serialise_tracker(tracker))
        dialogue["events"] = mask_events(dialogue.get("events") or [])
        self.store[tracker.sender_id] = json.dumps(dialogue)
        self.last_seen[tracker.sender_id] = time.time()
        self.expire()

    def expire(self, now: float | None = None) -> list[str]:
        """Forget conversations idle for longer than the retention; return their ids."""
        limit = (now or time.time()) - self.retention_seconds
        gone = [sender for sender, seen in self.last_seen.items() if seen < limit]
        for sender in gone:
            self.store.pop(sender, None)
            self.last_seen.pop(sender, None)
        return gone

    async def retrieve(self, sender_id: str) -> DialogueStateTracker | None:
        """The tracker of ``sender_id`` unless it expired."""
        self.expire()
        return await super().retrieve(sender_id)

    async def keys(self) -> Iterable[str]:
        """Ids of the conversations kept."""
        self.expire()
        return list(self.store.keys())


class MaskingSQLTrackerStore(SQLTrackerStore):
    """Rasa's ``SQLTrackerStore`` storing masked events and deleting old conversations.

    Rasa's store only appends the events it has not stored yet; once a lookup ends, the
    rows written while it was in progress (the code and the digits, needed by the form until
    then) are rewritten masked, in the same transaction as the new events.
    """

    def __init__(self, *args: Any, retention_hours: float | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if retention_hours is None:
            retention_hours = get_settings().tracker_retention_hours
        self.retention_seconds = 3600.0 * float(retention_hours)
        self.expired_at = 0.0

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

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Append the new events masked; mask the stored rows of a lookup that just ended."""
        await self.stream_events(tracker)
        events = list(tracker.events)
        serialised = [event.as_dict() for event in events]
        masked = mask_events(json.loads(json.dumps(serialised)))
        with self.session_scope() as session:
            rows = self._event_query(
                session, tracker.sender_id, fetch_events_from_all_sessions=False
            ).all()
            for row, data in zip(rows, masked, strict=False):
                text = json.dumps(data)
                if row.data != text:
                    row.data = text
            for event, data in zip(events[len(rows) :], masked[len(rows) :], strict=True):
                intent = (data.get("parse_data") or {}).get("intent", {}).get("name")
                session.add(
                    self.SQLEvent(
                        sender_id=tracker.sender_id,
                        type_name=event.type_name,
                        timestamp=data.get("timestamp"),
                        intent_name=intent,
                        action_name=data.get("name"),
                        data=json.dumps(data),
                    )
                )
            session.commit()
        self.expire()

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

    ``tracker_db_url`` set: ``MaskingSQLTrackerStore`` in that database; empty:
    ``MaskingTrackerStore`` in memory. endpoints.yml cannot choose by itself: Rasa 3.6 refuses
    to start when a ``${VAR}`` it names is unset.
    """

    def __init__(
        self,
        host: str | None = None,
        domain: Domain | None = None,
        event_broker: EventBroker | None = None,
        **kwargs: Any,
    ) -> None:
        url = get_settings().tracker_db_url
        store: TrackerStore
        if url:
            store = MaskingSQLTrackerStore.from_url(url, domain, event_broker, **kwargs)
        else:
            store = MaskingTrackerStore(domain, event_broker, **kwargs)
        super().__init__(store)

    @property
    def inner(self) -> TrackerStore:
        """The store in use."""
        return self._tracker_store
