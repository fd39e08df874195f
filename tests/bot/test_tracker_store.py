"""The tracker store keeps no dossier code or phone digits of a finished lookup, and forgets."""

from __future__ import annotations

import asyncio
import json

from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.tracker_store import MaskingTrackerStore, mask_events

CODE = "000.00.12.H48-251120-0001"


def _lookup_events(finished: bool) -> list:
    events = [
        UserUttered("tra cứu hồ sơ", intent={"name": "ask_dossier_status"}),
        SlotSet("requested_slot", "dossier_code"),
        UserUttered(f"mã {CODE}", entities=[{"entity": "dossier_code", "value": CODE}]),
        SlotSet("dossier_code", CODE),
        SlotSet("requested_slot", "phone_last4"),
        UserUttered("5678, sđt cũ 0912345678"),
        SlotSet("phone_last4", "5678"),
        SlotSet("requested_slot", None),
    ]
    if finished:
        events += [
            ActionExecuted("action_answer_dossier_status"),
            BotUttered(f"Hồ sơ {CODE} — Thủ tục đăng ký khai sinh"),
            SlotSet("dossier_code", None),
            SlotSet("phone_last4", None),
        ]
    return events


def _stored(store: MaskingTrackerStore, sender: str) -> str:
    return store.store[sender]


def test_a_finished_lookup_is_stored_without_code_or_digits() -> None:
    store = MaskingTrackerStore(Domain.empty())
    tracker = DialogueStateTracker.from_events("c1", _lookup_events(finished=True))
    asyncio.run(store.save(tracker))
    text = _stored(store, "c1")
    for secret in (CODE, "5678", "0912345678", "251120-0001"):
        assert secret not in text
    assert asyncio.run(store.retrieve("c1")) is not None


def test_a_lookup_in_progress_keeps_its_code_but_not_phone_numbers() -> None:
    store = MaskingTrackerStore(Domain.empty())
    tracker = DialogueStateTracker.from_events("c2", _lookup_events(finished=False))
    asyncio.run(store.save(tracker))
    assert "0912345678" not in _stored(store, "c2")
    events = json.loads(_stored(store, "c2"))["events"]
    assert {"name": "dossier_code", "value": CODE} in [
        {"name": e.get("name"), "value": e.get("value")} for e in events
    ]


def test_conversations_are_forgotten_after_the_retention() -> None:
    store = MaskingTrackerStore(Domain.empty(), retention_hours=1)
    asyncio.run(store.save(DialogueStateTracker.from_events("old", [UserUttered("chào")])))
    store.last_seen["old"] -= 2 * 3600
    asyncio.run(store.save(DialogueStateTracker.from_events("new", [UserUttered("chào")])))
    assert asyncio.run(store.retrieve("old")) is None
    assert list(asyncio.run(store.keys())) == ["new"]


def test_mask_events_leaves_other_conversations_alone() -> None:
    events = [{"event": "user", "text": "lệ phí khai sinh 1.001193"}]
    assert json.dumps(mask_events(events)) == json.dumps(events)
