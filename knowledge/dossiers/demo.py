"""Realistic demo dossiers over the real catalog: Vietnamese names, phones, agencies, states.

Dossiers are spread over the last weeks' working hours, over the procedures this deployment
serves (provincial and commune level), with a consistent history: received → in progress →
(supplement) → result ready → returned, or rejected / withdrawn; about one open dossier in
five is past its due time. Rows go in with bulk inserts, so 100,000 take seconds.
"""

from __future__ import annotations

import logging
import random
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from knowledge.clock import local_now
from knowledge.config import PROJECT_ROOT, get_settings
from knowledge.dossiers.deadlines import (
    add_office_hours,
    compute_due_at,
    is_working_day,
    last_office_moment,
)
from knowledge.dossiers.store import is_overdue
from knowledge.enums import DossierState, ProcedureStatus, ResultDelivery
from knowledge.errors import InvalidInputError
from knowledge.models import ChannelOption, Dossier, DossierEvent, Procedure, RequiredPaper
from knowledge.text.yaml_tables import read_yaml_table

logger = logging.getLogger(__name__)

DEMO_TABLES_FILE = PROJECT_ROOT / "data" / "demo_dossiers.yml"

# The tables (names, communes, departments, steps, reasons) are data: data/demo_dossiers.yml.
_TABLES = read_yaml_table(DEMO_TABLES_FILE, "bảng dữ liệu hồ sơ mẫu")
PROVINCE: str = _TABLES["province"]
PROVINCE_CODE: str = _TABLES["province_code"]
CENTER = f"Trung tâm Phục vụ hành chính công tỉnh {PROVINCE}"
COMMUNES: tuple[str, ...] = tuple(_TABLES["communes"])
DEPARTMENTS_BY_MINISTRY: dict[str, str] = dict(_TABLES["departments_by_ministry"])
FAMILY: tuple[str, ...] = tuple(name for name, _ in _TABLES["family_names"])
FAMILY_WEIGHTS: tuple[int, ...] = tuple(weight for _, weight in _TABLES["family_names"])
MIDDLE_MALE: tuple[str, ...] = tuple(_TABLES["middle_names_male"])
MIDDLE_FEMALE: tuple[str, ...] = tuple(_TABLES["middle_names_female"])
GIVEN_MALE: tuple[str, ...] = tuple(_TABLES["given_names_male"])
GIVEN_FEMALE: tuple[str, ...] = tuple(_TABLES["given_names_female"])
MOBILE_PREFIXES: tuple[str, ...] = tuple(_TABLES["mobile_prefixes"])
PROGRESS_STEPS: tuple[str, ...] = tuple(_TABLES["progress_steps"])
SUPPLEMENT_GENERIC: tuple[str, ...] = tuple(_TABLES["supplement_reasons"])
REJECT_REASONS: tuple[str, ...] = tuple(_TABLES["reject_reasons"])
STATE_WEIGHTS = {
    DossierState.received: 10,
    DossierState.in_progress: 35,
    DossierState.needs_supplement: 10,
    DossierState.result_ready: 12,
    DossierState.returned: 25,
    DossierState.rejected: 4,
    DossierState.withdrawn: 4,
}

Progress = Callable[[int], None]


@dataclass(frozen=True)
class _Procedure:
    code: str
    level: str  # "province" | "commune"
    agency: str
    time_value: float
    time_unit: str | None
    papers: tuple[str, ...]


@dataclass
class DemoExample:
    """One generated dossier to try the bot with (demo data: the digits are not secret)."""

    code: str
    state: DossierState
    phone_last4: str
    overdue: bool


@dataclass
class DemoReport:
    """What ``generate_demo_dossiers`` wrote, with one example per state (and an overdue one)."""

    created: int
    events: int
    examples: list[DemoExample] = field(default_factory=list)


def _first_agency(text: str | None) -> str | None:
    if not text:
        return None
    first = re.split(r"[,;]\s*(?=[A-ZĐÂÊÔƠƯ])", text.strip().rstrip("."), maxsplit=1)[0]
    return first.strip() or None


