"""``tthc chat``: how long conversations are kept (Decree 13/2023)."""

from __future__ import annotations

from datetime import timedelta
from typing import Optional

import typer

from knowledge.cli.common import cli_session, console
from knowledge.clock import local_now
from knowledge.config import get_settings

app = typer.Typer(no_args_is_help=True)


@app.command("purge")
def purge(
    days: Optional[int] = typer.Option(
        None,
        "--days",
        min=0,
        help="Xóa cuộc trò chuyện không hoạt động quá số ngày này "
        "(mặc định: TTHC_CHAT_RETENTION_DAYS)",
    ),
) -> None:
    """Xóa các cuộc trò chuyện cũ (tin nhắn, yêu cầu gặp cán bộ); giữ lại số liệu đánh giá."""
    from knowledge.chat.store import purge_conversations  # imported on use: tthc --help stays fast

    keep = get_settings().chat_retention_days if days is None else days
    with cli_session() as session:
        count = purge_conversations(session, local_now() - timedelta(days=keep))
    console.print(f"Đã xóa {count} cuộc trò chuyện không hoạt động quá {keep} ngày.")
