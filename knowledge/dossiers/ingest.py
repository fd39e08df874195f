"""Dossier ingestion: payload validation (shared with the API) and all-or-nothing file imports.

A file is CSV (a header row naming :class:`DossierIn` fields, UTF-8, comma or semicolon),
JSON (an array of objects, or ``{"dossiers": [...]}``) or JSON Lines. Every record is checked
first, the procedure codes against the catalog too; one bad record stops the import before
anything is written, and each problem is reported as ``file:line`` (CSV, JSON Lines) or
``file[index]`` (JSON) with the field and the reason in Vietnamese.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import time
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from knowledge.dossiers.schemas import DossierImportReport, DossierIn
from knowledge.dossiers.store import known_procedure_codes, upsert_dossier
from knowledge.errors import ImportFailed, InvalidInputError

logger = logging.getLogger(__name__)

MAX_FILE_BYTES = 200 * 1024 * 1024

Progress = Callable[[int], None]

_MESSAGES = {
    "value_error.missing": "thiếu trường bắt buộc",
    "type_error.none.not_allowed": "không được để trống",
    "value_error.datetime": "ngày giờ không hợp lệ (dạng 2025-11-20T08:30:00)",
    "type_error.datetime": "ngày giờ không hợp lệ (dạng 2025-11-20T08:30:00)",
    "type_error.bool": "phải là có/không (true/false)",
    "type_error.str": "phải là chuỗi ký tự",
    "value_error.any_str.max_length": "quá dài",
}


class DossierInvalid(InvalidInputError):
    """A dossier payload the layer refuses; ``problems`` lists ``(field, reason)`` pairs."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        listed = "; ".join(f"{field}: {reason}" for field, reason in problems)
        super().__init__(f"Dữ liệu hồ sơ không hợp lệ — {listed}.")
        self.problems = problems


def _reason(error: Mapping[str, Any]) -> str:
    kind = str(error.get("type", ""))
    if kind == "type_error.enum":
        allowed = ", ".join(str(getattr(v, "value", v)) for v in error["ctx"]["enum_values"])
        return f"phải là một trong: {allowed}"
    if kind in _MESSAGES:
        return _MESSAGES[kind]
    if kind.startswith("value_error") and kind not in ("value_error",):
        return "giá trị không hợp lệ"
    if kind.startswith("type_error"):
        return "sai kiểu dữ liệu"
    return str(error.get("msg", "giá trị không hợp lệ"))


def parse_dossier(data: Any) -> DossierIn:
    """Validate one pushed dossier.

    Raises:
        DossierInvalid: with each field's problem in Vietnamese, e.g.
            ``("applicant_phone", "số điện thoại phải có 10–11 chữ số, …")``.
    """
    if not isinstance(data, Mapping):
        raise DossierInvalid([("hồ sơ", "phải là một đối tượng JSON")])
    try:
        return DossierIn.parse_obj(data)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            field = ".".join(str(p) for p in error["loc"] if p != "__root__") or "hồ sơ"
            problems.append((field, _reason(error)))
        raise DossierInvalid(problems) from exc


