"""The ``tthc`` command line, run through Typer's runner against a temporary database."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from knowledge.cli import app
from knowledge.config import SAMPLE_CATALOG_DIR

runner = CliRunner(mix_stderr=False)


@pytest.fixture(scope="module", autouse=True)
def _search_engine_warmed_up() -> None:
    """Build a first index outside the runner. The first build starts jax's backends (bm25s
    pulls jax in), and started inside the runner they keep its stderr, which the runner
    closes: pytest's capture then fails at teardown when this file runs on its own."""
    from knowledge.search import ProcedureIndex, SearchDocument

    ProcedureIndex.build([SearchDocument("1.0", "Thủ tục", "", (), "", "in_force")])


@pytest.fixture()
def loaded(configured_database: str) -> str:
    result = runner.invoke(
        app, ["catalog", "import", str(SAMPLE_CATALOG_DIR), "--source", "sample"]
    )
    assert result.exit_code == 0, result.stdout + result.stderr
    assert "đã nhập 20 thủ tục" in result.stdout
    return configured_database


@pytest.fixture()
def embeddings_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    from knowledge.config import get_settings

    monkeypatch.setenv("TTHC_EMBEDDINGS_DIR", str(tmp_path / "embeddings"))
    get_settings.cache_clear()
    return tmp_path / "embeddings"


def test_import_embeds_the_catalog_once(configured_database: str, embeddings_dir: Path) -> None:
    args = ["catalog", "import", str(SAMPLE_CATALOG_DIR), "--source", "sample"]
    first = runner.invoke(app, args)
    assert first.exit_code == 0, first.stdout + first.stderr
    assert "Vector ngữ nghĩa: đã tính 20 thủ tục" in first.stdout
    assert len(list(embeddings_dir.rglob("*.npy"))) == 1
    again = runner.invoke(app, ["catalog", "embed"])
    assert again.exit_code == 0, again.stdout + again.stderr
    assert "20 thủ tục, đã có sẵn" in again.stdout


def test_search_prints_json(loaded: str) -> None:
    result = runner.invoke(app, ["search", "thu tuc lam cccd", "--limit", "3", "--json"])
    assert result.exit_code == 0, result.stderr
    rows = json.loads(result.stdout)
    assert len(rows) == 3
    assert set(rows[0]) == {"code", "name", "score"}
    assert "căn cước" in rows[0]["name"].lower()


def test_search_reads_one_question_per_line_from_stdin(loaded: str) -> None:
    questions = "đăng ký khai sinh\n\nlam ho chieu o dau\n"
    result = runner.invoke(app, ["search", "-", "--limit", "2", "--json"], input=questions)
    assert result.exit_code == 0
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 3
    first, empty, third = (json.loads(line) for line in lines)
    assert first[0]["code"] == "1.001193"
    assert empty == []
    assert "Câu hỏi" in result.stderr
    assert "hộ chiếu" in third[0]["name"].lower()


def test_stats_reports_coverage(loaded: str) -> None:
    result = runner.invoke(app, ["catalog", "stats"])
    assert result.exit_code == 0
    assert "20 thủ tục" in result.stdout
    assert "Trực tuyến" in result.stdout


def test_set_status_abolishes_with_decision(loaded: str) -> None:
    result = runner.invoke(
        app,
        [
            "catalog",
            "set-status",
            "1.014063",
            "--status",
            "abolished",
            "--decision",
            "45/QĐ-UBND",
            "--on",
            "2026-10-01",
            "--replaced-by",
            "2.001195",
        ],
    )
    assert result.exit_code == 0, result.stderr
    assert "abolished theo 45/QĐ-UBND" in result.stdout


def test_set_status_goes_through_the_audited_editing_service(loaded: str) -> None:
    from knowledge.audit import list_changes
    from knowledge.catalog.live import catalog_version
    from knowledge.db import get_engine, session_scope

    with session_scope(get_engine()) as session:
        version = catalog_version(session)
    args = ["catalog", "set-status", "1.014063", "--status", "abolished", "--decision"]
    args += ["46/QĐ-UBND", "--on", "2026-10-01", "--replaced-by", "2.001195", "--as", "nguyenan"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.stderr
    with session_scope(get_engine()) as session:
        entries = list_changes(session, code="1.014063")
        assert catalog_version(session) != version  # every process refreshes its index
    changed = {e.attribute: e for e in entries}
    assert {"status", "status_decision", "status_date", "replaced_by_code"} <= set(changed)
    assert {e.actor for e in entries} == {"cli:nguyenan"}
    assert {e.decision_number for e in entries} == {"46/QĐ-UBND"}
    assert (changed["status"].before, changed["status"].after) == ("Còn hiệu lực", "Bị bãi bỏ")
    # Without --as, the shell login is the actor.
    result = runner.invoke(
        app, ["catalog", "set-status", "1.014063", "--status", "in_force", "--decision", "47/QĐ"]
    )
    assert result.exit_code == 0, result.stderr
    with session_scope(get_engine()) as session:
        latest = list_changes(session, code="1.014063")[0]
    assert latest.actor.startswith("cli:") and latest.actor != "cli:nguyenan"


def test_unknown_code_exits_1_with_a_vietnamese_message(loaded: str) -> None:
    result = runner.invoke(
        app, ["catalog", "set-status", "9.999999", "--status", "abolished", "--decision", "1/QĐ"]
    )
    assert result.exit_code == 1
    assert "Không tìm thấy thủ tục có mã 9.999999" in result.stderr


def test_failed_import_lists_each_problem(configured_database: str, tmp_path: Path) -> None:
    (tmp_path / "1.000001.json").write_text("[]", encoding="utf-8")
    (tmp_path / "1.000002.json").write_text("{oops", encoding="utf-8")
    result = runner.invoke(app, ["catalog", "import", str(tmp_path)])
    assert result.exit_code == 1
    assert "2/2 bản ghi có lỗi" in result.stderr
    assert "1.000001.json" in result.stderr and "1.000002.json:1" in result.stderr
