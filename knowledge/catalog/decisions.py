"""Publishing decisions (quyết định công bố): import a province's list, preview, apply, roll back.

A decision file is a CSV or Excel sheet with one row per procedure and these columns (the
header row may sit under a title; column order is free; unknown columns are ignored):

    Mã số | Tên thủ tục | Lĩnh vực | Cấp thực hiện | Hành động | Số quyết định |
    Ngày quyết định | Ngày hiệu lực | Mã thay thế | Bản ghi JSON |
    Thời hạn trực tiếp | Phí trực tiếp | Thời hạn trực tuyến | Phí trực tuyến |
    Thời hạn bưu chính | Phí bưu chính | Cơ quan thực hiện | Thành phần hồ sơ

``Hành động`` is one of "mới", "sửa đổi, bổ sung" (or "sửa đổi" / "bổ sung"), "bãi bỏ",
"thay thế" (the row's procedure is abolished and replaced by ``Mã thay thế``). New and
amended rows carry the record either as national-database JSON (``Bản ghi JSON``: a path
under the file's folder or the national export, or the JSON itself) or as the columns
(an amendment changes only the columns it fills; papers one per line).

``preview`` is the dry run: what would be added, changed (attribute by attribute, before →
after) and abolished, and the row-level problems in Vietnamese. ``apply`` writes all rows
or none. A decision whose effective date lies ahead is stored as *scheduled* and its rows
reach the catalog on that date (``activate_due_decisions``, called on the search path).
``rollback`` puts back every procedure the decision touched, as it was before.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session, selectinload

from knowledge.audit import record_change
from knowledge.catalog.editing import (
    AttributeChange,
    ChannelEdit,
    Snapshot,
    channel_values,
    diff,
    restore,
    snapshot,
)
from knowledge.catalog.importer import Names, load_procedures, record_columns
from knowledge.catalog.live import bump_catalog_version
from knowledge.catalog.parsing import CHANNELS, ProcedureRecord, RecordError, parse_record
from knowledge.clock import LocalTimeModel, local_now, local_today
from knowledge.config import NATIONAL_CATALOG_DIR, SAMPLE_CATALOG_DIR
from knowledge.enums import ProcedureStatus
from knowledge.errors import ConflictError, ImportFailed, InvalidInputError, NotFoundError
from knowledge.models import CatalogChange, Decision, DecisionChange, DecisionState, Procedure
from knowledge.schemas import PROCEDURE_CODE_RE
from knowledge.text import fold_accents

logger = logging.getLogger(__name__)

MAX_ROWS = 20000
MAX_FILE_BYTES = 20 * 1024 * 1024
SYSTEM_ACTOR = "hệ thống"

ACTIONS = {
    "moi": "new",
    "cong bo moi": "new",
    "sua doi, bo sung": "amend",
    "sua doi bo sung": "amend",
    "sua doi": "amend",
    "bo sung": "amend",
    "bai bo": "abolish",
    "thay the": "replace",
}
ACTION_LABELS = {
    "new": "mới",
    "amend": "sửa đổi, bổ sung",
    "abolish": "bãi bỏ",
    "replace": "thay thế",
}

# Folded header → column key.
COLUMNS = {
    "ma so": "code",
    "ma thu tuc": "code",
    "ma tthc": "code",
    "ten": "name",
    "ten thu tuc": "name",
    "ten tthc": "name",
    "linh vuc": "field",
    "cap thuc hien": "levels",
    "cap": "levels",
    "hanh dong": "action",
    "so quyet dinh": "decision",
    "ngay quyet dinh": "issued_on",
    "ngay ban hanh": "issued_on",
    "ngay hieu luc": "effective_on",
    "ma thay the": "replaced_by",
    "thu tuc thay the": "replaced_by",
    "ban ghi json": "record",
    "json": "record",
    "co quan thuc hien": "implementing_agency",
    "thanh phan ho so": "papers",
    **{
        f"{prefix} {fold_accents(label).lower()}": f"{kind}:{key}"
        for key, label in CHANNELS.items()
        for prefix, kind in (("thoi han", "time"), ("phi", "fee"))
    },
    "thoi han buu chinh": "time:postal",
    "phi buu chinh": "fee:postal",
}
REQUIRED = ("code", "action")


class RowProblem(BaseModel):
    """A row the decision cannot apply, and why (Vietnamese)."""

    row: int
    code: str
    message: str


class PlannedChange(BaseModel):
    """What one row would do to one procedure."""

    row: int
    code: str
    name: str
    action: str  # new | amend | abolish | replace
    action_label: str
    replaced_by_code: str | None = None
    replaced_by_name: str | None = None
    changes: list[AttributeChange] = []


class DecisionPreview(BaseModel):
    """The dry run of a decision file: what it adds, changes and abolishes, and its problems."""

    number: str
    issued_on: date | None
    effective_on: date
    takes_effect_now: bool
    rows: int
    added: list[PlannedChange]
    changed: list[PlannedChange]
    abolished: list[PlannedChange]
    errors: list[RowProblem]

    @property
    def ok(self) -> bool:
        """Whether every row can be applied."""
        return not self.errors


class DecisionInfo(LocalTimeModel):
    """A decision imported by an admin, as the admin pages list it."""

    id: int
    number: str
    issued_on: date | None
    effective_on: date | None
    state: str
    source_name: str | None
    imported_by: str | None
    imported_at: datetime | None
    applied_at: datetime | None
    rolled_back_by: str | None
    rolled_back_at: datetime | None
    rows: int


@dataclass
class _Row:
    number: int
    cells: dict[str, str]


@dataclass
class _Plan:
    preview: DecisionPreview
    # code → (action, before snapshot or None, after snapshot, replaced_by)
    steps: list[tuple[str, str, Snapshot | None, Snapshot, str | None, int]] = field(
        default_factory=list
    )


def read_decision_file(data: bytes, filename: str) -> list[_Row]:
    """The data rows of a decision file (CSV or .xlsx), keyed by column.

    Raises:
        InvalidInputError: the file is empty, too large, unreadable, or lacks the header.
    """
    if not data:
        raise InvalidInputError("Tệp quyết định trống.")
    if len(data) > MAX_FILE_BYTES:
        raise InvalidInputError(f"Tệp quá lớn: tối đa {MAX_FILE_BYTES // (1024 * 1024)} MB.")
    suffix = Path(filename).suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        table = _xlsx_rows(data, filename)
    elif suffix in (".csv", ".txt"):
        table = _csv_rows(data, filename)
    else:
        raise InvalidInputError(
            f"{filename}: chỉ nhận tệp .csv hoặc .xlsx (danh mục thủ tục theo quyết định)."
        )
    header_at, keys = _find_header(table, filename)
    rows = []
    for number, cells in table[header_at + 1 :]:
        values = {key: _cell(cells[i]) for i, key in enumerate(keys) if key and i < len(cells)}
        if any(values.values()):
            rows.append(_Row(number, values))
    if not rows:
        raise InvalidInputError(f"{filename}: không có dòng thủ tục nào dưới dòng tiêu đề.")
    if len(rows) > MAX_ROWS:
        raise InvalidInputError(f"{filename}: quá {MAX_ROWS} dòng.")
    return rows


def _xlsx_rows(data: bytes, filename: str) -> list[tuple[int, list[Any]]]:
    import openpyxl  # only an .xlsx decision needs it (0.3 s to import)

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken file
        raise InvalidInputError(f"{filename}: không đọc được tệp Excel ({exc}).") from exc
    try:
        sheet = workbook.worksheets[0]
        return [
            (number, list(row))
            for number, row in enumerate(sheet.iter_rows(values_only=True), start=1)
        ]
    finally:
        workbook.close()


def _csv_rows(data: bytes, filename: str) -> list[tuple[int, list[Any]]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInputError(f"{filename}: tệp CSV phải mã hóa UTF-8.") from exc
    first = text.splitlines()[0] if text else ""
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    return [(reader.line_num, row) for row in reader]


def _find_header(table: list[tuple[int, list[Any]]], filename: str) -> tuple[int, list[str]]:
    for position, (_, cells) in enumerate(table[:30]):
        keys = [COLUMNS.get(_fold_header(c), "") for c in cells]
        if all(k in keys for k in REQUIRED):
            return position, keys
    raise InvalidInputError(
        f"{filename}: không thấy dòng tiêu đề có các cột 'Mã số' và 'Hành động'."
    )


def _fold_header(value: Any) -> str:
    text = fold_accents(str(value or "")).lower()
    text = re.sub(r"\s*\(.*?\)\s*", " ", text)
    return " ".join(text.replace(":", " ").split())


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def parse_day(text: str) -> date:
    """A date written ``dd/mm/yyyy``, ``dd-mm-yyyy`` or ``yyyy-mm-dd``.

    Raises:
        ValueError: any other shape, or no such day.

    Example:
        >>> parse_day("01/12/2026")
        datetime.date(2026, 12, 1)
    """
    text = text.strip()
    for pattern in ("%d/%m/%Y", "%d-%m-%Y", "%Y-%m-%d", "%d.%m.%Y"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise ValueError(text)


def preview_decision(
    session: Session,
    data: bytes,
    filename: str,
    *,
    today: date | None = None,
    record_dirs: tuple[Path, ...] = (),
) -> DecisionPreview:
    """The dry run of a decision file against the catalog: nothing is written.

    Args:
        session: a session on the catalog.
        data: the file's bytes; ``filename`` tells CSV from Excel.
        today: the day to compare the effective date with (default: today).
        record_dirs: folders where ``Bản ghi JSON`` paths may point, besides the national
            export and the sample catalog.

    Raises:
        InvalidInputError: the file itself is unreadable (row problems are in ``errors``).
    """
    return _plan(session, data, filename, today or local_today(), record_dirs).preview


def _plan(
    session: Session, data: bytes, filename: str, today: date, record_dirs: tuple[Path, ...]
) -> _Plan:
    rows = read_decision_file(data, filename)
    problems: list[RowProblem] = []
    number, issued_on, effective_on = _decision_header(rows, problems)
    procedures = load_procedures(session)
    existing = session.scalars(select(Decision).where(Decision.number == number)).first()
    if existing is not None and existing.state in (DecisionState.applied, DecisionState.scheduled):
        problems.append(
            RowProblem(
                row=rows[0].number,
                code="",
                message=f"Quyết định {number} đã được áp dụng; hãy hoàn tác trước khi nhập lại.",
            )
        )
    seen: dict[str, int] = {}
    new_codes = {
        r.cells.get("code", "")
        for r in rows
        if ACTIONS.get(_fold_header(r.cells.get("action"))) == "new"
    }
    plan = _Plan(
        DecisionPreview(
            number=number,
            issued_on=issued_on,
            effective_on=effective_on,
            takes_effect_now=effective_on <= today,
            rows=len(rows),
            added=[],
            changed=[],
            abolished=[],
            errors=problems,
        )
    )
    bases = (*record_dirs, NATIONAL_CATALOG_DIR, SAMPLE_CATALOG_DIR)
    for row in rows:
        code = row.cells.get("code", "")

        def fail(message: str, row: _Row = row, code: str = code) -> None:
            problems.append(RowProblem(row=row.number, code=code, message=message))

        action = ACTIONS.get(_fold_header(row.cells.get("action")))
        if not PROCEDURE_CODE_RE.match(code):
            fail(f"Mã thủ tục '{code}' không hợp lệ (ví dụ đúng: 1.001193).")
            continue
        if action is None:
            fail(
                f"Hành động '{row.cells.get('action', '')}' không rõ: dùng 'mới', "
                "'sửa đổi, bổ sung', 'bãi bỏ' hoặc 'thay thế'."
            )
            continue
        if code in seen:
            fail(f"Mã {code} đã có ở dòng {seen[code]}: mỗi thủ tục chỉ một dòng.")
            continue
        seen[code] = row.number
        current = procedures.get(code)
        before = snapshot(current) if current is not None else None
        try:
            if action == "new":
                if current is not None:
                    fail(f"Thủ tục {code} đã có trong danh mục: dùng 'sửa đổi, bổ sung'.")
                    continue
                after = _new_snapshot(row, bases)
                after.update(decision=number, status="in_force", source="decision")
                after.update(status_decision=None, status_date=None, replaced_by_code=None)
            elif current is None:
                fail(f"Không có thủ tục {code} trong danh mục để {ACTION_LABELS[action]}.")
                continue
            elif action == "amend":
                after = _amended_snapshot(before or {}, row, bases)
                after.update(
                    status="amended",
                    status_decision=number,
                    status_date=effective_on.isoformat(),
                    replaced_by_code=None,
                )
            else:
                after = dict(before or {})
                replacement = row.cells.get("replaced_by") or None
                if action == "replace" and not replacement:
                    fail("Hành động 'thay thế' cần cột 'Mã thay thế'.")
                    continue
                if replacement is not None:
                    if not PROCEDURE_CODE_RE.match(replacement):
                        fail(f"Mã thay thế '{replacement}' không hợp lệ.")
                        continue
                    if replacement == code:
                        fail("Thủ tục không thể thay thế chính nó.")
                        continue
                    if replacement not in procedures and replacement not in new_codes:
                        fail(f"Mã thay thế {replacement} không có trong danh mục hay quyết định.")
                        continue
                after.update(
                    status=ProcedureStatus.abolished.value,
                    status_decision=number,
                    status_date=effective_on.isoformat(),
                    replaced_by_code=replacement,
                )
        except RecordError as exc:
            fail(str(exc))
            continue
        if after.get("code", code) != code:
            fail(f"Bản ghi JSON là của thủ tục {after['code']}, không phải {code}.")
            continue
        after.pop("code", None)
        if not after.get("name"):
            fail("Thiếu tên thủ tục.")
            continue
        planned = PlannedChange(
            row=row.number,
            code=code,
            name=after["name"],
            action=action,
            action_label=ACTION_LABELS[action],
            replaced_by_code=after.get("replaced_by_code")
            if action in ("abolish", "replace")
            else None,
            changes=diff(before, after),
        )
        if planned.replaced_by_code:
            target = procedures.get(planned.replaced_by_code)
            planned.replaced_by_name = target.name if target is not None else None
        {"new": plan.preview.added, "amend": plan.preview.changed}.get(
            action, plan.preview.abolished
        ).append(planned)
        plan.steps.append((code, action, before, after, planned.replaced_by_code, row.number))
    for planned in plan.preview.abolished:
        if planned.replaced_by_name is None and planned.replaced_by_code:
            added = [p for p in plan.preview.added if p.code == planned.replaced_by_code]
            planned.replaced_by_name = added[0].name if added else None
    plan.preview.errors = problems  # pydantic copied the list it was given
    return plan


def _decision_header(rows: list[_Row], problems: list[RowProblem]) -> tuple[str, date | None, date]:
    """The decision number and dates: every row that fills them must agree with the first."""
    values: dict[str, tuple[str, int]] = {}
    for row in rows:
        for key in ("decision", "issued_on", "effective_on"):
            value = " ".join(row.cells.get(key, "").split())
            if not value:
                continue
            if key not in values:
                values[key] = (value, row.number)
            elif values[key][0] != value:
                problems.append(
                    RowProblem(
                        row=row.number,
                        code=row.cells.get("code", ""),
                        message=(
                            f"Một tệp là một quyết định: '{value}' khác '{values[key][0]}' "
                            f"ở dòng {values[key][1]}."
                        ),
                    )
                )
    first = rows[0].number
    number = values.get("decision", ("", first))[0]
    if not number:
        problems.append(RowProblem(row=first, code="", message="Thiếu số quyết định."))
    issued_on = _day(values.get("issued_on"), "ngày quyết định", problems)
    effective_on = _day(values.get("effective_on"), "ngày hiệu lực", problems)
    if values.get("effective_on") is None:
        effective_on = issued_on
    if effective_on is None:
        problems.append(
            RowProblem(row=first, code="", message="Thiếu ngày hiệu lực (hoặc ngày quyết định).")
        )
        effective_on = local_today()
    if issued_on and effective_on < issued_on:
        problems.append(
            RowProblem(row=first, code="", message="Ngày hiệu lực trước ngày quyết định.")
        )
    return number, issued_on, effective_on


def _day(value: tuple[str, int] | None, label: str, problems: list[RowProblem]) -> date | None:
    if value is None:
        return None
    try:
        return parse_day(value[0])
    except ValueError:
        problems.append(
            RowProblem(
                row=value[1],
                code="",
                message=f"{label.capitalize()} '{value[0]}' không hợp lệ (dạng 31/12/2026).",
            )
        )
        return None


def _record(row: _Row, bases: tuple[Path, ...]) -> ProcedureRecord | None:
    """The row's national-database record: inline JSON or a path under one of ``bases``."""
    text = row.cells.get("record", "")
    if not text:
        return None
    if text.lstrip().startswith("{"):
        try:
            raw = json.loads(text)
        except json.JSONDecodeError as exc:
            raise RecordError(f"Bản ghi JSON không hợp lệ: {exc.msg}") from exc
        return parse_record(raw)
    relative = Path(text)
    if relative.is_absolute() or ".." in relative.parts:
        raise RecordError(f"Đường dẫn bản ghi '{text}' phải là đường dẫn tương đối, không có '..'.")
    for base in bases:
        path = base / relative
        if path.is_file():
            try:
                return parse_record(json.loads(path.read_text(encoding="utf-8")))
            except (json.JSONDecodeError, UnicodeDecodeError) as exc:
                raise RecordError(f"Không đọc được bản ghi JSON {text}: {exc}") from exc
    raise RecordError(f"Không tìm thấy tệp bản ghi JSON '{text}'.")


