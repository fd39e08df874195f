"""The tracker store keeps no dossier code or phone digits of a finished lookup, and forgets."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from rasa.core.tracker_store import TrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, ActiveLoop, BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig
from sqlalchemy.engine import Engine

from bot.tracker_store import (
    IN_MEMORY,
    ConfiguredTrackerStore,
    MaskingSQLTrackerStore,
    mask_events,
)
from knowledge.config import get_settings

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


def _embedded() -> MaskingSQLTrackerStore:
    """The store of ``make run`` (no tracker database configured): SQLite in memory."""
    return MaskingSQLTrackerStore.from_url(IN_MEMORY, Domain.empty())


def test_a_finished_lookup_is_stored_without_code_or_digits() -> None:
    store = _embedded()
    tracker = DialogueStateTracker.from_events("c1", _lookup_events(finished=True))
    asyncio.run(store.save(tracker))
    text = _rows(store, "c1")
    for secret in (CODE, "5678", "0912345678", "251120-0001"):
        assert secret not in text
    assert asyncio.run(store.retrieve("c1")) is not None


def test_a_lookup_in_progress_keeps_its_code_but_not_phone_numbers() -> None:
    store = _embedded()
    tracker = DialogueStateTracker.from_events("c2", _lookup_events(finished=False))
    asyncio.run(store.save(tracker))
    assert "0912345678" not in _rows(store, "c2")
    events = [json.loads(line) for line in _rows(store, "c2").splitlines()]
    assert {"name": "dossier_code", "value": CODE} in [
        {"name": e.get("name"), "value": e.get("value")} for e in events
    ]


def test_the_in_memory_store_is_one_database_for_every_thread() -> None:
    store = _embedded()
    asyncio.run(store.save(DialogueStateTracker.from_events("c5", [UserUttered("chào")])))
    seen: list[Any] = []
    thread = threading.Thread(target=lambda: seen.append(asyncio.run(store.retrieve("c5"))))
    thread.start()
    thread.join()
    assert seen[0] is not None and seen[0].latest_message.text == "chào"
    assert asyncio.run(_embedded().retrieve("c5")) is None  # each process its own


def test_mask_events_leaves_other_conversations_alone() -> None:
    events = [{"event": "user", "text": "lệ phí khai sinh 1.001193"}]
    assert json.dumps(mask_events(events)) == json.dumps(events)


def _sql_store(tmp_path: Path, **kwargs: Any) -> MaskingSQLTrackerStore:
    return MaskingSQLTrackerStore.from_url(
        f"sqlite:///{tmp_path / 'trackers.db'}", Domain.empty(), **kwargs
    )


def _rows(store: MaskingSQLTrackerStore, sender: str) -> str:
    with store.session_scope() as session:
        rows = store._event_query(session, sender, fetch_events_from_all_sessions=True).all()
        return "\n".join(row.data for row in rows)


def test_the_sql_store_masks_the_rows_of_a_lookup_once_it_ends(tmp_path: Path) -> None:
    store = _sql_store(tmp_path)
    in_progress = _lookup_events(finished=False)
    asyncio.run(store.save(DialogueStateTracker.from_events("c3", in_progress)))
    assert CODE in _rows(store, "c3")  # the form still needs it
    assert "0912345678" not in _rows(store, "c3")
    finished = DialogueStateTracker.from_events("c3", _lookup_events(finished=True))
    asyncio.run(store.save(finished))
    text = _rows(store, "c3")
    for secret in (CODE, "5678", "0912345678", "251120-0001"):
        assert secret not in text
    assert text.count('"event"') == len(finished.events)
    again = asyncio.run(store.retrieve("c3"))
    assert again is not None and len(again.events) == len(finished.events)


def test_the_sql_store_is_shared_by_every_process(tmp_path: Path) -> None:
    first, second = _sql_store(tmp_path), _sql_store(tmp_path)
    events = [UserUttered("lệ phí khai sinh"), BotUttered("Miễn lệ phí.")]
    asyncio.run(first.save(DialogueStateTracker.from_events("c4", events)))
    tracker = asyncio.run(second.retrieve("c4"))
    assert tracker is not None
    assert [e.text for e in tracker.events] == ["lệ phí khai sinh", "Miễn lệ phí."]


def test_the_sql_store_deletes_conversations_after_the_retention(tmp_path: Path) -> None:
    store = _sql_store(tmp_path, retention_hours=1)
    store.expired_at = time.time()  # the last clean-up just ran: the next is a minute away
    old = UserUttered("chào", timestamp=time.time() - 2 * 3600)
    asyncio.run(store.save(DialogueStateTracker.from_events("old", [old])))
    asyncio.run(store.save(DialogueStateTracker.from_events("new", [UserUttered("chào")])))
    assert asyncio.run(store.retrieve("old")) is not None
    store.expired_at = 0.0
    assert store.expire() == 1
    assert asyncio.run(store.retrieve("old")) is None
    assert list(asyncio.run(store.keys())) == ["new"]


def test_the_settings_choose_the_store(tmp_path: Path, monkeypatch: Any) -> None:
    get_settings.cache_clear()
    monkeypatch.delenv("TTHC_TRACKER_DB_URL", raising=False)
    embedded = ConfiguredTrackerStore(domain=Domain.empty()).inner
    assert isinstance(embedded, MaskingSQLTrackerStore)
    assert str(embedded.engine.url) == "sqlite://"
    monkeypatch.setenv("TTHC_TRACKER_DB_URL", f"sqlite:///{tmp_path / 't.db'}")
    get_settings.cache_clear()
    try:
        endpoint = EndpointConfig(type="bot.tracker_store.ConfiguredTrackerStore")
        store = TrackerStore.create(endpoint, Domain.empty())
        assert isinstance(store, ConfiguredTrackerStore)
        assert isinstance(store.inner, MaskingSQLTrackerStore)
    finally:
        get_settings.cache_clear()


@pytest.mark.postgres
def test_the_sql_store_on_postgresql_masks_and_is_shared(pg_engine: Engine) -> None:
    url = pg_engine.url.render_as_string(hide_password=False)
    first = MaskingSQLTrackerStore.from_url(url, Domain.empty())
    asyncio.run(first.save(DialogueStateTracker.from_events("pg", _lookup_events(False))))
    second = MaskingSQLTrackerStore.from_url(url, Domain.empty())
    tracker = asyncio.run(second.retrieve("pg"))
    assert tracker is not None and len(tracker.events) == len(_lookup_events(False))
    assert CODE in _rows(second, "pg")  # the form still needs it
    asyncio.run(second.save(DialogueStateTracker.from_events("pg", _lookup_events(True))))
    text = _rows(first, "pg")
    for secret in (CODE, "5678", "0912345678"):
        assert secret not in text
    first.engine.dispose()
    second.engine.dispose()


# --------------------------------------------------------------------------- long conversations

DOMAIN = Domain.from_dict(
    {
        "slots": {
            name: {"type": "any", "mappings": [{"type": "custom"}]}
            for name in ("procedure_code", "dossier_code", "phone_last4", "requested_slot")
        },
        "forms": {"dossier_status_form": {"required_slots": ["dossier_code", "phone_last4"]}},
    }
)


def _turn(number: int) -> list[Any]:
    return [
        UserUttered(f"câu hỏi số {number}", intent={"name": "ask_fee"}),
        ActionExecuted("action_answer_fee"),
        BotUttered(f"trả lời số {number}"),
        ActionExecuted("action_listen"),
    ]


def _long_conversation(turns: int) -> list[Any]:
    events: list[Any] = [SlotSet("procedure_code", "1.001193")]
    for number in range(turns):
        events += _turn(number)
    return events


def _saved_and_read_back(
    store: Any, window: int
) -> tuple[DialogueStateTracker, DialogueStateTracker]:
    """Save a 300-turn conversation to ``store`` and check what its latest-session read gives:
    the slot set in the first turn, then exactly ``window`` events, the last message last; the
    full history stays readable. Returns the saved and the read tracker."""
    full = DialogueStateTracker.from_events("long", _long_conversation(300), DOMAIN.slots)
    asyncio.run(store.save(full))
    tracker = asyncio.run(store.retrieve("long"))
    assert tracker is not None
    assert tracker.get_slot("procedure_code") == "1.001193"
    assert len(tracker.events) == 1 + window
    assert tracker.latest_message is not None
    assert tracker.latest_message.text == "câu hỏi số 299"
    everything = asyncio.run(store.retrieve_full_tracker("long"))
    assert everything is not None and len(everything.events) == len(full.events)
    return full, tracker


def test_a_long_conversation_is_retrieved_as_a_window_with_its_state(tmp_path: Path) -> None:
    store = MaskingSQLTrackerStore.from_url(
        f"sqlite:///{tmp_path / 't.db'}", DOMAIN, window_events=20
    )
    full, tracker = _saved_and_read_back(store, window=20)
    assert [e.as_dict() for e in list(tracker.events)[1:]] == [
        e.as_dict() for e in list(full.events)[-20:]
    ]


def test_the_embedded_default_bounds_a_long_conversation_too(monkeypatch: Any) -> None:
    """``make run`` (no tracker database): the same window as the production topology."""
    monkeypatch.delenv("TTHC_TRACKER_DB_URL", raising=False)
    monkeypatch.setenv("TTHC_TRACKER_WINDOW_EVENTS", "40")
    get_settings.cache_clear()
    try:
        store = ConfiguredTrackerStore(domain=DOMAIN)
    finally:
        get_settings.cache_clear()
    _saved_and_read_back(store, window=40)


def test_events_after_a_window_are_appended_once_in_order(tmp_path: Path) -> None:
    store = MaskingSQLTrackerStore.from_url(
        f"sqlite:///{tmp_path / 't.db'}", DOMAIN, window_events=10
    )
    asyncio.run(store.save(DialogueStateTracker.from_events("c", _long_conversation(30))))
    for number in range(30, 33):  # three more turns, each on a tracker read back as a window
        tracker = asyncio.run(store.retrieve("c"))
        assert tracker is not None and len(tracker.events) <= 11
        for event in _turn(number):
            tracker.update(event)
        asyncio.run(store.save(tracker))
    everything = asyncio.run(store.retrieve_full_tracker("c"))
    assert everything is not None
    expected = _long_conversation(33)
    assert len(everything.events) == len(expected)
    texts = [e.text for e in everything.events if isinstance(e, UserUttered)]
    assert texts == [f"câu hỏi số {n}" for n in range(33)]


def _lookup_waiting_for_digits(after_turns: int) -> list[Any]:
    """A conversation of `after_turns` turns, then a dossier lookup given its code and now
    asking for the phone's last digits."""
    return [
        *_long_conversation(after_turns),
        ActiveLoop("dossier_status_form"),
        SlotSet("requested_slot", "dossier_code"),
        UserUttered(f"mã {CODE}"),
        SlotSet("dossier_code", CODE),
        SlotSet("requested_slot", "phone_last4"),
        ActionExecuted("action_listen"),
    ]


