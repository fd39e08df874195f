"""What the citizen reads about a dossier: the texts built from data, in one place.

The lookup's one generic failure and its lockouts, the status source being down, and the
status of a verified dossier with what to supplement. Fixed bot texts (hints, the
cancellation) are the domain's ``utter_*`` responses (bot/domain/dossiers.yml); the
procedure answers are rendered by ``knowledge.answers``.
"""

from __future__ import annotations

import re
from datetime import datetime

from knowledge.dossiers.deadlines import working_days_between
from knowledge.dossiers.schemas import DossierCitizenView
from knowledge.enums import DossierState, ResultDelivery

# A label the catalog or the agency already put at the head of a reason ("Cần bổ sung: …").
REASON_LABEL = re.compile(r"^\s*(?:cần bổ sung|lý do)\s*:\s*", re.IGNORECASE)

# --------------------------------------------------------------------------- the lookup


def not_verified_message() -> str:
    """The one answer for a wrong code, an unknown code or wrong phone digits."""
    return (
        "Thông tin chưa khớp: không xác minh được hồ sơ với mã hồ sơ và 4 số cuối điện thoại "
        "bạn cung cấp. Bạn kiểm tra lại mã trên Giấy tiếp nhận hồ sơ và hẹn trả kết quả, và số "
        "điện thoại đã đăng ký khi nộp hồ sơ, rồi thử lại nhé."
    )


def locked_message(until: datetime, hotline: str) -> str:
    """The answer while a conversation is locked out."""
    return (
        "Bạn đã nhập sai thông tin tra cứu nhiều lần. Để bảo vệ thông tin hồ sơ, chức năng tra "
        f"cứu hồ sơ tạm khóa đến {until:%H:%M} ngày {until:%d/%m/%Y}. Bạn có thể gọi tổng đài "
        f"{hotline} để được hỗ trợ."
    )


def code_locked_message(until: datetime, hotline: str) -> str:
    """The answer while a dossier code waits after many wrong tries (any conversation)."""
    return (
        "Mã hồ sơ này vừa bị nhập sai thông tin xác minh nhiều lần nên tạm dừng tra cứu để bảo "
        f"vệ thông tin. Bạn thử lại sau {until:%H:%M} ngày {until:%d/%m/%Y}, hoặc gọi tổng đài "
        f"{hotline} để được hỗ trợ."
    )


# --------------------------------------------------------------------------- the source


def unavailable_message(hotline: str) -> str:
    """What the citizen reads when the status service is down."""
    return (
        "Xin lỗi, hệ thống tra cứu tình trạng hồ sơ đang tạm thời gián đoạn. Bạn thử lại sau ít "
        f"phút hoặc gọi tổng đài {hotline} để được hỗ trợ nhé."
    )


# --------------------------------------------------------------------------- a verified dossier

HEADER = "Hồ sơ {code} — {procedure}\nNgười nộp: {name}"
RECEIVED_DUE = "Tiếp nhận: {received}. Hẹn trả kết quả: {due}."
RECEIVED_ONLY = "Tiếp nhận: {received}."
STATUS = {
    DossierState.received: "Tình trạng: đã tiếp nhận, đang chuyển đến cơ quan giải quyết{where}.",
    DossierState.in_progress: "Tình trạng: đang giải quyết{step}{where}.",
    DossierState.needs_supplement: "Tình trạng: cần bổ sung hồ sơ{where}.",
    DossierState.result_ready: "Tình trạng: đã có kết quả, đang chờ trả.",
    DossierState.returned: "Tình trạng: đã trả kết quả{finished}.",
    DossierState.rejected: "Tình trạng: không đủ điều kiện giải quyết{finished}.",
    DossierState.withdrawn: "Tình trạng: hồ sơ đã được rút theo đề nghị của người nộp{finished}.",
}
SUPPLEMENT = (
    "Cần bổ sung: {reason}\nBạn bổ sung tại {receiving_agency} hoặc trên Cổng dịch vụ công "
    "{portal_url}. Thời hạn giải quyết được tính lại khi cơ quan nhận đủ hồ sơ."
)
REJECTED = (
    "Lý do: {reason}\nBạn có thể liên hệ {receiving_agency} hoặc gọi tổng đài {hotline} để được "
    "hướng dẫn."
)
OVERDUE = (
    "Hồ sơ đã quá hạn hẹn trả {days}. Thành thật xin lỗi bạn về sự chậm trễ này; Trung tâm đang "
    "đôn đốc cơ quan giải quyết. Bạn có thể gọi tổng đài {hotline} để được hỗ trợ."
)
LATE_RESULT = (
    "Kết quả có muộn hơn ngày hẹn, thành thật xin lỗi bạn. Cần hỗ trợ, bạn gọi tổng đài {hotline}."
)
COLLECT_COUNTER = (
    "Nhận kết quả: trực tiếp tại {receiving_agency}; bạn mang theo Giấy tiếp nhận hồ sơ và hẹn "
    "trả kết quả cùng giấy tờ tùy thân (CCCD) nhé."
)
COLLECT_POSTAL = (
    "Nhận kết quả: qua dịch vụ bưu chính công ích, gửi đến địa chỉ bạn đã đăng ký; nhân viên bưu "
    "điện sẽ liên hệ trước khi giao."
)
WILL_COLLECT_COUNTER = "Khi có kết quả, bạn nhận trực tiếp tại {receiving_agency}."
WILL_COLLECT_POSTAL = (
    "Khi có kết quả, kết quả sẽ được gửi qua dịch vụ bưu chính công ích đến địa chỉ bạn đã "
    "đăng ký."
)
RETURNED_POSTAL = "Kết quả đã được gửi qua dịch vụ bưu chính công ích."
FEE_PAID = "Phí, lệ phí: đã thanh toán trực tuyến."
SUPPLEMENT_OF = (
    "Hồ sơ {code} cần bổ sung: {reason}\nBạn bổ sung tại {receiving_agency} hoặc trên Cổng dịch "
    "vụ công {portal_url}."
)
NO_SUPPLEMENT = (
    "Hồ sơ {code} hiện không cần bổ sung giấy tờ gì (tình trạng: {state}). Khi cơ quan yêu cầu "
    "bổ sung, bạn tra cứu lại hồ sơ sẽ thấy lý do."
)