def _record_snapshot(record: ProcedureRecord) -> Snapshot:
    return {
        "code": record.code,
        **record_columns(record),
        "field": record.field,
        "channels": [
            {
                "channel": c.channel,
                "time_value": c.time_value,
                "time_unit": c.time_unit,
                "time_text": c.time_text,
                "fee_text": c.fee_text,
                "fee_amount": c.fee_amount,
                "description": c.description,
            }
            for c in record.channels
        ],
        "papers": [
            {"group": p.group, "name": p.name, "template": p.template, "copies": p.copies}
            for p in record.papers
        ],
        "legal_documents": [{"number": d.number, "title": d.title} for d in record.legal_documents],
    }


def _new_snapshot(row: _Row, bases: tuple[Path, ...]) -> Snapshot:
    record = _record(row, bases)
    base: Snapshot = (
        _record_snapshot(record)
        if record is not None
        else {
            "code": row.cells["code"],
            "channels": [],
            "papers": [],
            "legal_documents": [],
        }
    )
    base.setdefault("ministry", None)
    return _with_columns(base, row)


def _amended_snapshot(before: Snapshot, row: _Row, bases: tuple[Path, ...]) -> Snapshot:
    record = _record(row, bases)
    after = dict(before)
    if record is not None:
        after.update(_record_snapshot(record))
    return _with_columns(after, row)