def _end_lookup(tracker: DialogueStateTracker) -> None:
    """The citizen's digits are taken, the status is answered and the form's slots are cleared."""
    for event in [
        SlotSet("phone_last4", "5678"),
        ActiveLoop(None),
        ActionExecuted("action_answer_dossier_status"),
        SlotSet("dossier_code", None),
        SlotSet("phone_last4", None),
    ]:
        tracker.update(event)


def test_a_lookup_started_before_the_window_continues_and_is_masked(tmp_path: Path) -> None:
    store = MaskingSQLTrackerStore.from_url(
        f"sqlite:///{tmp_path / 't.db'}", DOMAIN, window_events=4
    )
    started = _lookup_waiting_for_digits(after_turns=3)
    asyncio.run(store.save(DialogueStateTracker.from_events("f", started, DOMAIN.slots)))
    tracker = asyncio.run(store.retrieve("f"))
    assert tracker is not None
    assert tracker.active_loop_name == "dossier_status_form"  # carried over: older than 4
    assert tracker.get_slot("dossier_code") == CODE
    tracker.update(UserUttered("5678"))
    _end_lookup(tracker)
    asyncio.run(store.save(tracker))
    text = _rows(store, "f")
    assert "5678" not in text  # inside the window: masked once the lookup ended
    assert text.count('"event"') == len(started) + 6


