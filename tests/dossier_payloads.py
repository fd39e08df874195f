"""The one valid dossier push of the one-stop system that every test varies (not a fixture
module: plain functions, so tests of any package import them)."""

from __future__ import annotations

from typing import Any

CODE = "000.00.12.H48-251120-0001"
PHONE = "0912345678"


def payload(**overrides: Any) -> dict[str, Any]:
    """A valid push for procedure 1.001456 (passport, 8 working days); None drops a field."""
    data: dict[str, Any] = {
        "code": CODE,
        "procedure_code": "1.001456",
        "receiving_agency": "Trung tâm Phục vụ hành chính công tỉnh Quảng Ngãi",
        "handling_agency": "Phòng Quản lý xuất nhập cảnh, Công an tỉnh",
        "current_step": "Thẩm định hồ sơ",
        "state": "in_progress",
        "received_at": "2025-11-20T08:30:00",
        "result_delivery": "counter",
        "fee_paid_online": True,
        "applicant_name": "Nguyễn Văn An",
        "applicant_phone": PHONE,
        "applicant_id_number": "051090001234",
        "changed_at": "2025-11-20T14:00:00",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def commune_payload(**overrides: Any) -> dict[str, Any]:
    """The same push for a commune procedure (1.001193, birth registration at Bình Sơn)."""
    commune = {
        "procedure_code": "1.001193",
        "receiving_agency": "Bộ phận Một cửa UBND xã Bình Sơn",
        "handling_agency": "Ủy ban nhân dân xã Bình Sơn",
    }
    return payload(**{**commune, **overrides})