def _with_columns(values: Snapshot, row: _Row) -> Snapshot:
    """``values`` with the row's filled columns written over it (empty cells change nothing)."""
    cells = row.cells
    if cells.get("name"):
        values["name"] = " ".join(cells["name"].split())
    if cells.get("field"):
        values["field"] = " ".join(cells["field"].split())
    if cells.get("levels"):
        values["levels"] = ", ".join(
            part.strip() for part in re.split(r"[,;\n]", cells["levels"]) if part.strip()
        )
    if cells.get("implementing_agency"):
        values["implementing_agency"] = cells["implementing_agency"].strip()
    if cells.get("papers"):
        values["papers"] = [
            {"group": "", "name": line.strip(" -•\t"), "template": "", "copies": ""}
            for line in cells["papers"].splitlines()
            if line.strip(" -•\t")
        ]
        values["papers_text"] = "\n".join(p["name"] for p in values["papers"])
    channels = {c["channel"]: dict(c) for c in values.get("channels") or []}
    for key in CHANNELS:
        time_text, fee_text = cells.get(f"time:{key}", ""), cells.get(f"fee:{key}", "")
        if not time_text and not fee_text:
            continue
        old = channels.get(key, {})
        channels[key] = channel_values(
            ChannelEdit(
                channel=key,
                time_text=time_text or old.get("time_text") or "",
                fee_text=fee_text or old.get("fee_text") or "",
                description=old.get("description") or "",
            )
        )
    values["channels"] = [channels[k] for k in CHANNELS if k in channels] + [
        c for k, c in channels.items() if k not in CHANNELS
    ]
    for key in ("levels", "ministry", "source"):
        values.setdefault(key, None)
    return values


