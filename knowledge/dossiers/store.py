"""The dossier store: create-or-update by code with history, reads, and the agents' audit."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.attributes import flag_modified

from knowledge.clock import local_now
from knowledge.db import WRITE_FAILED, commit, session_factory
from knowledge.dossiers.deadlines import compute_due_at
from knowledge.dossiers.labels import STATE_LABELS
from knowledge.dossiers.schemas import (
    FINISHED_STATES,
    DossierAgentView,
    DossierEventView,
    DossierIn,
    DossierRecord,
    DossierWriteResult,
)
from knowledge.enums import Channel, DossierState
from knowledge.errors import InvalidInputError, NotFoundError, WriteFailedError
from knowledge.models import AuditEntry, ChannelOption, Dossier, DossierEvent, Procedure
from knowledge.text.entities import canonical_dossier_code

logger = logging.getLogger(__name__)

AUDIT_READ = "read_dossier"
AUDIT_READ_MISSING = "read_dossier_not_found"
RECEIVED_STEP = "Tiếp nhận hồ sơ"


def is_overdue(
    state: DossierState, due_at: datetime | None, finished_at: datetime | None, now: datetime
) -> bool:
    """Whether a dossier is past its due time: still open after it, or its result came late.

    A dossier waiting for the applicant's supplement is not overdue: the clock stops
    while the applicant owes papers (Nghị định 61/2018, Art. 19).
    """
    if due_at is None or state is DossierState.needs_supplement or state in FINISHED_STATES:
        return False
    if state is DossierState.result_ready:
        return finished_at is not None and finished_at > due_at
    return now > due_at


def procedure_due_at(
    session: Session, procedure_code: str, received_at: datetime, channel: Channel | None = None
) -> datetime | None:
    """The due time from the procedure's processing time through ``channel`` (in person first)."""
    options = session.scalars(
        select(ChannelOption)
        .join(Procedure, Procedure.id == ChannelOption.procedure_id)
        .where(Procedure.code == procedure_code, ChannelOption.time_value.is_not(None))
        .order_by(ChannelOption.position)
    ).all()
    preferred = [o for o in options if o.channel == (channel or Channel.in_person)]
    for option in preferred or options:
        return compute_due_at(received_at, option.time_value, option.time_unit)
    return None


def known_procedure_codes(session: Session, codes: set[str]) -> set[str]:
    """Which of ``codes`` are in the catalog."""
    found: set[str] = set()
    ordered = sorted(codes)
    for start in range(0, len(ordered), 500):
        chunk = ordered[start : start + 500]
        found.update(session.scalars(select(Procedure.code).where(Procedure.code.in_(chunk))))
    return found


def upsert_dossier(
    session: Session, payload: DossierIn, *, now: datetime | None = None
) -> DossierWriteResult:
    """Create the dossier ``payload.code`` or update it, appending a history entry on change.

    A push that repeats the current state, step, agency and reason appends nothing, so the
    one-stop system may resend safely. The caller commits.

    Raises:
        InvalidInputError: the procedure code is not in the catalog.
    """
    now = now or local_now()
    if not known_procedure_codes(session, {payload.procedure_code}):
        raise InvalidInputError(
            f"Thủ tục mã {payload.procedure_code} không có trong danh mục thủ tục hành chính."
        )
    due_at = payload.due_at or procedure_due_at(
        session, payload.procedure_code, payload.received_at, payload.channel
    )
    dossier = find_dossier(session, payload.code)
    created = dossier is None
    if dossier is None:
        dossier = Dossier(code=payload.code)
        _apply(dossier, payload, due_at, now)
        session.add(dossier)
        dossier.events.append(
            DossierEvent(
                state=DossierState.received,
                step=RECEIVED_STEP,
                agency=payload.receiving_agency,
                occurred_at=payload.received_at,
            )
        )
        if payload.state is not DossierState.received:
            dossier.events.append(_event(payload, payload.changed_at or now))
    else:
        last = dossier.events[-1].occurred_at if dossier.events else None
        if payload.changed_at is not None and last is not None and payload.changed_at < last:
            # A late, out-of-order push: keep it in the history, not as the current state.
            if not any(_same_event(e, payload) for e in dossier.events):
                dossier.events.append(_event(payload, payload.changed_at))
                dossier.events.sort(key=lambda e: e.occurred_at)
        else:
            previous = _event_key(
                dossier.state, dossier.current_step, dossier.handling_agency, dossier.state_reason
            )
            _apply(dossier, payload, due_at, now)
            if (
                _event_key(
                    payload.state,
                    payload.current_step,
                    payload.handling_agency,
                    payload.state_reason,
                )
                != previous
            ):
                dossier.events.append(_event(payload, payload.changed_at or now))
    session.flush()
    logger.info(
        "dossier %s %s (%s)", payload.code, "created" if created else "updated", payload.state.value
    )
    return DossierWriteResult(
        code=payload.code, created=created, state=dossier.state, history_length=len(dossier.events)
    )


