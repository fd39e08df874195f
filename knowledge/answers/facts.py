"""What a procedure's catalog cells mean for a citizen: the fee to pay, the time, the papers.

The national export keeps the charge (phí) and the fee (lệ phí) in one cell, types amounts in
thousands now and then, leaves units off times and marks notes as "0 bản chính" papers. Each
function here reads one such cell by one explicit rule, and says plainly what the record does
not state rather than guessing. The renderer (``render.py``) only lays these facts out, and
the audit (``audit.py``) checks the rendered text against the record with the same words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from knowledge.clock import local_today
from knowledge.schemas import ChannelInfo, PaperInfo

# --------------------------------------------------------------------------- amounts

_AMOUNT = re.compile(
    r"(?<![\d.,/])(?P<num>\d{1,3}(?:[.,]\d{3})+|\d+)\s*"
    r"(?:Việt\s*Nam\s*Đồng|VNĐ|VND|đồng|Đồng|đ\b|Đ\b)",
    re.IGNORECASE,
)
_DATE = r"(?P<day>\d{1,2})/(?P<month>\d{1,2})/(?P<year>\d{4})"


def amount_value(number: str) -> int:
    """ "2.000.000" / "2,000,000" / "15000" → đồng (VND has no decimals)."""
    return int(re.sub(r"[.,]", "", number))


def amounts_in(text: str) -> list[int]:
    """Every amount in đồng written in ``text``, in order.

    Example:
        >>> amounts_in("40.000 đồng/giấy, riêng ô tô dưới 10 chỗ: 90.000 đồng")
        [40000, 90000]
    """
    return [amount_value(m.group("num")) for m in _AMOUNT.finditer(text)]


def format_amount(value: int) -> str:
    """12000 → "12.000 đồng"."""
    return f"{value:,} đồng".replace(",", ".")


# --------------------------------------------------------------------------- fees

# A note that says a charge is due: an amount, a rate or tariff, a fee named with what it is
# for, or a fee set by someone. "Không thu lệ phí …" alone is no charge.
_CHARGE_WORDS = re.compile(
    r"mức\s+(?:thu|phí|lệ\s*phí)|biểu\s+(?:phí|mức\s+thu)|\bphí\s*:|"
    r"\b(?:lệ\s*phí|phí)\s+(?:cấp|thẩm\s+định|đăng\s+ký|xác\s+nhận|kiểm|sát\s+hạch|bảo\s+lãnh)|"
    r"(?:lệ\s*phí|\bphí)[^.;]{0,80}\btheo\s+(?:quy\s+định|Thông\s+tư|Nghị)|"
    r"theo\s+quy\s+định\s+của\s+(?:Bộ\s+trưởng\s+)?Bộ\s+Tài\s+chính|"
    r"Luật\s+phí\s+và\s+lệ\s+phí|Thông\s+tư\s+(?:số\s+)?\d+/\d{4}/TT-BTC",
    re.IGNORECASE,
)
# A note that names the charge itself ("Lệ phí cấp giấy chứng nhận: …", "Phí : Thông tư …",
# "Mức thu …"), as opposed to one that only cites the fee rules.
_NAMED_CHARGE = re.compile(
    r"^[-+\s(]*(?:a\)\s*)?(?:lệ\s*phí|phí|giá\s+dịch\s+vụ|mức\s+(?:thu|phí|lệ\s*phí)|biểu\s+phí)\b",
    re.IGNORECASE,
)
_PROVINCE_SETS = re.compile(
    r"Hội\s+đồng\s+nhân\s+dân|HĐND|do\s+(?:Ủy\s+ban\s+nhân\s+dân|UBND)\s+(?:cấp\s+)?tỉnh",
    re.IGNORECASE,
)
_NO_FEE_RULE = re.compile(r"^\s*không\s+(?:quy\s+định|thu)\s+(?:phí|lệ\s*phí)", re.IGNORECASE)
_NO_INFORMATION = {"", "không", "không có", "không có thông tin", "không quy định"}
# "áp dụng mức phí 1.500.000 đồng/hồ sơ kể từ ngày 01/7/2025 đến hết ngày 31/12/2026",
# "Miễn phí từ ngày 07/4/2026 đến 30/6/2026".
_REDUCED = re.compile(
    r"(?:áp\s+dụng\s+mức\s+(?:thu\s+)?(?:phí|lệ\s*phí)?\s*(?:là\s+)?"
    r"(?P<num>\d{1,3}(?:[.,]\d{3})+|\d+)\s*(?:đồng|đ\b|VNĐ)"
    r"|(?P<free>miễn\s+(?:phí|lệ\s*phí|thu)))"
    r"[^()]{0,80}?(?:(?:kể\s+)?từ\s+ngày\s+(?P<from>\d{1,2}/\d{1,2}/\d{4})\s*)?"
    rf"(?:đến\s+(?:hết\s+)?(?:ngày\s+)?{_DATE})",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Fee:
    """What a citizen pays through one channel, as one phrase, and where it comes from."""

    text: str  # "50.000 đồng", "miễn phí", "mức thu do Hội đồng nhân dân cấp tỉnh quyết định…"
    note: str  # the record's explanation under the amount, "" when none
    amount: int | None  # the amount in force in đồng (0 = free), None when not a plain amount
    kind: str  # amount | free | reduced | province | charge | unclear | no_fee_rule | unknown


def head(fee_text: str) -> str:
    """The amount part of a fee cell: "50,000 Việt Nam Đồng (ghi chú)" → "50,000 Việt Nam Đồng"."""
    return fee_text.split("(", 1)[0].strip(" .;:")


def note(fee_text: str) -> str:
    """The parenthesised explanation of a fee cell, or ""."""
    if "(" not in fee_text:
        return ""
    return fee_text.split("(", 1)[1].strip().rstrip(")").strip(" ()-")


def no_information(text: str) -> bool:
    """Whether a cell is the portal's placeholder for "nothing here"."""
    return text.lower().strip(" .()") in _NO_INFORMATION


