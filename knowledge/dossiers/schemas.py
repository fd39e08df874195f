"""Plain schemas of dossiers: what the one-stop system pushes, what agents and citizens see."""

from __future__ import annotations

import enum
import re
import unicodedata
from datetime import datetime
from typing import Any

from pydantic import BaseModel, root_validator, validator

from knowledge.clock import LocalTimeModel, to_local_naive
from knowledge.enums import Channel, DossierState, ResultDelivery
from knowledge.schemas import PROCEDURE_CODE_RE
from knowledge.text.entities import DOSSIER_CODE_RE, canonical_dossier_code
from knowledge.text.normalize import fold_accents
from knowledge.text.phone import normalize_phone

OPEN_STATES = frozenset({DossierState.received, DossierState.in_progress})
FINISHED_STATES = frozenset({DossierState.returned, DossierState.rejected, DossierState.withdrawn})
STATES_WITH_REASON = frozenset({DossierState.needs_supplement, DossierState.rejected})

# Words an export may use instead of our enum values (compared without accents, lower case).
_STATE_WORDS = {
    "da tiep nhan": DossierState.received,
    "tiep nhan": DossierState.received,
    "moi tiep nhan": DossierState.received,
    "dang xu ly": DossierState.in_progress,
    "dang giai quyet": DossierState.in_progress,
    "cho bo sung": DossierState.needs_supplement,
    "yeu cau bo sung": DossierState.needs_supplement,
    "cho tra ket qua": DossierState.result_ready,
    "co ket qua": DossierState.result_ready,
    "da tra ket qua": DossierState.returned,
    "tu choi": DossierState.rejected,
    "khong du dieu kien": DossierState.rejected,
    "rut ho so": DossierState.withdrawn,
    "da rut": DossierState.withdrawn,
}
_DELIVERY_WORDS = {
    "tai quay": ResultDelivery.counter,
    "truc tiep": ResultDelivery.counter,
    "buu chinh": ResultDelivery.postal,
    "buu chinh cong ich": ResultDelivery.postal,
}
_TRUE_WORDS = {"1", "true", "yes", "co", "x", "da nop", "da thanh toan"}
_FALSE_WORDS = {"0", "false", "no", "khong", "chua", ""}


def _folded(value: str) -> str:
    return " ".join(fold_accents(value).lower().split())


# Dates a dossier may carry; outside them a date is a typo (and 9999 or 0001 with a time
# zone overflows the conversion to local time).
MIN_YEAR, MAX_YEAR = 1990, 2100


def _text(value: Any, limit: int, what: str) -> str | None:
    if value is None:
        return None
    text = unicodedata.normalize("NFC", str(value)).strip()
    if len(text) > limit:
        raise ValueError(f"{what} dài quá {limit} ký tự")
    return text or None


class DossierFields(LocalTimeModel):
    """What every view of a dossier holds: the fields a push and a status source share."""

    code: str
    procedure_code: str
    receiving_agency: str
    handling_agency: str | None = None
    current_step: str | None = None
    state: DossierState
    state_reason: str | None = None
    received_at: datetime
    due_at: datetime | None = None
    finished_at: datetime | None = None
    result_delivery: ResultDelivery = ResultDelivery.counter
    fee_paid_online: bool = False
    applicant_name: str
    applicant_phone: str

    @validator("received_at", "due_at", "finished_at")
    def _local_time(cls, value: datetime | None) -> datetime | None:  # noqa: N805
        return to_local_naive(value) if value is not None else None


