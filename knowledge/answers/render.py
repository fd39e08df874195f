"""The one renderer of a procedure's aspects, for the bot, the API summary and the agent page.

Every answer names the procedure, gives the asked aspect per submission channel where the
catalog differs by channel, and ends with the citation ``Mã thủ tục: X`` and the link to the
procedure's page when the catalog has one. Long catalog texts are cut at a line or word
boundary and point to the page for the rest.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache

from knowledge.answers.facts import (
    Fee,
    agency_from_steps,
    bare,
    copies_label,
    distinct_agencies,
    is_time_sentence,
    no_information,
    papers_to_bring,
    province_fees,
    read_fee,
    read_time,
)
from knowledge.config import PROVINCE_FEES_FILE
from knowledge.enums import Channel, ProcedureStatus
from knowledge.schemas import ChannelInfo, ChannelSummary, ProcedureCard, ProcedureSummary

MAX_ITEM_CHARS = 170  # one paper, one legal document, one channel description
MAX_BLOCK_CHARS = 800  # steps, conditions
MAX_ITEMS = 8
MAX_AMENDMENTS = 5  # changes listed in an amended procedure's note
CHANNEL_ORDER = {channel.value: rank for rank, channel in enumerate(Channel)}


@dataclass(frozen=True)
class Aspect:
    """What a citizen can ask about a procedure: its intent, action and button title."""

    key: str  # "fee"
    title: str  # "Lệ phí", the heading of the answer and the title of its button

    @property
    def intent(self) -> str:
        """The NLU intent asking for this aspect ("ask_fee")."""
        return f"ask_{self.key}"

    @property
    def action(self) -> str:
        """The custom action answering it ("action_answer_fee")."""
        return f"action_answer_{self.key}"


ASPECTS: dict[str, Aspect] = {
    a.key: a
    for a in (
        Aspect("procedure", "Tổng quan"),
        Aspect("fee", "Lệ phí"),
        Aspect("documents", "Giấy tờ cần nộp"),
        Aspect("processing_time", "Thời hạn giải quyết"),
        Aspect("agency", "Nơi nộp, cơ quan giải quyết"),
        Aspect("steps", "Các bước thực hiện"),
        Aspect("channels", "Cách nộp hồ sơ"),
        Aspect("conditions", "Điều kiện"),
        Aspect("result", "Kết quả"),
        Aspect("legal_basis", "Căn cứ pháp lý"),
    )
}
# The aspects offered as buttons under an overview: what citizens ask most.
FOLLOW_UP_ASPECTS = ("documents", "fee", "processing_time", "agency")


def format_answer(card: ProcedureCard, aspect: str) -> str:
    """The answer to ``aspect`` ("fee", "documents"…) of ``card``, citation included.

    Example:
        >>> print(format_answer(card, "fee"))  # doctest: +SKIP
        Lệ phí – Cấp đổi thẻ căn cước (Cấp xã):
        - Trực tiếp, Trực tuyến: 50.000 đồng
        - Dịch vụ bưu chính: miễn phí
        Mã thủ tục: 1.014063
        Chi tiết: https://dichvucong.gov.vn/…
    """
    body = _FORMATTERS[aspect](card)
    parts = [_status_note(card), body, citation(card)]
    return "\n".join(part for part in parts if part)


def summarize(card: ProcedureCard) -> ProcedureSummary:
    """The summary of ``card`` for the agent page and its clipboard text (same rules as the bot).

    Example:
        >>> summarize(card).text.splitlines()[0]  # doctest: +SKIP
        'Thủ tục đăng ký khai sinh (mã 1.001193) — Cấp xã'
    """
    channels = [
        ChannelSummary(
            channel=c.channel,
            channel_label=c.channel_label,
            time=_time(card, c),
            fee=_fee(card, c).text,
            fee_note=_fee(card, c).note,
        )
        for c in card.channels
    ]
    papers = papers_to_bring(card.papers)
    listed = [
        shorten(bare(p.name), 110) + (f" ({copies_label(p)})" if copies_label(p) else "")
        for p in papers[:MAX_ITEMS]
    ]
    agency = card.receiving_address or _agencies(card) or agency_from_steps(card.steps)
    status = (
        abolished_notice(card, None).splitlines()[0] if is_abolished(card) else _status_note(card)
    )
    lines = [f"{card.name} (mã {card.code})" + (f" — {card.levels}" if card.levels else "")]
    if status:
        lines.append(status)
    if channels:
        lines.append(f"Thời hạn: {_all_channels(channels, 'time')}.")
        lines.append(f"Lệ phí: {_all_channels(channels, 'fee')}.")
    if listed:
        lines.append("Hồ sơ:")
        lines += [f"  {number}. {paper}" for number, paper in enumerate(listed, start=1)]
        if len(papers) > len(listed):
            lines.append(f"  … và {len(papers) - len(listed)} giấy tờ khác.")
    if agency:
        lines.append(f"Nơi nộp: {shorten(agency, 200)}.")
    if card.results:
        lines.append(f"Kết quả: {shorten('; '.join(card.results), 200)}.")
    if card.detail_url:
        lines.append(f"Chi tiết: {card.detail_url}")
    return ProcedureSummary(
        code=card.code,
        title=title_of(card),
        status_note=status,
        channels=channels,
        papers=listed,
        more_papers=len(papers) - len(listed),
        agency=agency,
        text="\n".join(lines),
    )


def _all_channels(channels: list[ChannelSummary], key: str) -> str:
    """One value for every channel, or "Trực tiếp: …; Trực tuyến: …" when they differ."""
    values = [str(getattr(c, key)) for c in channels]
    if len(set(values)) == 1:
        return values[0] + (" (mọi hình thức nộp)" if len(values) > 1 else "")
    grouped: dict[str, list[str]] = {}
    for channel, value in zip(channels, values, strict=True):
        grouped.setdefault(value, []).append(channel.channel_label)
    return "; ".join(
        f"{', '.join(dict.fromkeys(labels))}: {value}" for value, labels in grouped.items()
    )


def title_of(card: ProcedureCard) -> str:
    """The procedure's name with its levels: "Cấp đổi thẻ căn cước (Cấp xã)"."""
    return f"{card.name} ({card.levels})" if card.levels else card.name