def reduced_fee(text: str, today: date) -> tuple[int, date] | None:
    """A reduced amount (0 = waived) the note says applies today, with its last day.

    Example:
        >>> reduced_fee("áp dụng mức phí 400.000 đồng/hồ sơ đến hết ngày 31/12/2026",
        ...             date(2026, 12, 1))
        (400000, datetime.date(2026, 12, 31))
    """
    for match in _REDUCED.finditer(text):
        until = _date(match.group("day"), match.group("month"), match.group("year"))
        start = _parse_date(match.group("from"))
        if until is None or until < today or (start is not None and start > today):
            continue
        amount = 0 if match.group("free") else amount_value(match.group("num"))
        return amount, until
    return None


def read_fee(
    channel: ChannelInfo, *, today: date | None = None, province_fee: str | None = None
) -> Fee:
    """What the citizen pays through ``channel``, by the first rule that applies.

    1. A reduced amount (or waiver) in force today, with its end date.
    2. A fee the province's council sets: said so, with the deployment's own figure if given.
    3. "Miễn phí" whose note names a charge or gives an amount: the note, never "miễn phí";
       whose note only cites the fee rules: both said, without deciding.
    4. "Không quy định phí, lệ phí": said so.
    5. The stated amount, or "miễn phí"; an amount typed in thousands only when the note
       writes the full figure ("20 VNĐ (20.000 đồng/tờ khai)"), else the cell as written.
    """
    today = today or local_today()
    text = channel.fee_text.strip()
    explanation = note(text)
    reduced = reduced_fee(text, today)
    if reduced is not None:
        amount, until = reduced
        phrase = "miễn phí" if amount == 0 else format_amount(amount)
        usual = channel.fee_amount
        full = f"; mức thường: {format_amount(usual)}" if usual else ""
        return Fee(
            f"{phrase} (mức áp dụng đến hết ngày {until:%d/%m/%Y}{full})",
            explanation,
            amount,
            "reduced",
        )
    if _PROVINCE_SETS.search(text) and not channel.fee_amount:
        phrase = "mức thu do Hội đồng nhân dân cấp tỉnh quyết định"
        if province_fee:
            phrase += f"; tại địa phương: {province_fee}"
        else:
            phrase += " (danh mục quốc gia không ghi số tiền)"
        return Fee(phrase, explanation, None, "province")
    if channel.fee_amount == 0 and (amounts_in(explanation) or _NAMED_CHARGE.search(explanation)):
        return Fee(f"có thu phí, lệ phí – {explanation}", "", None, "charge")
    if channel.fee_amount == 0 and _CHARGE_WORDS.search(explanation):
        # Only a reference to the fee rules: neither "free" nor an amount can be told.
        return Fee(
            f"danh mục ghi «Miễn phí» nhưng dẫn quy định về phí: {explanation}", "", None, "unclear"
        )
    if _NO_FEE_RULE.match(text) or (
        not channel.fee_amount
        and no_information(head(text))
        and any(_NO_FEE_RULE.match(bare(line)) for line in channel.description.splitlines())
    ):
        return Fee("không quy định phí, lệ phí", "", 0, "no_fee_rule")
    if channel.fee_amount == 0:
        return Fee("miễn phí", explanation, 0, "free")
    if channel.fee_amount:
        return Fee(format_amount(channel.fee_amount), explanation, channel.fee_amount, "amount")
    if not head(text) or no_information(head(text)):
        return Fee("danh mục chưa ghi lệ phí", explanation, None, "unknown")
    if explanation and amounts_in(explanation):
        # "25 VNĐ (25.000.000đ/giấy …)": the typed amount and the note disagree; say both.
        return Fee(f"danh mục ghi {head(text)} – {explanation}", "", None, "unknown")
    return Fee(f"danh mục ghi {head(text)}", explanation, None, "unknown")


