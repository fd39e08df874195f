"""Benchmark: the whole national catalog published as one decision (preview, apply, rollback).

A CSV decision is written with one "mới" row per national record (its ``Bản ghi JSON`` the
record's path under the export; the 17 records whose body belongs to another code are left
out, as the catalog import skips them). Into a fresh, empty SQLite database each run times
the preview (dry run), the apply (all rows, audited) and the rollback of the whole decision,
then an amending decision over all procedures (one fee column each) on the loaded catalog.

Run: .venv/bin/python -m bench.decision_import [--runs 3]
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import statistics
import tempfile
import time
from pathlib import Path

from bench.output import write_figures
from knowledge.catalog.decisions import apply_decision, preview_decision, rollback_decision
from knowledge.catalog.parsing import MismatchedRecordError, parse_record
from knowledge.config import NATIONAL_CATALOG_DIR
from knowledge.db import make_engine, migrate, session_scope

HEADER = ["Mã số", "Hành động", "Số quyết định", "Ngày hiệu lực", "Bản ghi JSON", "Phí trực tuyến"]


def decision_files() -> tuple[bytes, bytes, int]:
    """The "whole catalog as new" decision, an amendment of every procedure, and the rows."""
    new, amend = io.StringIO(), io.StringIO()
    new_writer, amend_writer = csv.writer(new), csv.writer(amend)
    new_writer.writerow(HEADER)
    amend_writer.writerow(HEADER)
    rows = 0
    for path in sorted(NATIONAL_CATALOG_DIR.rglob("*.json")):
        try:
            record = parse_record(json.loads(path.read_text(encoding="utf-8")))
        except MismatchedRecordError:
            continue
        relative = path.relative_to(NATIONAL_CATALOG_DIR).as_posix()
        new_writer.writerow([record.code, "mới", "1/QĐ-BENCH", "01/01/2026", relative, ""])
        amend_writer.writerow(
            [record.code, "sửa đổi, bổ sung", "2/QĐ-BENCH", "01/01/2026", "", "1.000 đồng"]
        )
        rows += 1
    return new.getvalue().encode("utf-8"), amend.getvalue().encode("utf-8"), rows


def main(runs: int = 3) -> dict[str, object]:
    """Time preview, apply and rollback ``runs`` times on fresh databases; print medians."""
    if not NATIONAL_CATALOG_DIR.is_dir():
        raise SystemExit(f"{NATIONAL_CATALOG_DIR} is absent: nothing to measure")
    new, amend, rows = decision_files()
    names = ("preview", "apply", "amend_apply", "amend_rollback", "rollback")
    timings: dict[str, list[float]] = {k: [] for k in names}
    cpu: dict[str, list[float]] = {k: [] for k in names}
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as folder:
            url = f"sqlite:///{Path(folder) / 'bench.db'}"
            migrate(url)
            engine = make_engine(url)

            def timed(name: str, action, engine=engine) -> object:  # type: ignore[no-untyped-def]
                started, cpu_started = time.perf_counter(), time.process_time()
                with session_scope(engine) as session:
                    result = action(session)
                timings[name].append(time.perf_counter() - started)
                cpu[name].append(time.process_time() - cpu_started)
                return result

            preview = timed("preview", lambda s: preview_decision(s, new, "qd.csv"))
            assert not preview.errors, preview.errors[:3]  # type: ignore[attr-defined]
            first = timed("apply", lambda s: apply_decision(s, new, "qd.csv", actor="bench").id)
            second = timed(
                "amend_apply", lambda s: apply_decision(s, amend, "qd2.csv", actor="bench").id
            )
            timed(
                "amend_rollback",
                lambda s, second=second: rollback_decision(s, second, actor="bench"),
            )
            timed("rollback", lambda s, first=first: rollback_decision(s, first, actor="bench"))
            engine.dispose()
    figures = {
        "rows": rows,
        **{f"{name}_seconds_median": round(statistics.median(v), 2) for name, v in timings.items()},
        **{f"{name}_cpu_seconds_median": round(statistics.median(v), 2) for name, v in cpu.items()},
        "apply_rows_per_second": round(rows / statistics.median(timings["apply"]), 1),
        "runs": runs,
        "database": "SQLite (fresh, empty before the 'new' decision)",
        # Wall time depends on the machine's load; CPU time of this process much less.
        "load_average_1min": round(os.getloadavg()[0], 2),
    }
    print(json.dumps(figures, ensure_ascii=False, indent=2))
    write_figures("decision-import", figures)
    return figures


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    main(parser.parse_args().runs)
