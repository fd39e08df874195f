"""The answer audit: render every aspect of every procedure and check it against its record.

Each rule is one pattern by which a rendered answer can part from the national record it came
from. Rules of kind ``wrong`` denote a wrong or hidden fact and must find nothing; rules of kind
``noise`` denote answers that are true but harder to read, and are reported with their counts.
The checks read the raw record (the JSON file as exported), not the card, so a parser or
renderer change that brings a pattern back is caught.

Run it with ``tthc catalog audit``; the test ``tests/knowledge/answers/test_audit.py`` runs it
over the national export in ``../shared`` when present, else over the sample catalog.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from knowledge.answers.facts import amounts_in, no_information, reduced_fee
from knowledge.answers.render import format_answer
from knowledge.catalog.parsing import (
    CHANNELS,
    RecordError,
    clean_text,
    parse_papers,
    parse_record,
)
from knowledge.clock import local_today
from knowledge.schemas import ProcedureCard

AUDITED_ASPECTS = ("fee", "processing_time", "documents", "agency", "channels")


@dataclass(frozen=True)
class Case:
    """One procedure to audit: its card, its raw record and its rendered answers."""

    card: ProcedureCard
    raw: dict[str, Any]
    answers: dict[str, str]
    today: date

    def lines(self, aspect: str) -> list[str]:
        """The answer's lines without its heading and citation."""
        body = self.answers[aspect].split("\nMã thủ tục:")[0]
        return body.splitlines()[1:]

    def channel_values(self, aspect: str) -> dict[str, str]:
        """Per channel label, the value its "- Trực tiếp, Trực tuyến: value" line gives."""
        values: dict[str, str] = {}
        for line in self.lines(aspect):
            match = re.match(
                rf"- (?P<labels>(?:{_LABELS})(?:, (?:{_LABELS}))*): (?P<value>.*)", line
            )
            if match:
                for label in match["labels"].split(", "):
                    values.setdefault(label, match["value"])
        return values

    def raw_text(self, *keys: str) -> str:
        """Some raw fields joined, for searching."""
        return "\n".join(str(self.raw.get(key) or "") for key in keys)


_LABELS = "|".join(re.escape(label) for label in CHANNELS.values())


@dataclass(frozen=True)
class Rule:
    """One pattern by which an answer parts from its record."""

    name: str
    kind: str  # "wrong" (a wrong or hidden fact: must be 0) | "noise" (reported)
    description: str  # in Vietnamese, for the report
    check: Callable[[Case], bool]  # True when the case shows the pattern


# --------------------------------------------------------------------------- papers


def _papers_dropped(case: Case) -> bool:
    """Rows the record counts (≥ 1 bản chính or bản sao) must all be shown or counted."""
    rows = parse_papers(case.raw.get("thanh_phan_ho_so"))
    counted = [p for p in rows if re.search(r"[1-9]\s*bản", p.copies)]
    lines = case.lines("documents")
    shown = sum(1 for line in lines if re.match(r"\d+\. ", line))
    more = next((int(m[1]) for line in lines if (m := re.match(r"… và (\d+) giấy tờ", line))), 0)
    return shown + more < len(counted)


def _papers_only_in_text(case: Case) -> bool:
    return "chưa liệt kê thành phần hồ sơ" in case.answers["documents"] and bool(
        clean_text(case.raw.get("thanh_phan_ho_so"))
    )


def _zero_copies_shown(case: Case) -> bool:
    return bool(re.search(r"\(0 bản chính\)", case.answers["documents"]))


def _empty_paper_item(case: Case) -> bool:
    return any(re.fullmatch(r"\d+\.\s*(?:\([^()]*\))?", line) for line in case.lines("documents"))


def _paper_heading_repeats_item(case: Case) -> bool:
    lines = case.lines("documents")
    for heading, item in zip(lines, lines[1:], strict=False):
        if heading.endswith(":") and re.match(r"\d+\. ", item):
            name = re.sub(r"^\d+\. ", "", item).split(" (")[0].rstrip("…")
            if name and heading.rstrip(":").rstrip("…").startswith(name[:60]):
                return True
    return False