def province_fees(path: Path) -> dict[str, str]:
    """The deployment's own fee figures where the province sets them: code → phrase.

    The file (``data/province_fees.yml``) maps procedure codes to what this province charges,
    e.g. ``"1.004772": "8.000 đồng/việc"``; absent file, no figures.
    """
    if not path.is_file():
        return {}
    import yaml  # only read when a deployment has the file

    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    fees = data.get("fees", data) if isinstance(data, dict) else {}
    return {str(code): str(value) for code, value in fees.items()}


# --------------------------------------------------------------------------- time

_UNIT_WORDS = r"ngày\s+làm\s+việc|ngày|giờ|tháng|năm|phút|tuần"
_TIME_IN_TEXT = re.compile(
    rf"(?<![\d/.,])0*(?P<num>\d+)\s*(?P<unit>{_UNIT_WORDS})\b", re.IGNORECASE
)
_TIME_WORDS = re.compile(
    rf"\d+\s*(?:{_UNIT_WORDS})\b|ngay\s+(?:trong\s+ngày|khi|sau)", re.IGNORECASE
)


def number(value: float) -> str:
    """9.0 → "9", 1.5 → "1,5"."""
    return str(int(value)) if float(value).is_integer() else f"{value:g}".replace(".", ",")


def unit_from_text(value: float, texts: list[str]) -> str | None:
    """The one unit the record's own text gives ``value`` ("09 ngày làm việc" → for 9).

    None when the text never writes that number with a unit, or writes it with two.
    """
    if not float(value).is_integer():
        return None
    units = {
        re.sub(r"\s+", " ", m.group("unit").lower())
        for text in texts
        for m in _TIME_IN_TEXT.finditer(text or "")
        if int(m.group("num")) == int(value)
    }
    return units.pop() if len(units) == 1 else None


def read_time(channel: ChannelInfo, texts: list[str]) -> str:
    """The processing time through ``channel``; the unit as the record writes it.

    A bare number takes the unit the record's steps or descriptions write with that number;
    without one it is shown as written with a plain "no unit" remark. An empty cell is
    answered from the channel's description only when that holds a time.
    """
    text = re.sub(r"\s+", " ", channel.time_text).strip()
    if channel.time_value is not None and not channel.time_unit and re.fullmatch(r"[\d.,]+", text):
        if channel.time_value == 0:
            return "danh mục ghi «0», không nêu thời hạn cụ thể"
        unit = unit_from_text(channel.time_value, [channel.description, *texts])
        if unit:
            return f"{number(channel.time_value)} {unit}"
        return f"{number(channel.time_value)} (danh mục không ghi đơn vị)"
    if text and not no_information(text):
        return re.sub(r"(?<=\d )(Ngày|Giờ|Tháng|Năm|Phút|Tuần)", lambda m: m.group().lower(), text)
    sentence = time_sentence(channel.description)
    if sentence:
        return sentence
    return "danh mục chưa ghi thời hạn"