def _localize(agency: str, level: str, commune: str) -> str:
    """A catalog agency ("Công an cấp Xã") named for this province or commune."""
    folded = agency.lower()
    if "xã" in folded.replace("xã hội", "") or (level == "commune" and "sở" not in folded):
        base = re.sub(
            r"\s*(cấp xã|xã, phường, thị trấn|cấp huyện)\.?$", "", agency, flags=re.IGNORECASE
        ).strip()
        return f"{base} {commune}"
    base = re.sub(
        r"\s*(cấp tỉnh|tỉnh, thành phố|các tỉnh, thành phố)$", "", agency, flags=re.IGNORECASE
    ).strip()
    if "tỉnh" in base.lower() or "khu vực" in base.lower():
        return f"{base} {PROVINCE}" if base.lower().endswith("tỉnh") else base
    return f"{base} tỉnh {PROVINCE}"


def _load_procedures(session: Session) -> list[_Procedure]:
    """The in-force procedures this deployment serves that state a processing time."""
    levels = get_settings().deployment_levels
    times: dict[int, tuple[float, str | None]] = {}
    for procedure_id, value, unit in session.execute(
        select(ChannelOption.procedure_id, ChannelOption.time_value, ChannelOption.time_unit)
        .where(ChannelOption.time_value.is_not(None), ChannelOption.time_value > 0)
        .order_by(ChannelOption.procedure_id, ChannelOption.position)
    ):
        times.setdefault(procedure_id, (value, unit))
    papers: dict[int, list[str]] = defaultdict(list)
    for procedure_id, name in session.execute(
        select(RequiredPaper.procedure_id, RequiredPaper.name).order_by(RequiredPaper.position)
    ):
        if len(papers[procedure_id]) < 6 and 10 <= len(name) <= 160:
            papers[procedure_id].append(name.strip().rstrip(";.:"))
    chosen: list[_Procedure] = []
    rows = session.execute(
        select(
            Procedure.id,
            Procedure.code,
            Procedure.levels,
            Procedure.ministry,
            Procedure.implementing_agency,
        )
        .where(Procedure.status == ProcedureStatus.in_force)
        .order_by(Procedure.code)
    )
    for procedure_id, code, proc_levels, ministry, agency in rows:
        if procedure_id not in times:
            continue
        served = [lv for lv in levels if lv in (proc_levels or "")]
        if levels and not served:
            continue
        level = "commune" if served and all(lv == "Cấp xã" for lv in served) else "province"
        name = _first_agency(agency) or (
            "Ủy ban nhân dân cấp xã"
            if level == "commune"
            else DEPARTMENTS_BY_MINISTRY.get(ministry or "", "Sở Nội vụ")
        )
        value, unit = times[procedure_id]
        chosen.append(_Procedure(code, level, name, value, unit, tuple(papers[procedure_id])))
    return chosen