def citation(card: ProcedureCard) -> str:
    """``Mã thủ tục: X`` and, when the catalog has one, the link to the procedure's page."""
    lines = [f"Mã thủ tục: {card.code}"]
    if card.detail_url:
        lines.append(f"Chi tiết: {card.detail_url}")
    return "\n".join(lines)


def abolished_notice(card: ProcedureCard, replacement: ProcedureCard | None) -> str:
    """Say that ``card`` was abolished, by which decision, and what replaces it if known."""
    lines = [f"Thủ tục «{card.name}» đã bị bãi bỏ{_decision_phrase(card)}."]
    if replacement is not None:
        lines.append(f"Thủ tục thay thế: {title_of(replacement)} (Mã thủ tục: {replacement.code}).")
    elif card.replaced_by_code:
        lines.append(f"Thủ tục thay thế có mã {card.replaced_by_code}.")
    else:
        lines.append("Danh mục không nêu thủ tục thay thế.")
    lines.append(citation(card))
    return "\n".join(lines)


def is_abolished(card: ProcedureCard) -> bool:
    """Whether the catalog marks ``card`` as abolished."""
    return card.status == ProcedureStatus.abolished


def aspect_buttons(code: str, aspects: Iterable[str] = FOLLOW_UP_ASPECTS) -> list[dict[str, str]]:
    """Buttons asking about other aspects of the procedure ``code``."""
    return [{"title": ASPECTS[key].title, "payload": button_payload(key, code)} for key in aspects]


def button_payload(aspect: str, code: str) -> str:
    """The payload of a button that asks ``aspect`` about ``code``: /ask_fee{"procedure_code":…}."""
    return f'/{ASPECTS[aspect].intent}{{"procedure_code":"{code}"}}'