def apply_decision(
    session: Session,
    data: bytes,
    filename: str,
    *,
    actor: str,
    today: date | None = None,
    record_dirs: tuple[Path, ...] = (),
) -> Decision:
    """Apply a decision file: every row or none.

    The changes reach the catalog now when the effective date has come, else on that date.

    Raises:
        ImportFailed: some rows are wrong; nothing was written (``problems`` name the rows).
        InvalidInputError: the file itself is unreadable.
    """
    today = today or local_today()
    plan = _plan(session, data, filename, today, record_dirs)
    preview = plan.preview
    if preview.errors:
        raise ImportFailed(
            f"Quyết định có {len(preview.errors)} lỗi, không có gì được ghi.",
            [
                (f"dòng {e.row}" + (f" ({e.code})" if e.code else ""), e.message)
                for e in preview.errors
            ],
        )
    decision: Decision | None = session.scalars(
        select(Decision).where(Decision.number == preview.number)
    ).first()
    if decision is None:
        decision = Decision(number=preview.number)
        session.add(decision)
    decision.changes = []
    session.flush()
    decision.issued_on = preview.issued_on or decision.issued_on
    decision.effective_on = preview.effective_on
    decision.source_name = filename
    decision.imported_by = actor
    decision.imported_at = local_now()
    decision.rolled_back_by = None
    decision.rolled_back_at = None
    decision.applied_at = None
    decision.state = DecisionState.scheduled
    for code, action, before, after, replaced_by, row in plan.steps:
        decision.changes.append(
            DecisionChange(
                position=row,
                procedure_code=code,
                action=action,
                replaced_by_code=replaced_by,
                before=json.dumps(before, ensure_ascii=False) if before is not None else None,
                after=json.dumps(after, ensure_ascii=False),
            )
        )
    session.flush()
    if preview.takes_effect_now:
        _execute(session, decision, actor=actor, action="decision")
    else:
        bump_catalog_version(session)  # the admin pages list it as scheduled
    logger.info(
        "%s applied decision %s (%d rows, %s)",
        actor,
        decision.number,
        len(plan.steps),
        decision.state.value,
    )
    return decision


