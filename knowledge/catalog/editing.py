"""Admin edits of one procedure, with the audit trail: snapshots, diffs and the PATCH itself.

A *snapshot* is a procedure as a plain JSON-ready dict (its columns, channels, papers and
legal basis). Decisions store the snapshot before and after each row, so a rollback puts the
"before" back exactly; diffs compare two snapshots attribute by attribute for previews and
the audit log.
"""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from pydantic import BaseModel, validator
from pydantic import Field as PydanticField
from sqlalchemy.orm import Session

from knowledge.audit import record_change
from knowledge.catalog.importer import Names
from knowledge.catalog.live import bump_catalog_version
from knowledge.catalog.parsing import CHANNELS, _parse_time, parse_fee_amount
from knowledge.clock import local_now, local_today
from knowledge.enums import ProcedureStatus
from knowledge.errors import InvalidInputError
from knowledge.models import (
    Channel,
    ChannelOption,
    LegalDocument,
    Procedure,
    RequiredPaper,
)
from knowledge.procedures import find_procedure
from knowledge.schemas import PROCEDURE_CODE_RE, AmendmentInfo

logger = logging.getLogger(__name__)

# Columns a snapshot holds, in the order previews list them.
COLUMNS = (
    "name",
    "levels",
    "field",
    "procedure_type",
    "target_subjects",
    "competent_agency",
    "implementing_agency",
    "receiving_address",
    "authorised_agency",
    "coordinating_agency",
    "related_procedures",
    "steps",
    "conditions",
    "results",
    "papers_text",
    "detail_url",
    "ministry",
    "source",
    "decision",
    "status",
    "status_decision",
    "status_date",
    "replaced_by_code",
)
CHANNEL_KEYS = ("time_value", "time_unit", "time_text", "fee_text", "fee_amount", "description")

LABELS: dict[str, str] = {
    "name": "Tên thủ tục",
    "levels": "Cấp thực hiện",
    "field": "Lĩnh vực",
    "procedure_type": "Loại thủ tục",
    "target_subjects": "Đối tượng thực hiện",
    "competent_agency": "Cơ quan có thẩm quyền",
    "implementing_agency": "Cơ quan thực hiện",
    "receiving_address": "Địa chỉ tiếp nhận",
    "authorised_agency": "Cơ quan được ủy quyền",
    "coordinating_agency": "Cơ quan phối hợp",
    "related_procedures": "Thủ tục liên quan",
    "steps": "Trình tự thực hiện",
    "conditions": "Yêu cầu, điều kiện",
    "results": "Kết quả",
    "papers_text": "Thành phần hồ sơ (văn bản gốc)",
    "detail_url": "Đường dẫn chi tiết",
    "ministry": "Bộ, ngành",
    "source": "Nguồn",
    "decision": "Quyết định công bố",
    "status": "Tình trạng",
    "status_decision": "Quyết định sửa đổi/bãi bỏ",
    "status_date": "Ngày hiệu lực của tình trạng",
    "replaced_by_code": "Thủ tục thay thế",
    "papers": "Thành phần hồ sơ",
    "legal_documents": "Căn cứ pháp lý",
    **{f"channel:{key}": f"Kênh {label}" for key, label in CHANNELS.items()},
}
STATUS_LABELS = {
    ProcedureStatus.in_force.value: "Còn hiệu lực",
    ProcedureStatus.amended.value: "Được sửa đổi, bổ sung",
    ProcedureStatus.abolished.value: "Bị bãi bỏ",
}

Snapshot = dict[str, Any]


class AttributeChange(BaseModel):
    """One attribute that differs between two snapshots, with a Vietnamese label."""

    attribute: str
    label: str
    before: Any
    after: Any


def snapshot(procedure: Procedure) -> Snapshot:
    """The procedure as a JSON-ready dict (dates as ISO strings)."""
    values: Snapshot = {}
    for column in COLUMNS:
        if column == "field":
            values[column] = procedure.field.name if procedure.field else None
        elif column == "decision":
            values[column] = procedure.decision.number if procedure.decision else None
        elif column == "status":
            values[column] = ProcedureStatus(procedure.status or "in_force").value
        elif column == "status_date":
            values[column] = procedure.status_date.isoformat() if procedure.status_date else None
        else:
            values[column] = getattr(procedure, column)
    values.update(snapshot_children(procedure))
    return values


