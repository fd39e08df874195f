"""Where and how the benchmarks write their figures: one dated JSON file each in bench/results/."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

from knowledge.config import PROJECT_ROOT

RESULTS_DIR = PROJECT_ROOT / "bench" / "results"


def write_figures(
    name: str, figures: dict[str, Any], *, suffix: str = "", path: Path | None = None
) -> Path:
    """Write ``figures`` to ``path`` (default ``bench/results/<name>-<date><suffix>.json``).

    The date is the figures' own ``date`` when they carry one, else today. The path written
    is printed and returned.
    """
    day = figures.get("date") or date.today().isoformat()
    output = path or RESULTS_DIR / f"{name}-{day}{suffix}.json"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(
        json.dumps(figures, ensure_ascii=False, indent=2, default=str), encoding="utf-8"
    )
    print(f"written {output}")
    return output
