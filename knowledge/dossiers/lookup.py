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
* The answer carries the name masked ("N*** V** A"), never the phone or ID number.
"""

from __future__ import annotations

import hmac
import logging
import re
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from knowledge.clock import local_now
from knowledge.config import get_settings
from knowledge.dossiers.labels import DELIVERY_LABELS, STATE_LABELS
from knowledge.dossiers.masking import last_digits, mask_name
from knowledge.dossiers.schemas import (
    STATES_WITH_REASON,
    DossierCitizenView,
    DossierRecord,
    LookupOutcome,
    LookupResult,
)
from knowledge.dossiers.sources import DossierSource, get_source
from knowledge.dossiers.store import is_overdue
from knowledge.models import LookupAttempt
from knowledge.text.entities import canonical_dossier_code

logger = logging.getLogger(__name__)


def not_verified_message() -> str:
    """The one answer for a wrong code, an unknown code or wrong phone digits."""
    return (
        "Thông tin chưa khớp: không xác minh được hồ sơ với mã hồ sơ và 4 số cuối điện thoại "
        "bạn cung cấp. Bạn kiểm tra lại mã trên Giấy tiếp nhận hồ sơ và hẹn trả kết quả, và số "
        "điện thoại đã đăng ký khi nộp hồ sơ, rồi thử lại nhé."
    )


def locked_message(until: datetime, hotline: str) -> str:
    """The answer while a conversation is locked out."""
    return (
        "Bạn đã nhập sai thông tin tra cứu nhiều lần. Để bảo vệ thông tin hồ sơ, chức năng tra "
        f"cứu hồ sơ tạm khóa đến {until:%H:%M} ngày {until:%d/%m/%Y}. Bạn có thể gọi tổng đài "
        f"{hotline} để được hỗ trợ."
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
) -> LookupResult:
    """Look a dossier up for a citizen who proves it with the last four digits of the phone.

    Args:
        session: records the attempt (the caller commits) and, by default, the source.
        conversation_id: the chat's sender id, for the lockout.
        code: the code as the citizen wrote it (spaces, lower case, inside a sentence).
        phone_last4: what the citizen gave as the last four digits of the registered phone.
        source: where dossiers are read (default: the configured one).
        now: the current time (default: now).

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
    canonical = canonical_dossier_code(code or "")
    record = None
    if canonical is not None:
        record = (source or get_source(session)).fetch(canonical)
    verified = record is not None and phone_matches(record.applicant_phone, phone_last4)
    record_attempt(session, conversation_id, verified, now)
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
