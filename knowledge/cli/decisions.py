"""``tthc decision``: preview, apply and roll back a publishing decision (quyết định công bố)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from knowledge.cli.common import cli_session, console, errors
from knowledge.errors import InvalidInputError

# The decisions module pulls in openpyxl and the ORM: imported by the commands that run,
# so that ``tthc --help`` and the other commands stay quick.
if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from knowledge.catalog.decisions import DecisionPreview

app = typer.Typer(no_args_is_help=True)

ACTOR = typer.Option("quản trị (dòng lệnh)", "--as", help="Tên người thực hiện, ghi vào nhật ký")


def _read(path: Path) -> bytes:
    if not path.is_file():
        raise InvalidInputError(f"Không tìm thấy tệp {path}")
    return path.read_bytes()


@app.command("preview")
def preview(path: Path = typer.Argument(..., help="Tệp .csv hoặc .xlsx của quyết định")) -> None:
    """Xem trước (không ghi gì): thủ tục thêm mới, sửa đổi (trước → sau), bãi bỏ và các lỗi."""
    from knowledge.catalog.decisions import preview_decision

    with cli_session() as session:
        result = preview_decision(
            session, _read(path), path.name, record_dirs=(path.resolve().parent,)
        )
        session.rollback()
    _print_preview(result)
    if result.errors:
        raise typer.Exit(1)


@app.command("apply")
def apply(
    path: Path = typer.Argument(..., help="Tệp .csv hoặc .xlsx của quyết định"),
    actor: str = ACTOR,
    again: bool = typer.Option(
        False,
        "--again",
        help="Nếu quyết định cùng số đã áp dụng: hoàn tác rồi áp dụng lại (make run dùng, vì "
        "nạp lại danh mục quốc gia ghi đè các thay đổi của quyết định)",
    ),
) -> None:
    """Áp dụng quyết định: ghi tất cả các dòng hoặc không ghi gì."""
    from sqlalchemy import select

    from knowledge.catalog.decisions import apply_decision, preview_decision, rollback_decision
    from knowledge.models import Decision

    data = _read(path)
    with cli_session() as session:
        if again:
            number = preview_decision(session, data, path.name).number
            stored = session.scalars(select(Decision).where(Decision.number == number)).first()
            if stored is not None and stored.state.value in ("applied", "scheduled"):
                # Reloading the catalog (make run) has overwritten the decision's values, so
                # they differ from its record: that is expected here, not a hand edit to keep.
                rollback_decision(session, stored.id, actor=actor, overwrite_edits=True)
                console.print(f"Đã hoàn tác quyết định {number} để áp dụng lại.")
        decision = apply_decision(
            session, data, path.name, actor=actor, record_dirs=(path.resolve().parent,)
        )
        when = (
            "đã có hiệu lực"
            if decision.state.value == "applied"
            else f"sẽ có hiệu lực ngày {decision.effective_on:%d/%m/%Y}"
        )
        console.print(
            f"[green]Quyết định {decision.number} (số {decision.id}): "
            f"{len(decision.changes)} thủ tục, {when}.[/green]"
        )


@app.command("rollback")
def rollback(
    target: str = typer.Argument(
        ..., help="Số thứ tự (id) hoặc số quyết định, hoặc tệp đã áp dụng"
    ),
    actor: str = ACTOR,
    overwrite_edits: bool = typer.Option(
        False,
        "--overwrite-edits",
        help="Hoàn tác cả khi thủ tục đã được sửa tay sau quyết định (ghi đè các sửa đổi đó)",
    ),
) -> None:
    """Hoàn tác cả một quyết định đã áp dụng: các thủ tục trở lại như trước.

    Thủ tục đã được sửa tay sau quyết định thì không hoàn tác (liệt kê các thủ tục đó), trừ
    khi có --overwrite-edits.
    """
    from knowledge.catalog.decisions import rollback_decision

    with cli_session() as session:
        decision_id = _decision_id(session, target)
        decision = rollback_decision(
            session, decision_id, actor=actor, overwrite_edits=overwrite_edits
        )
        console.print(f"[green]Đã hoàn tác quyết định {decision.number}.[/green]")


@app.command("list")
def list_command() -> None:
    """Các quyết định đã nhập, mới nhất trước."""
    from rich.table import Table

    from knowledge.catalog.decisions import list_decisions

    with cli_session() as session:
        rows = list_decisions(session)
    table = Table(title=f"{len(rows)} quyết định")
    for column in ("Số", "Quyết định", "Hiệu lực", "Trạng thái", "Dòng", "Người nhập"):
        table.add_column(column)
    for d in rows:
        table.add_row(
            str(d.id),
            d.number,
            f"{d.effective_on:%d/%m/%Y}" if d.effective_on else "",
            d.state,
            str(d.rows),
            d.imported_by or "",
        )
    console.print(table)


def _decision_id(session: Session, target: str) -> int:
    from sqlalchemy import select

    from knowledge.catalog.decisions import preview_decision
    from knowledge.models import Decision

    if target.isdigit():
        return int(target)
    path = Path(target)
    number = target
    if path.is_file():
        number = preview_decision(session, path.read_bytes(), path.name).number
    found = session.scalars(select(Decision).where(Decision.number == number)).first()
    if found is None:
        raise InvalidInputError(f"Không tìm thấy quyết định {number}.")
    return int(found.id)


def _print_preview(result: DecisionPreview) -> None:
    when = "có hiệu lực ngay" if result.takes_effect_now else "hẹn ngày hiệu lực"
    console.print(
        f"Quyết định [bold]{result.number}[/bold], hiệu lực {result.effective_on:%d/%m/%Y} "
        f"({when}): {len(result.added)} mới, {len(result.changed)} sửa đổi, "
        f"{len(result.abolished)} bãi bỏ."
    )
    for title, items in (
        ("Thêm mới", result.added),
        ("Sửa đổi, bổ sung", result.changed),
        ("Bãi bỏ", result.abolished),
    ):
        if not items:
            continue
        console.print(f"[bold]{title}[/bold]")
        for item in items[:200]:
            extra = f" → thay bằng {item.replaced_by_code}" if item.replaced_by_code else ""
            console.print(f"  {item.code} {item.name}{extra}", highlight=False)
            if title == "Sửa đổi, bổ sung":
                for change in item.changes:
                    console.print(
                        f"    {change.label}: {change.before!s:.80} → {change.after!s:.80}",
                        highlight=False,
                        markup=False,
                    )
    for problem in result.errors:
        errors.print(
            f"  dòng {problem.row} {problem.code}: {problem.message}", highlight=False, markup=False
        )