def _read_records(path: Path) -> Iterable[tuple[str, Any]]:
    """``(location, raw record)`` pairs of a CSV, JSON or JSON Lines file."""
    if path.stat().st_size > MAX_FILE_BYTES:
        raise InvalidInputError(f"Tệp {path.name} quá lớn (tối đa 200 MB).")
    text = path.read_text(encoding="utf-8-sig")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        try:
            dialect: Any = csv.Sniffer().sniff(text.split("\n", 1)[0], delimiters=",;\t")
        except csv.Error:
            dialect = "excel"
        reader = csv.DictReader(io.StringIO(text, newline=""), dialect=dialect)
        for row in reader:
            cleaned = {k.strip(): v.strip() for k, v in row.items() if k and v and v.strip()}
            if None in row:
                cleaned["__extra__"] = row[None]
            yield f"{path.name}:{reader.line_num}", cleaned
    elif suffix in (".jsonl", ".ndjson"):
        for number, line in enumerate(text.splitlines(), start=1):
            if line.strip():
                try:
                    yield f"{path.name}:{number}", json.loads(line)
                except json.JSONDecodeError as exc:
                    yield f"{path.name}:{number}", ValueError(f"JSON hỏng ({exc.msg})")
    elif suffix == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ImportFailed(
                "Không nhập được hồ sơ: tệp JSON hỏng, chưa ghi gì.",
                [(f"{path.name}:{exc.lineno}", f"JSON hỏng ({exc.msg})")],
            ) from exc
        if isinstance(data, Mapping) and isinstance(data.get("dossiers"), list):
            data = data["dossiers"]
        if not isinstance(data, list):
            raise ImportFailed(
                "Không nhập được hồ sơ: tệp JSON phải là một mảng hồ sơ.",
                [(path.name, 'cần một mảng [...] hoặc {"dossiers": [...]}')],
            )
        for index, item in enumerate(data):
            yield f"{path.name}[{index}]", item
    else:
        raise InvalidInputError(f"Tệp {path.name}: chỉ nhận .csv, .json hoặc .jsonl.")


def check_file(session: Session, path: Path) -> tuple[list[DossierIn], list[tuple[str, str]]]:
    """Every record of ``path`` validated, and the problems found (location, reason)."""
    payloads: list[DossierIn] = []
    locations: list[str] = []
    problems: list[tuple[str, str]] = []
    seen: dict[str, str] = {}
    for where, raw in _read_records(path):
        if isinstance(raw, Exception):
            problems.append((where, str(raw)))
            continue
        if isinstance(raw, Mapping) and "__extra__" in raw:
            problems.append((where, "dòng có nhiều cột hơn tiêu đề"))
            continue
        try:
            payload = parse_dossier(raw)
        except DossierInvalid as exc:
            problems.extend((where, f"{field}: {reason}") for field, reason in exc.problems)
            continue
        if payload.code in seen:
            problems.append((where, f"mã hồ sơ {payload.code} trùng với {seen[payload.code]}"))
            continue
        seen[payload.code] = where
        payloads.append(payload)
        locations.append(where)
    known = known_procedure_codes(session, {p.procedure_code for p in payloads})
    for where, payload in zip(locations, payloads, strict=False):
        if payload.procedure_code not in known:
            problems.append(
                (
                    where,
                    f"procedure_code: thủ tục {payload.procedure_code} " "không có trong danh mục",
                )
            )
    if not payloads and not problems:
        problems.append((path.name, "tệp không có hồ sơ nào"))
    return payloads, problems


def import_dossiers(
    session: Session,
    path: Path,
    *,
    now: datetime | None = None,
    progress: Progress | None = None,
) -> DossierImportReport:
    """Import a CSV, JSON or JSON Lines file of dossiers, all or nothing.

    Args:
        session: the session to write with; the caller commits, or rolls back on error.
        path: the file.
        now: the time recorded on updates (default: now).
        progress: called with the number of dossiers written so far.

    Raises:
        ImportFailed: some records are invalid; nothing was written.
        InvalidInputError: the file is missing, too large or of an unknown kind.
    """
    started = time.perf_counter()
    if not path.is_file():
        raise InvalidInputError(f"Không tìm thấy tệp {path}.")
    payloads, problems = check_file(session, path)
    if problems:
        raise ImportFailed(
            f"Không nhập được hồ sơ: {len(problems)} lỗi trong {path.name}, chưa ghi gì.",
            problems,
        )
    created = 0
    for count, payload in enumerate(payloads, start=1):
        created += upsert_dossier(session, payload, now=now).created
        if progress and count % 200 == 0:
            progress(count)
    if progress:
        progress(len(payloads))
    logger.info("imported %d dossiers from %s (%d new)", len(payloads), path.name, created)
    return DossierImportReport(
        imported=len(payloads),
        created=created,
        updated=len(payloads) - created,
        seconds=time.perf_counter() - started,
    )
