"""``tthc dossier``: import dossiers from the one-stop system and generate demo ones."""

from __future__ import annotations

from pathlib import Path

import typer

from knowledge.cli.common import cli_session, console

# The commands import the dossier code when they run, so that `tthc --help` stays fast.

app = typer.Typer(no_args_is_help=True)


@app.command("import")
def import_file(
    path: Path = typer.Argument(..., help="Tệp .csv, .json hoặc .jsonl xuất từ hệ thống một cửa"),
) -> None:
    """Nhập hồ sơ từ tệp CSV/JSON: ghi tất cả hoặc không ghi gì, báo lỗi theo dòng."""
    from knowledge.dossiers.ingest import import_dossiers

    with cli_session() as session:
        report = import_dossiers(session, path)
    console.print(
        f"[green]Đã nhập {report.imported} hồ sơ[/green] từ {path.name} "
        f"({report.created} mới, {report.updated} cập nhật) trong {report.seconds:.1f} giây."
    )


@app.command("demo")
def demo(
    count: int = typer.Option(500, "--count", "-n", min=1, help="Số hồ sơ mẫu cần tạo"),
    seed: int = typer.Option(None, help="Hạt giống ngẫu nhiên (để tạo lại đúng dữ liệu)"),
    if_empty: bool = typer.Option(False, "--if-empty", help="Chỉ tạo khi chưa có hồ sơ nào"),
) -> None:
    """Tạo hồ sơ mẫu trên các thủ tục thật của danh mục (tên, điện thoại, cơ quan, trạng thái)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn
    from rich.table import Table
    from sqlalchemy import func, select

    from knowledge.dossiers.demo import generate_demo_dossiers
    from knowledge.dossiers.labels import STATE_LABELS
    from knowledge.models import Dossier

    if if_empty:
        with cli_session() as session:
            existing = session.scalar(select(func.count(Dossier.id))) or 0
        if existing:
            console.print(f"Đã có {existing} hồ sơ; bỏ qua tạo hồ sơ mẫu.")
            return
    with (
        cli_session() as session,
        Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
        ) as bar,
    ):
        task = bar.add_task("Tạo hồ sơ mẫu", total=count)
        report = generate_demo_dossiers(
            session, count, seed=seed, progress=lambda done: bar.update(task, completed=done)
        )
    console.print(
        f"[green]Đã tạo {report.created} hồ sơ mẫu[/green] " f"({report.events} mục lịch sử)."
    )
    table = Table(title="Hồ sơ mẫu để thử tra cứu (dữ liệu giả)")
    table.add_column("Trạng thái")
    table.add_column("Mã hồ sơ")
    table.add_column("4 số cuối SĐT", justify="center")
    for example in sorted(
        report.examples, key=lambda e: (list(STATE_LABELS).index(e.state), e.overdue)
    ):
        label = STATE_LABELS[example.state] + (" — quá hạn" if example.overdue else "")
        table.add_row(label, example.code, example.phone_last4)
    console.print(table)