def _execute(session: Session, decision: Decision, *, actor: str, action: str) -> None:
    """Write a decision's rows onto the catalog and audit them."""
    codes = [c.procedure_code for c in decision.changes]
    procedures = _procedures(session, codes)
    names = Names(session)
    for change in decision.changes:
        after = json.loads(change.after)
        current = procedures.get(change.procedure_code)
        if current is None:
            current = Procedure(code=change.procedure_code, levels="")
            session.add(current)
            procedures[change.procedure_code] = current
            before = None
        else:
            before = snapshot(current)
            # A scheduled decision puts back what stood on its effective date.
            change.before = json.dumps(before, ensure_ascii=False)
        restore(session, current, after, names)
        _audit(session, change.procedure_code, before, after, actor, action, decision.number)
    decision.state = DecisionState.applied
    decision.applied_at = local_now()
    bump_catalog_version(session)
    session.flush()


def _audit(
    session: Session,
    code: str,
    before: Snapshot | None,
    after: Snapshot | None,
    actor: str,
    action: str,
    number: str,
) -> None:
    if before is None or after is None:
        name = (after or before or {}).get("name")
        record_change(
            session,
            actor=actor,
            action=action,
            procedure_code=code,
            decision_number=number,
            attribute="procedure",
            before=None if before is None else name,
            after=None if after is None else name,
        )
        return
    for change in diff(before, after):
        record_change(
            session,
            actor=actor,
            action=action,
            procedure_code=code,
            decision_number=number,
            attribute=change.attribute,
            before=change.before,
            after=change.after,
        )


