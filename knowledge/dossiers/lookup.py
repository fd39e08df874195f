"""The citizen's verified status lookup: dossier code plus the last four phone digits.

Privacy rules kept here, not in the bot:

* One generic answer for a malformed code, an unknown code and wrong digits, so the bot
  never reveals whether a code exists.
* A conversation with ``lookup_max_failures`` failed lookups within
  ``lookup_window_minutes`` is locked for ``lookup_lockout_minutes`` after the last of them.
  While locked, lookups are refused without being checked or recorded. A success is recorded
  but does not erase earlier failures: otherwise someone holding one real dossier could
  interleave it to keep guessing others. Failures from before a lockout's end never count
  toward the next one, so a released conversation starts afresh.
* The conversation id is chosen by the client, so two more locks hold across conversations:
  per dossier code, after ``lookup_code_free_failures`` failures since the owner's last
  success each further try waits an escalating delay (1, 2, 4 … minutes, capped), which
  stops guessing without locking the owner out for good, and the first lock is written to
  the audit log (``lookup_code_locked``) and logged as a warning for the one-stop system;
  per client address (when the channel tells it), ``lookup_client_max_failures`` failures
  within an hour lock the address for an hour. Codes and addresses are kept only as keyed
  pseudonyms (HMAC), in the same table, as ``dossier:…`` and ``client:…`` subjects.
* The second factor is pluggable (``SecondFactor``): the last four phone digits by default,
  a stronger one (a receipt PIN) where the one-stop system provides it.
* The answer carries the name masked ("N*** V** A"), never the phone or ID number.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from knowledge.clock import local_now
from knowledge.config import get_settings
from knowledge.dossiers.labels import DELIVERY_LABELS, STATE_LABELS
from knowledge.dossiers.masking import last_digits, mask_name
from knowledge.dossiers.messages import code_locked_message, locked_message, not_verified_message
from knowledge.dossiers.schemas import (
    STATES_WITH_REASON,
    DossierCitizenView,
    DossierRecord,
    LookupOutcome,
    LookupResult,
)
from knowledge.dossiers.sources import DossierSource, get_source
from knowledge.dossiers.store import is_overdue
from knowledge.models import AuditEntry, LookupAttempt
from knowledge.text.entities import canonical_dossier_code

logger = logging.getLogger(__name__)


AUDIT_CODE_LOCKED = "lookup_code_locked"
CLIENT_WINDOW = timedelta(hours=1)
CODE_MEMORY = timedelta(days=1)


class SecondFactor(Protocol):
    """What a citizen proves a dossier with, besides its code."""

    name: str

    def verify(self, record: DossierRecord, answer: str) -> bool:
        """Whether ``answer`` proves ``record`` (in constant time)."""


class PhoneLast4:
    """The last four digits of the phone registered with the dossier."""

    name = "phone_last4"

    def verify(self, record: DossierRecord, answer: str) -> bool:
        """Whether ``answer`` holds the last four digits of the registered phone."""
        return phone_matches(record.applicant_phone, answer)


SECOND_FACTORS: dict[str, SecondFactor] = {}


def register_second_factor(factor: SecondFactor) -> None:
    """Make ``factor`` selectable by its name (settings ``lookup_second_factor``)."""
    SECOND_FACTORS[factor.name] = factor


def second_factor() -> SecondFactor:
    """The configured second factor."""
    name = get_settings().lookup_second_factor
    if name not in SECOND_FACTORS:
        raise ValueError(f"unknown second factor {name!r} (known: {sorted(SECOND_FACTORS)})")
    return SECOND_FACTORS[name]


register_second_factor(PhoneLast4())


def pseudonym(kind: str, value: str) -> str:
    """The subject under which attempts on a code or from an address are kept (keyed HMAC)."""
    secret = get_settings().lookup_secret.encode()
    digest = hmac.new(secret, value.encode(), hashlib.sha256).hexdigest()[:32]
    return f"{kind}:{digest}"


def _failures_since_success(
    session: Session, subject: str, since: datetime, now: datetime
) -> list[datetime]:
    rows = session.execute(
        select(LookupAttempt.at, LookupAttempt.succeeded)
        .where(
            LookupAttempt.conversation_id == subject,
            LookupAttempt.at > since,
            LookupAttempt.at <= now,
        )
        .order_by(LookupAttempt.at, LookupAttempt.id)
    ).all()
    failures: list[datetime] = []
    for at, succeeded in rows:
        failures = [] if succeeded else [*failures, at]
    return failures


def code_wait_until(session: Session, code: str, now: datetime) -> datetime | None:
    """Until when tries on dossier ``code`` must wait, or None (escalating, capped delays)."""
    settings = get_settings()
    failures = _failures_since_success(session, pseudonym("dossier", code), now - CODE_MEMORY, now)
    extra = len(failures) - settings.lookup_code_free_failures
    if extra < 0:
        return None
    delay = min(2**extra, settings.lookup_code_max_delay_minutes)
    until = failures[-1] + timedelta(minutes=delay)
    return until if now < until else None


def client_locked_until(session: Session, client: str, now: datetime) -> datetime | None:
    """Until when a client address is locked out of lookups, or None."""
    failures: list[datetime] = session.scalars(
        select(LookupAttempt.at)
        .where(
            LookupAttempt.conversation_id == pseudonym("client", client),
            LookupAttempt.succeeded.is_(False),
            LookupAttempt.at > now - CLIENT_WINDOW,
            LookupAttempt.at <= now,
        )
        .order_by(LookupAttempt.at)
    ).all()
    if len(failures) < get_settings().lookup_client_max_failures:
        return None
    return failures[-1] + CLIENT_WINDOW


def _notify_code_locked(session: Session, code: str, failures: int, now: datetime) -> None:
    """Tell the one-stop system (audit log + warning) that a code is being guessed."""
    session.add(AuditEntry(actor="chatbot", action=AUDIT_CODE_LOCKED, target=code, at=now))
    logger.warning(
        "NOTICE one-stop system: dossier %s locked for lookups after %d wrong tries",
        code,
        failures,
    )


def locked_until(session: Session, conversation_id: str, now: datetime) -> datetime | None:
    """When the lockout of ``conversation_id`` ends, or None when it is not locked."""
    settings = get_settings()
    window = timedelta(minutes=settings.lookup_window_minutes)
    lockout = timedelta(minutes=settings.lookup_lockout_minutes)
    failures = session.scalars(
        select(LookupAttempt.at)
        .where(
            LookupAttempt.conversation_id == conversation_id,
            LookupAttempt.succeeded.is_(False),
            LookupAttempt.at > now - window - lockout,
            LookupAttempt.at <= now,
        )
        .order_by(LookupAttempt.at)
    ).all()
    until: datetime | None = None
    recent: list[datetime] = []
    for at in failures:
        if until is not None and at < until:
            continue
        recent = [earlier for earlier in recent if at - earlier <= window] + [at]
        if len(recent) >= settings.lookup_max_failures:
            until, recent = at + lockout, []
    return until if until is not None and now < until else None


def record_attempt(session: Session, conversation_id: str, succeeded: bool, at: datetime) -> None:
    """Keep one lookup attempt of a conversation."""
    session.add(LookupAttempt(conversation_id=conversation_id[:200], succeeded=succeeded, at=at))
    session.flush()


def phone_matches(phone: str, last4: str) -> bool:
    """Whether ``last4`` (four digits) are the last four digits of ``phone``, in constant time."""
    expected = last_digits(phone)
    given = re.sub(r"\D", "", last4 or "")
    if len(given) != 4 or not expected:
        return False
    return hmac.compare_digest(expected.encode(), given.encode())


def citizen_view(record: DossierRecord, now: datetime) -> DossierCitizenView:
    """What a verified citizen may read about ``record``."""
    return DossierCitizenView(
        code=record.code,
        procedure_code=record.procedure_code,
        procedure_name=record.procedure_name or f"Thủ tục mã {record.procedure_code}",
        state=record.state,
        state_label=STATE_LABELS[record.state],
        state_reason=record.state_reason if record.state in STATES_WITH_REASON else None,
        current_step=record.current_step,
        handling_agency=record.handling_agency,
        receiving_agency=record.receiving_agency,
        received_at=record.received_at,
        due_at=record.due_at,
        finished_at=record.finished_at,
        overdue=is_overdue(record.state, record.due_at, record.finished_at, now),
        result_delivery=record.result_delivery,
        result_delivery_label=DELIVERY_LABELS[record.result_delivery],
        fee_paid_online=record.fee_paid_online,
        applicant_name_masked=mask_name(record.applicant_name),
    )


def lookup_dossier(
    session: Session,
    conversation_id: str,
    code: str,
    phone_last4: str,
    *,
    source: DossierSource | None = None,
    now: datetime | None = None,
    client: str | None = None,
) -> LookupResult:
    """Look a dossier up for a citizen who proves it with the last four digits of the phone.

    Args:
        session: records the attempt (the caller commits) and, by default, the source.
        conversation_id: the chat's sender id, for the lockout.
        code: the code as the citizen wrote it (spaces, lower case, inside a sentence).
        phone_last4: what the citizen gave as the last four digits of the registered phone.
        source: where dossiers are read (default: the configured one).
        now: the current time (default: now).
        client: the citizen's address as the chat channel saw it, when known.

    Returns:
        ``verified`` with the citizen-safe view; ``not_verified`` with the generic message;
        or ``locked`` with the lockout message, its end and the hotline.

    Raises:
        SourceUnavailableError: the status source did not answer (nothing is recorded).
    """
    now = now or local_now()
    hotline = get_settings().hotline
    until = locked_until(session, conversation_id, now)
    if until is not None:
        logger.info("lookup refused: conversation locked until %s", until.isoformat())
        return LookupResult(
            outcome=LookupOutcome.locked, message=locked_message(until, hotline), locked_until=until
        )
    if client:
        until = client_locked_until(session, client, now)
        if until is not None:
            logger.warning("lookup refused: client address locked until %s", until.isoformat())
            return LookupResult(
                outcome=LookupOutcome.locked,
                message=locked_message(until, hotline),
                locked_until=until,
            )
    canonical = canonical_dossier_code(code or "")
    subject = canonical or (code or "").strip()[:64]
    until = code_wait_until(session, subject, now)
    if until is not None:
        logger.info("lookup refused: dossier code waits until %s", until.isoformat())
        return LookupResult(
            outcome=LookupOutcome.locked,
            message=code_locked_message(until, hotline),
            locked_until=until,
        )
    record = None
    if canonical is not None:
        record = (source or get_source(session)).fetch(canonical)
    verified = record is not None and second_factor().verify(record, phone_last4)
    record_attempt(session, conversation_id, verified, now)
    record_attempt(session, pseudonym("dossier", subject), verified, now)
    if client:
        record_attempt(session, pseudonym("client", client), verified, now)
    if not verified:
        failures = _failures_since_success(
            session, pseudonym("dossier", subject), now - CODE_MEMORY, now
        )
        if len(failures) == get_settings().lookup_code_free_failures:
            _notify_code_locked(session, subject, len(failures), now)
    if record is not None and verified:
        logger.info("lookup verified for %s", canonical)
        return LookupResult(outcome=LookupOutcome.verified, dossier=citizen_view(record, now))
    logger.info("lookup not verified (code well-formed: %s)", canonical is not None)
    until = locked_until(session, conversation_id, now)
    if until is not None:
        return LookupResult(
            outcome=LookupOutcome.locked, message=locked_message(until, hotline), locked_until=until
        )
    return LookupResult(outcome=LookupOutcome.not_verified, message=not_verified_message())
