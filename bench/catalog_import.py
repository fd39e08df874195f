"""Benchmark: import the whole national catalog (first run and re-run) and report its coverage.

Run: .venv/bin/python -m bench.catalog_import
"""

from __future__ import annotations

import json
import statistics
import tempfile
import time
from pathlib import Path

from bench.output import write_figures
from knowledge.catalog.importer import import_index_sheet, import_json_catalog
from knowledge.catalog.stats import catalog_coverage
from knowledge.config import NATIONAL_CATALOG_DIR, NATIONAL_LISTS_DIR
from knowledge.db import make_engine, migrate, session_scope


def main(runs: int = 3) -> dict[str, object]:
    """Import into fresh SQLite databases ``runs`` times; print medians and coverage."""
    if not NATIONAL_CATALOG_DIR.is_dir():
        raise SystemExit(f"{NATIONAL_CATALOG_DIR} is absent: nothing to measure")
    first, again, sheets = [], [], []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as folder:
            url = f"sqlite:///{Path(folder) / 'bench.db'}"
            migrate(url)
            engine = make_engine(url)
            started = time.perf_counter()
            with session_scope(engine) as session:
                report = import_json_catalog(session, NATIONAL_CATALOG_DIR)
            first.append(time.perf_counter() - started)
            started = time.perf_counter()
            with session_scope(engine) as session:
                import_json_catalog(session, NATIONAL_CATALOG_DIR)
            again.append(time.perf_counter() - started)
            started = time.perf_counter()
            with session_scope(engine) as session:
                for sheet in sorted(NATIONAL_LISTS_DIR.glob("*.xlsx")):
                    import_index_sheet(session, sheet)
            sheets.append(time.perf_counter() - started)
            with session_scope(engine) as session:
                coverage = catalog_coverage(session)
            engine.dispose()
    figures = {
        "files": report.imported + len(report.skipped),
        "imported": report.imported,
        "skipped_mismatched": len(report.skipped),
        "import_seconds_median": round(statistics.median(first), 2),
        "reimport_seconds_median": round(statistics.median(again), 2),
        "excel_sheets_seconds_median": round(statistics.median(sheets), 2),
        "procedures_per_second": round(report.imported / statistics.median(first), 1),
        "all_channels_time_share": round(coverage.all_time_share, 4),
        "all_channels_fee_share": round(coverage.all_fee_share, 4),
        "per_channel": {
            row.label: {
                "procedures": row.procedures,
                "time_share": round(row.time_share, 4),
                "fee_share": round(row.fee_share, 4),
            }
            for row in coverage.rows
        },
        "runs": runs,
    }
    print(json.dumps(figures, ensure_ascii=False, indent=2))
    write_figures("catalog-import", figures)
    return figures


if __name__ == "__main__":
    main()
