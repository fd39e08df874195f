"""The store: create or update by code, history on change, due times, agents' audited reads."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from knowledge.dossiers.ingest import parse_dossier
from knowledge.dossiers.schemas import DossierIn
from knowledge.dossiers.store import (
    AUDIT_READ,
    AUDIT_READ_MISSING,
    get_dossier,
    list_audit,
    read_dossier_audited,
    upsert_dossier,
)
from knowledge.enums import DossierState
from knowledge.errors import InvalidInputError, NotFoundError
from knowledge.models import AuditEntry, DossierEvent
from tests.knowledge.dossiers.conftest import CODE, NOW, payload

Store = Callable[..., DossierIn]


def test_create_records_reception_and_current_state(session: Session) -> None:
    result = upsert_dossier(session, parse_dossier(payload()), now=NOW)
    assert (result.code, result.created, result.state) == (CODE, True, DossierState.in_progress)
    view = get_dossier(session, CODE, now=NOW)
    assert [(h.state, h.step) for h in view.history] == [
        (DossierState.received, "Tiếp nhận hồ sơ"),
        (DossierState.in_progress, "Thẩm định hồ sơ"),
    ]
    assert view.history[0].occurred_at == datetime(2025, 11, 20, 8, 30)
    assert view.history[0].agency == "Trung tâm Phục vụ hành chính công tỉnh Quảng Ngãi"
    assert view.history[1].occurred_at == datetime(2025, 11, 20, 14, 0)
    assert view.procedure_name.startswith("Cấp hộ chiếu phổ thông")
    assert (view.applicant_phone, view.applicant_id_number) == ("0912345678", "051090001234")


def test_due_time_comes_from_the_procedure_when_not_pushed(store: Store, session: Session) -> None:
    store()  # 1.001456: 8 working days, received Thursday 20/11 08:30
    assert get_dossier(session, CODE).due_at == datetime(2025, 12, 2, 8, 30)


def test_due_time_uses_the_channel_of_submission(store: Store, session: Session) -> None:
    # 1.012783: in person 5 working days, online 15, postal 20.
    store(procedure_code="1.012783", channel="online")
    assert get_dossier(session, CODE).due_at == datetime(2025, 12, 11, 8, 30)


def test_pushed_due_time_wins(store: Store, session: Session) -> None:
    store(due_at="2025-12-24T17:00:00")
    assert get_dossier(session, CODE).due_at == datetime(2025, 12, 24, 17, 0)


def test_update_appends_history_only_on_change(store: Store, session: Session) -> None:
    store()
    again = upsert_dossier(session, parse_dossier(payload()), now=NOW)
    assert (again.created, again.history_length) == (False, 2)
    changed = upsert_dossier(
        session,
        parse_dossier(
            payload(
                state="needs_supplement",
                current_step="Yêu cầu bổ sung",
                state_reason="Thiếu ảnh 4x6",
                changed_at="2025-11-21T09:00:00",
            )
        ),
        now=NOW,
    )
    assert (changed.created, changed.state, changed.history_length) == (
        False,
        DossierState.needs_supplement,
        3,
    )
    view = get_dossier(session, CODE)
    assert view.state_reason == "Thiếu ảnh 4x6"
    assert view.history[-1].note == "Thiếu ảnh 4x6"
    assert view.updated_at == NOW


def test_finished_states_get_a_finish_time(store: Store, session: Session) -> None:
    store()
    upsert_dossier(
        session,
        parse_dossier(
            payload(
                state="result_ready", current_step="Trả kết quả", changed_at="2025-11-28T15:00:00"
            )
        ),
        now=NOW,
    )
    assert get_dossier(session, CODE).finished_at == datetime(2025, 11, 28, 15, 0)


def test_a_late_out_of_order_push_goes_to_history_only(store: Store, session: Session) -> None:
    store(state="result_ready", current_step="Trả kết quả", changed_at="2025-11-28T15:00:00")
    late = payload(current_step="Trình lãnh đạo ký duyệt", changed_at="2025-11-25T09:00:00")
    upsert_dossier(session, parse_dossier(late), now=NOW)
    upsert_dossier(session, parse_dossier(late), now=NOW)  # resent: not duplicated
    view = get_dossier(session, CODE)
    assert view.state == DossierState.result_ready
    assert [h.step for h in view.history] == [
        "Tiếp nhận hồ sơ",
        "Trình lãnh đạo ký duyệt",
        "Trả kết quả",
    ]


def test_unknown_procedure_is_refused(session: Session) -> None:
    with pytest.raises(InvalidInputError, match="9.999999 không có trong danh mục"):
        upsert_dossier(session, parse_dossier(payload(procedure_code="9.999999")), now=NOW)


@pytest.mark.parametrize(
    "typed", [CODE, "000 00 12 h48 251120 0001", "mã 000.00.12.h48-251120-0001"]
)
def test_read_accepts_the_code_as_typed(store: Store, session: Session, typed: str) -> None:
    store()
    assert get_dossier(session, typed).code == CODE


def test_read_unknown_and_malformed_codes(session: Session) -> None:
    with pytest.raises(NotFoundError, match="Không tìm thấy hồ sơ"):
        get_dossier(session, "000.00.12.H48-251120-0999")
    with pytest.raises(InvalidInputError, match="không hợp lệ"):
        get_dossier(session, "abc")


def test_agent_reads_are_audited_even_when_the_code_is_unknown(
    store: Store, session: Session
) -> None:
    store()
    read_dossier_audited(session, CODE, "agent-lan", now=NOW)
    with pytest.raises(NotFoundError):
        read_dossier_audited(session, "000.00.12.H48-251120-0999", "agent-lan", now=NOW)
    session.rollback()  # the caller's transaction fails; the audit entries stay
    entries = [(e.actor, e.action, e.target, e.at) for e in list_audit(session)]
    assert sorted(entries) == sorted(
        [
            ("agent-lan", AUDIT_READ, CODE, NOW),
            ("agent-lan", AUDIT_READ_MISSING, "000.00.12.H48-251120-0999", NOW),
        ]
    )
    assert [e.action for e in list_audit(session, CODE)] == [AUDIT_READ]


def test_history_rows_belong_to_one_dossier(store: Store, session: Session) -> None:
    store()
    store(code="000.00.12.H48-251120-0002", state="received")
    assert session.scalar(select(func.count(DossierEvent.id))) == 3
    assert session.scalar(select(func.count(AuditEntry.id))) == 0
