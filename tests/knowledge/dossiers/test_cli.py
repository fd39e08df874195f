"""``tthc dossier import`` and ``tthc dossier demo`` on a temporary database."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from knowledge.cli import app
from knowledge.config import SAMPLE_CATALOG_DIR
from knowledge.db import get_engine, session_scope
from knowledge.models import Dossier
from tests.knowledge.dossiers.conftest import payload

runner = CliRunner(mix_stderr=False)


@pytest.fixture()
def loaded(configured_database: str) -> str:
    result = runner.invoke(
        app, ["catalog", "import", str(SAMPLE_CATALOG_DIR), "--source", "sample"]
    )
    assert result.exit_code == 0, result.stderr
    return configured_database


def _count() -> int:
    with session_scope(get_engine()) as session:
        return session.scalar(select(func.count(Dossier.id))) or 0


def test_import_reports_created_and_updated(loaded: str, tmp_path: Path) -> None:
    path = tmp_path / "push.json"
    path.write_text(json.dumps([payload()]), encoding="utf-8")
    first = runner.invoke(app, ["dossier", "import", str(path)])
    again = runner.invoke(app, ["dossier", "import", str(path)])
    assert first.exit_code == 0, first.stderr
    assert "Đã nhập 1 hồ sơ từ push.json (1 mới, 0 cập nhật)" in first.stdout
    assert "(0 mới, 1 cập nhật)" in again.stdout
    assert _count() == 1


def test_failed_import_prints_each_line_and_exits_1(loaded: str, tmp_path: Path) -> None:
    path = tmp_path / "push.jsonl"
    lines = [payload(), payload(code="000.00.12.H48-251120-0002", applicant_phone="12")]
    path.write_text("\n".join(json.dumps(x) for x in lines), encoding="utf-8")
    result = runner.invoke(app, ["dossier", "import", str(path)])
    assert result.exit_code == 1
    assert "Không nhập được hồ sơ: 1 lỗi trong push.jsonl, chưa ghi gì." in result.stderr
    assert "push.jsonl:2: applicant_phone: số điện thoại phải có" in result.stderr
    assert _count() == 0


def test_demo_creates_dossiers_and_prints_examples(loaded: str) -> None:
    result = runner.invoke(app, ["dossier", "demo", "--count", "120", "--seed", "2"])
    assert result.exit_code == 0, result.stderr
    assert "Đã tạo 120 hồ sơ mẫu" in result.stdout
    assert "Đang giải quyết" in result.stdout and ".H48-" in result.stdout
    assert _count() == 120


def test_demo_refuses_an_empty_catalog(configured_database: str) -> None:
    result = runner.invoke(app, ["dossier", "demo", "--count", "5"])
    assert result.exit_code == 1
    assert "tthc catalog load-default" in result.stderr
