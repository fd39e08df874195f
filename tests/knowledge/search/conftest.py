"""Fixtures of the search tests: the national catalog's records as search hits."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from knowledge.schemas import SearchHit


@pytest.fixture(scope="session")
def records(national_catalog_dir: Path) -> dict[str, SearchHit]:
    """Every national catalog record as a search hit (code, name, levels)."""
    hits = {}
    for path in national_catalog_dir.glob("*/*.json"):
        record = json.loads(path.read_text(encoding="utf-8"))
        hits[record["ma_thu_tuc"]] = SearchHit(
            code=record["ma_thu_tuc"],
            name=record["ten_thu_tuc"],
            score=1.0,
            levels=record.get("cap_thuc_hien") or "",
        )
    return hits