def _procedures(session: Session, codes: list[str]) -> dict[str, Procedure]:
    found: dict[str, Procedure] = {}
    for start in range(0, len(codes), 500):
        chunk = codes[start : start + 500]
        for procedure in session.scalars(
            select(Procedure)
            .where(Procedure.code.in_(chunk))
            .options(
                selectinload(Procedure.channels),
                selectinload(Procedure.papers),
                selectinload(Procedure.legal_documents),
            )
        ):
            found[procedure.code] = procedure
    return found


class EditedSince(BaseModel):
    """A procedure changed by hand after a decision was applied: what differs from the
    decision's record, and the audited edits (who, when)."""

    code: str
    name: str
    changes: list[AttributeChange]  # the decision's values → the current ones
    edited_by: list[str]
    last_edited_at: datetime | None


class RollbackPreview(LocalTimeModel):
    """What rolling a decision back would do, and the later hand edits it would overwrite."""

    decision_id: int
    number: str
    state: str
    restored: list[PlannedChange]  # back to the state before (changes: current → before)
    removed: list[PlannedChange]  # added by the decision, deleted
    edited_since: list[EditedSince]  # non-empty: the rollback is refused unless overwritten


class RollbackConflictError(ConflictError):
    """A rollback refused because procedures were edited by hand after the decision."""

    def __init__(self, number: str, edited: list[EditedSince]) -> None:
        codes = ", ".join(e.code for e in edited[:20])
        more = f" và {len(edited) - 20} thủ tục khác" if len(edited) > 20 else ""
        super().__init__(
            f"Không hoàn tác quyết định {number}: thủ tục {codes}{more} đã được sửa tay sau khi "
            "áp dụng quyết định; hoàn tác sẽ ghi đè các sửa đổi đó. Xem trước để biết chi tiết, "
            "rồi hoàn tác với tùy chọn ghi đè nếu chắc chắn."
        )
        self.edited = edited