def restore(
    session: Session, procedure: Procedure, values: Snapshot, names: Names | None = None
) -> None:
    """Write ``values`` (a snapshot) onto ``procedure``: columns and children alike."""
    names = names or Names(session)
    for column in COLUMNS:
        value = values.get(column)
        if column == "field":
            if procedure.field is not names.field(value):
                procedure.field = names.field(value)
        elif column == "decision":
            if procedure.decision is not names.decision(value):
                procedure.decision = names.decision(value)
        elif column == "status":
            procedure.status = ProcedureStatus(value or "in_force")
        elif column == "status_date":
            procedure.status_date = date.fromisoformat(value) if value else None
        elif column == "levels":
            procedure.levels = value or ""
        elif column == "source":
            procedure.source = value or "admin"
        elif getattr(procedure, column) != value:
            setattr(procedure, column, value)
    children = snapshot_children(procedure)
    if values.get("channels") != children["channels"]:
        procedure.channels = [
            ChannelOption(
                position=i, channel=Channel(c["channel"]), **{k: c.get(k) for k in CHANNEL_KEYS}
            )
            for i, c in enumerate(values.get("channels") or [])
        ]
        for option in procedure.channels:
            option.time_text = option.time_text or ""
            option.fee_text = option.fee_text or ""
            option.description = option.description or ""
    if values.get("papers") != children["papers"]:
        procedure.papers = [
            RequiredPaper(position=i, **p) for i, p in enumerate(values.get("papers") or [])
        ]
    if values.get("legal_documents") != children["legal_documents"]:
        procedure.legal_documents = [
            LegalDocument(position=i, **d)
            for i, d in enumerate(values.get("legal_documents") or [])
        ]
    # A change of its channels or papers alone does not update the procedure's own row
    # (the column's onupdate): an edit, a decision and a rollback all pass here.
    procedure.updated_at = local_now()


def snapshot_children(procedure: Procedure) -> Snapshot:
    """Only the channels, papers and legal basis of a snapshot."""
    return {
        "channels": [
            {"channel": Channel(c.channel).value, **{k: getattr(c, k) for k in CHANNEL_KEYS}}
            for c in procedure.channels
        ],
        "papers": [
            {"group": p.group, "name": p.name, "template": p.template, "copies": p.copies}
            for p in procedure.papers
        ],
        "legal_documents": [
            {"number": d.number, "title": d.title} for d in procedure.legal_documents
        ],
    }


def diff(before: Snapshot | None, after: Snapshot) -> list[AttributeChange]:
    """What differs from ``before`` to ``after``, attribute by attribute (channels per channel).

    ``before`` None means a new procedure: every non-empty attribute is listed.
    """
    old = before or {}
    changes: list[AttributeChange] = []
    for column in COLUMNS:
        if old.get(column) != after.get(column) and (before or after.get(column)):
            changes.append(_change(column, old.get(column), after.get(column)))
    old_channels = {c["channel"]: c for c in old.get("channels") or []}
    new_channels = {c["channel"]: c for c in after.get("channels") or []}
    for key in CHANNELS:
        a, b = old_channels.get(key), new_channels.get(key)
        if a != b:
            changes.append(_change(f"channel:{key}", _channel_text(a), _channel_text(b)))
    for part in ("papers", "legal_documents"):
        if (old.get(part) or []) != (after.get(part) or []):
            changes.append(_change(part, _items_text(old.get(part)), _items_text(after.get(part))))
    return changes


def _change(attribute: str, before: Any, after: Any) -> AttributeChange:
    if attribute == "status":
        before = STATUS_LABELS.get(before, before)
        after = STATUS_LABELS.get(after, after)
    return AttributeChange(
        attribute=attribute, label=LABELS.get(attribute, attribute), before=before, after=after
    )


def _channel_text(option: dict[str, Any] | None) -> str | None:
    if option is None:
        return None
    parts = [option.get("time_text") or "", option.get("fee_text") or ""]
    return " — ".join(p for p in parts if p) or "(trống)"


def _items_text(items: list[dict[str, Any]] | None) -> str | None:
    if not items:
        return None
    return "\n".join(item.get("name") or item.get("number") or "" for item in items)


# What a citizen is told about an amendment: these attributes with their old and new values,
# the long texts only as "có thay đổi"; bookkeeping columns (status, source…) not at all.
CITIZEN_VALUES = ("name", "competent_agency", "implementing_agency", "receiving_address")
CITIZEN_BLOCKS = ("target_subjects", "steps", "conditions", "results", "legal_documents")
CHANGED = "có thay đổi"
MAX_VALUE_CHARS = 120