def _special_case_before_form(case: Case) -> bool:
    """In one group, a "Trường hợp…" paper listed before a form the citizen fills in."""
    seen_special = False
    for line in case.lines("documents"):
        if not re.match(r"\d+\. ", line):
            seen_special = False  # a new group heading
            continue
        name = re.sub(r"^\d+\. ", "", line)
        if re.match(r"(?:Trường hợp|Đối với|Nếu)\b", name):
            seen_special = True
        elif seen_special and re.match(r"(?:Tờ khai|Đơn\b|Giấy đề nghị|Phiếu)", name):
            return True
    return False


# --------------------------------------------------------------------------- time

_UNIT = r"ngày làm việc|ngày|giờ|tháng|năm|phút|tuần"


def _time_unit_invented(case: Case) -> bool:
    """A bare number in the time cell shown with a unit the record never gives that number."""
    rows = _raw_rows(case)
    values = case.channel_values("processing_time")
    text = case.raw_text("trinh_tu_thuc_hien", "cach_thuc_thuc_hien", "raw_text")
    for row in rows:
        if row.time_unit or row.time_value is None or not re.fullmatch(r"[\d.,]+", row.time_text):
            continue
        value = values.get(CHANNELS[row.channel], "")
        shown = re.match(rf"(\d+(?:,\d+)?) ({_UNIT})\b", value)
        exact_unit = rf"{shown[2]}(?!\s+làm\s+việc)" if shown and shown[2] == "ngày" else ""
        if shown and not re.search(
            rf"(?<![\d/.,])0*{re.escape(shown[1])}\s*{exact_unit or shown[2]}", text, re.IGNORECASE
        ):
            return True
    return False


def _zero_time_as_days(case: Case) -> bool:
    return any(
        re.match(r"0 (?:ngày|giờ)", v) for v in case.channel_values("processing_time").values()
    )


def _time_without_time(case: Case) -> bool:
    """A time line that states no time and does not say that the record has none."""
    cells = {re.sub(r"\s+", " ", row.time_text).strip().casefold() for row in _raw_rows(case)}
    for value in case.channel_values("processing_time").values():
        if value.casefold() in cells:  # the record's own time cell, as written
            continue
        if not re.search(
            r"\d|chưa ghi|không quy định|không nêu|ngay|trong ngày", value, re.IGNORECASE
        ):
            return True
    return False


# --------------------------------------------------------------------------- fees

_CHARGE_IN_NOTE = re.compile(
    r"\d[\d.,]*\s*(?:đồng|đ\b|VNĐ)|Hội đồng nhân dân|HĐND|mức\s+(?:thu|phí|lệ\s*phí)|biểu\s+phí",
    re.IGNORECASE,
)


def _raw_rows(case: Case) -> list[Any]:
    """The record's channel rows (with a fee cell the scraper split into the legal field)."""
    return list(parse_record(case.raw).channels)


def _free_headline_fee_due(case: Case) -> bool:
    """ "Miễn phí" shown while the record's note gives an amount, a rate or the council's say."""
    values = case.channel_values("fee")
    for row in _raw_rows(case):
        note = row.fee_text.split("(", 1)[1] if "(" in row.fee_text else ""
        if (
            row.fee_text.lower().startswith("miễn phí")
            and _CHARGE_IN_NOTE.search(note)
            and not reduced_fee(row.fee_text, case.today)
            and values.get(CHANNELS[row.channel], "").startswith("miễn phí")
        ):
            return True
    return False


def _amount_not_in_record(case: Case) -> bool:
    """An amount in a fee line that the record's fee cells never write."""
    written = set(amounts_in(case.raw_text("cach_thuc_thuc_hien", "can_cu_phap_ly")))
    # "Trực tuyến120,000 VNĐ" is time 1 and fee 20,000: a written amount may carry one
    # leading digit of the glued time cell.
    glued = {int(str(w)[1:]) for w in written if len(str(w)) > 1}
    for value in case.channel_values("fee").values():
        for amount in amounts_in(value.split("danh mục ghi", 1)[0]):
            if amount not in written and amount not in glued:
                return True
    return False