def _applied_decision(session: Session, decision_id: int) -> Decision:
    decision: Decision | None = session.get(Decision, decision_id)
    if decision is None:
        raise NotFoundError(f"Không tìm thấy quyết định số {decision_id}.")
    if decision.state not in (DecisionState.applied, DecisionState.scheduled):
        raise InvalidInputError(
            f"Quyết định {decision.number} không ở trạng thái đã áp dụng, không thể hoàn tác."
        )
    return decision


def _refuse_if_later_decisions(session: Session, decision: Decision, codes: set[str]) -> None:
    later = (
        session.scalars(
            select(Decision)
            .join(DecisionChange, DecisionChange.decision_id == Decision.id)
            .where(
                Decision.id != decision.id,
                Decision.state == DecisionState.applied,
                # Times are kept to the second: the id orders two applied in the same second.
                or_(
                    Decision.applied_at > decision.applied_at,
                    and_(Decision.applied_at == decision.applied_at, Decision.id > decision.id),
                ),
                DecisionChange.procedure_code.in_(codes),
            )
        )
        .unique()
        .all()
    )
    if later:
        numbers = ", ".join(d.number for d in later)
        raise InvalidInputError(
            f"Quyết định {numbers} áp dụng sau đã sửa cùng thủ tục: "
            "hãy hoàn tác quyết định đó trước."
        )


def _edited_since(
    session: Session, decision: Decision, procedures: dict[str, Procedure]
) -> list[EditedSince]:
    """Procedures whose record differs from what ``decision`` left (a hand edit since)."""
    edited = []
    for change in decision.changes:
        current = procedures.get(change.procedure_code)
        if current is None:
            continue
        differences = diff(json.loads(change.after), snapshot(current))
        if not differences:
            continue
        edits = session.execute(
            select(CatalogChange.actor, CatalogChange.at)
            .where(CatalogChange.procedure_code == change.procedure_code)
            .where(CatalogChange.action == "edit")
            .where(CatalogChange.at >= (decision.applied_at or datetime.min))
            .order_by(CatalogChange.at)
        ).all()
        edited.append(
            EditedSince(
                code=change.procedure_code,
                name=current.name,
                changes=differences,
                edited_by=list(dict.fromkeys(actor for actor, _ in edits)),
                last_edited_at=edits[-1][1] if edits else None,
            )
        )
    return edited


def preview_rollback(session: Session, decision_id: int) -> RollbackPreview:
    """What ``rollback_decision`` would do, writing nothing: the procedures restored (current
    → before), those removed, and those edited by hand since the decision.

    Raises:
        NotFoundError: no decision has that id.
        InvalidInputError: it is not applied or scheduled, or a later applied decision
            changed the same procedures.
    """
    decision = _applied_decision(session, decision_id)
    preview = RollbackPreview(
        decision_id=decision.id,
        number=decision.number,
        state=decision.state.value,
        restored=[],
        removed=[],
        edited_since=[],
    )
    if decision.state is not DecisionState.applied:
        return preview  # a scheduled decision changed nothing yet: it is only cancelled
    codes = {c.procedure_code for c in decision.changes}
    _refuse_if_later_decisions(session, decision, codes)
    procedures = _procedures(session, list(codes))
    for change in decision.changes:
        current = procedures.get(change.procedure_code)
        if current is None:
            continue
        item = PlannedChange(
            row=change.position,
            code=change.procedure_code,
            name=current.name,
            action=change.action,
            action_label=ACTION_LABELS.get(change.action, change.action),
        )
        if change.before is None:
            preview.removed.append(item)
        else:
            item.changes = diff(snapshot(current), json.loads(change.before))
            preview.restored.append(item)
    preview.edited_since = _edited_since(session, decision, procedures)
    return preview


