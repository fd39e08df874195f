"""Catalog imports: the national database's JSON export and the ministries' Excel index sheets.

Every import is all or nothing: records are checked first, and one bad record stops the
run before anything is written, with the file (and line) and the reason for each problem.
Records whose body belongs to another procedure are skipped and reported, never stored.
Re-importing the same data changes nothing (upsert by procedure code).
"""

from __future__ import annotations

import json
import logging
import time
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from knowledge.catalog.parsing import (
    MismatchedRecordError,
    ProcedureRecord,
    RecordError,
    parse_record,
)
from knowledge.clock import local_now
from knowledge.config import NATIONAL_CATALOG_DIR, SAMPLE_CATALOG_DIR
from knowledge.enums import Channel
from knowledge.errors import ImportFailed, InvalidInputError
from knowledge.models import (
    CatalogImport,
    ChannelOption,
    Decision,
    Field,
    LegalDocument,
    Procedure,
    RequiredPaper,
)
from knowledge.schemas import PROCEDURE_CODE_RE, ImportReport

logger = logging.getLogger(__name__)

SHEET_HEADER = ("Mã số", "Tên", "Cơ quan ban hành", "Cơ quan thực hiện", "Lĩnh vực")

Progress = Callable[[int], None]


def import_json_catalog(
    session: Session, path: Path, *, source: str = "national", progress: Progress | None = None
) -> ImportReport:
    """Import a folder of national-export JSON files (one procedure per file, any depth).

    Args:
        session: the session to write with; the caller commits.
        path: a folder such as ``raw/`` (ministry sub-folders) or a single JSON file.
        source: recorded on each procedure ("national", "sample").
        progress: called with the number of files read so far.

    Raises:
        ImportFailed: some files are unreadable or invalid; nothing was written.
    """
    started = time.perf_counter()
    files = _json_files(path)
    records: list[tuple[ProcedureRecord, str | None]] = []
    problems: list[tuple[str, str]] = []
    skipped: list[tuple[str, str]] = []
    for number, file in enumerate(files, start=1):
        where = str(file.relative_to(path)) if path.is_dir() else file.name
        try:
            raw = json.loads(file.read_text(encoding="utf-8"))
            if not isinstance(raw, dict):
                raise RecordError("Mỗi tệp phải chứa đúng một đối tượng JSON")
            record = parse_record(raw)
            if file.stem != record.code:
                raise RecordError(f"Tên tệp không khớp mã thủ tục (ma_thu_tuc) {record.code!r}")
        except MismatchedRecordError as exc:
            skipped.append((where, str(exc)))
        except json.JSONDecodeError as exc:
            problems.append((f"{where}:{exc.lineno}", f"JSON không hợp lệ: {exc.msg}"))
        except (RecordError, UnicodeDecodeError) as exc:
            problems.append((where, str(exc)))
        else:
            ministry = file.parent.name if path.is_dir() and file.parent != path else None
            records.append((record, ministry))
        if progress:
            progress(number)
    if not files:
        raise InvalidInputError(f"Không có tệp JSON nào trong {path}")
    _fail_on(problems, total=len(files))
    _check_duplicates(r.code for r, _ in records)

    writer = _CatalogWriter(session)
    for record, ministry in records:
        writer.upsert(record, ministry=ministry, source=source)
    _record_run(session, path, "json", imported=len(records), skipped=len(skipped))
    report = ImportReport(
        imported=len(records), skipped=skipped, seconds=time.perf_counter() - started
    )
    logger.info("imported %d procedures from %s (%d skipped)", report.imported, path, len(skipped))
    return report