def _reduced_fee_hidden(case: Case) -> bool:
    values = case.channel_values("fee")
    for row in _raw_rows(case):
        reduced = reduced_fee(row.fee_text, case.today)
        if reduced is None:
            continue
        amount, _until = reduced
        value = values.get(CHANNELS[row.channel], "")
        expected = "miễn phí" if amount == 0 else f"{amount:,} đồng".replace(",", ".")
        if not value.startswith(expected):
            return True
    return False


def _no_fee_rule_as_missing(case: Case) -> bool:
    return (
        any(
            re.search(r"(?:^|\n)[-+*\s]*Không\s+quy\s+định\s+(?:phí|lệ\s*phí)", text, re.IGNORECASE)
            for row in _raw_rows(case)
            for text in (row.fee_text, row.description)
        )
        and "chưa ghi lệ phí" in case.answers["fee"]
    )


def _fee_note_dropped(case: Case) -> bool:
    """A channel's fee explanation that no line of the fee answer carries."""
    answer = re.sub(r"\s+", " ", case.answers["fee"])
    for row in _raw_rows(case):
        if "(" not in row.fee_text:
            continue
        note = re.sub(r"\s+", " ", row.fee_text.split("(", 1)[1]).strip(" ()-")
        if no_information(note) or reduced_fee(row.fee_text, case.today):
            continue
        if note[:30] not in answer:
            return True
    return False


# --------------------------------------------------------------------------- agency, channels

_SUBMIT_TO_OFFICE = re.compile(
    r"(?:nộp|gửi)[^.;:\n]{0,90}?\b(?:đến|tới|tại|cho|về)\s+(?:[Cc]ơ quan|Bộ phận|Trung tâm|"
    r"Ủy ban|UBND|Sở|Cục|Chi cục|Phòng|Công an|Ngân hàng|Văn phòng|Kho bạc|Hải quan|Cảng vụ)"
)


def _agency_missing(case: Case) -> bool:
    return "chưa ghi cơ quan" in case.answers["agency"] and bool(
        _SUBMIT_TO_OFFICE.search(str(case.raw.get("trinh_tu_thuc_hien") or ""))
    )


def _agency_time_sentence(case: Case) -> bool:
    return any(
        re.match(
            r"- Nộp trực tiếp: (?:Trong thời hạn|Thời hạn|\d+ (?:ngày|giờ))", line, re.IGNORECASE
        )
        for line in case.lines("agency")
    )


def _duplicated_agency(case: Case) -> bool:
    for line in case.lines("agency"):
        match = re.match(r"- Cơ quan (?:thực hiện|có thẩm quyền): (.*)", line)
        if match:
            names = [n.strip().casefold() for n in re.split(r"[;,]", match[1]) if n.strip()]
            if len(names) != len(set(names)):
                return True
    return False


def _repeated_channel_label(case: Case) -> bool:
    for line in case.lines("channels"):
        if line.startswith("Có thể nộp: "):
            labels = line.removeprefix("Có thể nộp: ").rstrip(".").split(", ")
            return len(labels) != len(set(labels))
    return False


def _channels_differ(case: Case) -> bool:
    """The channels offered are not the record's channels."""
    expected = {CHANNELS[row.channel] for row in _raw_rows(case)}
    for line in case.lines("channels"):
        if line.startswith("Có thể nộp: "):
            return set(line.removeprefix("Có thể nộp: ").rstrip(".").split(", ")) != expected
    return bool(expected)