SAVE_ATTEMPTS = 3


def save_dossier(session: Session, payload: DossierIn) -> DossierWriteResult:
    """``upsert_dossier`` and commit before returning: what it reports is stored.

    Two pushes of a new code at once both see no dossier and both insert; the loser's unique
    violation (or SQLite's busy snapshot) is retried, and then finds the dossier and updates
    it, so an immediate re-push is an update, never an error.

    Raises:
        InvalidInputError: the procedure code is not in the catalog.
        WriteFailedError: the database did not confirm the write.
    """
    for attempt in range(1, SAVE_ATTEMPTS + 1):
        try:
            result = upsert_dossier(session, payload)
            commit(session)
            return result
        except (IntegrityError, OperationalError) as exc:
            session.rollback()
            logger.warning("dossier write conflict (attempt %d): %s", attempt, type(exc).__name__)
        except WriteFailedError as exc:
            if not isinstance(exc.__cause__, IntegrityError | OperationalError):
                raise
            logger.warning("dossier commit conflict (attempt %d)", attempt)
    raise WriteFailedError(WRITE_FAILED)


def _event(payload: DossierIn, at: datetime) -> DossierEvent:
    return DossierEvent(
        state=payload.state,
        step=payload.current_step,
        agency=payload.handling_agency or payload.receiving_agency,
        note=payload.note or payload.state_reason,
        occurred_at=at,
    )


def _same_event(event: DossierEvent, payload: DossierIn) -> bool:
    return (
        event.occurred_at == payload.changed_at
        and event.state is payload.state
        and event.step == payload.current_step
    )


def _event_key(
    state: DossierState, step: str | None, agency: str | None, reason: str | None
) -> tuple[object, ...]:
    return (state, step or None, agency or None, reason or None)


def _apply(dossier: Dossier, payload: DossierIn, due_at: datetime | None, now: datetime) -> None:
    """Copy the pushed fields onto ``dossier``, with the due time and the finish time."""
    dossier.procedure_code = payload.procedure_code
    dossier.receiving_agency = payload.receiving_agency
    dossier.handling_agency = payload.handling_agency
    dossier.current_step = payload.current_step
    dossier.state = payload.state
    dossier.state_reason = payload.state_reason
    dossier.received_at = payload.received_at
    dossier.due_at = due_at
    finished = payload.finished_at
    if finished is None and payload.state in FINISHED_STATES | {DossierState.result_ready}:
        finished = dossier.finished_at or payload.changed_at or now
    dossier.finished_at = finished
    dossier.result_delivery = payload.result_delivery
    dossier.fee_paid_online = payload.fee_paid_online
    dossier.applicant_name = payload.applicant_name
    dossier.applicant_phone = payload.applicant_phone
    dossier.applicant_id_number = payload.applicant_id_number
    dossier.updated_at = now
    if dossier.id is not None:
        flag_modified(dossier, "updated_at")  # else the column's onupdate (UTC now) would win


