"""The citizen's verified lookup: what it shows, the one generic failure, and the lockout."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from knowledge.config import get_settings
from knowledge.dossiers.lookup import lookup_dossier
from knowledge.dossiers.messages import not_verified_message
from knowledge.dossiers.schemas import DossierIn, LookupOutcome
from knowledge.dossiers.sources import HttpSource
from knowledge.enums import DossierState, ResultDelivery
from knowledge.errors import SourceUnavailableError
from knowledge.models import LookupAttempt
from tests.knowledge.dossiers.conftest import CODE, NOW, payload

Store = Callable[..., DossierIn]
OTHER = "000.00.12.H48-251120-0999"


def _attempts(session: Session) -> list[bool]:
    conversations = select(LookupAttempt.succeeded).where(
        LookupAttempt.conversation_id.not_like("dossier:%"),
        LookupAttempt.conversation_id.not_like("client:%"),
    )
    return list(session.scalars(conversations.order_by(LookupAttempt.id)))


def test_verified_lookup_shows_the_status_without_personal_data(
    store: Store, session: Session
) -> None:
    store()
    result = lookup_dossier(session, "chat-1", CODE, "5678", now=NOW)
    assert result.outcome is LookupOutcome.verified
    view = result.dossier
    assert view is not None
    assert view.procedure_name.startswith("Cấp hộ chiếu phổ thông")
    assert (view.state, view.state_label) == (DossierState.in_progress, "Đang giải quyết")
    assert view.current_step == "Thẩm định hồ sơ"
    assert view.handling_agency == "Phòng Quản lý xuất nhập cảnh, Công an tỉnh"
    assert view.received_at == datetime(2025, 11, 20, 8, 30)
    assert view.due_at == datetime(2025, 12, 2, 8, 30)
    assert view.overdue is False
    assert view.applicant_name_masked == "N*** V** A"
    assert view.result_delivery is ResultDelivery.counter
    dumped = view.json()
    for secret in ("0912345678", "5678", "051090001234", "Nguyễn", "Văn An"):
        assert secret not in dumped
    assert _attempts(session) == [True]


@pytest.mark.parametrize(
    "typed",
    [
        "000 00 12 h48 251120 0001",
        "mã hồ sơ của tôi là 000.00.12.h48-251120-0001 nhé",
        "000.00.12.H48 - 251120 - 0001",
    ],
)
def test_the_code_may_be_typed_loosely(store: Store, session: Session, typed: str) -> None:
    store()
    assert lookup_dossier(session, "chat-1", typed, "5 6 7 8", now=NOW).outcome is (
        LookupOutcome.verified
    )


@pytest.mark.parametrize(
    ("code", "digits"),
    [
        (CODE, "1234"),  # wrong factor
        (OTHER, "5678"),  # well-formed, unknown
        ("000.00.12.H48-251120-01", "5678"),  # malformed
        ("", "5678"),
        (CODE, "56"),  # not four digits
    ],
)
def test_every_failure_gets_the_same_answer(
    store: Store, session: Session, code: str, digits: str
) -> None:
    store()
    result = lookup_dossier(session, "chat-1", code, digits, now=NOW)
    assert result.outcome is LookupOutcome.not_verified
    assert result.dossier is None
    assert result.message == not_verified_message()
    assert _attempts(session) == [False]


def test_overdue_and_supplement_details(store: Store, session: Session) -> None:
    store(
        state="needs_supplement",
        state_reason="Bổ sung tờ khai TK01 có chữ ký",
        current_step="Yêu cầu bổ sung",
        due_at="2025-11-21T17:00:00",
    )
    view = lookup_dossier(session, "chat-1", CODE, "5678", now=NOW).dossier
    assert view is not None and view.state_reason == "Bổ sung tờ khai TK01 có chữ ký"
    assert view.overdue is False  # the clock stops while papers are owed
    store(state="in_progress", due_at="2025-11-21T17:00:00")
    view = lookup_dossier(session, "chat-1", CODE, "5678", now=NOW).dossier
    assert view is not None and view.overdue is True and view.state_reason is None


def test_rejection_reason_is_shown_but_not_other_notes(store: Store, session: Session) -> None:
    store(state="rejected", state_reason="Không thuộc thẩm quyền", result_delivery="postal")
    view = lookup_dossier(session, "chat-1", CODE, "5678", now=NOW).dossier
    assert view is not None
    assert (view.state_reason, view.result_delivery_label) == (
        "Không thuộc thẩm quyền",
        "nhận qua dịch vụ bưu chính công ích",
    )


def _fail(session: Session, at: datetime, conversation: str = "chat-1") -> LookupOutcome:
    return lookup_dossier(session, conversation, CODE, "0000", now=at).outcome


def test_five_failures_in_fifteen_minutes_lock_the_conversation(
    store: Store, session: Session
) -> None:
    store()
    outcomes = [_fail(session, NOW + timedelta(minutes=2 * i)) for i in range(5)]
    assert outcomes == [LookupOutcome.not_verified] * 4 + [LookupOutcome.locked]
    fifth = NOW + timedelta(minutes=8)
    # Locked: even the right digits are refused, and the refusal is not recorded.
    locked = lookup_dossier(session, "chat-1", CODE, "5678", now=fifth + timedelta(minutes=5))
    assert locked.outcome is LookupOutcome.locked and locked.dossier is None
    assert locked.locked_until == fifth + timedelta(minutes=15)
    assert get_settings().hotline in (locked.message or "")
    assert "10:23 ngày 24/11/2025" in (locked.message or "")
    assert len(_attempts(session)) == 5
    # Another conversation is not locked, but the guessed code waits a minute for everyone.
    assert lookup_dossier(session, "chat-2", CODE, "5678", now=fifth).outcome is (
        LookupOutcome.locked
    )
    assert lookup_dossier(
        session, "chat-2", CODE, "5678", now=fifth + timedelta(minutes=1)
    ).outcome is (LookupOutcome.verified)
    # Released when the lockout has passed, and the old failures do not count again.
    released = fifth + timedelta(minutes=15)
    assert lookup_dossier(session, "chat-1", CODE, "5678", now=released).outcome is (
        LookupOutcome.verified
    )
    assert _fail(session, released + timedelta(minutes=1)) is LookupOutcome.not_verified


def test_failures_spread_over_more_than_the_window_do_not_lock(
    store: Store, session: Session
) -> None:
    store()
    outcomes = [_fail(session, NOW + timedelta(minutes=4 * i)) for i in range(8)]
    assert LookupOutcome.locked not in outcomes


def test_a_success_does_not_wipe_earlier_failures(store: Store, session: Session) -> None:
    store()
    for i in range(4):
        _fail(session, NOW + timedelta(minutes=i))
    assert (
        lookup_dossier(session, "chat-1", CODE, "5678", now=NOW + timedelta(minutes=5)).outcome
        is LookupOutcome.verified
    )
    assert _fail(session, NOW + timedelta(minutes=6)) is LookupOutcome.locked


def test_source_down_is_an_error_and_not_a_failed_attempt(session: Session) -> None:
    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    source = HttpSource("http://igate.invalid/api", backoff=0, transport=httpx.MockTransport(down))
    with pytest.raises(SourceUnavailableError):
        lookup_dossier(session, "chat-1", CODE, "5678", source=source, now=NOW)
    assert session.scalar(select(func.count(LookupAttempt.id))) == 0


def test_http_source_records_are_verified_the_same_way(session: Session) -> None:
    record = {**payload(), "procedure_name": "Cấp hộ chiếu phổ thông"}
    source = HttpSource(
        "http://igate.example/api",
        backoff=0,
        transport=httpx.MockTransport(lambda _r: httpx.Response(200, json=record)),
    )
    wrong = lookup_dossier(session, "chat-1", CODE, "1111", source=source, now=NOW)
    right = lookup_dossier(session, "chat-1", CODE, "5678", source=source, now=NOW)
    assert wrong.outcome is LookupOutcome.not_verified
    assert right.dossier is not None and right.dossier.procedure_name == "Cấp hộ chiếu phổ thông"