@pytest.mark.postgres
def test_the_window_on_postgresql_after_a_restart_of_its_connections(pg_engine: Engine) -> None:
    url = pg_engine.url.render_as_string(hide_password=False)
    store = MaskingSQLTrackerStore.from_url(url, DOMAIN, window_events=10)
    assert store.engine.pool._pre_ping  # a restarted PostgreSQL costs no failed turn
    asyncio.run(store.save(DialogueStateTracker.from_events("pgw", _long_conversation(20))))
    tracker = asyncio.run(store.retrieve("pgw"))
    assert tracker is not None and len(tracker.events) == 11
    assert tracker.get_slot("procedure_code") == "1.001193"
    for event in _turn(20):
        tracker.update(event)
    asyncio.run(store.save(tracker))
    everything = asyncio.run(store.retrieve_full_tracker("pgw"))
    assert everything is not None and len(everything.events) == len(_long_conversation(21))
    store.engine.dispose()


def _statements(store: MaskingSQLTrackerStore) -> list[str]:
    """Every SQL statement ``store`` runs from now on (a list that fills as it goes)."""
    from sqlalchemy import event

    seen: list[str] = []
    event.listen(store.engine, "before_cursor_execute", lambda *a: seen.append(a[2]))
    return seen


def test_a_turn_is_appended_without_reading_back_the_window(tmp_path: Path) -> None:
    # Rasa saves twice a turn (the question, then the answer). Neither save reads the stored
    # rows back when no lookup ends: they are appended, masked as a full save masks them.
    store = MaskingSQLTrackerStore.from_url(
        f"sqlite:///{tmp_path / 't.db'}", DOMAIN, window_events=10
    )
    asyncio.run(store.save(DialogueStateTracker.from_events("a", _long_conversation(5))))
    tracker = asyncio.run(store.retrieve("a"))
    assert tracker is not None
    statements = _statements(store)
    _, *answer = _turn(5)
    question = UserUttered("số tôi 0912345678", intent={"name": "ask_fee"})
    tracker.update(question)
    asyncio.run(store.save(tracker))
    for event in answer:
        tracker.update(event)
    asyncio.run(store.save(tracker))
    assert statements and not any(s.lstrip().upper().startswith("SELECT") for s in statements)
    # The same rows as a full save of the same conversation in a fresh store.
    reference = MaskingSQLTrackerStore.from_url(f"sqlite:///{tmp_path / 'r.db'}", DOMAIN)
    expected = [*_long_conversation(5), question, *answer]
    asyncio.run(reference.save(DialogueStateTracker.from_events("a", expected, DOMAIN.slots)))

    def stored(s: MaskingSQLTrackerStore) -> list[dict[str, Any]]:
        rows = [json.loads(line) for line in _rows(s, "a").splitlines()]
        return [{k: v for k, v in r.items() if k != "timestamp"} for r in rows]

    assert stored(store) == stored(reference)
    assert "0912345678" not in _rows(store, "a") and "********78" in _rows(store, "a")


