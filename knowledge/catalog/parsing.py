"""Parse raw procedure records scraped from the National Public Service Portal.

The scraper (see ``shared/datasets/dvc-national-catalog/SOURCE.md``) stored
several HTML tables as flat strings with the header glued to the data, e.g.
``"Hình thức nộpThời gianPhí, lệ phíMô tảTrực tiếp20 Ngày làm việcMiễn phí..."``.
This module turns one raw JSON record into a typed :class:`ProcedureRecord`.
Everything here is pure: no I/O, no database.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from knowledge.errors import InvalidInputError

__all__ = [
    "CHANNELS",
    "MismatchedRecordError",
    "ParsedChannel",
    "ParsedLegalDocument",
    "ParsedPaper",
    "ProcedureRecord",
    "RecordError",
    "clean_text",
    "parse_channels",
    "parse_fee_amount",
    "parse_legal_documents",
    "parse_levels",
    "parse_papers",
    "parse_record",
    "parse_results",
]

CHANNELS: dict[str, str] = {
    "in_person": "Trực tiếp",
    "online": "Trực tuyến",
    "postal": "Dịch vụ bưu chính",
}

# The portal's placeholder for an empty cell.
NO_INFO = "Không có thông tin"


def _latin_letters(upper: bool) -> str:
    """All Latin letters up to U+1EF9 (covers Vietnamese) of one case, for a regex class.

    Ranges like ``À-Ỹ`` are wrong for Vietnamese: Unicode interleaves upper
    and lower case there (Đ U+0110, đ U+0111; Ạ U+1EA0, ạ U+1EA1).
    """
    letters = (
        char
        for char in map(chr, range(0x41, 0x1EFA))
        if char.isalpha()
        and unicodedata.name(char, "").startswith("LATIN")
        and (char.isupper() if upper else char.islower())
    )
    return "".join(letters)


_UP = _latin_letters(upper=True)  # use inside [...]
_LO = _latin_letters(upper=False)
_LO_VOWELS = "".join(char for char in _LO if unicodedata.normalize("NFD", char)[0] in "aeiouy")
_UP_VOWELS = "".join(char for char in _UP if unicodedata.normalize("NFD", char)[0] in "AEIOUY")
# Start of a capitalised Vietnamese word: a capital then a vowel, a capital
# vowel, or one of the two-letter initials. Rules out "Psửa" (from "NĐ-CPsửa").
_CAPITALISED_WORD = (
    rf"(?:[{_UP}][{_LO_VOWELS}]|[{_UP_VOWELS}][{_LO}]|Ch|Gh|Gi|Kh|Ng|Nh|Ph|Qu|Th|Tr)"
)


# --------------------------------------------------------------------------
# Data types
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class ParsedChannel:
    """One row of the "Cách thức thực hiện" table (one submission channel)."""

    channel: str
    time_value: float | None
    time_unit: str | None
    time_text: str
    fee_text: str
    fee_amount: int | None
    description: str


@dataclass(frozen=True)
class ParsedPaper:
    """One row of the "Thành phần hồ sơ" table."""

    group: str
    name: str
    template: str
    copies: str


@dataclass(frozen=True)
class ParsedLegalDocument:
    """One row of the "Căn cứ pháp lý" table."""

    number: str
    title: str


@dataclass(frozen=True)
class ProcedureRecord:
    """A cleaned, structured administrative procedure."""

    code: str
    name: str
    decision_number: str | None
    levels: tuple[str, ...]
    procedure_type: str | None
    field: str | None
    target_subjects: str | None
    competent_agency: str | None
    implementing_agency: str | None
    receiving_address: str | None
    authorised_agency: str | None
    coordinating_agency: str | None
    related_procedures: str | None
    steps: str | None
    conditions: str | None
    results: tuple[str, ...]
    detail_url: str | None
    channels: tuple[ParsedChannel, ...]
    papers: tuple[ParsedPaper, ...]
    legal_documents: tuple[ParsedLegalDocument, ...]
    # The dossier-papers section as the portal shows it: kept whole, because some records
    # hold prose there that is no papers table, and search and agents still need it.
    papers_text: str | None = None


class RecordError(InvalidInputError):
    """A raw record that cannot be imported (the Vietnamese message says why, naming the field)."""


class MismatchedRecordError(RecordError):
    """The body belongs to another procedure code (raw_text says Mã thủ tục X ≠ ma_thu_tuc)."""

    def __init__(self, code: str, body_code: str) -> None:
        super().__init__(
            f"Trường 'raw_text' mô tả thủ tục {body_code!r}, "
            f"không phải thủ tục {code!r} của trường 'ma_thu_tuc'"
        )
        self.code = code
        self.body_code = body_code


# --------------------------------------------------------------------------
# Text cleaning
# --------------------------------------------------------------------------

# NBSP, narrow NBSP, figure space, thin spaces etc. all come from copy-pasted
# Word documents on the portal; they must compare equal to a plain space.
_SPACE_CHARS = re.compile(r"[\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000\t\f\v]")
# Zero-width characters and BOMs are invisible noise that breaks matching.
_ZERO_WIDTH = re.compile(r"[\u200b\u200c\u200d\u2060\ufeff]")
_MULTI_SPACE = re.compile(r" {2,}")


def _normalise(value: str) -> str:
    """NFC-normalise and unify spaces / line breaks, without trimming semantics."""
    text = unicodedata.normalize("NFC", value)
    text = _ZERO_WIDTH.sub("", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _SPACE_CHARS.sub(" ", text)


def clean_text(value: str | None) -> str | None:
    """Normalise a portal string; return None when it carries no information.

    NFC-normalises, turns NBSP/tabs into spaces, collapses runs of spaces,
    trims every line and drops blank lines but keeps single ``\\n`` breaks
    (steps and conditions are multi-line).

    Example:
        >>> clean_text("  Cấp\\xa0tỉnh ")
        'Cấp tỉnh'
        >>> clean_text("Không có thông tin") is None
        True
    """
    if value is None:
        return None
    text = _normalise(value)
    lines = (_MULTI_SPACE.sub(" ", line).strip() for line in text.split("\n"))
    text = "\n".join(line for line in lines if line)
    if not text or text.casefold() == NO_INFO.casefold():
        return None
    return text


def _inline(value: str | None) -> str:
    """Clean a table cell to one line ("" when empty)."""
    if value is None:
        return ""
    text = _normalise(value).replace("\n", " ")
    text = _MULTI_SPACE.sub(" ", text).strip()
    return "" if text.casefold() == NO_INFO.casefold() else text


def _block(value: str | None) -> str:
    """Clean a free-text cell keeping line breaks ("" when empty)."""
    return clean_text(value) or ""


# --------------------------------------------------------------------------
# Levels and results
# --------------------------------------------------------------------------


def parse_levels(text: str | None) -> tuple[str, ...]:
    """Split "Cấp thực hiện" on commas.

    Example:
        >>> parse_levels("Cấp tỉnh, Cấp xã")
        ('Cấp tỉnh', 'Cấp xã')
    """
    cleaned = clean_text(text)
    if cleaned is None:
        return ()
    parts = (part.strip() for part in re.split(r"[,;\n]", cleaned))
    return tuple(part for part in parts if part)


# Each result is followed by its catalogue code, "Mã: KQ.G15.000034" or
# "Mã: 000.00.00.G11-KQ1711", glued to the next result's name. Codes end in
# a digit, so the greedy class backs off before "Giấy ..." / "Thông báo ...".
_RESULT_CODE = re.compile(r"\s*Mã\s*:\s*[0-9A-Z.\-]*\d")
_RESULT_BAD_CODE = re.compile(r"\s*Mã\s*:.*$", re.DOTALL)
# Everything from the "Từ khóa" label on is page chrome (keyword box,
# description box, agency picker, "Nộp hồ sơ" button), not results.
_RESULT_TAIL = re.compile(r"Từ khóa|Chọn cơ quan thực hiện|Nộp hồ sơ\s*$")


def parse_results(text: str | None) -> list[str]:
    """Extract result names from "Kết quả xử lý", dropping codes and UI text.

    Example:
        >>> parse_results("Trích lục khai tửMã: KQ.G15.000034Từ khóaKhông có thông tin")
        ['Trích lục khai tử']
    """
    if text is None:
        return []
    body = _normalise(text)
    tail = _RESULT_TAIL.search(body)
    if tail:
        body = body[: tail.start()]
    results: list[str] = []
    for chunk in _RESULT_CODE.split(body):
        # A few codes are placeholders ("Mã: Chưa xác định", "Mã: Test_P001").
        name = _block(_RESULT_BAD_CODE.sub("", chunk))
        if name and name not in results:
            results.append(name)
    return results


# --------------------------------------------------------------------------
# Channels ("Cách thức thực hiện")
# --------------------------------------------------------------------------

_CHANNEL_HEADER = re.compile(r"^\s*Hình thức nộp\s*Thời gian\s*Phí, lệ phí\s*Mô tả")
_CHANNEL_BY_LABEL = {label: key for key, label in CHANNELS.items()}
_CHANNEL_ALT = "|".join(re.escape(label) for label in CHANNELS.values())

_UNITS = {
    "ngày làm việc": "ngày làm việc",
    "ngày": "ngày",
    "giờ": "giờ",
    "tháng": "tháng",
    "năm": "năm",
    "phút": "phút",
    "tuần": "tuần",
}
# Units are capitalised on the portal ("Ngày làm việc") but match any case.
_UNIT_ALT = r"(?i:ngày\s+làm\s+việc|ngày|giờ|tháng|năm|phút|tuần)"
_CURRENCY_ALT = r"Việt\s*Nam\s*Đồng|VNĐ|VND|USD|Đồng"
# A fee cell starts with one of these; used both to find the end of the time
# cell and to validate that a channel label really starts a row.
_FEE_START = rf"(?:Miễn\s*phí|{NO_INFO}|\d[\d.,]*\s*(?:{_CURRENCY_ALT}))"
# The time cell: "20 Ngày làm việc"; a bare "5" (unit missing on the portal);
# a bare digit glued to a numeric fee ("Trực tuyến120 VNĐ" is 1 + "20 VNĐ":
# those rows explain "20.000 đồng/tờ khai", and bare times are almost always
# one digit); the placeholder; or a short capitalised phrase
# such as "Không quy định" / "Không phải trả kết quả cho người nộp thuế".
_TIME = (
    rf"(?:\d+(?:[.,]\d+)?\s*(?:{_UNIT_ALT})"
    rf"|\d+(?=Miễn\s*phí|{NO_INFO})"
    rf"|\d(?=\d[\d.,]*\s*(?:{_CURRENCY_ALT}))"
    rf"|{NO_INFO}(?={_FEE_START})"
    rf"|[{_UP}][^\n]{{0,200}}?(?={_FEE_START}))"
)
# Case-sensitive on purpose: descriptions say "qua dịch vụ bưu chính" in
# lower case, while a row always starts with the capitalised label.
_ROW_START = re.compile(rf"(?P<channel>{_CHANNEL_ALT})(?P<time>{_TIME})(?={_FEE_START})")
_TIME_VALUE = re.compile(rf"^(?P<num>\d+(?:[.,]\d+)?)\s*(?P<unit>{_UNIT_ALT})?$", re.IGNORECASE)
_FEE_MAIN = re.compile(rf"Miễn\s*phí|{NO_INFO}|\d[\d.,]*\s*(?:{_CURRENCY_ALT})", re.IGNORECASE)


_LIST_MARKER = re.compile(r"\((?:\d{1,2}|[a-zđ]|[ivx]{1,4})\)")
# The ")" of a list item "b) …" or "2) …", which opens no parenthesis.
_LIST_MARKER_END = re.compile(r"(?:^|[\s;.:\-])(?:\d{1,2}|[a-zđ]|[ivx]{1,4})\)$")


def _balanced_paren_end(text: str, start: int) -> int:
    """Index just past the ")" closing the "(" at ``start``.

    When it is never closed ("(đồng/lần (Miễn phí … TT-BTC)trong thời hạn …"), the
    explanation ends where its last inner parenthesis closed; without one, at the end.
    """
    depth = 0
    inner_end = len(text)
    for index in range(start, len(text)):
        char = text[index]
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                return index + 1
            if depth == 1:
                inner_end = index + 1
    return inner_end


def _unmatched_close(text: str, start: int) -> int | None:
    """Index just past the first ")" after ``start`` that no "(" after ``start`` opened."""
    depth = 0
    for index in range(start, len(text)):
        if text[index] == "(":
            depth += 1
        elif text[index] == ")" and not _LIST_MARKER_END.search(text, max(0, index - 6), index + 1):
            depth -= 1
            if depth < 0:
                return index + 1
    return None


def _parse_time(time_text: str) -> tuple[float | None, str | None]:
    """Split "20 Ngày làm việc" into (20.0, "ngày làm việc")."""
    match = _TIME_VALUE.match(time_text)
    if not match:
        return None, None
    value = float(match.group("num").replace(",", "."))
    unit = match.group("unit")
    if unit is None:
        return value, None
    return value, _UNITS[re.sub(r"\s+", " ", unit.lower())]


def _split_fee(segment: str) -> tuple[str, str]:
    """Split the text after the time cell into (fee_text, description)."""
    match = _FEE_MAIN.match(segment)
    if not match:
        return "", segment
    main = match.group(0)
    end = match.end()
    explanation = ""
    # "(1) Trường hợp ..." after the fee is a numbered description, not an
    # explanation of the fee, unless a ")" left open closes it ("(a) Cấp lại ...: 30.000.000
    # đồng; b) ... 5.000.000 đồng.)" is the fee's explanation with its own list markers).
    if segment[end : end + 1] == "(" and not _LIST_MARKER.match(segment, end):
        close = _balanced_paren_end(segment, end)
        explanation = segment[end:close]
        end = close
    elif segment[end : end + 1] == "(":
        unmatched = _unmatched_close(segment, end)
        if unmatched is not None:
            explanation = segment[end:unmatched]
            end = unmatched
    main = "" if main.casefold() == NO_INFO.casefold() else _inline(main)
    # The portal shows the explanation under the amount; the flattening lost
    # that separator, so restore it as one space.
    fee_text = " ".join(part for part in (main, _inline(explanation)) if part)
    return fee_text, segment[end:]


def parse_channels(text: str | None) -> list[ParsedChannel]:
    """Parse the flattened submission-channel table.

    Example:
        >>> rows = parse_channels("Hình thức nộpThời gianPhí, lệ phíMô tả"
        ...                       "Trực tiếp20 Ngày làm việcMiễn phí")
        >>> rows[0].channel, rows[0].time_value, rows[0].fee_amount
        ('in_person', 20.0, 0)
    """
    if text is None:
        return []
    body = _normalise(text)
    header = _CHANNEL_HEADER.match(body)
    if header:
        body = body[header.end() :]
    # A channel label can also occur inside a description ("Trực tuyến: nộp
    # hồ sơ ..."), so a label only starts a row when a time cell and a fee
    # cell follow it. The same channel may legitimately appear in several
    # rows (e.g. one per card validity with a different fee).
    starts = list(_ROW_START.finditer(body))
    rows: list[ParsedChannel] = []
    for index, match in enumerate(starts):
        stop = starts[index + 1].start() if index + 1 < len(starts) else len(body)
        time_text = _inline(match.group("time"))
        time_value, time_unit = _parse_time(time_text)
        fee_text, rest = _split_fee(body[match.end() : stop])
        rows.append(
            ParsedChannel(
                channel=_CHANNEL_BY_LABEL[match.group("channel")],
                time_value=time_value,
                time_unit=time_unit,
                time_text=time_text,
                fee_text=fee_text,
                fee_amount=parse_fee_amount(fee_text),
                description=_block(rest),
            )
        )
    return rows


# --------------------------------------------------------------------------
# Fees
# --------------------------------------------------------------------------

_FREE = re.compile(r"^\s*(?:\(?\s*)?(?:Miễn\s*(?:phí|lệ\s*phí)|Không\s*thu)", re.IGNORECASE)
_AMOUNT = re.compile(
    r"(?<![\d.,])(?P<num>\d{1,3}(?:[.,]\d{3})+|\d+)\s*"
    r"(?P<cur>Việt\s*Nam\s*Đồng|VNĐ|VND|đồng|Đồng|USD|đ\b|Đ\b)",
    re.IGNORECASE,
)


def _amount_value(number: str) -> int:
    """Parse "2,000,000" / "2.000.000" / "15000000" (VND has no decimals)."""
    return int(re.sub(r"[.,]", "", number))


def parse_fee_amount(fee_text: str) -> int | None:
    """Return the fee in đồng: 0 when free, the main stated amount, else None.

    Amounts in USD are not converted and give None.

    Example:
        >>> parse_fee_amount("70,000 VNĐ (70.000 đồng/Giấy chứng nhận)")
        70000
        >>> parse_fee_amount("Miễn phí")
        0
    """
    text = _inline(fee_text)
    if not text:
        return None
    if _FREE.match(text):
        return 0
    # The main amount sits before the explanation in parentheses; only fall
    # back to the explanation when the main cell states no amount at all
    # ("Lệ phí : 50.000 Đồng" has no parentheses and is found either way).
    paren = text.find("(")
    main, explanation = (text, "") if paren < 0 else (text[:paren], text[paren:])
    in_main = _AMOUNT.search(main)
    match = in_main or _AMOUNT.search(explanation)
    if not match:
        return None
    if match.group("cur").upper() == "USD":
        return None
    amount = _amount_value(match.group("num"))
    # "155 VNĐ(Thẻ tạm trú ...: 155 USD/thẻ.)": the unit was mistyped; the
    # explanation shows a USD fee, which has no amount in đồng.
    if re.search(rf"(?<![\d.,]){amount}\s*USD", explanation):
        return None
    # Several ministries typed fees in thousands ("20 VNĐ(20.000 đồng/tờ khai)",
    # "40 VNĐ (4.000 đ/giấy)"). Such an amount is read as the note's full figure, and only
    # when the note writes it; never scaled on a guess ("500 VNĐ", "1 VNĐ (… miễn lệ phí)").
    if 0 < amount < 1000 and in_main is not None:
        written = {_amount_value(m.group("num")) for m in _AMOUNT.finditer(explanation)}
        scaled = [amount * 10**k for k in (3, 2, 1) if amount * 10**k in written]
        return scaled[0] if scaled else None
    return amount


# --------------------------------------------------------------------------
# Papers ("Thành phần hồ sơ")
# --------------------------------------------------------------------------

_PAPER_HEADER = re.compile(r"Tên giấy tờ\s*Mẫu đơn, tờ khai\s*Số lượng")
# The "Số lượng" cell: "1 bản chính" or "0 bản chính,1 bản sao". It is glued
# to the next row, so it must not be followed by a space or punctuation
# (names often say "01 bản chính hoặc ..."), nor by a digit unless that digit
# numbers the next row ("1 bản sao2. Bản sao ...") or is a count that starts it
# ("0 bản chính,1 bản sao02 ảnh 4x6cm ..."). Only one digit is taken
# because names often end with digits ("... BM.NCC.20.03" + "1 bản chính").
_COPIES = re.compile(
    r"(?P<copies>\d\s*bản\s*chính(?:\s*,\s*\d\s*bản\s*sao)?"
    r"|Bản\s*chính\s*:\s*\d+\s*-\s*Bản\s*sao\s*:\s*\d+)"
    r"(?![ .;:),]|\d(?!\d?\.\s|\d\s))"
)
_TEMPLATE_EXT = r"\.(?:docx|doc|pdf|xlsx|xls|odt|rtf|zip|rar)"
_TEMPLATE_FILE = re.compile(rf".*?{_TEMPLATE_EXT}", re.IGNORECASE)
# Seams where a template file name can be glued to the paper name, strongest
# first. File names rarely contain ";" or ")X", and a "." only after a word
# of two or more letters ("NĐ-CP.Mẫu số 05.docx", not "Mẫu I.1.1.docx" or
# "Mau so 01.TACN.docx"); "theo mẫu" is usually followed by the file.
_SEAM_PUNCT = re.compile(r"(?<=[;)])(?=[^\s.;,)(])")
_SEAM_DOT = re.compile(rf"(?:(?<=\))|(?<![\d{_UP}{_LO}])[{_UP}{_LO}]{{2,}})\.(?=[{_UP}{_LO}\d])")
_SEAM_AFTER_MAU = re.compile(r"(?<=[mM]ẫu)(?=[^\s.;,:)(])")
# Weakest: a case change without a space ("Nghị định số 33/2026/NĐ-CPMẫu số 25",
# "theo quy địnhMauon.docx", "ngày 25/01/2026Mau don ...").
_SEAM_CASE = re.compile(rf"(?<=[{_LO}])(?=[{_UP}])|(?<=[{_UP}\d])(?={_CAPITALISED_WORD})")
# Longest plausible file name; bounds how far back a seam is looked for.
_MAX_TEMPLATE_LEN = 150


def _split_template(chunk: str) -> tuple[str, str]:
    """Split "Tờ khai theo MẫuMau 14.14.docx" into ("Tờ khai theo Mẫu", "Mau 14.14.docx")."""
    first_ext = re.search(_TEMPLATE_EXT, chunk, re.IGNORECASE)
    if first_ext is None or not re.search(rf"{_TEMPLATE_EXT}$", chunk, re.IGNORECASE):
        return chunk, ""
    head = chunk[: first_ext.start()]
    window = max(0, len(head) - _MAX_TEMPLATE_LEN)
    cut: int | None = None
    # Punctuation seams: take the last one (the file name follows it).
    for pattern in (_SEAM_PUNCT, _SEAM_DOT, _SEAM_AFTER_MAU):
        seams = [
            m.end() if pattern is _SEAM_DOT else m.start() for m in pattern.finditer(head, window)
        ]
        if seams:
            cut = seams[-1]
            break
    if cut is None:
        # Case seams: take the first one, since file names are often
        # CamelCase ("MauDanhsachhanhkhach.docx").
        seam = _SEAM_CASE.search(head, window)
        cut = seam.start() if seam else None
    if cut is None:
        # No visible seam: keep the trailing space-free token as the file.
        token = re.search(r"\S+$", head)
        cut = token.start() if token else 0
    name, templates = chunk[:cut], chunk[cut:]
    files = [part.strip() for part in _TEMPLATE_FILE.findall(templates) if part.strip()]
    return name, "; ".join(files)


def _clean_group(text: str) -> str:
    """Turn "* Giấy tờ phải nộp:" into "Giấy tờ phải nộp" ("--" means no group)."""
    group = _inline(text)
    group = re.sub(r"^[\s*\-+•]+", "", group)
    group = re.sub(r"[\s:]+$", "", group)
    return group


def _looks_like_paper_text(text: str) -> bool:
    """True unless the text is a mis-scraped fragment of another section."""
    if not text[:1].isupper():
        return False
    if re.search(r"\bBước\s*\d", text) or re.fullmatch(r"KQ[.\w]*", text):
        return False
    return True


def parse_papers(text: str | None) -> list[ParsedPaper]:
    """Parse the flattened dossier table, one :class:`ParsedPaper` per row.

    Example:
        >>> parse_papers("* Giấy tờ phải nộp:Tên giấy tờMẫu đơn, tờ khaiSố lượng"
        ...              "Tờ khai đăng ký khai tử1 bản chính")[0]
        ParsedPaper(group='Giấy tờ phải nộp', name='Tờ khai đăng ký khai tử', template='', \
copies='1 bản chính')
    """
    if text is None:
        return []
    body = _normalise(text)
    if _inline(body) == "":
        return []
    sections = _PAPER_HEADER.split(body)
    papers: list[ParsedPaper] = []
    group = _clean_group(sections[0])
    if len(sections) == 1:
        # No table at all. Either the portal shows free text ("Theo quy định
        # tại Điều 33 Luật ..."), kept as one paper so nothing is lost, or the
        # scraper captured a fragment of another section (it then starts
        # mid-sentence, holds "Bước 2." steps or a result code): dropped.
        name = _block(body)
        if not name or not _clean_group(body) or not _looks_like_paper_text(name):
            return []
        return [ParsedPaper(group="", name=name, template="", copies="")]
    for index, section in enumerate(sections[1:], start=1):
        position = 0
        for match in _COPIES.finditer(section):
            chunk = section[position : match.start()]
            position = match.end()
            name, template = _split_template(_inline(chunk))
            papers.append(
                ParsedPaper(
                    group=group,
                    # A trailing ";" is the list separator of the source text.
                    name=_inline(name).rstrip(";,").rstrip(),
                    template=template,
                    copies=_inline(match.group("copies")),
                )
            )
        rest = section[position:]
        if index + 1 < len(sections):
            # Text between the last row and the next header is the next
            # table's case heading ("Trường hợp ...", "* Giấy tờ phải xuất trình:").
            group = _clean_group(rest)
        elif _inline(rest):
            name, template = _split_template(_inline(rest))
            papers.append(
                ParsedPaper(group=group, name=_inline(name), template=template, copies="")
            )
    return papers


# --------------------------------------------------------------------------
# Legal basis ("Căn cứ pháp lý")
# --------------------------------------------------------------------------

_LEGAL_HEADER = re.compile(r"^\s*Tên văn bản pháp lý\s*Mã văn bản")
# One agency segment of a document number: "NĐ", "CP", "BTC", "TTg",
# "BNN&PTNT", or an assembly term "QH13" / "UBTVQH10" (always two digits, so
# "QH1354/2014/QH13" can only be cut after "QH13").
_AGENCY_PART = r"(?:TTg|(?:UBTV)?QH\d{2}|[A-ZĐ][A-ZĐ&]*)"
# Separators may be mistyped with a space ("TT- BTP") but then two capitals
# must follow, so "05/2007/QH12- Luật ..." keeps "- Luật" in the next title.
_AGENCY_SEPARATOR = r"(?:\s?[-_/](?!\s)|\s?[-_/]\s(?=[A-ZĐ]{2}))"
_AGENCY = rf"{_AGENCY_PART}(?:{_AGENCY_SEPARATOR}{_AGENCY_PART})*(?:\([A-Z0-9]+\))?"
_DOC_NUMBER = r"\d{1,4}[a-z]?(?:\.[a-z0-9]{1,2})?"
_YEAR = r"(?:19|20)\d{2}"
_LEGAL_CODE = (
    rf"(?:{_DOC_NUMBER}/(?:{_YEAR}/){{1,2}}{_AGENCY}"  # 04/2020/TT-BTP
    rf"|{_DOC_NUMBER}/{_AGENCY}"  # 227/NĐ-CP, 4533/BHXH-CSXH
    rf"|{_DOC_NUMBER}-{_AGENCY}"  # 73-CP, 13-TB/TW
    rf"|\d{{1,2}}/\d{{1,2}}/{_YEAR}"  # a date typed as the number
    rf"|{_DOC_NUMBER}/{_YEAR})"  # 24/2024
)
_CODE_AT_END = re.compile(rf"(?P<code>{_LEGAL_CODE})[.;,]?$")
_CODE_AT_START = re.compile(_LEGAL_CODE)
# Longest number cell we expect; bounds the backward search for speed.
_MAX_CODE_LEN = 60
# Words that may start a title after a number cell with a trailing space.
_DOC_WORDS = (
    r"Luật|Bộ luật|Nghị định|Nghị quyết|Thông tư|Quyết định|Pháp lệnh|Chỉ thị|"
    r"Hiến pháp|Văn bản|Công văn|Hướng dẫn|Quy định|Sửa đổi"
)
# "Thông tư 08/2025/TT-NHNN Sửa đổi ...": a number right after its document
# type is the title's own number, so the space after it is not a cell boundary.
_OWN_NUMBER_LEAD = re.compile(
    r"(?:Luật|Bộ luật|Nghị định|Nghị quyết|Thông tư(?: liên tịch)?|Quyết định|Pháp lệnh|Chỉ thị)"
    r"(?:\s+số)?\s*$",
    re.IGNORECASE,
)
_CAPS_WORDS = r"LUẬT|BỘ|QUY|QUYẾT|SỬA|THÔNG|NGHỊ|HƯỚNG|VỀ|BAN|PHÁP|CHỈ|HIẾN|LỆNH|VĂN"
# How a title can start right after the previous row's number (the HTML
# cell boundary left no separator).
_TITLE_START = re.compile(
    rf"(?:{_CAPITALISED_WORD}"  # "Nghị định ...", "Về ..."
    rf"|(?:{_CAPS_WORDS})(?![{_UP}])"  # ALL-CAPS title: "QUY ĐỊNH ..."
    rf"|[{_LO}]{{2,}}\s"  # lower-case title: "sửa đổi ..."
    rf"|\s(?:{_DOC_WORDS})\b)"  # number cell with a trailing space
)


_TITLE_START_ANYWHERE = re.compile(rf"(?={_TITLE_START.pattern})")
_GLUED_DIGIT = re.compile(rf"(?<=[{_UP}0-9g)])(?=\d)")


def _fix_glued_digits(segment: str, start: int, code: str) -> int:
    """Move a code's start right when its number is glued to digits of the title.

    "Luật số 43/2024/QH15 ngày 29/6/202443/2024/QH15" must yield "43/2024/QH15",
    not "2443/2024/QH15".
    """
    run_start = start
    while run_start > 0 and segment[run_start - 1].isdigit():
        run_start -= 1
    if run_start == start:
        return start
    leading = re.match(r"\d*", code)
    digits_end = start + (leading.end() if leading else 0)
    run = segment[run_start:digits_end]
    tail = code[digits_end - start :]
    # Prefer the split whose number also appears in the title itself.
    for offset in range(1, len(run)):
        if run[offset:] + tail in segment[: run_start + offset]:
            return run_start + offset
    # Otherwise the title usually ends with a year ("... năm 2011" + "02/2011/QH13").
    year = re.match(_YEAR, run)
    if year and year.end() < len(run):
        return run_start + year.end()
    return start


_DIGIT_SEPARATOR = re.compile(r"\d[/-]")


def _code_before(body: str, start: int, end: int) -> re.Match[str] | None:
    """The document number ending exactly at ``end`` (searching from ``start``)."""
    window_start = max(start, end - _MAX_CODE_LEN)
    # Every number has "<digit>/" or "<digit>-"; skip the costly search otherwise.
    if not _DIGIT_SEPARATOR.search(body, window_start, end):
        return None
    return _CODE_AT_END.search(body[start:end], window_start - start)


# Some number cells carry a prefix ("Luật Thú y" + "Luật 79/2015/QH13"); the
# prefix then sticks to the title's last word without a space.
_GLUED_NUMBER_PREFIX = re.compile(
    rf"(?<=[{_LO}])(?:Luật|Bộ luật|Nghị định|Nghị quyết|Thông tư|Quyết định|Số)(?: số)?$"
)


def _clean_title(title: str) -> str:
    """Drop a glued number-cell prefix and list punctuation ("Luật Thú yLuật" → "Luật Thú y")."""
    return _GLUED_NUMBER_PREFIX.sub("", title).rstrip().rstrip(";,").rstrip()


def parse_legal_documents(text: str | None) -> list[ParsedLegalDocument]:
    """Parse the flattened legal-basis table into (number, title) rows.

    Example:
        >>> docs = parse_legal_documents("Tên văn bản pháp lýMã văn bản"
        ...     "Luật 60/2014/QH1360/2014/QH13Thông tư 04/2020/TT-BTP04/2020/TT-BTP")
        >>> [(d.number, d.title) for d in docs]
        [('60/2014/QH13', 'Luật 60/2014/QH13'), ('04/2020/TT-BTP', 'Thông tư 04/2020/TT-BTP')]
    """
    if text is None:
        return []
    body = _normalise(text)
    header = _LEGAL_HEADER.match(body)
    if not header:
        # Without the table header the scraper captured some other block
        # (seen: the tail of the fee column); there is nothing reliable here.
        return []
    body = body[header.end() :]
    # Scan for row boundaries: a position where a document number ends and
    # the next title (or the end of the table) begins.
    rows: list[tuple[str, str]] = []
    position = 0
    title_starts = {m.start() for m in _TITLE_START_ANYWHERE.finditer(body)}
    # A number-only title ("37/2025/TT-BNNMT") can start right after a number.
    code_starts = {m.start() for m in _GLUED_DIGIT.finditer(body)}
    for index in sorted(title_starts | code_starts | {len(body)}):
        if index == 0:
            continue
        if index < len(body):
            # Cheap filter first: a number ends in a capital, a digit, "g"
            # (QĐ-TTg) or ")", optionally followed by one of ".;,". A space
            # is only allowed as part of the title start ("... Thông tư").
            before = body[max(position, index - 2) : index].rstrip(".;,")[-1:]
            if not before or not (before.isupper() or before.isdigit() or before in "g)"):
                continue
            starts_title = index in title_starts
            starts_code = index in code_starts and _CODE_AT_START.match(body, index) is not None
            if not (starts_title or starts_code):
                continue
        else:
            starts_title, starts_code = True, False
        match = _code_before(body, position, index)
        if match is None:
            continue
        code = match.group("code")
        if starts_code and not starts_title:
            # Before a number-only title the previous number must be a full
            # one with an agency part; a bare "29/6/2024" or "01/2026" there
            # is a date inside the title, and "...QH" before digits is "QH13".
            if not re.search(r"[A-Za-zĐ]", code) or code.endswith("QH"):
                continue
        segment = body[position:index]
        code_start = _fix_glued_digits(segment, match.start("code"), code)
        if _OWN_NUMBER_LEAD.search(segment, 0, code_start):
            if body[index : index + 1] == " ":
                continue
            if starts_code and not starts_title:
                # "... Thông tư số 17/2015/TT-NHNN" + "11/2025/TT-NHNN": keep the
                # title's own number in the title unless the cell repeats it.
                following = _CODE_AT_START.match(body, index)
                if (
                    following is None
                    or following.group(0) != segment[code_start : match.end("code")]
                ):
                    continue
        rows.append((segment[:code_start], segment[code_start : match.end("code")]))
        position = index
    leftover = _inline(body[position:])
    merged: list[tuple[str, str]] = []
    for raw_title, raw_number in rows:
        # "Luật 60/2014/QH13" + "60/2014/QH13" is first cut after the title's
        # own number; the empty-titled row repeating that number is its other half.
        if not _inline(raw_title) and merged and _inline(merged[-1][1]) == _inline(raw_number):
            previous_title, previous_number = merged.pop()
            raw_title = previous_title + previous_number
        merged.append((raw_title, raw_number))
    documents = [
        ParsedLegalDocument(
            number=_inline(number), title=_clean_title(_inline(title)) or _inline(number)
        )
        for title, number in merged
    ]
    if leftover:
        documents.append(ParsedLegalDocument(number="", title=leftover))
    return documents


# --------------------------------------------------------------------------
# Whole record
# --------------------------------------------------------------------------

_BODY_CODE = re.compile(r"Mã thủ tục\s*(?P<code>\d+\.\d+|[\w.\-]+?)(?=Số quyết định|\s|$)")


# The portal page's section labels, in page order, as ``raw_text`` glues them to their text.
# The crawler cut each field at the FIRST occurrence of its label anywhere in the page, so a
# label quoted earlier (in the procedure's name, in its steps: "+ Cơ quan thực hiện chứng thực
# tiến hành chụp …" of 2.000942) started the field there. Read in page order, each label is
# looked for after the previous one only.
_PAGE_LABELS = (
    "Tên thủ tục",
    "Mã thủ tục",
    "Số quyết định",
    "Cấp thực hiện",
    "Loại thủ tục",
    "Lĩnh vực",
    "Đối tượng thực hiện",
    "Cơ quan có thẩm quyền",
    "Địa chỉ tiếp nhận HS",
    "Cơ quan được ủy quyền",
    "Cơ quan phối hợp",
    "Thủ tục hành chính liên quan",
    "Trình Tự Thực Hiện",
    "Thành phần hồ sơ",
    "Căn cứ pháp lý",
    "Cơ quan thực hiện",
    "Yêu cầu, điều kiện thực hiện",
    "Kết quả xử lý",
)
# The short fields read from the page sections (free-text fields such as the steps may
# quote the next label themselves, so the crawler's cut is kept for them).
_PAGE_FIELDS = {
    "co_quan_co_tham_quyen": "Cơ quan có thẩm quyền",
    "dia_chi_tiep_nhan": "Địa chỉ tiếp nhận HS",
    "co_quan_duoc_uy_quyen": "Cơ quan được ủy quyền",
    "co_quan_phoi_hop": "Cơ quan phối hợp",
    "co_quan_thuc_hien": "Cơ quan thực hiện",
}


def page_sections(raw_text: str | None) -> dict[str, str]:
    """The text of each section label of a portal page's ``raw_text``, labels read in page
    order (a label missing from the page is skipped).

    Example:
        >>> page_sections("XTên thủ tụcCơ quan thực hiện XMã thủ tục1.0Cơ quan thực hiệnUBND xã")[
        ...     "Cơ quan thực hiện"]
        'UBND xã'
    """
    if not raw_text:
        return {}
    text = _normalise(raw_text)
    found: list[tuple[str, int]] = []
    position = 0
    for label in _PAGE_LABELS:
        start = text.find(label, position)
        if start < 0:
            continue
        found.append((label, start))
        position = start + len(label)
    sections = {}
    for i, (label, start) in enumerate(found):
        end = found[i + 1][1] if i + 1 < len(found) else len(text)
        sections[label] = text[start + len(label) : end]
    return sections


def _page_field(raw: dict[str, Any], key: str, sections: dict[str, str]) -> str | None:
    """A short field as its page section reads, else as the crawler cut it."""
    label = _PAGE_FIELDS[key]
    return sections[label] if label in sections else _field(raw, key)


def _field(raw: dict[str, Any], key: str) -> str | None:
    """Return a string field, raising RecordError when it has the wrong type."""
    value = raw.get(key)
    if value is None or isinstance(value, str):
        return value
    raise RecordError(f"Trường {key!r} phải là chuỗi ký tự, nhận được {type(value).__name__}")


def _join_split_fee_column(
    channels: str | None, legal: str | None
) -> tuple[str | None, str | None]:
    """Undo a scrape split where the fee explanation spilled into can_cu_phap_ly.

    On some pages the scraper cut the fee cell at the words "Căn cứ pháp lý"
    (which it took for the next section's label), leaving "...100 VNĐ(" in
    cach_thuc_thuc_hien and ": Thông tư ...)Trực tiếp..." in can_cu_phap_ly.
    """
    if channels is None or legal is None:
        return channels, legal
    if (
        channels.rstrip().endswith("(")
        and legal.lstrip().startswith(":")
        and not _LEGAL_HEADER.match(legal)
    ):
        return channels + "Căn cứ pháp lý" + legal, None
    return channels, legal


def parse_record(raw: dict[str, Any]) -> ProcedureRecord:
    """Build a :class:`ProcedureRecord` from one raw JSON record.

    Raises:
        RecordError: ``raw`` is not a dict, a field has the wrong type, or
            ``ma_thu_tuc`` / ``ten_thu_tuc`` is empty.
        MismatchedRecordError: ``raw_text`` says "Mã thủ tục X" with X ≠ ``ma_thu_tuc``.

    Example:
        >>> parse_record({"ma_thu_tuc": "1.000656", "ten_thu_tuc": "Đăng ký khai tử"}).name
        'Đăng ký khai tử'
    """
    if not isinstance(raw, dict):
        raise RecordError(
            f"Bản ghi phải là một đối tượng JSON (dict), nhận được {type(raw).__name__}"
        )
    code = _inline(_field(raw, "ma_thu_tuc"))
    if not code:
        raise RecordError("Thiếu trường 'ma_thu_tuc' (mã thủ tục) hoặc trường này để trống")
    name = _inline(_field(raw, "ten_thu_tuc"))
    if not name:
        raise RecordError(
            f"Thủ tục {code}: thiếu trường 'ten_thu_tuc' (tên thủ tục) hoặc trường này để trống"
        )
    raw_text = _field(raw, "raw_text")
    if raw_text:
        body = _BODY_CODE.search(_normalise(raw_text))
        if body and body.group("code") != code:
            raise MismatchedRecordError(code, body.group("code"))
    sections = page_sections(raw_text)
    channels_text, legal_text = _join_split_fee_column(
        _field(raw, "cach_thuc_thuc_hien"), _field(raw, "can_cu_phap_ly")
    )
    return ProcedureRecord(
        code=code,
        name=name,
        decision_number=clean_text(_field(raw, "so_quyet_dinh")),
        levels=parse_levels(_field(raw, "cap_thuc_hien")),
        procedure_type=clean_text(_field(raw, "loai_thu_tuc")),
        field=clean_text(_field(raw, "linh_vuc")),
        target_subjects=clean_text(_field(raw, "doi_tuong_thuc_hien")),
        competent_agency=clean_text(_page_field(raw, "co_quan_co_tham_quyen", sections)),
        implementing_agency=clean_text(_page_field(raw, "co_quan_thuc_hien", sections)),
        receiving_address=clean_text(_page_field(raw, "dia_chi_tiep_nhan", sections)),
        authorised_agency=clean_text(_page_field(raw, "co_quan_duoc_uy_quyen", sections)),
        coordinating_agency=clean_text(_page_field(raw, "co_quan_phoi_hop", sections)),
        related_procedures=clean_text(_field(raw, "thu_tuc_lien_quan")),
        steps=clean_text(_field(raw, "trinh_tu_thuc_hien")),
        conditions=clean_text(_field(raw, "yeu_cau_dieu_kien")),
        results=tuple(parse_results(_field(raw, "ket_qua_xu_ly"))),
        detail_url=clean_text(_field(raw, "detail_url")),
        channels=tuple(parse_channels(channels_text)),
        papers=tuple(parse_papers(_field(raw, "thanh_phan_ho_so"))),
        papers_text=clean_text(_field(raw, "thanh_phan_ho_so")),
        legal_documents=tuple(parse_legal_documents(legal_text)),
    )