def rollback_decision(
    session: Session, decision_id: int, *, actor: str, overwrite_edits: bool = False
) -> Decision:
    """Undo a whole decision: each procedure it touched goes back to its state before.

    Procedures it added are removed. A scheduled decision is simply cancelled. A procedure
    edited by hand since the decision is not overwritten silently: the rollback is refused
    (``RollbackConflictError``, 409, naming them) unless ``overwrite_edits`` says so, and
    then the overwritten values are in the audit log like every rollback.

    Raises:
        NotFoundError: no decision has that id.
        InvalidInputError: it is not applied or scheduled, or a later applied decision
            changed the same procedures (roll that one back first).
        RollbackConflictError: procedures were edited after the decision.
    """
    decision = _applied_decision(session, decision_id)
    if decision.state is DecisionState.applied:
        codes = {c.procedure_code for c in decision.changes}
        _refuse_if_later_decisions(session, decision, codes)
        procedures = _procedures(session, list(codes))
        edited = _edited_since(session, decision, procedures)
        if edited and not overwrite_edits:
            raise RollbackConflictError(decision.number, edited)
        names = Names(session)
        for change in reversed(decision.changes):
            current = procedures.get(change.procedure_code)
            if current is None:
                continue
            now = snapshot(current)
            if change.before is None:
                session.delete(current)
                _audit(
                    session, change.procedure_code, now, None, actor, "rollback", decision.number
                )
            else:
                before = json.loads(change.before)
                restore(session, current, before, names)
                _audit(
                    session, change.procedure_code, now, before, actor, "rollback", decision.number
                )
    decision.state = DecisionState.rolled_back
    decision.rolled_back_by = actor
    decision.rolled_back_at = local_now()
    bump_catalog_version(session)
    session.flush()
    logger.info("%s rolled back decision %s", actor, decision.number)
    return decision


def activate_due_decisions(session: Session, today: date | None = None) -> list[str]:
    """Apply the scheduled decisions whose effective date has come; their numbers."""
    today = today or local_today()
    due = session.scalars(
        select(Decision)
        .where(Decision.state == DecisionState.scheduled, Decision.effective_on <= today)
        .order_by(Decision.effective_on, Decision.id)
    ).all()
    for decision in due:
        _execute(session, decision, actor=SYSTEM_ACTOR, action="activate")
        logger.info("decision %s took effect on %s", decision.number, decision.effective_on)
    return [d.number for d in due]


def has_due_decisions(session: Session, today: date | None = None) -> bool:
    """Whether a scheduled decision's effective date has come (a cheap check)."""
    return (
        session.scalar(
            select(Decision.id)
            .where(
                Decision.state == DecisionState.scheduled,
                Decision.effective_on <= (today or local_today()),
            )
            .limit(1)
        )
        is not None
    )


def list_decisions(session: Session) -> list[DecisionInfo]:
    """The decisions admins imported, newest first."""
    rows = session.scalars(
        select(Decision)
        .where(Decision.state != DecisionState.published)
        .options(selectinload(Decision.changes))
        .order_by(Decision.imported_at.desc(), Decision.id.desc())
    )
    return [
        DecisionInfo(
            id=d.id,
            number=d.number,
            issued_on=d.issued_on,
            effective_on=d.effective_on,
            state=d.state.value,
            source_name=d.source_name,
            imported_by=d.imported_by,
            imported_at=d.imported_at,
            applied_at=d.applied_at,
            rolled_back_by=d.rolled_back_by,
            rolled_back_at=d.rolled_back_at,
            rows=len(d.changes),
        )
        for d in rows
    ]
