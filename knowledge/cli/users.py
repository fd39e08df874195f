"""``tthc user``: staff accounts (call-center agents and admins)."""

from __future__ import annotations

import sys

import typer
from rich.table import Table

from knowledge.cli.common import cli_session, console, errors

app = typer.Typer(no_args_is_help=True)


@app.command("create")
def create(
    username: str = typer.Argument(..., help="Tên đăng nhập (chữ thường không dấu, số, . _ -)"),
    role: str = typer.Option(..., "--role", help="agent (cán bộ tổng đài) hoặc admin"),
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help="Đọc mật khẩu từ dòng đầu của đầu vào chuẩn"
    ),
) -> None:
    """Tạo tài khoản cán bộ; mật khẩu được hỏi (ẩn) hoặc đọc từ đầu vào chuẩn."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("Mật khẩu", hide_input=True, confirmation_prompt=True)
    if not password:
        errors.print("[red]Chưa có mật khẩu.[/red]")
        raise typer.Exit(1)
    with cli_session() as session:
        from knowledge.accounts import create_user  # argon2: imported on use

        user = create_user(session, username, password, role)
    console.print(f"[green]Đã tạo tài khoản {user.username}[/green] ({user.role_label}).")


@app.command("list")
def list_command() -> None:
    """Liệt kê các tài khoản cán bộ."""
    with cli_session() as session:
        from knowledge.accounts import list_users

        users = list_users(session)
    table = Table(title="Tài khoản cán bộ")
    for column in ("Tên đăng nhập", "Vai trò", "Trạng thái", "Tạo lúc", "Đăng nhập gần nhất"):
        table.add_column(column)
    for user in users:
        table.add_row(
            user.username,
            user.role_label,
            "hoạt động" if user.is_active else "đã khóa",
            f"{user.created_at:%d/%m/%Y %H:%M}",
            f"{user.last_login_at:%d/%m/%Y %H:%M}" if user.last_login_at else "—",
        )
    console.print(table)


@app.command("disable")
def disable(username: str = typer.Argument(..., help="Tên đăng nhập cần khóa")) -> None:
    """Khóa một tài khoản: các mã truy cập đã cấp hết hiệu lực ngay."""
    with cli_session() as session:
        from knowledge.accounts import set_active

        user = set_active(session, username, False)
    console.print(f"[yellow]Đã khóa tài khoản {user.username}.[/yellow]")


@app.command("enable")
def enable(username: str = typer.Argument(..., help="Tên đăng nhập cần mở khóa")) -> None:
    """Mở khóa một tài khoản đã khóa."""
    with cli_session() as session:
        from knowledge.accounts import set_active

        user = set_active(session, username, True)
    console.print(f"[green]Đã mở khóa tài khoản {user.username}.[/green]")