def import_index_sheet(session: Session, path: Path) -> ImportReport:
    """Import a ministry's Excel index sheet.

    Its columns: Mã số, Tên, Cơ quan ban hành, Cơ quan thực hiện, Lĩnh vực.

    Procedures already in the catalog get the sheet's name and field, and its implementing
    agency when they have none; codes new to the catalog are added with what the sheet holds.

    Raises:
        ImportFailed: a row is wrong (the problems name ``file:row``); nothing was written.
    """
    started = time.perf_counter()
    rows = list(_sheet_rows(path))
    problems: list[tuple[str, str]] = []
    entries: list[dict[str, str | None]] = []
    for row_number, cells in rows:
        where = f"{path.name}:{row_number}"
        code = (cells[0] or "").strip()
        name = " ".join((cells[1] or "").split())
        if not PROCEDURE_CODE_RE.match(code):
            problems.append((where, f"mã thủ tục không hợp lệ: {code!r}"))
        elif not name:
            problems.append((where, "thiếu tên thủ tục"))
        else:
            entries.append(
                {
                    "code": code,
                    "name": name,
                    "issuer": _clean_cell(cells[2]),
                    "agency": _clean_cell(cells[3]),
                    "field": _clean_cell(cells[4]),
                }
            )
    if not rows:
        raise InvalidInputError(
            f"{path.name}: không có dòng dữ liệu nào dưới tiêu đề {SHEET_HEADER}"
        )
    _fail_on(problems, total=len(rows))
    _check_duplicates((e["code"] or "" for e in entries), where=path.name)

    writer = _CatalogWriter(session)
    for entry in entries:
        writer.merge_index_entry(entry)
    _record_run(session, path, "excel", imported=len(entries))
    return ImportReport(imported=len(entries), seconds=time.perf_counter() - started)