def time_sentence(text: str) -> str:
    """The first sentence or line of ``text`` that states a time, or ""."""
    for part in re.split(r"(?<=[.;])\s+|\n+", text or ""):
        part = part.strip(" -+*•")
        found = _TIME_WORDS.search(part)
        if found:
            # Start at the clause that holds the time when the sentence runs long before it.
            clause = max(part.rfind(": ", 0, found.start()), part.rfind(", ", 0, found.start()))
            return part[clause + 2 :] if clause > 60 else part
    return ""


def is_time_sentence(text: str) -> bool:
    """Whether a description is about time ("Trong thời hạn 05 ngày làm việc…"), not a place."""
    flat = text.strip(" -+*•").lower()
    return bool(
        re.match(r"(?:trong\s+)?(?:thời\s+hạn|vòng|ngay|\d+\s*(?:ngày|giờ))", flat)
        or (re.match(r"\d", flat) and _TIME_WORDS.search(flat))
    )


# --------------------------------------------------------------------------- papers

# A "0 bản chính" row that is an instruction or a case heading, not a paper to bring.
_NOTE_START = re.compile(
    r"^(?:trường\s+hợp|lưu\s+ý|ghi\s+chú|người\s+(?:yêu\s+cầu|đề\s+nghị|nộp)|"
    r"đối\s+với\s+giấy\s+tờ|nếu|khi|trong\s+trường\s+hợp|cơ\s+quan|gửi|nộp|kèm\s+theo)",
    re.IGNORECASE,
)
# "a) …", "(iii) …", "2. …": the record's own numbering, which its rows do not always follow.
_MARKER = re.compile(r"^\(?(?P<mark>\d{1,2}|[ivx]{1,4}|[a-zđ])[.)]\s*")
_ROMAN = {
    "i": 1,
    "ii": 2,
    "iii": 3,
    "iv": 4,
    "v": 5,
    "vi": 6,
    "vii": 7,
    "viii": 8,
    "ix": 9,
    "x": 10,
}
_FORM_START = re.compile(
    r"^(?:\(?(?:\d{1,2}|[ivx]{1,4}|[a-zđ])[.)]\s*)?(?:tờ\s+khai|đơn\b|giấy\s+đề\s+nghị|phiếu|văn\s+bản\s+đề\s+nghị|"
    r"giấy\s+chứng\s+sinh|bản\s+khai)",
    re.IGNORECASE,
)
_SPECIAL_CASE = re.compile(
    r"^(?:trường\s+hợp|đối\s+với|trong\s+trường\s+hợp|nếu)|\(nếu\s+có\)", re.IGNORECASE
)
_COUNT = re.compile(r"(?P<n>\d+)\s*bản\s*(?P<kind>chính|sao)", re.IGNORECASE)


def bare(name: str) -> str:
    """A paper's name without its list bullet: "- Tờ khai…" → "Tờ khai…"."""
    return name.strip().lstrip("-+•* ").strip()


def is_note(paper: PaperInfo) -> bool:
    """Whether a row of the papers table is a note, a heading or empty, not a paper.

    A row is a paper unless it asks for no copy at all ("0 bản chính", or no count) and
    reads as an instruction ("Trường hợp…", "Lưu ý…") or a heading ending with ":".
    """
    name = bare(paper.name)
    if not re.search(r"\w", name):
        return True
    counts = {m.group("kind").lower(): int(m.group("n")) for m in _COUNT.finditer(paper.copies)}
    if any(counts.values()):
        return False
    return bool(_NOTE_START.match(name) or name.endswith(":"))


def copies_label(paper: PaperInfo) -> str:
    """How many of a paper to bring, in plain words.

    Example:
        >>> copies_label(PaperInfo(group="", name="x", template="", copies="0 bản chính,1 bản sao"))
        '1 bản sao'
    """
    counts = {m.group("kind").lower(): int(m.group("n")) for m in _COUNT.finditer(paper.copies)}
    parts = [f"{n} bản {kind}" for kind, n in counts.items() if n]
    if parts:
        return ", ".join(parts)
    if re.search(r"xuất\s+trình", f"{paper.group} {paper.name}", re.IGNORECASE):
        return "xuất trình"
    return ""


