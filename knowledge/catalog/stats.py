"""Coverage of the parsed catalog: procedures with a processing time and a fee, per channel."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from knowledge.catalog.parsing import CHANNELS
from knowledge.models import ChannelOption, Procedure


@dataclass(frozen=True)
class ChannelCoverage:
    """For one channel: procedures offering it, and the shares with time and fee parsed."""

    label: str
    procedures: int
    time_share: float
    fee_share: float


@dataclass(frozen=True)
class CatalogCoverage:
    """Coverage of the whole catalog."""

    procedures: int
    with_channels: int
    all_time_share: float  # among procedures with channels: every channel has a time
    all_fee_share: float  # … every channel has a fee (free counts)
    rows: list[ChannelCoverage]


def catalog_coverage(session: Session) -> CatalogCoverage:
    """Measure the share of procedures whose channel rows have a parsed time and fee."""
    total = session.scalar(select(func.count(Procedure.id))) or 0
    per_channel: dict[str, list[tuple[bool, bool]]] = defaultdict(list)
    per_procedure: dict[int, list[tuple[bool, bool]]] = defaultdict(list)
    rows = session.execute(
        select(
            ChannelOption.procedure_id,
            ChannelOption.channel,
            ChannelOption.time_value,
            ChannelOption.fee_amount,
        )
    )
    for procedure_id, channel, time_value, fee_amount in rows:
        flags = (time_value is not None, fee_amount is not None)
        per_channel[channel.value].append(flags)
        per_procedure[procedure_id].append(flags)
    with_channels = len(per_procedure)
    return CatalogCoverage(
        procedures=total,
        with_channels=with_channels,
        all_time_share=_share(all(t for t, _ in f) for f in per_procedure.values()),
        all_fee_share=_share(all(p for _, p in f) for f in per_procedure.values()),
        rows=[
            ChannelCoverage(
                label=label,
                procedures=len(per_channel[key]),
                time_share=_share(t for t, _ in per_channel[key]),
                fee_share=_share(p for _, p in per_channel[key]),
            )
            for key, label in CHANNELS.items()
        ],
    )


def _share(flags: object) -> float:
    values = list(flags)  # type: ignore[call-overload]
    return sum(values) / len(values) if values else 0.0