class _Generator:
    """Draws one consistent dossier at a time."""

    def __init__(self, rng: random.Random, now: datetime, taken: set[str]) -> None:
        self.rng = rng
        self.now = now
        self.latest = last_office_moment(now)  # nothing happens outside office hours
        self.taken = taken
        self.sequence: dict[str, int] = defaultdict(int)
        self.agency_ids: dict[str, str] = {}
        self.span_days: dict[str, int] = {}

    def _agency_id(self, agency: str, commune: str | None) -> str:
        """An iGate-style agency identifier: 000.00.NN for departments, 000.NN.NN for communes."""
        key = commune or agency
        if key not in self.agency_ids:
            n = len(self.agency_ids)
            self.agency_ids[key] = (
                f"000.{n % 89 + 10:02d}.{n * 7 % 90 + 10:02d}.{PROVINCE_CODE}"
                if commune
                else f"000.00.{n % 99 + 1:02d}.{PROVINCE_CODE}"
            )
        return self.agency_ids[key]

    def _code(self, agency_id: str, day: datetime) -> str:
        prefix = f"{agency_id}-{day:%y%m%d}"
        while True:
            self.sequence[prefix] += 1
            code = f"{prefix}-{self.sequence[prefix]:04d}"
            if code not in self.taken:
                self.taken.add(code)
                return code

    def _received_at(self, min_back: int, max_back: int) -> datetime:
        """A moment in office hours of a working day ``min_back``–``max_back`` days ago.

        The range widens into the past when it holds no such moment (a weekend, early morning).
        """
        rng = self.rng
        attempts = 0
        while True:
            attempts += 1
            if attempts % 10 == 0:
                max_back += 1
            day = (self.now - timedelta(days=rng.randint(min_back, max_back))).date()
            if is_working_day(day):
                minutes = rng.choice((rng.randint(0, 239), rng.randint(300, 539)))
                moment = datetime.combine(day, time(8)) + timedelta(minutes=minutes)
                if moment < self.now:
                    return moment

    def _received_for(self, state: DossierState, procedure: _Procedure) -> datetime:
        """A reception time; about one open dossier in five is late by now."""
        span_days = self.span_days.get(procedure.code)
        if span_days is None:
            span = compute_due_at(self.now, procedure.time_value, procedure.time_unit)
            span_days = max((span - self.now).days, 0) if span else 5
            self.span_days[procedure.code] = span_days
        if state is DossierState.received:
            return self._received_at(0, min(2, span_days))
        if state in (DossierState.in_progress, DossierState.needs_supplement):
            if self.rng.random() < 0.2:
                return self._received_at(span_days + 1, span_days + 20)
            return self._received_at(0, span_days)
        return self._received_at(span_days, span_days + 45)

    def _person(self) -> tuple[str, str, str]:
        rng = self.rng
        female = rng.random() < 0.5
        family = rng.choices(FAMILY, FAMILY_WEIGHTS)[0]
        middle = rng.choice(MIDDLE_FEMALE if female else MIDDLE_MALE)
        given = rng.choice(GIVEN_FEMALE if female else GIVEN_MALE)
        phone = rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**7):07d}"
        born = rng.randint(1950, 2007)
        century = (0 if born < 2000 else 2) + female
        id_number = f"051{century}{born % 100:02d}{rng.randrange(10**6):06d}"
        return f"{family} {middle} {given}", phone, id_number

    def draw(self, procedure: _Procedure) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """One dossier row and its history rows (without the dossier id)."""
        rng = self.rng
        state = rng.choices(list(STATE_WEIGHTS), list(STATE_WEIGHTS.values()))[0]
        commune = rng.choice(COMMUNES) if procedure.level == "commune" else None
        receiving = f"Bộ phận Một cửa UBND {commune}" if commune else CENTER
        handling = _localize(procedure.agency, procedure.level, commune or rng.choice(COMMUNES))
        received = self._received_for(state, procedure)
        due = compute_due_at(received, procedure.time_value, procedure.time_unit)
        events: list[dict[str, Any]] = [
            dict(
                state=DossierState.received,
                step="Tiếp nhận hồ sơ",
                agency=receiving,
                note=None,
                occurred_at=received,
            )
        ]
        moment = add_office_hours(received, rng.uniform(0.5, 6))
        reason = None
        step = "Tiếp nhận hồ sơ"
        agency = receiving
        finished = None

        def event(
            new_state: DossierState,
            new_step: str,
            where: str,
            note: str | None = None,
        ) -> None:
            nonlocal moment
            moment = min(moment, self.latest).replace(microsecond=0)
            events.append(
                dict(state=new_state, step=new_step, agency=where, note=note, occurred_at=moment)
            )

        if state is not DossierState.received and state is not DossierState.withdrawn:
            event(DossierState.in_progress, rng.choice(PROGRESS_STEPS), handling)
            step, agency = events[-1]["step"], handling
        if state is DossierState.needs_supplement:
            moment = add_office_hours(moment, rng.uniform(2, 16))
            paper = rng.choice(procedure.papers) if procedure.papers else None
            reason = (
                f"Cần bổ sung: {paper}."
                if paper and rng.random() < 0.7
                else rng.choice(SUPPLEMENT_GENERIC)
            )
            event(state, "Yêu cầu bổ sung hồ sơ", handling, reason)
            step = "Chờ công dân bổ sung hồ sơ"
        elif state in (DossierState.result_ready, DossierState.returned):
            span = ((due - received) if due else timedelta(days=5)) * rng.uniform(0.5, 1.1)
            moment = add_office_hours(received + span, 0.25)
            moment = max(min(moment, self.latest), events[-1]["occurred_at"])
            event(DossierState.result_ready, "Trả kết quả", receiving)
            step, agency, finished = "Chờ trả kết quả", receiving, events[-1]["occurred_at"]
            if state is DossierState.returned:
                moment = add_office_hours(moment, rng.uniform(1, 24))
                event(state, "Đã trả kết quả", receiving)
                step = "Đã trả kết quả"
        elif state is DossierState.rejected:
            moment = add_office_hours(moment, rng.uniform(4, 40))
            reason = rng.choice(REJECT_REASONS)
            event(state, "Từ chối giải quyết", handling, reason)
            step, finished = "Từ chối giải quyết", events[-1]["occurred_at"]
        elif state is DossierState.withdrawn:
            moment = add_office_hours(received, rng.uniform(1, 30))
            event(state, "Công dân rút hồ sơ", receiving, "Rút theo đề nghị của người nộp.")
            step, agency, finished = "Công dân rút hồ sơ", receiving, events[-1]["occurred_at"]
        name, phone, id_number = self._person()
        agency_id = self._agency_id(handling if not commune else receiving, commune)
        row = dict(
            code=self._code(agency_id, received),
            procedure_code=procedure.code,
            receiving_agency=receiving,
            handling_agency=agency,
            current_step=step,
            state=state,
            state_reason=reason,
            received_at=received,
            due_at=due,
            finished_at=finished,
            result_delivery=(
                ResultDelivery.postal if rng.random() < 0.3 else ResultDelivery.counter
            ),
            fee_paid_online=rng.random() < 0.4,
            applicant_name=name,
            applicant_phone=phone,
            applicant_id_number=id_number,
            updated_at=events[-1]["occurred_at"],
        )
        return row, events


