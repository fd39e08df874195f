"""``tthc decision``: preview, apply (again), list and roll back the demo decision."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from knowledge.cli import app
from knowledge.config import PROJECT_ROOT
from knowledge.db import get_engine, session_scope
from knowledge.procedures import get_procedure

runner = CliRunner(mix_stderr=False)
DEMO = PROJECT_ROOT / "data" / "decisions" / "quyet-dinh-mau.csv"


@pytest.fixture(scope="module", autouse=True)
def _search_engine_warmed_up() -> None:
    """Build a first index outside the runner (see tests/knowledge/test_cli.py)."""
    from knowledge.search import ProcedureIndex, SearchDocument

    ProcedureIndex.build([SearchDocument("1.0", "Thủ tục", "", (), "", "in_force")])


def _status(code: str) -> str:
    with session_scope(get_engine()) as session:
        return get_procedure(session, code).status


def test_preview_apply_again_and_rollback(sample_database: str) -> None:
    result = runner.invoke(app, ["decision", "preview", str(DEMO)])
    assert result.exit_code == 0, result.stdout + result.stderr
    out = " ".join(result.stdout.split())
    assert "1 mới, 2 sửa đổi, 1 bãi bỏ" in out
    assert "2.001195" in out and "thay bằng 1.014063" in out
    assert _status("2.001195") == "in_force"

    result = runner.invoke(app, ["decision", "apply", str(DEMO), "--as", "quantri"])
    assert result.exit_code == 0, result.stdout + result.stderr
    assert "4 thủ tục" in result.stdout
    assert _status("2.001195") == "abolished"

    result = runner.invoke(app, ["decision", "apply", str(DEMO), "--again"])
    assert result.exit_code == 0, result.stdout + result.stderr
    assert "hoàn tác quyết định 2468/QĐ-UBND để áp dụng lại" in result.stdout
    assert _status("2.001195") == "abolished"

    result = runner.invoke(app, ["decision", "list"])
    assert "2468/QĐ-UBND" in result.stdout and "applied" in result.stdout

    result = runner.invoke(app, ["decision", "rollback", "2468/QĐ-UBND"])
    assert result.exit_code == 0, result.stdout + result.stderr
    assert _status("2.001195") == "in_force"


def test_broken_file_exits_1_with_row_errors(sample_database: str, tmp_path: Path) -> None:
    broken = tmp_path / "qd.csv"
    broken.write_text(
        "Mã số,Hành động,Số quyết định,Ngày hiệu lực\n1.000894,bãi bỏ,1/QĐ,01/12/2026\n"
        "9.999999,bãi bỏ,1/QĐ,01/12/2026\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["decision", "apply", str(broken)])
    assert result.exit_code == 1
    assert "dòng 3 (9.999999): Không có thủ tục 9.999999" in result.stderr
    assert _status("1.000894") == "in_force"
    result = runner.invoke(app, ["decision", "preview", str(tmp_path / "khong-co.csv")])
    assert result.exit_code == 1 and "Không tìm thấy tệp" in result.stderr


def test_rollback_refuses_a_hand_edit_unless_told_to_overwrite(sample_database: str) -> None:
    from knowledge.catalog.editing import ProcedureEdit, edit_procedure

    result = runner.invoke(app, ["decision", "apply", str(DEMO), "--as", "quantri"])
    assert result.exit_code == 0, result.stdout + result.stderr
    with session_scope(get_engine()) as session:
        edit_procedure(
            session, "1.004873", ProcedureEdit(name="Xác nhận tình trạng hôn nhân"), actor="an"
        )
    result = runner.invoke(app, ["decision", "rollback", "2468/QĐ-UBND"])
    assert result.exit_code == 1
    assert "1.004873" in result.stderr and "sửa tay" in result.stderr
    assert _status("2.001195") == "abolished"
    # apply --again (make run, after the catalog is reloaded) rolls back over such changes.
    result = runner.invoke(app, ["decision", "apply", str(DEMO), "--again"])
    assert result.exit_code == 0, result.stdout + result.stderr
    with session_scope(get_engine()) as session:
        edit_procedure(session, "1.004873", ProcedureEdit(name="Xác nhận độc thân"), actor="an")
    result = runner.invoke(app, ["decision", "rollback", "2468/QĐ-UBND", "--overwrite-edits"])
    assert result.exit_code == 0, result.stdout + result.stderr
    assert _status("2.001195") == "in_force"