def shorten(text: str | None, limit: int = MAX_ITEM_CHARS) -> str:
    """``text`` on one line, cut at a word boundary to at most ``limit`` characters.

    Example:
        >>> shorten("Bản sao   Giấy khai sinh của người được cấp", 20)
        'Bản sao Giấy khai…'
    """
    flat = re.sub(r"\s+", " ", text or "").strip()
    if len(flat) <= limit:
        return flat
    cut = flat[: limit - 1].rsplit(" ", 1)[0].rstrip(" ,;:.-(")
    return f"{cut}…"


# --------------------------------------------------------------------------- aspects


def _overview(card: ProcedureCard) -> str:
    lines = [title_of(card)]
    if card.field:
        lines.append(f"Lĩnh vực: {card.field}")
    agencies = _agencies(card)
    if agencies:
        lines.append(f"Cơ quan thực hiện: {shorten(agencies)}")
    if card.channels:
        lines.append("Thời hạn, lệ phí:")
        lines += _per_channel(
            card.channels, lambda c: f"{_time(card, c)}, {shorten(_fee(card, c).text, 120)}"
        )
    facts = []
    papers = papers_to_bring(card.papers)
    if papers:
        facts.append(f"hồ sơ gồm {len(papers)} thành phần")
    if card.results:
        facts.append(f"kết quả: {shorten('; '.join(card.results), 120)}")
    if facts:
        lines.append(_capitalize("; ".join(facts)) + ".")
    return "\n".join(lines)


def _fee(card: ProcedureCard, channel: ChannelInfo) -> Fee:
    return read_fee(channel, province_fee=_province_fees().get(card.code))


def _fee_answer(card: ProcedureCard) -> str:
    if not card.channels:
        return f"Lệ phí – {title_of(card)}: danh mục chưa có thông tin lệ phí."
    lines = [
        f"Lệ phí – {title_of(card)}:",
        *_per_channel(card.channels, lambda c: shorten(_fee(card, c).text, 220)),
    ]
    # Every distinct explanation, each with the channels it belongs to when they differ.
    notes: dict[str, list[str]] = {}
    for channel in _ordered(card.channels):
        explanation = _fee(card, channel).note
        if explanation and not no_information(explanation):
            notes.setdefault(explanation, []).append(channel.channel_label)
    for explanation, labels in notes.items():
        where = f" ({', '.join(dict.fromkeys(labels))})" if len(notes) > 1 else ""
        lines.append(f"Ghi chú{where}: {shorten(explanation, 220)}")
    return "\n".join(lines)


def _time(card: ProcedureCard, channel: ChannelInfo) -> str:
    return shorten(read_time(channel, [card.steps or ""]), 120)


def _time_answer(card: ProcedureCard) -> str:
    if not card.channels:
        return f"Thời hạn giải quyết – {title_of(card)}: danh mục chưa có thông tin."
    return "\n".join(
        [
            f"Thời hạn giải quyết – {title_of(card)}:",
            *_per_channel(card.channels, lambda c: _time(card, c)),
        ]
    )


def _documents(card: ProcedureCard) -> str:
    papers = papers_to_bring(card.papers)
    if not papers:
        if card.papers_text:
            return f"Hồ sơ – {title_of(card)}:\n{_block(card.papers_text, 600)}"
        return f"Hồ sơ – {title_of(card)}: danh mục chưa liệt kê thành phần hồ sơ."
    lines = [f"Hồ sơ – {title_of(card)} gồm:"]
    group = ""
    for index, paper in enumerate(papers[:MAX_ITEMS], start=1):
        if paper.group and paper.group != group:
            group = paper.group
            if bare(group) != bare(paper.name):
                lines.append(f"{shorten(group, 80)}:")
        copies = copies_label(paper)
        lines.append(f"{index}. {shorten(bare(paper.name))}" + (f" ({copies})" if copies else ""))
    hidden = len(papers) - min(len(papers), MAX_ITEMS)
    if hidden:
        lines.append(f"… và {hidden} giấy tờ khác (xem trang chi tiết).")
    if len(papers) < len(card.papers):
        lines.append("Các trường hợp cụ thể và lưu ý: xem trang chi tiết.")
    return "\n".join(lines)


