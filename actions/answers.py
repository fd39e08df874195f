"""Answers about one aspect of a procedure, formatted from its ProcedureCard for a phone screen.

Every answer names the procedure, gives the asked aspect per submission channel where the
catalog differs by channel, and ends with the citation ``Mã thủ tục: X`` and the link to the
procedure's page when the catalog has one. Long catalog texts are cut at a line or word
boundary and point to the page for the rest.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from knowledge.schemas import ChannelInfo, ProcedureCard

MAX_ITEM_CHARS = 170  # one paper, one legal document, one channel description
MAX_BLOCK_CHARS = 800  # steps, conditions
MAX_ITEMS = 8
ABOLISHED = "abolished"
AMENDED = "amended"
CHANNEL_ORDER = {"in_person": 0, "online": 1, "postal": 2}


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
    return card.status == ABOLISHED


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


# --------------------------------------------------------------------------- fixed messages
# Sent by the actions (kept out of the domain's responses, which Rasa's validator wants
# used by stories or rules). ``{hotline}`` and ``{portal_url}`` come from the settings.

CHOOSE_PROCEDURE = "Có vài thủ tục gần giống nhau, bạn chọn giúp mình thủ tục đúng nhé:"
CONFIRM_PROCEDURE = "Ý bạn là thủ tục «{name}» (Mã thủ tục: {code})?"
PICK_ONE = "Bạn bấm chọn một thủ tục trong danh sách giúp mình nhé:"
ASK_PROCEDURE_NAME = (
    "Bạn đang hỏi về thủ tục nào ạ? Ví dụ: đăng ký khai sinh, cấp đổi thẻ căn cước, "
    "cấp phiếu lý lịch tư pháp…"
)
REPHRASE_PROCEDURE = (
    'Xin lỗi bạn. Bạn nói rõ hơn tên thủ tục giúp mình (ví dụ: "cấp lại giấy phép lái xe"), '
    "hoặc gọi tổng đài {hotline} để được cán bộ hỗ trợ."
)
NO_MATCH = (
    "Mình chưa tìm thấy thủ tục nào khớp với câu hỏi. Bạn thử gọi đúng tên thủ tục "
    '(ví dụ: "đăng ký thường trú"), hoặc gọi tổng đài {hotline} để được cán bộ hỗ trợ.'
)
QUESTION_TOO_LONG = (
    "Câu hỏi dài quá (tối đa {max_chars} ký tự). Bạn hỏi ngắn gọn lại giúp mình nhé."
)
SERVICE_UNAVAILABLE = (
    "Xin lỗi, hệ thống tra cứu đang gặp sự cố. Bạn thử lại sau ít phút hoặc gọi tổng đài "
    "{hotline} nhé."
)
ANYTHING_ELSE = "Dạ. Bạn cần hỏi gì thêm về thủ tục hành chính không ạ?"
OUT_OF_SCOPE = (
    "Xin lỗi, mình chỉ hỗ trợ về thủ tục hành chính công: giấy tờ cần nộp, lệ phí, thời hạn, "
    'nơi nộp, các bước thực hiện, và tra cứu hồ sơ. Ví dụ: "đổi căn cước mất bao nhiêu tiền?"'
)
ASK_REPHRASE = (
    "Xin lỗi, mình chưa hiểu rõ ý bạn. Bạn nói rõ hơn giúp mình tên thủ tục và điều bạn muốn "
    "biết (giấy tờ, lệ phí, thời hạn, nơi nộp…) nhé."
)
OFFER_HUMAN = (
    "Mình vẫn chưa hiểu được câu hỏi, xin lỗi bạn. Bạn có thể gọi tổng đài {hotline} để gặp "
    "cán bộ hỗ trợ."
)
HANDOFF = (
    "Bạn gọi tổng đài {hotline} (giờ hành chính) để gặp cán bộ của Trung tâm, hoặc gửi câu hỏi "
    "trên Cổng dịch vụ công {portal_url}."
)
HANDOFF_CONTEXT = " Khi gọi, bạn đọc mã thủ tục {code} để được hỗ trợ nhanh hơn."
# Read by the chat gateway: queue the conversation for an agent (see actions.handoff).
HANDOFF_MARKER = {"handoff": True, "reason": "asked"}
FALLBACK_HANDOFF_MARKER = {"handoff": True, "reason": "fallback"}
FEEDBACK_SAVED = (
    "Cảm ơn bạn đã góp ý! Nội dung đã được ghi nhận. Nếu cần phản ánh chính thức, bạn gửi qua "
    "Cổng dịch vụ công {portal_url} hoặc gọi tổng đài {hotline}."
)
HUMAN_BUTTON = {"title": "Gặp cán bộ hỗ trợ", "payload": "/request_human"}


# --------------------------------------------------------------------------- aspects


def _overview(card: ProcedureCard) -> str:
    lines = [title_of(card)]
    if card.field:
        lines.append(f"Lĩnh vực: {card.field}")
    agency = card.implementing_agency or card.competent_agency
    if agency:
        lines.append(f"Cơ quan thực hiện: {shorten(agency)}")
    if card.channels:
        lines.append("Thời hạn, lệ phí:")
        lines += _per_channel(card.channels, lambda c: f"{_time(c)}, {_fee(c)}")
    facts = []
    if card.papers:
        facts.append(f"hồ sơ gồm {len(card.papers)} thành phần")
    if card.results:
        facts.append(f"kết quả: {shorten('; '.join(card.results), 120)}")
    if facts:
        lines.append(_capitalize("; ".join(facts)) + ".")
    return "\n".join(lines)


def _fee(channel: ChannelInfo) -> str:
    if channel.fee_amount == 0:
        return "miễn phí"
    if channel.fee_amount:
        return f"{channel.fee_amount:,} đồng".replace(",", ".")
    head = _head(channel.fee_text)
    if not head or _no_information(head):
        return "danh mục chưa ghi lệ phí"
    return shorten(head, 80)


def _fee_answer(card: ProcedureCard) -> str:
    if not card.channels:
        return f"Lệ phí – {title_of(card)}: danh mục chưa có thông tin lệ phí."
    lines = [f"Lệ phí – {title_of(card)}:", *_per_channel(card.channels, _fee)]
    notes = [_detail(c.fee_text) for c in card.channels]
    note = next((n for n in notes if n and not _no_information(n)), "")
    if note:
        lines.append(f"Ghi chú: {shorten(note, 220)}")
    return "\n".join(lines)


def _time(channel: ChannelInfo) -> str:
    text = channel.time_text.strip()
    if channel.time_value is not None and not channel.time_unit and re.fullmatch(r"[\d.,]+", text):
        return f"{_number(channel.time_value)} ngày"
    if text and not _no_information(text):
        return shorten(_lower_unit(text), 80)
    if channel.description:
        return shorten(channel.description, 80)
    return "danh mục chưa ghi thời hạn"


def _time_answer(card: ProcedureCard) -> str:
    if not card.channels:
        return f"Thời hạn giải quyết – {title_of(card)}: danh mục chưa có thông tin."
    return "\n".join(
        [f"Thời hạn giải quyết – {title_of(card)}:", *_per_channel(card.channels, _time)]
    )


def _documents(card: ProcedureCard) -> str:
    if not card.papers:
        return f"Hồ sơ – {title_of(card)}: danh mục chưa liệt kê thành phần hồ sơ."
    # Catalog rows with "0 bản" are notes under a paper ("Trường hợp…"), not papers to bring.
    papers = [p for p in card.papers if not p.copies.strip().startswith("0")] or card.papers
    lines = [f"Hồ sơ – {title_of(card)} gồm:"]
    group = ""
    for number, paper in enumerate(papers[:MAX_ITEMS], start=1):
        if paper.group and paper.group != group:
            group = paper.group
            lines.append(f"{shorten(group, 80)}:")
        copies = f" ({paper.copies})" if paper.copies else ""
        lines.append(f"{number}. {shorten(_item(paper.name))}{copies}")
    hidden = len(papers) - min(len(papers), MAX_ITEMS)
    if hidden:
        lines.append(f"… và {hidden} giấy tờ khác (xem trang chi tiết).")
    if len(papers) < len(card.papers):
        lines.append("Các trường hợp cụ thể và lưu ý: xem trang chi tiết.")
    return "\n".join(lines)


def _agency(card: ProcedureCard) -> str:
    lines = [f"Nơi giải quyết – {title_of(card)}:"]
    if card.implementing_agency:
        lines.append(f"- Cơ quan thực hiện: {shorten(card.implementing_agency)}")
    if card.competent_agency and card.competent_agency != card.implementing_agency:
        lines.append(f"- Cơ quan có thẩm quyền: {shorten(card.competent_agency)}")
    if card.receiving_address:
        lines.append(f"- Nơi tiếp nhận: {shorten(card.receiving_address)}")
    in_person = next((c for c in card.channels if c.channel == "in_person"), None)
    if in_person and in_person.description:
        lines.append(f"- Nộp trực tiếp: {shorten(_item(in_person.description))}")
    if len(lines) == 1:
        lines.append("Danh mục chưa ghi cơ quan thực hiện.")
    return "\n".join(lines)


def _steps(card: ProcedureCard) -> str:
    if not card.steps:
        return f"Các bước – {title_of(card)}: danh mục chưa mô tả trình tự thực hiện."
    return f"Các bước – {title_of(card)}:\n{_block(card.steps)}"


def _channels(card: ProcedureCard) -> str:
    if not card.channels:
        return f"Cách nộp – {title_of(card)}: danh mục chưa ghi cách thức nộp hồ sơ."
    channels = sorted(card.channels, key=lambda c: CHANNEL_ORDER.get(c.channel, 9))
    labels = ", ".join(c.channel_label for c in channels)
    lines = [f"Cách nộp – {title_of(card)}:", f"Có thể nộp: {labels}."]
    for channel in channels:
        if channel.description:
            lines.append(f"- {channel.channel_label}: {shorten(_item(channel.description), 150)}")
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


def _per_channel(channels: list[ChannelInfo], render: Callable[[ChannelInfo], str]) -> list[str]:
    """One line per distinct value, channels sharing it grouped: "- Trực tiếp, Trực tuyến: …"."""
    grouped: dict[str, list[str]] = {}
    for channel in sorted(channels, key=lambda c: CHANNEL_ORDER.get(c.channel, 9)):
        grouped.setdefault(render(channel), []).append(channel.channel_label)
    return [f"- {', '.join(dict.fromkeys(labels))}: {value}" for value, labels in grouped.items()]


def _status_note(card: ProcedureCard) -> str:
    if card.status == AMENDED:
        return f"Lưu ý: thủ tục đã được sửa đổi{_decision_phrase(card)}."
    return ""


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


def _item(text: str) -> str:
    """A catalog list item without its own bullet: "- Làm tại…" → "Làm tại…"."""
    return text.strip().lstrip("-+•* ").strip()


def _head(fee_text: str) -> str:
    """The amount part of a fee text: "50,000 Việt Nam Đồng (ghi chú)" → "50,000 Việt Nam Đồng"."""
    return fee_text.split("(", 1)[0].strip(" .;:")


def _detail(fee_text: str) -> str:
    """The parenthesised note of a fee text, or ""."""
    if "(" not in fee_text:
        return ""
    return fee_text.split("(", 1)[1].strip().rstrip(")").strip(" ()-")


def _no_information(text: str) -> bool:
    folded = text.lower().strip(" .()")
    return folded in {"", "không", "không có", "không có thông tin", "không quy định"}


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}".replace(".", ",")


def _lower_unit(text: str) -> str:
    """ "7 Ngày làm việc" → "7 ngày làm việc"."""
    return re.sub(r"(?<=\d )(Ngày|Giờ|Tháng|Năm)", lambda m: m.group().lower(), text)


def _capitalize(text: str) -> str:
    return text[:1].upper() + text[1:]