def _reason(reason: str | None) -> str:
    """The reason without a repeated label: "Cần bổ sung: bản sao…" → "bản sao…"."""
    return REASON_LABEL.sub("", reason or "").strip()


def _moment(value: datetime) -> str:
    return f"{value:%H:%M} ngày {value:%d/%m/%Y}"


def status_message(view: DossierCitizenView, now: datetime, hotline: str, portal_url: str) -> str:
    """The answer for a verified citizen: step, agency, dates, delay, what to supplement, result.

    Example (in progress, on time):
        Hồ sơ 000.00.12.H48-251120-0001 — Thủ tục đăng ký khai sinh
        Người nộp: N*** V** A
        Tình trạng: đang giải quyết (bước "Thẩm định hồ sơ") tại Ủy ban nhân dân xã Bình Sơn.
        Tiếp nhận: 08:30 ngày 20/11/2025. Hẹn trả kết quả: 08:30 ngày 21/11/2025.
        Khi có kết quả, bạn nhận trực tiếp tại Bộ phận Một cửa UBND xã Bình Sơn.
    """
    state = view.state
    where = f" tại {view.handling_agency}" if view.handling_agency else ""
    step = f' (bước "{view.current_step}")' if view.current_step else ""
    finished = f" lúc {_moment(view.finished_at)}" if view.finished_at else ""
    lines = [
        HEADER.format(
            code=view.code, procedure=view.procedure_name, name=view.applicant_name_masked
        ),
        STATUS[state].format(where=where, step=step, finished=finished),
        (
            RECEIVED_DUE.format(received=_moment(view.received_at), due=_moment(view.due_at))
            if view.due_at
            else RECEIVED_ONLY.format(received=_moment(view.received_at))
        ),
    ]
    if state is DossierState.needs_supplement:
        lines.append(
            SUPPLEMENT.format(
                reason=_reason(view.state_reason) or "(xem thông báo của cơ quan)",
                receiving_agency=view.receiving_agency,
                portal_url=portal_url,
            )
        )
    if state is DossierState.rejected:
        lines.append(
            REJECTED.format(
                reason=_reason(view.state_reason) or "(xem văn bản trả lời)",
                receiving_agency=view.receiving_agency,
                hotline=hotline,
            )
        )
    if view.overdue and state is DossierState.result_ready:
        lines.append(LATE_RESULT.format(hotline=hotline))
    elif view.overdue and view.due_at is not None:
        days = working_days_between(view.due_at.date(), now.date())
        late = f"{days} ngày làm việc" if days else "(từ hôm nay)"
        lines.append(OVERDUE.format(days=late, hotline=hotline))
    if state is DossierState.result_ready:
        lines.append(
            COLLECT_POSTAL
            if view.result_delivery is ResultDelivery.postal
            else COLLECT_COUNTER.format(receiving_agency=view.receiving_agency)
        )
    elif state in (DossierState.received, DossierState.in_progress, DossierState.needs_supplement):
        lines.append(
            WILL_COLLECT_POSTAL
            if view.result_delivery is ResultDelivery.postal
            else WILL_COLLECT_COUNTER.format(receiving_agency=view.receiving_agency)
        )
    elif state is DossierState.returned and view.result_delivery is ResultDelivery.postal:
        lines.append(RETURNED_POSTAL)
    if view.fee_paid_online and state not in (DossierState.rejected, DossierState.withdrawn):
        lines.append(FEE_PAID)
    return "\n".join(lines)


def supplement_message(view: DossierCitizenView, portal_url: str) -> str:
    """The answer to "cần bổ sung gì" about a verified dossier, without a repeated label.

    Example:
        Hồ sơ 000.00.12.H48-251120-0001 cần bổ sung: Bản sao giấy chứng sinh có chứng thực.
        Bạn bổ sung tại Bộ phận Một cửa UBND xã Bình Sơn hoặc trên Cổng dịch vụ công ….
    """
    if view.state is DossierState.needs_supplement:
        return SUPPLEMENT_OF.format(
            code=view.code,
            reason=_reason(view.state_reason) or "(xem thông báo của cơ quan)",
            receiving_agency=view.receiving_agency,
            portal_url=portal_url,
        )
    return NO_SUPPLEMENT.format(code=view.code, state=view.state_label.lower())