def generate_demo_dossiers(
    session: Session,
    count: int,
    *,
    seed: int | None = None,
    now: datetime | None = None,
    progress: Progress | None = None,
    chunk_size: int = 5000,
) -> DemoReport:
    """Add ``count`` demo dossiers over the catalog's procedures; the caller commits.

    Raises:
        InvalidInputError: ``count`` is not positive, or the catalog holds no procedure with
            a processing time (load it first: ``tthc catalog load-default``).
    """
    if count <= 0:
        raise InvalidInputError("Số hồ sơ mẫu phải lớn hơn 0.")
    procedures = _load_procedures(session)
    if not procedures:
        raise InvalidInputError(
            "Danh mục chưa có thủ tục nào có thời hạn giải quyết: hãy nạp danh mục trước "
            "(tthc catalog load-default)."
        )
    rng = random.Random(seed)
    now = now or local_now()
    taken = set(session.scalars(select(Dossier.code)))
    generator = _Generator(rng, now, taken)
    weights = [3 if p.level == "commune" else 1 for p in procedures]
    report = DemoReport(created=0, events=0)
    while report.created < count:
        size = min(chunk_size, count - report.created)
        rows, histories = [], []
        for procedure in rng.choices(procedures, weights, k=size):
            row, events = generator.draw(procedure)
            rows.append(row)
            histories.append(events)
        last_id = session.scalar(select(func.coalesce(func.max(Dossier.id), 0)))
        session.execute(insert(Dossier), rows)
        ids = {
            code: dossier_id
            for code, dossier_id in session.execute(
                select(Dossier.code, Dossier.id).where(Dossier.id > last_id)
            )
        }
        event_rows = [
            dict(dossier_id=ids[row["code"]], **e)
            for row, events in zip(rows, histories, strict=False)
            for e in events
        ]
        session.execute(insert(DossierEvent), event_rows)
        seen = {(e.state, e.overdue) for e in report.examples}
        for row in rows:
            state = row["state"]
            overdue = is_overdue(state, row["due_at"], row["finished_at"], now)
            if (state, overdue) not in seen and (not overdue or state is DossierState.in_progress):
                seen.add((state, overdue))
                report.examples.append(
                    DemoExample(row["code"], state, row["applicant_phone"][-4:], overdue)
                )
        report.created += len(rows)
        report.events += len(event_rows)
        if progress:
            progress(report.created)
    logger.info("generated %d demo dossiers (%d history entries)", report.created, report.events)
    return report
