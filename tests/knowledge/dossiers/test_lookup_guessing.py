"""Guessing the 4 digits: locks per dossier code across conversations and per client address."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from knowledge.config import get_settings
from knowledge.dossiers.lookup import (
    AUDIT_CODE_LOCKED,
    SECOND_FACTORS,
    lookup_dossier,
    register_second_factor,
)
from knowledge.dossiers.schemas import DossierIn, DossierRecord, LookupOutcome
from knowledge.models import AuditEntry, LookupAttempt
from tests.knowledge.dossiers.conftest import CODE, NOW

Store = Callable[..., DossierIn]


def _guess(session: Session, n: int, minutes: float, client: str | None = None) -> LookupOutcome:
    """A wrong guess from a brand-new conversation (the attacker picks a new sender id)."""
    return lookup_dossier(
        session,
        f"attacker-{n}",
        CODE,
        f"{n:04d}",
        now=NOW + timedelta(minutes=minutes),
        client=client,
    ).outcome


def test_new_conversations_per_guess_hit_escalating_delays(
    store: Store, session: Session, caplog: pytest.LogCaptureFixture
) -> None:
    store()
    free = get_settings().lookup_code_free_failures
    outcomes = [_guess(session, n, n * 0.1) for n in range(free + 3)]
    assert outcomes[:free] == [LookupOutcome.not_verified] * free
    assert outcomes[free:] == [LookupOutcome.locked] * 3
    # Escalating: 1 minute after the 5th failure, then 2, then 4 …
    last = NOW + timedelta(minutes=(free - 1) * 0.1)
    assert _guess(session, 100, (free - 1) * 0.1 + 1.01) is LookupOutcome.not_verified
    assert _guess(session, 101, (free - 1) * 0.1 + 2.0) is LookupOutcome.locked
    assert _guess(session, 102, (free - 1) * 0.1 + 3.02) is LookupOutcome.not_verified
    # The one-stop system is told once, in the audit log and a warning.
    notices = session.scalars(
        select(AuditEntry).where(AuditEntry.action == AUDIT_CODE_LOCKED)
    ).all()
    assert [n.target for n in notices] == [CODE] and notices[0].at == last
    # The owner gets in once the delay has passed, and the success clears the delay.
    owner = lookup_dossier(session, "owner", CODE, "5678", now=NOW + timedelta(hours=1))
    assert owner.outcome is LookupOutcome.verified
    assert _guess(session, 103, 61) is LookupOutcome.not_verified
    # Codes are kept only as pseudonyms.
    subjects = set(session.scalars(select(LookupAttempt.conversation_id)))
    assert not any(CODE in s for s in subjects)


def test_a_locked_code_answer_does_not_reveal_whether_it_exists(session: Session) -> None:
    free = get_settings().lookup_code_free_failures
    outcomes = [_guess(session, n, n * 0.1) for n in range(free + 1)]
    assert outcomes[-1] is LookupOutcome.locked  # same for a code nobody holds


def test_one_client_address_is_locked_across_codes(store: Store, session: Session) -> None:
    store()
    limit = get_settings().lookup_client_max_failures
    outcomes = [
        lookup_dossier(
            session,
            f"c-{n}",
            f"000.00.12.H48-251120-{n + 100:04d}",
            "1111",
            now=NOW + timedelta(minutes=n * 0.5),
            client="client-A",
        ).outcome
        for n in range(limit + 1)
    ]
    assert outcomes[:limit] == [LookupOutcome.not_verified] * limit
    assert outcomes[limit] is LookupOutcome.locked
    later = NOW + timedelta(minutes=limit * 0.5)
    assert (
        lookup_dossier(session, "x", CODE, "5678", now=later, client="client-A").outcome
        is LookupOutcome.locked
    )
    assert (
        lookup_dossier(session, "x", CODE, "5678", now=later, client="client-B").outcome
        is LookupOutcome.verified
    )


def test_the_second_factor_is_pluggable(
    store: Store, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    class ReceiptPin:
        name = "receipt_pin"

        def verify(self, record: DossierRecord, answer: str) -> bool:
            return answer == "PIN-" + record.code[-4:]

    register_second_factor(ReceiptPin())
    monkeypatch.setenv("TTHC_LOOKUP_SECOND_FACTOR", "receipt_pin")
    get_settings.cache_clear()
    try:
        store()
        assert lookup_dossier(session, "a", CODE, "5678", now=NOW).outcome is (
            LookupOutcome.not_verified
        )
        assert lookup_dossier(session, "b", CODE, "PIN-0001", now=NOW).outcome is (
            LookupOutcome.verified
        )
    finally:
        SECOND_FACTORS.pop("receipt_pin", None)
        get_settings.cache_clear()