def paper_rank(paper: PaperInfo) -> int:
    """0 for the forms a citizen fills in, 1 for the usual papers, 2 for special cases."""
    name = bare(paper.name)
    if _SPECIAL_CASE.search(name):
        return 2
    return 0 if _FORM_START.match(name) else 1


def list_marker(name: str) -> str:
    """A row's own list marker: "c) …" → "c", "(iv) …" → "iv", "2. …" → "2", else ""."""
    match = _MARKER.match(bare(name))
    return match["mark"] if match else ""


def _marker_positions(marks: list[str]) -> list[int] | None:
    """Positions of a group's markers, read all as numbers, roman numerals or letters."""
    if all(m.isdigit() for m in marks):
        return [int(m) for m in marks]
    if all(m in _ROMAN for m in marks) and any(len(m) > 1 for m in marks):
        return [_ROMAN[m] for m in marks]
    letters = "abcdđefghijklmnopqrstuvwxyz"
    if all(len(m) == 1 and m in letters for m in marks):
        return [letters.index(m) for m in marks]
    return None


def papers_to_bring(papers: list[PaperInfo]) -> list[PaperInfo]:
    """The papers of a dossier without notes, per group: in the order of the record's own
    list markers when every row has one, else forms first and special cases last."""
    kept = [p for p in papers if not is_note(p)]
    groups: dict[str, list[PaperInfo]] = {}
    for paper in kept:
        groups.setdefault(paper.group, []).append(paper)
    ordered: list[PaperInfo] = []
    for members in groups.values():
        marks = [list_marker(p.name) for p in members]
        positions = _marker_positions(marks) if all(marks) else None
        if len(members) > 1 and positions and len(set(positions)) == len(positions):
            pairs = sorted(zip(positions, members, strict=True), key=lambda pair: pair[0])
            ordered += [paper for _, paper in pairs]
        else:
            ordered += sorted(members, key=paper_rank)
    return ordered


# --------------------------------------------------------------------------- agency

_AGENCY_HEAD = (
    r"(?:[Cc]ơ\s+quan|Bộ\s+phận|Trung\s+tâm|Ủy\s+ban|UBND|Sở|Cục|Chi\s+cục|Phòng|Công\s+an|"
    r"Ngân\s+hàng|Văn\s+phòng|Tòa\s+án|Kho\s+bạc|Hải\s+quan|Cảng\s+vụ|Thuế|Bộ\s+[A-ZĐ]|"
    r"Đài|Ban\s+quản\s+lý|Chủ\s+tịch)"
)
_SUBMIT_TO = re.compile(
    r"(?:nộp|gửi)\b[^.;:\n]{0,90}?\b(?:đến|tới|tại|cho|về)\s+"
    rf"(?P<agency>{_AGENCY_HEAD}[^.;:\n(]{{2,110}})",
)


def agency_from_steps(steps: str | None) -> str:
    """The office the steps say the dossier goes to ("… gửi đến cơ quan thuế quản lý"), or ""."""
    match = _SUBMIT_TO.search(steps or "")
    if not match:
        return ""
    agency = re.split(r"\s+(?:để|theo|trong|kể\s+từ|và\s+nộp|hoặc\s+qua|qua)\s", match["agency"])[0]
    return agency.strip(" ,-")


def distinct_agencies(*values: str | None) -> list[str]:
    """The agency names of several cells, each once (compared without case and spaces)."""
    seen: dict[str, str] = {}
    for value in values:
        # ";" always separates two agencies, "," only before a capital ("Thuế tỉnh, thành
        # phố" is one agency).
        pieces = re.split(r"\s*,\s*(?=[^\W\d_])", value or "")
        parts = [
            part
            for piece in pieces
            for part in (re.split(r"\s*[;\n]\s*", piece) if piece[:1].isupper() else [piece])
        ]
        merged: list[str] = []
        for part in parts:
            if merged and part[:1].islower():
                merged[-1] += f", {part}"
            else:
                merged.append(part)
        for part in merged:
            part = part.strip(" .")
            key = re.sub(r"\s+", " ", part).casefold()
            if part and key not in seen:
                seen[key] = part
    return list(seen.values())


# --------------------------------------------------------------------------- helpers


def _date(day: str, month: str, year: str) -> date | None:
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        return None


def _parse_date(text: str | None) -> date | None:
    if not text:
        return None
    day, month, year = text.split("/")
    return _date(day, month, year)
