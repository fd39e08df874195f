"""Vietnamese labels of dossier states and result deliveries, as citizens and agents read them."""

from __future__ import annotations

from knowledge.enums import DossierState, ResultDelivery

STATE_LABELS: dict[DossierState, str] = {
    DossierState.received: "Đã tiếp nhận",
    DossierState.in_progress: "Đang giải quyết",
    DossierState.needs_supplement: "Chờ bổ sung hồ sơ",
    DossierState.result_ready: "Đã có kết quả, chờ trả",
    DossierState.returned: "Đã trả kết quả",
    DossierState.rejected: "Không đủ điều kiện giải quyết (từ chối)",
    DossierState.withdrawn: "Đã rút hồ sơ",
}
DELIVERY_LABELS: dict[ResultDelivery, str] = {
    ResultDelivery.counter: "nhận trực tiếp tại Bộ phận Một cửa",
    ResultDelivery.postal: "nhận qua dịch vụ bưu chính công ích",
}
