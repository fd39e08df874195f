"""Admin edits: what changes, what the audit log keeps, and that the log is append-only."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date

import pytest
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.engine import Engine

from knowledge.audit import AppendOnlyError, list_changes
from knowledge.catalog.editing import ChannelEdit, PaperEdit, ProcedureEdit, edit_procedure
from knowledge.catalog.live import (
    add_lexicon_word,
    catalog_version,
    delete_lexicon_word,
    list_lexicon_words,
)
from knowledge.clock import local_now, local_today
from knowledge.db import session_scope
from knowledge.errors import InvalidInputError, NotFoundError
from knowledge.models import CatalogChange, Procedure
from knowledge.procedures import get_procedure
from knowledge.search import search_procedures

BIRTH = "1.001193"
MARRIAGE = "1.000894"


def _top_codes_soon(
    engine: Engine, question: str, wanted: Callable[[list[str]], bool]
) -> list[str]:
    """Search until ``wanted`` holds (the index is rebuilt in the background), at most 20 s."""
    deadline = time.monotonic() + 20
    while True:
        with session_scope(engine) as session:
            codes = [h.code for h in search_procedures(session, question, limit=3)]
        if wanted(codes) or time.monotonic() > deadline:
            return codes
        time.sleep(0.05)


def test_fee_edit_is_parsed_audited_and_bumps_the_version(sample_engine: Engine) -> None:
    with session_scope(sample_engine) as session:
        version = catalog_version(session)
        old = {c.channel: c.fee_text for c in get_procedure(session, BIRTH).channels}
    edit = ProcedureEdit(
        channels=[
            ChannelEdit(channel="in_person", time_text="2 ngày làm việc", fee_text="20.000 đồng"),
            ChannelEdit(channel="online", time_text="1 ngày làm việc", fee_text="Miễn phí"),
        ],
        decision_number="5/QĐ-UBND",
    )
    with session_scope(sample_engine) as session:
        changes = edit_procedure(session, BIRTH, edit, actor="quantri")
    assert {c.attribute for c in changes} >= {"channel:in_person", "channel:online"}
    with session_scope(sample_engine) as session:
        card = get_procedure(session, BIRTH)
        log = list_changes(session, code=BIRTH)
        assert catalog_version(session) == version + 1
    channels = {c.channel: c for c in card.channels}
    assert channels["in_person"].fee_amount == 20000
    assert channels["in_person"].time_value == 2 and channels["in_person"].time_unit
    assert channels["online"].fee_amount == 0
    entry = next(e for e in log if e.attribute == "channel:in_person")
    assert entry.actor == "quantri" and entry.decision_number == "5/QĐ-UBND"
    assert entry.label == "Kênh Trực tiếp"
    assert old["in_person"] in entry.before and entry.after == "2 ngày làm việc — 20.000 đồng"


def test_audit_times_are_vietnam_local_time_on_any_server(sample_engine: Engine) -> None:
    """The database stores Vietnam's local time; a UTC server's naive now() is 7 hours behind."""
    edit = ProcedureEdit(channels=[ChannelEdit(channel="in_person", fee_text="30.000 đồng")])
    before = local_now()
    with session_scope(sample_engine) as session:
        edit_procedure(session, BIRTH, edit, actor="quantri")
    with session_scope(sample_engine) as session:
        entry = list_changes(session, code=BIRTH)[0]
        updated = session.execute(select(Procedure.updated_at).filter_by(code=BIRTH)).scalar_one()
    after = local_now()
    assert before <= entry.at.replace(tzinfo=None) <= after
    assert before <= updated <= after


def test_edit_that_changes_nothing_records_nothing(sample_engine: Engine) -> None:
    with session_scope(sample_engine) as session:
        name = get_procedure(session, BIRTH).name
        assert edit_procedure(session, BIRTH, ProcedureEdit(name=name), actor="quantri") == []
        assert list_changes(session) == []


def test_name_papers_and_agency_edit(sample_engine: Engine) -> None:
    edit = ProcedureEdit(
        name="Đăng ký khai sinh",
        papers=[PaperEdit(name="Tờ khai đăng ký khai sinh", copies="1 bản chính")],
        implementing_agency="Ủy ban nhân dân cấp xã",
    )
    with session_scope(sample_engine) as session:
        edit_procedure(session, BIRTH, edit, actor="quantri")
    with session_scope(sample_engine) as session:
        card = get_procedure(session, BIRTH)
        attributes = {e.attribute for e in list_changes(session, code=BIRTH)}
    assert card.name == "Đăng ký khai sinh"
    assert [p.name for p in card.papers] == ["Tờ khai đăng ký khai sinh"]
    assert card.implementing_agency == "Ủy ban nhân dân cấp xã"
    assert attributes == {"name", "papers", "implementing_agency"}


def test_abolish_by_edit_needs_a_decision_and_a_known_replacement(sample_engine: Engine) -> None:
    with session_scope(sample_engine) as session:
        with pytest.raises(InvalidInputError, match="số quyết định"):
            edit_procedure(session, MARRIAGE, ProcedureEdit(status="abolished"), actor="a")
        with pytest.raises(NotFoundError):
            edit_procedure(
                session,
                MARRIAGE,
                ProcedureEdit(
                    status="abolished", status_decision="1/QĐ", replaced_by_code="9.999999"
                ),
                actor="a",
            )
    edit = ProcedureEdit(
        status="abolished",
        status_decision="7/QĐ-UBND",
        status_date=date(2026, 11, 30),
        replaced_by_code="2.000806",
    )
    with session_scope(sample_engine) as session:
        edit_procedure(session, MARRIAGE, edit, actor="quantri")
    with session_scope(sample_engine) as session:
        card = get_procedure(session, MARRIAGE)
        status = next(e for e in list_changes(session) if e.attribute == "status")
    assert (card.status, card.status_decision, card.replaced_by_code) == (
        "abolished",
        "7/QĐ-UBND",
        "2.000806",
    )
    assert card.status_date == date(2026, 11, 30)
    assert (status.before, status.after) == ("Còn hiệu lực", "Bị bãi bỏ")


@pytest.mark.parametrize(
    "payload",
    [
        {"name": "ab"},
        {"channels": [{"channel": "fax", "fee_text": "1 đồng"}]},
        {"channels": [{"channel": "online"}, {"channel": "online"}]},
        {"papers": [{"name": ""}]},
        {"status": "tam_dung"},
    ],
)
def test_invalid_edits_are_refused(payload: dict) -> None:
    with pytest.raises(ValidationError):
        ProcedureEdit(**payload)


def test_audit_log_is_append_only(sample_engine: Engine) -> None:
    with session_scope(sample_engine) as session:
        edit_procedure(session, BIRTH, ProcedureEdit(name="Khai sinh cho trẻ"), actor="quantri")
    with pytest.raises(AppendOnlyError):
        with session_scope(sample_engine) as session:
            entry = session.scalars(select(CatalogChange)).first()
            entry.after = '"giả mạo"'
    with pytest.raises(AppendOnlyError):
        with session_scope(sample_engine) as session:
            session.delete(session.scalars(select(CatalogChange)).first())
    with session_scope(sample_engine) as session:
        assert [e.after for e in list_changes(session)] == ["Khai sinh cho trẻ"]


def test_audit_filters(sample_engine: Engine) -> None:
    with session_scope(sample_engine) as session:
        edit_procedure(session, BIRTH, ProcedureEdit(name="Khai sinh A"), actor="an")
        edit_procedure(session, MARRIAGE, ProcedureEdit(name="Kết hôn B"), actor="binh")
    with session_scope(sample_engine) as session:
        assert [e.procedure_code for e in list_changes(session, actor="binh")] == [MARRIAGE]
        assert [e.actor for e in list_changes(session, code=BIRTH)] == ["an"]
        assert len(list_changes(session, since=local_today(), until=local_today())) == 2
        assert list_changes(session, until=date(2000, 1, 1)) == []
        with pytest.raises(InvalidInputError, match="Ngày bắt đầu"):
            list_changes(session, since=date(2026, 2, 1), until=date(2026, 1, 1))


def test_admin_lexicon_word_reaches_search_at_once(sample_engine: Engine) -> None:
    question = "làm giấy báo danh em bé ở đâu"
    with session_scope(sample_engine) as session:
        before = [h.code for h in search_procedures(session, question, limit=3)]
    assert not before or before[0] != BIRTH
    with session_scope(sample_engine) as session:
        add_lexicon_word(session, "giấy báo danh em bé", BIRTH, "quantri")
    assert _top_codes_soon(sample_engine, question, lambda c: c[:1] == [BIRTH])[:1] == [BIRTH]
    with session_scope(sample_engine) as session:
        words = list_lexicon_words(session)
        assert [(w.term, w.procedure_name) for w in words] == [
            ("giấy báo danh em bé", "Thủ tục đăng ký khai sinh")
        ]
        with pytest.raises(InvalidInputError, match="đã gắn"):
            add_lexicon_word(session, "Giấy báo danh em bé", BIRTH, "quantri")
        with pytest.raises(InvalidInputError, match="trống"):
            add_lexicon_word(session, "  ", BIRTH, "quantri")
    with session_scope(sample_engine) as session:
        delete_lexicon_word(session, words[0].id, "quantri")
    assert _top_codes_soon(sample_engine, question, lambda c: c == before) == before
    with session_scope(sample_engine) as session:
        assert [e.attribute for e in list_changes(session, code=BIRTH)] == ["lexicon", "lexicon"]


def test_edit_reaches_search_at_once(sample_engine: Engine) -> None:
    with session_scope(sample_engine) as session:
        search_procedures(session, "khai sinh", limit=1)  # builds and caches the index
    with session_scope(sample_engine) as session:
        edit_procedure(
            session, MARRIAGE, ProcedureEdit(name="Đăng ký kết hôn hoa sen vàng"), actor="quantri"
        )
    found = _top_codes_soon(sample_engine, "hoa sen vàng", lambda c: c[:1] == [MARRIAGE])
    assert found[:1] == [MARRIAGE]