def _json_files(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise InvalidInputError(f"Không tìm thấy {path}")
    return sorted(path.rglob("*.json"))


def _fail_on(problems: list[tuple[str, str]], *, total: int) -> None:
    if problems:
        raise ImportFailed(
            f"Nhập dữ liệu thất bại: {len(problems)}/{total} bản ghi có lỗi, không có gì được ghi.",
            problems,
        )


def _check_duplicates(codes: Iterable[str], where: str = "") -> None:
    counts = Counter(codes)
    problems = [
        (where or code, f"mã thủ tục {code} xuất hiện {n} lần")
        for code, n in counts.items()
        if n > 1
    ]
    _fail_on(problems, total=len(counts))


def _sheet_rows(path: Path) -> Iterable[tuple[int, tuple[str | None, ...]]]:
    """Data rows under the header row, with their 1-based row numbers."""
    import openpyxl  # only the Excel index sheets need it

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken file
        raise InvalidInputError(f"{path.name}: không đọc được tệp Excel ({exc})") from exc
    try:
        sheet = workbook.worksheets[0]
        header_found = False
        for row_number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
            cells = tuple(None if v is None else str(v) for v in row[:5])
            cells += (None,) * (5 - len(cells))
            if not header_found:
                header_found = tuple((c or "").strip() for c in cells) == SHEET_HEADER
                continue
            if any(c and c.strip() for c in cells):
                yield row_number, cells
        if not header_found:
            raise InvalidInputError(f"{path.name}: không thấy dòng tiêu đề {SHEET_HEADER}")
    finally:
        workbook.close()


def _clean_cell(value: str | None) -> str | None:
    if value is None:
        return None
    lines = [" ".join(line.split()) for line in value.splitlines()]
    text = "; ".join(line for line in lines if line)
    return text or None


def record_columns(record: ProcedureRecord) -> dict[str, Any]:
    """A parsed record's plain procedure columns, as stored (field, decision and source aside)."""
    return {
        "name": record.name,
        "levels": ", ".join(record.levels),
        "procedure_type": record.procedure_type,
        "target_subjects": record.target_subjects,
        "competent_agency": record.competent_agency,
        "implementing_agency": record.implementing_agency,
        "receiving_address": record.receiving_address,
        "authorised_agency": record.authorised_agency,
        "coordinating_agency": record.coordinating_agency,
        "related_procedures": record.related_procedures,
        "steps": record.steps,
        "conditions": record.conditions,
        "results": "\n".join(record.results) or None,
        "papers_text": record.papers_text,
        "detail_url": record.detail_url,
    }


class Names:
    """Fields and decisions by name, read once and created when new (for many writes)."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.fields: dict[str, Field] = {f.name: f for f in session.scalars(select(Field))}
        self.decisions: dict[str, Decision] = {
            d.number: d for d in session.scalars(select(Decision))
        }

    def field(self, name: str | None) -> Field | None:
        """The field called ``name``, created when new; None for no name."""
        if not name:
            return None
        if name not in self.fields:
            self.fields[name] = Field(name=name)
            self.session.add(self.fields[name])
        return self.fields[name]

    def decision(self, number: str | None) -> Decision | None:
        """The decision numbered ``number``, created (as published) when new."""
        if not number:
            return None
        if number not in self.decisions:
            self.decisions[number] = Decision(number=number)
            self.session.add(self.decisions[number])
        return self.decisions[number]


def load_procedures(session: Session) -> dict[str, Procedure]:
    """Every procedure by code, with its channels, papers and legal documents loaded."""
    query = select(Procedure).options(
        selectinload(Procedure.channels),
        selectinload(Procedure.papers),
        selectinload(Procedure.legal_documents),
    )
    return {p.code: p for p in session.scalars(query)}


class _CatalogWriter(Names):
    """Writes records into the session, reusing fields and decisions by name."""

    def __init__(self, session: Session) -> None:
        super().__init__(session)
        self.procedures = load_procedures(session)

    def upsert(self, record: ProcedureRecord, *, ministry: str | None, source: str) -> Procedure:
        procedure = self.procedures.get(record.code)
        if procedure is None:
            procedure = Procedure(code=record.code)
            self.session.add(procedure)
            self.procedures[record.code] = procedure
        values: dict[str, Any] = {
            **record_columns(record),
            "ministry": ministry or procedure.ministry,
            "field": self.field(record.field),
            "decision": self.decision(record.decision_number),
            "source": source,
        }
        for key, value in values.items():
            if getattr(procedure, key) != value:
                setattr(procedure, key, value)
        self._replace_children(procedure, record)
        return procedure

    def _replace_children(self, procedure: Procedure, record: ProcedureRecord) -> None:
        channels = [_channel_row(c) for c in record.channels]
        if channels != [_channel_row(c) for c in procedure.channels]:
            procedure.channels = [
                ChannelOption(
                    position=i, channel=Channel(ch), **dict(zip(CHANNEL_FIELDS, rest, strict=True))
                )
                for i, (ch, *rest) in enumerate(channels)
            ]
        papers = [(p.group, p.name, p.template, p.copies) for p in record.papers]
        if papers != [(p.group, p.name, p.template, p.copies) for p in procedure.papers]:
            procedure.papers = [
                RequiredPaper(position=i, group=g, name=n, template=t, copies=c)
                for i, (g, n, t, c) in enumerate(papers)
            ]
        documents = [(d.number, d.title) for d in record.legal_documents]
        if documents != [(d.number, d.title) for d in procedure.legal_documents]:
            procedure.legal_documents = [
                LegalDocument(position=i, number=n, title=t) for i, (n, t) in enumerate(documents)
            ]

    def merge_index_entry(self, entry: dict[str, str | None]) -> Procedure:
        code = entry["code"] or ""
        procedure = self.procedures.get(code)
        if procedure is None:
            procedure = Procedure(
                code=code,
                name=entry["name"],
                levels="",
                source="excel",
                implementing_agency=entry["agency"],
            )
            self.session.add(procedure)
            self.procedures[code] = procedure
        if procedure.name != entry["name"]:
            procedure.name = entry["name"]
        field = self.field(entry["field"])
        if field is not None and procedure.field is not field:
            procedure.field = field
        if not procedure.implementing_agency and entry["agency"]:
            procedure.implementing_agency = entry["agency"]
        if not procedure.ministry and entry["issuer"]:
            procedure.ministry = entry["issuer"]
        return procedure


CHANNEL_FIELDS = ("time_value", "time_unit", "time_text", "fee_text", "fee_amount", "description")


def _channel_row(option: Any) -> tuple[Any, ...]:
    """A parsed or stored channel option as a comparable row: channel value, then its fields."""
    return (Channel(option.channel).value, *(getattr(option, f) for f in CHANNEL_FIELDS))


def _record_run(
    session: Session, path: Path, kind: str, *, imported: int, skipped: int = 0
) -> None:
    """Log one import run in ``catalog_imports`` (the history an admin reads) and flush."""
    session.add(
        CatalogImport(
            source_path=str(path),
            kind=kind,
            started_at=local_now(),
            imported=imported,
            skipped=skipped,
        )
    )
    session.flush()


def default_catalog_dir() -> tuple[Path, str]:
    """The catalog ``make run`` loads: the national export from ../shared, else the sample."""
    if NATIONAL_CATALOG_DIR.is_dir():
        return NATIONAL_CATALOG_DIR, "national"
    return SAMPLE_CATALOG_DIR, "sample"