def test_a_lookup_ending_in_the_second_save_of_a_turn_masks_the_first(tmp_path: Path) -> None:
    # The digits are appended as they are while the lookup runs (the form needs them); the
    # save in which the lookup ends reads the window back and masks them.
    store = MaskingSQLTrackerStore.from_url(
        f"sqlite:///{tmp_path / 't.db'}", DOMAIN, window_events=20
    )
    started = _lookup_waiting_for_digits(after_turns=2)
    asyncio.run(store.save(DialogueStateTracker.from_events("g", started, DOMAIN.slots)))
    tracker = asyncio.run(store.retrieve("g"))
    assert tracker is not None
    tracker.update(UserUttered("5678"))
    asyncio.run(store.save(tracker))
    assert "5678" in _rows(store, "g") and CODE in _rows(store, "g")  # in progress
    _end_lookup(tracker)
    asyncio.run(store.save(tracker))
    text = _rows(store, "g")
    assert "5678" not in text and CODE not in text
    assert text.count('"event"') == len(started) + 6
    # The next turn appends again, and the masked rows stay masked.
    tracker.update(UserUttered("cảm ơn"))
    asyncio.run(store.save(tracker))
    assert (
        "5678" not in _rows(store, "g") and _rows(store, "g").count('"event"') == len(started) + 7
    )


def test_a_new_conversation_is_appended_after_its_empty_first_save(tmp_path: Path) -> None:
    # Rasa creates a new conversation's tracker and saves it empty, then saves the session
    # start and the first turn on the same object: those saves append, reading nothing back.
    store = MaskingSQLTrackerStore.from_url(f"sqlite:///{tmp_path / 't.db'}", DOMAIN)
    tracker = DialogueStateTracker("n", DOMAIN.slots)
    asyncio.run(store.save(tracker))
    statements = _statements(store)
    for number in range(2):
        for event in _turn(number):
            tracker.update(event)
        asyncio.run(store.save(tracker))
    assert statements and not any(s.lstrip().upper().startswith("SELECT") for s in statements)
    again = asyncio.run(store.retrieve("n"))
    assert again is not None
    assert [e.as_dict() for e in again.events] == [e.as_dict() for e in tracker.events]
    # A lookup that ends in the first turn still goes through the masking save.
    first = DialogueStateTracker("m", DOMAIN.slots)
    asyncio.run(store.save(first))
    for event in _lookup_events(finished=True):
        first.update(event)
    asyncio.run(store.save(first))
    assert CODE not in _rows(store, "m") and "5678" not in _rows(store, "m")
