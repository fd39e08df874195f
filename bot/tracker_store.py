"""Rasa's in-memory tracker store: no dossier codes or phone digits at rest, a retention.

Registered in ``bot/endpoints.yml`` (``type: bot.tracker_store.MaskingTrackerStore``).

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

from rasa.core.tracker_store import InMemoryTrackerStore
from rasa.shared.core.trackers import DialogueStateTracker

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