def find_dossier(session: Session, code: str, *, with_history: bool = True) -> Dossier | None:
    """The dossier with the canonical ``code`` (its history loaded if asked), or None."""
    query = select(Dossier).where(Dossier.code == code)
    if with_history:
        query = query.options(selectinload(Dossier.events))
    dossier: Dossier | None = session.scalars(query).first()
    return dossier


def procedure_name(session: Session, procedure_code: str) -> str | None:
    """The catalog name of a procedure, or None when the catalog does not hold it."""
    query = select(Procedure.name).where(Procedure.code == procedure_code)
    name: str | None = session.scalars(query).first()
    return name


def to_record(dossier: Dossier, name: str | None) -> DossierRecord:
    """The source-level record of a stored dossier."""
    return DossierRecord(
        code=dossier.code,
        procedure_code=dossier.procedure_code,
        procedure_name=name,
        receiving_agency=dossier.receiving_agency,
        handling_agency=dossier.handling_agency,
        current_step=dossier.current_step,
        state=dossier.state,
        state_reason=dossier.state_reason,
        received_at=dossier.received_at,
        due_at=dossier.due_at,
        finished_at=dossier.finished_at,
        result_delivery=dossier.result_delivery,
        fee_paid_online=dossier.fee_paid_online,
        applicant_name=dossier.applicant_name,
        applicant_phone=dossier.applicant_phone,
    )


def get_dossier(session: Session, code: str, *, now: datetime | None = None) -> DossierAgentView:
    """The full record of one dossier, personal data and history included.

    Raises:
        InvalidInputError: ``code`` is not shaped like a dossier code.
        NotFoundError: no dossier has that code.
    """
    canonical = canonical_dossier_code(code)
    if canonical is None:
        raise InvalidInputError(
            f"Mã hồ sơ '{code[:40]}' không hợp lệ (ví dụ đúng: 000.00.12.H48-251120-0001)."
        )
    dossier = find_dossier(session, canonical)
    if dossier is None:
        raise NotFoundError(f"Không tìm thấy hồ sơ có mã {canonical}.")
    record = to_record(dossier, procedure_name(session, dossier.procedure_code))
    return DossierAgentView(
        **record.dict(),
        state_label=STATE_LABELS[dossier.state],
        overdue=is_overdue(dossier.state, dossier.due_at, dossier.finished_at, now or local_now()),
        applicant_id_number=dossier.applicant_id_number,
        updated_at=dossier.updated_at,
        history=[
            DossierEventView(
                state=e.state,
                state_label=STATE_LABELS[e.state],
                step=e.step,
                agency=e.agency,
                note=e.note,
                occurred_at=e.occurred_at,
            )
            for e in dossier.events
        ],
    )


def read_dossier_audited(
    session: Session, code: str, actor: str, *, now: datetime | None = None
) -> DossierAgentView:
    """An agent's read of one dossier; the audit entry is written whether or not it is found.

    The entry goes through its own transaction, so a failed read (unknown code) still
    leaves its trace while the caller's session rolls back.
    """
    now = now or local_now()
    target = (canonical_dossier_code(code) or code.strip())[:200]
    try:
        view = get_dossier(session, code, now=now)
    except (NotFoundError, InvalidInputError):
        write_audit(session.get_bind(), actor, AUDIT_READ_MISSING, target, now)
        raise
    write_audit(session.get_bind(), actor, AUDIT_READ, target, now)
    return view


def write_audit(
    bind: Engine | Connection, actor: str, action: str, target: str, at: datetime
) -> None:
    """Write one audit entry in a transaction of its own, committed before returning.

    Raises:
        WriteFailedError: the database did not confirm the entry (the read is then refused).
    """
    audit = session_factory(bind.engine)()
    try:
        audit.add(AuditEntry(actor=actor[:200], action=action, target=target, at=at))
        commit(audit)
    finally:
        audit.close()
    logger.info("audit: %s %s %s", actor, action, target)


def list_audit(session: Session, target: str | None = None) -> list[AuditEntry]:
    """Audit entries, newest first, optionally for one dossier code."""
    query = select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    if target:
        query = query.where(AuditEntry.target == target)
    return list(session.scalars(query))