def _agencies(card: ProcedureCard) -> str:
    return ", ".join(distinct_agencies(card.implementing_agency or card.competent_agency))


def _agency(card: ProcedureCard) -> str:
    lines = [f"Nơi giải quyết – {title_of(card)}:"]
    implementing = distinct_agencies(card.implementing_agency)
    competent = distinct_agencies(card.competent_agency)
    if implementing:
        lines.append(f"- Cơ quan thực hiện: {shorten(', '.join(implementing))}")
    if competent and {a.casefold() for a in competent} != {a.casefold() for a in implementing}:
        lines.append(f"- Cơ quan có thẩm quyền: {shorten(', '.join(competent))}")
    if card.receiving_address:
        lines.append(f"- Nơi tiếp nhận: {shorten(card.receiving_address)}")
    in_person = next((c for c in card.channels if c.channel == "in_person"), None)
    if in_person and _is_place(in_person.description):
        lines.append(f"- Nộp trực tiếp: {shorten(bare(in_person.description))}")
    if len(lines) == 1:
        named = agency_from_steps(card.steps)
        if named:
            lines.append(f"- Nơi nộp hồ sơ (theo trình tự thực hiện): {shorten(named)}")
        else:
            lines.append("Danh mục chưa ghi cơ quan thực hiện.")
    return "\n".join(lines)


def _steps(card: ProcedureCard) -> str:
    if not card.steps:
        return f"Các bước – {title_of(card)}: danh mục chưa mô tả trình tự thực hiện."
    return f"Các bước – {title_of(card)}:\n{_block(card.steps)}"


def _channels(card: ProcedureCard) -> str:
    if not card.channels:
        return f"Cách nộp – {title_of(card)}: danh mục chưa ghi cách thức nộp hồ sơ."
    channels = _ordered(card.channels)
    labels = ", ".join(dict.fromkeys(c.channel_label for c in channels))
    lines = [f"Cách nộp – {title_of(card)}:", f"Có thể nộp: {labels}."]
    described = [c for c in channels if c.description and not is_time_sentence(c.description)]
    lines += _per_channel(described, lambda c: shorten(bare(c.description), 150))
    if not any(c.channel == "online" for c in card.channels):
        lines.append("Thủ tục này chưa nhận hồ sơ trực tuyến.")
    return "\n".join(lines)


def _conditions(card: ProcedureCard) -> str:
    lines = [f"Điều kiện – {title_of(card)}:"]
    if card.conditions:
        lines.append(_block(card.conditions))
    else:
        lines.append("Danh mục không nêu yêu cầu, điều kiện riêng cho thủ tục này.")
    if card.target_subjects:
        lines.append(f"Đối tượng thực hiện: {shorten(card.target_subjects)}")
    return "\n".join(lines)


def _result(card: ProcedureCard) -> str:
    if not card.results:
        return f"Kết quả – {title_of(card)}: danh mục chưa ghi kết quả."
    items = [f"- {shorten(result)}" for result in card.results[:MAX_ITEMS]]
    return "\n".join([f"Kết quả – {title_of(card)}:", *items])


def _legal_basis(card: ProcedureCard) -> str:
    if not card.legal_documents:
        return f"Căn cứ pháp lý – {title_of(card)}: danh mục chưa ghi văn bản."
    lines = [f"Căn cứ pháp lý – {title_of(card)}:"]
    for document in card.legal_documents[:MAX_ITEMS]:
        title = shorten(document.title, 120)
        lines.append(f"- {document.number}: {title}" if title else f"- {document.number}")
    if len(card.legal_documents) > MAX_ITEMS:
        lines.append(f"… và {len(card.legal_documents) - MAX_ITEMS} văn bản khác.")
    return "\n".join(lines)