class DossierIn(DossierFields):
    """A dossier as the one-stop system pushes it: its current state, created or updated by code.

    ``due_at`` may be left out: it is then computed from the procedure's processing time for
    ``channel`` (in person by default). ``changed_at`` and ``note`` describe the history
    entry this push appends when the state, step, agency or reason changed.
    """

    applicant_id_number: str | None = None
    channel: Channel | None = None
    changed_at: datetime | None = None
    note: str | None = None

    class Config:
        anystr_strip_whitespace = True

    @validator("code")
    def _code(cls, value: str) -> str:  # noqa: N805
        if not DOSSIER_CODE_RE.fullmatch(value.strip()):
            raise ValueError("mã hồ sơ không đúng dạng (ví dụ 000.00.12.H48-251120-0001)")
        return canonical_dossier_code(value) or value

    @validator("procedure_code")
    def _procedure_code(cls, value: str) -> str:  # noqa: N805
        if not PROCEDURE_CODE_RE.match(value):
            raise ValueError("mã thủ tục không đúng dạng (ví dụ 1.001193)")
        return value

    @validator("receiving_agency", "applicant_name")
    def _required_text(cls, value: str) -> str:  # noqa: N805
        text = _text(value, 300, "giá trị")
        if not text:
            raise ValueError("không được để trống")
        return text

    @validator("handling_agency", "current_step", "note")
    def _optional_text(cls, value: str | None) -> str | None:  # noqa: N805
        return _text(value, 500, "giá trị")

    @validator("state_reason")
    def _reason(cls, value: str | None) -> str | None:  # noqa: N805
        return _text(value, 2000, "lý do")

    @validator("state", pre=True)
    def _state_words(cls, value: Any) -> Any:  # noqa: N805
        if isinstance(value, str) and value not in DossierState.__members__:
            return _STATE_WORDS.get(_folded(value), value)
        return value

    @validator("result_delivery", pre=True)
    def _delivery_words(cls, value: Any) -> Any:  # noqa: N805
        if value is None or value == "":
            return ResultDelivery.counter
        if isinstance(value, str) and value not in ResultDelivery.__members__:
            return _DELIVERY_WORDS.get(_folded(value), value)
        return value

    @validator("fee_paid_online", pre=True)
    def _yes_no(cls, value: Any) -> Any:  # noqa: N805
        if value is None:
            return False
        if isinstance(value, str):
            word = _folded(value)
            if word in _TRUE_WORDS:
                return True
            if word in _FALSE_WORDS:
                return False
            raise ValueError("phải là có/không (true/false)")
        return value

    @validator("received_at", "due_at", "finished_at", "changed_at", pre=True)
    def _iso_text(cls, value: Any) -> Any:  # noqa: N805
        # pydantic reads numbers as Unix times (1e20 became a date in 1973): text only.
        if value is None or isinstance(value, datetime | str):
            return value
        raise ValueError("ngày giờ phải là chuỗi dạng 2025-11-20T08:30:00+07:00")

    @validator("received_at", "due_at", "finished_at", "changed_at")
    def _local_time(cls, value: datetime | None) -> datetime | None:  # noqa: N805
        if value is None:
            return None
        if not MIN_YEAR <= value.year <= MAX_YEAR:
            raise ValueError(f"năm phải trong khoảng {MIN_YEAR}–{MAX_YEAR}")
        return to_local_naive(value)

    @validator("applicant_phone")
    def _phone(cls, value: str) -> str:  # noqa: N805
        phone = normalize_phone(value)
        if not re.fullmatch(r"0\d{9,10}", phone):
            raise ValueError("số điện thoại phải có 10–11 chữ số, bắt đầu bằng 0 hoặc +84")
        return phone

    @validator("applicant_id_number")
    def _id_number(cls, value: str | None) -> str | None:  # noqa: N805
        if value is None or not value.strip():
            return None
        digits = re.sub(r"[\s.]", "", value)
        if not re.fullmatch(r"\d{12}|\d{9}", digits):
            raise ValueError("số định danh (CCCD) phải có 12 chữ số (CMND cũ: 9 chữ số)")
        return digits

    @root_validator(skip_on_failure=True)
    def _consistent(cls, values: dict[str, Any]) -> dict[str, Any]:  # noqa: N805
        state, received = values["state"], values["received_at"]
        if state in STATES_WITH_REASON and not values.get("state_reason"):
            what = "cần bổ sung gì" if state is DossierState.needs_supplement else "lý do từ chối"
            raise ValueError(f"trạng thái {state.value} cần state_reason ({what})")
        for name in ("due_at", "finished_at"):
            moment = values.get(name)
            if moment is not None and moment < received:
                raise ValueError(f"{name} không được trước received_at")
        return values


class DossierRecord(DossierFields):
    """A dossier as a status source returns it (the local database or an outside service)."""

    procedure_name: str | None = None


class DossierEventView(LocalTimeModel):
    """One entry of a dossier's history."""

    state: DossierState
    state_label: str
    step: str | None
    agency: str | None
    note: str | None
    occurred_at: datetime


class DossierAgentView(DossierRecord):
    """The full record for call-center agents, personal data and history included."""

    state_label: str
    overdue: bool
    applicant_id_number: str | None
    updated_at: datetime | None
    history: list[DossierEventView]


class DossierCitizenView(LocalTimeModel):
    """What the bot may tell a verified citizen: no phone, no ID, the name masked."""

    code: str
    procedure_code: str
    procedure_name: str
    state: DossierState
    state_label: str
    state_reason: str | None  # only what to supplement, or why it was rejected
    current_step: str | None
    handling_agency: str | None
    receiving_agency: str
    received_at: datetime
    due_at: datetime | None
    finished_at: datetime | None
    overdue: bool
    result_delivery: ResultDelivery
    result_delivery_label: str
    fee_paid_online: bool
    applicant_name_masked: str


class DossierWriteResult(BaseModel):
    """What a push did to one dossier."""

    code: str
    created: bool
    state: DossierState
    history_length: int


class DossierImportReport(BaseModel):
    """What a file import did."""

    imported: int
    created: int
    updated: int
    seconds: float = 0.0


class LookupOutcome(str, enum.Enum):
    """How a citizen's lookup ended."""

    verified = "verified"
    not_verified = "not_verified"
    locked = "locked"


class LookupResult(LocalTimeModel):
    """A citizen's lookup: the dossier when verified, else the Vietnamese message to show."""

    outcome: LookupOutcome
    dossier: DossierCitizenView | None = None
    message: str | None = None
    locked_until: datetime | None = None
