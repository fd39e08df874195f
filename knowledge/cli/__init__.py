"""The ``tthc`` command line: catalog, search, text resources, dossiers and staff accounts."""

from __future__ import annotations

import logging

import typer

from knowledge.cli import catalog, chat, decisions, dossiers, search, text, users

app = typer.Typer(help="Trợ lý thủ tục hành chính: công cụ quản trị.", no_args_is_help=True)
app.add_typer(catalog.app, name="catalog", help="Danh mục thủ tục: nhập, thống kê, trạng thái.")
app.add_typer(
    decisions.app, name="decision", help="Quyết định công bố: xem trước, áp dụng, hoàn tác."
)
app.add_typer(dossiers.app, name="dossier", help="Hồ sơ: nhập, tạo dữ liệu mẫu.")
app.add_typer(text.app, name="text", help="Tài nguyên xử lý tiếng Việt.")
app.add_typer(users.app, name="user", help="Tài khoản cán bộ: tạo, liệt kê, khóa.")
app.add_typer(chat.app, name="chat", help="Cuộc trò chuyện: xóa theo thời hạn lưu trữ.")
app.command(name="search")(search.search)


@app.callback()
def main(verbose: bool = typer.Option(False, "--verbose", "-v", help="Ghi log chi tiết.")) -> None:
    """Trợ lý thủ tục hành chính."""
    from knowledge.logs import configure_logging

    configure_logging(logging.DEBUG if verbose else logging.WARNING)