RULES: tuple[Rule, ...] = (
    Rule("papers_dropped", "wrong", "Giấy tờ có số bản bị ẩn hoặc không được đếm", _papers_dropped),
    Rule(
        "papers_only_in_text",
        "wrong",
        "Hồ sơ chỉ có dạng văn bản nhưng trả lời «chưa liệt kê»",
        _papers_only_in_text,
    ),
    Rule(
        "zero_copies_shown", "wrong", "Hiện «0 bản chính» như số bản phải nộp", _zero_copies_shown
    ),
    Rule(
        "time_unit_invented",
        "wrong",
        "Đơn vị thời hạn tự thêm, bản ghi không ghi",
        _time_unit_invented,
    ),
    Rule("zero_time_as_days", "wrong", "Thời hạn «0» hiện thành «0 ngày»", _zero_time_as_days),
    Rule("time_without_time", "wrong", "Dòng thời hạn không nêu thời hạn nào", _time_without_time),
    Rule(
        "free_headline_fee_due",
        "wrong",
        "Ghi «miễn phí» trong khi ghi chú nêu khoản phải nộp",
        _free_headline_fee_due,
    ),
    Rule(
        "amount_not_in_record",
        "wrong",
        "Số tiền không có trong bản ghi (nhân 1.000 tự đoán)",
        _amount_not_in_record,
    ),
    Rule(
        "reduced_fee_hidden",
        "wrong",
        "Mức phí giảm đang áp dụng bị che bởi mức đầy đủ",
        _reduced_fee_hidden,
    ),
    Rule(
        "no_fee_rule_as_missing",
        "wrong",
        "«Không quy định phí, lệ phí» trả lời thành «chưa ghi»",
        _no_fee_rule_as_missing,
    ),
    Rule("fee_note_dropped", "wrong", "Ghi chú phí của một kênh bị bỏ", _fee_note_dropped),
    Rule(
        "agency_missing",
        "wrong",
        "«Chưa ghi cơ quan» trong khi trình tự nêu nơi nộp",
        _agency_missing,
    ),
    Rule("channels_differ", "wrong", "Các kênh nộp khác với bản ghi", _channels_differ),
    Rule(
        "agency_time_sentence",
        "noise",
        "Dòng nơi nộp thực ra là câu về thời hạn",
        _agency_time_sentence,
    ),
    Rule("duplicated_agency", "noise", "Cơ quan lặp lại", _duplicated_agency),
    Rule("repeated_channel_label", "noise", "Tên kênh nộp lặp lại", _repeated_channel_label),
    Rule("empty_paper_item", "noise", "Mục giấy tờ rỗng", _empty_paper_item),
    Rule(
        "paper_heading_repeats_item",
        "noise",
        "Tiêu đề nhóm lặp lại tên giấy tờ ngay dưới",
        _paper_heading_repeats_item,
    ),
    Rule(
        "special_case_before_form",
        "noise",
        "Trường hợp đặc biệt xếp trước tờ khai, đơn",
        _special_case_before_form,
    ),
)


@dataclass
class AuditReport:
    """What the audit found: per rule, the codes that show its pattern."""

    procedures: int = 0
    findings: dict[str, list[str]] = field(default_factory=lambda: {r.name: [] for r in RULES})

    def wrong_findings(self) -> int:
        """How many findings denote a wrong or hidden fact (the figure that must be 0)."""
        return sum(len(self.findings[r.name]) for r in RULES if r.kind == "wrong")

    def write(self, path: Path) -> None:
        """The offending codes, one "rule<TAB>code" line each."""
        path.parent.mkdir(parents=True, exist_ok=True)
        lines = [f"{rule}\t{code}" for rule, codes in self.findings.items() for code in codes]
        path.write_text("\n".join(lines) + ("\n" if lines else ""), encoding="utf-8")


def audit(
    cards: Iterable[ProcedureCard], records: dict[str, dict[str, Any]], *, today: date | None = None
) -> AuditReport:
    """Render the five aspects of every card that has a raw record, and apply every rule."""
    today = today or local_today()
    report = AuditReport()
    for card in cards:
        raw = records.get(card.code)
        if raw is None:
            continue
        answers = {aspect: format_answer(card, aspect) for aspect in AUDITED_ASPECTS}
        case = Case(card=card, raw=raw, answers=answers, today=today)
        report.procedures += 1
        for rule in RULES:
            if rule.check(case):
                report.findings[rule.name].append(card.code)
    return report


def raw_records(path: Path) -> dict[str, dict[str, Any]]:
    """The raw JSON records the importer accepts under ``path``, by procedure code."""
    records: dict[str, dict[str, Any]] = {}
    for file in _json_files(path):
        raw = json.loads(file.read_text(encoding="utf-8"))
        try:
            record = parse_record(raw)
        except RecordError:  # not imported either (a body of another code, a bad file)
            continue
        if record.code == file.stem:
            records[file.stem] = raw
    return records


def _json_files(path: Path) -> Iterator[Path]:
    yield from ([path] if path.is_file() else sorted(path.rglob("*.json")))