_FORMATTERS: dict[str, Callable[[ProcedureCard], str]] = {
    "procedure": _overview,
    "fee": _fee_answer,
    "documents": _documents,
    "processing_time": _time_answer,
    "agency": _agency,
    "steps": _steps,
    "channels": _channels,
    "conditions": _conditions,
    "result": _result,
    "legal_basis": _legal_basis,
}

# --------------------------------------------------------------------------- helpers


def _ordered(channels: list[ChannelInfo]) -> list[ChannelInfo]:
    return sorted(channels, key=lambda c: CHANNEL_ORDER.get(c.channel, 9))


def _per_channel(channels: list[ChannelInfo], render: Callable[[ChannelInfo], str]) -> list[str]:
    """One line per distinct value, channels sharing it grouped: "- Trực tiếp, Trực tuyến: …"."""
    grouped: dict[str, list[str]] = {}
    for channel in _ordered(channels):
        grouped.setdefault(render(channel), []).append(channel.channel_label)
    return [f"- {', '.join(dict.fromkeys(labels))}: {value}" for value, labels in grouped.items()]


def _is_place(description: str) -> bool:
    """Whether a channel's description says where to submit, rather than when or how much."""
    text = bare(description)
    if not text or is_time_sentence(text) or re.search(r"\d\s*(?:đồng|VNĐ)", text):
        return False
    return bool(re.search(r"\b(?:nộp|gửi|tiếp nhận|tại)\b", text, re.IGNORECASE))


@lru_cache(maxsize=1)
def _province_fees() -> dict[str, str]:
    return province_fees(PROVINCE_FEES_FILE)


def _status_note(card: ProcedureCard) -> str:
    if card.status == ProcedureStatus.amended:
        return amendment_note(card)
    return ""


def amendment_note(card: ProcedureCard) -> str:
    """What an amending decision changed in ``card`` and since when (bot, API and console).

    Example:
        >>> print(amendment_note(card))  # doctest: +SKIP
        Lưu ý: thủ tục đã được sửa đổi theo Quyết định 2468/QĐ-UBND, áp dụng từ 01/12/2026:
        - Lệ phí (Trực tuyến): 50.000 đồng → 30.000 đồng
    """
    head = "Lưu ý: thủ tục đã được sửa đổi"
    if card.status_decision:
        head += f" theo Quyết định {card.status_decision}"
    if card.status_date:
        head += f", áp dụng từ {card.status_date:%d/%m/%Y}"
    if not card.amendments:
        return head + "."
    lines = [head + ":"]
    for change in card.amendments[:MAX_AMENDMENTS]:
        if change.before is not None:
            lines.append(f"- {change.label}: {change.before} → {change.after}")
        else:
            lines.append(f"- {change.label}: {change.after}")
    if len(card.amendments) > MAX_AMENDMENTS:
        lines.append(f"- … và {len(card.amendments) - MAX_AMENDMENTS} thay đổi khác.")
    return "\n".join(lines)


def _decision_phrase(card: ProcedureCard) -> str:
    phrase = f" theo Quyết định {card.status_decision}" if card.status_decision else ""
    if card.status_date:
        phrase += f" ngày {card.status_date:%d/%m/%Y}"
    return phrase


def _block(text: str, limit: int = MAX_BLOCK_CHARS) -> str:
    """A multi-line catalog text cut at a line boundary, or a word boundary for one long line."""
    lines = [re.sub(r"[ \t\u00a0]+", " ", line).strip() for line in text.splitlines()]
    lines = [line for line in lines if line]
    kept: list[str] = []
    used = 0
    for line in lines:
        if used + len(line) > limit:
            if not kept:
                kept.append(shorten(line, limit))
            kept.append("… (xem đầy đủ tại trang chi tiết)")
            break
        kept.append(line)
        used += len(line) + 1
    return "\n".join(kept)


def _capitalize(text: str) -> str:
    return text[:1].upper() + text[1:]