def citizen_changes(before: Snapshot, after: Snapshot) -> list[AmendmentInfo]:
    """What changed from ``before`` to ``after``, as a citizen is told it: fee and time per
    channel (channels with the same change grouped), papers added and dropped, agencies.

    Example:
        >>> old = {"channels": [{"channel": "online", "fee_text": "50.000 đồng", "time_text": ""}]}
        >>> new = {"channels": [{"channel": "online", "fee_text": "30.000 đồng", "time_text": ""}]}
        >>> [(a.label, a.before, a.after) for a in citizen_changes(old, new)]
        [('Lệ phí (Trực tuyến)', '50.000 đồng', '30.000 đồng')]
    """
    out: list[AmendmentInfo] = []
    old = {c["channel"]: c for c in before.get("channels") or []}
    new = {c["channel"]: c for c in after.get("channels") or []}
    grouped: dict[tuple[str, str | None, str | None], list[str]] = {}
    for key, label in CHANNELS.items():
        a, b = old.get(key), new.get(key)
        if a is None and b is None:
            continue
        if a is None or b is None:
            kind = "Thêm kênh nộp" if a is None else "Bỏ kênh nộp"
            grouped.setdefault((kind, None, None), []).append(label)
            continue
        for kind, column in (("Lệ phí", "fee_text"), ("Thời hạn", "time_text")):
            if (a.get(column) or "") != (b.get(column) or ""):
                change = (kind, a.get(column) or "không ghi", b.get(column) or "không ghi")
                grouped.setdefault(change, []).append(label)
    for (kind, was, now), labels in grouped.items():
        if was is None or now is None:
            out.append(AmendmentInfo(label=kind, before=None, after=", ".join(labels)))
        else:
            label = f"{kind} ({', '.join(labels)})"
            out.append(AmendmentInfo(label=label, before=_short(was), after=_short(now)))
    old_papers = [p.get("name") or "" for p in before.get("papers") or []]
    new_papers = [p.get("name") or "" for p in after.get("papers") or []]
    for label, names in (
        ("Thêm giấy tờ", [n for n in new_papers if n not in old_papers]),
        ("Bỏ giấy tờ", [n for n in old_papers if n not in new_papers]),
    ):
        if names:
            out.append(AmendmentInfo(label=label, before=None, after=_short("; ".join(names))))
    for column in CITIZEN_VALUES:
        if before.get(column) != after.get(column) and after.get(column):
            was = _short(before[column]) if before.get(column) else None
            out.append(AmendmentInfo(label=LABELS[column], before=was, after=_short(after[column])))
    for column in CITIZEN_BLOCKS:
        if (before.get(column) or None) != (after.get(column) or None):
            out.append(AmendmentInfo(label=LABELS[column], before=None, after=CHANGED))
    return out


def _short(text: str) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= MAX_VALUE_CHARS else text[: MAX_VALUE_CHARS - 1].rstrip() + "…"


class ChannelEdit(BaseModel):
    """Time and fee of one channel as an admin types them."""

    channel: str = PydanticField(..., description="in_person | online | postal")
    time_text: str = PydanticField("", max_length=500, description="ví dụ: 5 ngày làm việc")
    fee_text: str = PydanticField("", max_length=2000, description="ví dụ: 50.000 đồng")
    description: str = PydanticField("", max_length=5000)

    @validator("channel")
    def _known_channel(cls, value: str) -> str:  # noqa: N805
        if value not in CHANNELS:
            raise ValueError("kênh phải là in_person, online hoặc postal")
        return value


class PaperEdit(BaseModel):
    """One dossier paper as an admin types it."""

    name: str = PydanticField(..., min_length=1, max_length=2000)
    group: str = PydanticField("", max_length=500)
    template: str = PydanticField("", max_length=500)
    copies: str = PydanticField("", max_length=200)


