"""``tthc catalog``: import the catalog, report its coverage, record status changes."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from knowledge.cli.common import cli_actor, cli_session, console
from knowledge.clock import local_today
from knowledge.enums import ProcedureStatus

if TYPE_CHECKING:
    from rich.progress import Progress
    from sqlalchemy.orm import Session

    from knowledge.schemas import ImportReport

# The commands import the catalog code when they run, so that `tthc --help` stays fast.

app = typer.Typer(no_args_is_help=True)


@app.command("import")
def import_catalog(
    path: Path = typer.Argument(
        ..., help="Thư mục/tệp JSON (định dạng CSDL quốc gia) hoặc tệp .xlsx"
    ),
    source: str = typer.Option("national", help="Nguồn ghi nhận: national | sample"),
) -> None:
    """Nhập danh mục: thư mục JSON của CSDL quốc gia, hoặc bảng Excel danh sách TTHC."""
    from knowledge.catalog.importer import import_index_sheet

    with cli_session() as session:
        if path.suffix.lower() == ".xlsx":
            report = import_index_sheet(session, path)
        else:
            report = _import_with_progress(session, path, source)
        _print_report(report, path)
        _embed_with_progress(session)


@app.command("load-default")
def load_default(
    with_lists: bool = typer.Option(True, help="Nhập cả các bảng Excel danh sách TTHC (nếu có)."),
) -> None:
    """Nạp danh mục mặc định: dữ liệu quốc gia trong ../shared nếu có, nếu không thì mẫu."""
    from knowledge.catalog.importer import default_catalog_dir, import_index_sheet
    from knowledge.config import NATIONAL_LISTS_DIR

    path, source = default_catalog_dir()
    with cli_session() as session:
        report = _import_with_progress(session, path, source)
        _print_report(report, path)
        if with_lists and source == "national" and NATIONAL_LISTS_DIR.is_dir():
            for sheet in sorted(NATIONAL_LISTS_DIR.glob("*.xlsx")):
                _print_report(import_index_sheet(session, sheet), sheet)
        _embed_with_progress(session)


@app.command("embed")
def embed() -> None:
    """Tính trước vector ngữ nghĩa của danh mục cho tìm kiếm (chỉ các thủ tục mới hoặc đã đổi)."""
    with cli_session() as session:
        _embed_with_progress(session)


@app.command("stats")
def stats() -> None:
    """Thống kê độ phủ: tỉ lệ thủ tục có thời hạn và phí được phân tích theo từng kênh."""
    from rich.table import Table

    from knowledge.catalog.stats import catalog_coverage

    with cli_session() as session:
        coverage = catalog_coverage(session)
    table = Table(
        title=f"{coverage.procedures} thủ tục, {coverage.with_channels} có thông tin kênh nộp"
    )
    table.add_column("Kênh")
    table.add_column("Thủ tục", justify="right")
    table.add_column("Có thời hạn", justify="right")
    table.add_column("Có phí/lệ phí", justify="right")
    for row in coverage.rows:
        table.add_row(
            row.label, str(row.procedures), f"{row.time_share:.1%}", f"{row.fee_share:.1%}"
        )
    console.print(table)
    console.print(
        f"Mọi kênh có thời hạn: {coverage.all_time_share:.1%}; "
        f"mọi kênh có phí: {coverage.all_fee_share:.1%}"
    )


@app.command("audit")
def audit_answers(
    source: Path = typer.Option(
        None, help="Thư mục JSON gốc để đối chiếu (mặc định: danh mục đã nạp mặc định)"
    ),
    out: Path = typer.Option(
        Path("var/answer-audit.tsv"), help="Tệp ghi mã thủ tục vi phạm (quy tắc<TAB>mã)"
    ),
    strict: bool = typer.Option(False, help="Thoát với mã 1 khi có lỗi sai sự thật"),
) -> None:
    """Đối chiếu câu trả lời (phí, thời hạn, hồ sơ, cơ quan, cách nộp) với bản ghi gốc."""
    from rich.table import Table

    from knowledge.answers.audit import RULES, audit, raw_records
    from knowledge.catalog.importer import default_catalog_dir
    from knowledge.procedures import all_procedure_cards

    folder = source or default_catalog_dir()[0]
    records = raw_records(folder)
    with cli_session() as session:
        report = audit(all_procedure_cards(session), records)
    table = Table(title=f"Đối chiếu {report.procedures} thủ tục với {folder}")
    table.add_column("Quy tắc")
    table.add_column("Loại")
    table.add_column("Số thủ tục", justify="right")
    table.add_column("Mô tả")
    for rule in RULES:
        kind = "sai" if rule.kind == "wrong" else "khó đọc"
        table.add_row(rule.name, kind, str(len(report.findings[rule.name])), rule.description)
    console.print(table)
    report.write(out)
    console.print(f"Lỗi sai sự thật: {report.wrong_findings()}; mã vi phạm ghi tại {out}")
    if strict and report.wrong_findings():
        raise typer.Exit(code=1)


@app.command("set-status")
def set_status(
    code: str = typer.Argument(..., help="Mã thủ tục, ví dụ 1.001193"),
    status: ProcedureStatus = typer.Option(..., help="in_force | amended | abolished"),
    decision: str = typer.Option(..., help="Số quyết định, ví dụ 1234/QĐ-UBND"),
    on: datetime = typer.Option(
        None, formats=["%Y-%m-%d"], help="Ngày quyết định (mặc định: hôm nay)"
    ),
    replaced_by: str = typer.Option(None, help="Mã thủ tục thay thế (nếu có)"),
    actor: str = typer.Option(
        None, "--as", help="Tên người thực hiện ghi vào nhật ký (mặc định: tên đăng nhập máy chủ)"
    ),
) -> None:
    """Ghi nhận thủ tục được sửa đổi, bãi bỏ (hoặc còn hiệu lực) theo một quyết định.

    Thay đổi được ghi vào nhật ký như khi quản trị viên sửa trên trang quản trị, với người thực
    hiện "cli:<tên đăng nhập máy chủ>".
    """
    from knowledge.procedures import set_procedure_status

    with cli_session() as session:
        procedure = set_procedure_status(
            session,
            code,
            status,
            decision_number=decision,
            on=on.date() if on else local_today(),
            replaced_by=replaced_by,
            actor=cli_actor(actor),
        )
        console.print(
            f"{procedure.code}: {procedure.status.value} theo {procedure.status_decision}"
        )


def _progress() -> Progress:
    """A progress bar with the count done and the time taken (imported on use: rich.progress)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    columns = (
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    return Progress(*columns, console=console, transient=True)


def _import_with_progress(session: Session, path: Path, source: str) -> ImportReport:
    from knowledge.catalog.importer import import_json_catalog

    total = len(list(path.rglob("*.json"))) if path.is_dir() else 1
    with _progress() as progress:
        task = progress.add_task(f"Đọc {path.name}", total=total)
        return import_json_catalog(
            session, path, source=source, progress=lambda n: progress.update(task, completed=n)
        )


def _embed_with_progress(session: Session) -> None:
    """Fill the embedding cache now, so that no service embeds the catalog on its first search.

    Commits first: the cache is keyed by what the database holds once the import is in.
    """
    from knowledge.search.service import embed_catalog

    session.commit()
    with _progress() as progress:
        task = progress.add_task("Tính vector ngữ nghĩa", total=None)

        def advance(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        report = embed_catalog(session, progress=advance)
    if report.embedded:
        console.print(
            f"[green]Vector ngữ nghĩa: đã tính {report.embedded} thủ tục[/green] "
            f"trong {report.seconds:.1f} s ({report.reused} dùng lại từ bộ nhớ đệm)"
        )
    else:
        console.print(f"Vector ngữ nghĩa: {report.reused} thủ tục, đã có sẵn trong bộ nhớ đệm")


def _print_report(report: ImportReport, path: Path) -> None:
    console.print(
        f"[green]{path.name}: đã nhập {report.imported} thủ tục[/green] "
        f"trong {report.seconds:.1f} s"
    )
    for where, reason in report.skipped:
        console.print(f"  [yellow]bỏ qua[/yellow] {where}: {reason}", highlight=False)