class ProcedureEdit(BaseModel):
    """The attributes an admin may change; absent ones stay as they are."""

    name: str | None = PydanticField(None, min_length=3, max_length=1000)
    channels: list[ChannelEdit] | None = None
    papers: list[PaperEdit] | None = None
    competent_agency: str | None = PydanticField(None, max_length=2000)
    implementing_agency: str | None = PydanticField(None, max_length=2000)
    receiving_address: str | None = PydanticField(None, max_length=2000)
    status: ProcedureStatus | None = None
    status_decision: str | None = PydanticField(None, max_length=100)
    status_date: date | None = None
    replaced_by_code: str | None = PydanticField(None, max_length=32)
    decision_number: str | None = PydanticField(
        None, max_length=100, description="Quyết định làm căn cứ cho thay đổi (ghi vào nhật ký)"
    )

    @validator("channels")
    def _one_row_per_channel(cls, value: list[ChannelEdit] | None) -> list[ChannelEdit] | None:  # noqa: N805
        if value is not None:
            names = [c.channel for c in value]
            if len(names) != len(set(names)):
                raise ValueError("mỗi kênh chỉ được khai một lần")
        return value


def channel_values(edit: ChannelEdit) -> dict[str, Any]:
    """A channel's snapshot values from what an admin typed: time and fee parsed as at import."""
    time_text = " ".join(edit.time_text.split())
    fee_text = " ".join(edit.fee_text.split())
    time_value, time_unit = _parse_time(time_text) if time_text else (None, None)
    return {
        "channel": edit.channel,
        "time_value": time_value,
        "time_unit": time_unit,
        "time_text": time_text,
        "fee_text": fee_text,
        "fee_amount": parse_fee_amount(fee_text) if fee_text else None,
        "description": edit.description.strip(),
    }


def edited_snapshot(session: Session, current: Snapshot, edit: ProcedureEdit) -> Snapshot:
    """``current`` with ``edit`` applied, checked.

    Raises:
        InvalidInputError: an abolition without a decision, or an unknown replacement code.
    """
    values = dict(current)
    if edit.name is not None:
        values["name"] = " ".join(edit.name.split())
    for column in ("competent_agency", "implementing_agency", "receiving_address"):
        value = getattr(edit, column)
        if value is not None:
            values[column] = value.strip() or None
    if edit.channels is not None:
        values["channels"] = [channel_values(c) for c in edit.channels]
    if edit.papers is not None:
        values["papers"] = [
            {
                "group": p.group.strip(),
                "name": p.name.strip(),
                "template": p.template.strip(),
                "copies": p.copies.strip(),
            }
            for p in edit.papers
        ]
    if edit.status is not None:
        values["status"] = edit.status.value
        if edit.status is ProcedureStatus.in_force:
            values.update(status_decision=None, status_date=None, replaced_by_code=None)
        else:
            number = (edit.status_decision or edit.decision_number or "").strip()
            if not number:
                raise InvalidInputError(
                    "Đổi tình trạng sang sửa đổi hoặc bãi bỏ cần số quyết định (ví dụ 12/QĐ-UBND)."
                )
            values["status_decision"] = number
            values["status_date"] = (edit.status_date or local_today()).isoformat()
            values["replaced_by_code"] = None
    if edit.replaced_by_code is not None:
        code = edit.replaced_by_code.strip() or None
        if code is not None:
            if not PROCEDURE_CODE_RE.match(code):
                raise InvalidInputError(f"Mã thủ tục thay thế '{code}' không hợp lệ.")
            if code == current.get("code"):
                raise InvalidInputError("Thủ tục không thể thay thế chính nó.")
            find_procedure(session, code)
        values["replaced_by_code"] = code
    return values


def edit_procedure(
    session: Session, code: str, edit: ProcedureEdit, *, actor: str
) -> list[AttributeChange]:
    """Apply an admin's edit to one procedure, audit each changed attribute, bump the version.

    Returns:
        The attributes that changed (empty when the edit changed nothing).

    Raises:
        NotFoundError: no procedure has ``code`` (or the replacement code).
        InvalidInputError: the edit is inconsistent (see ``edited_snapshot``).
    """
    procedure = find_procedure(session, code)
    before = snapshot(procedure)
    after = edited_snapshot(session, {**before, "code": procedure.code}, edit)
    after.pop("code")
    changes = diff(before, after)
    if not changes:
        return []
    restore(session, procedure, after)
    decision = edit.decision_number or (
        after["status_decision"] if edit.status is not None else None
    )
    for change in changes:
        record_change(
            session,
            actor=actor,
            action="edit",
            procedure_code=procedure.code,
            decision_number=decision,
            attribute=change.attribute,
            before=change.before,
            after=change.after,
        )
    bump_catalog_version(session)
    session.flush()
    logger.info("%s edited %s: %s", actor, procedure.code, [c.attribute for c in changes])
    return changes
