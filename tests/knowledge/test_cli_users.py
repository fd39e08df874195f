"""``tthc user`` (create with a password from stdin, list, disable) and ``tthc chat purge``."""

from __future__ import annotations

from typer.testing import CliRunner

from knowledge.accounts import authenticate
from knowledge.cli import app
from knowledge.db import get_engine, session_scope

runner = CliRunner(mix_stderr=False)


def test_create_list_disable(configured_database: str) -> None:
    created = runner.invoke(
        app,
        ["user", "create", "canbo.an", "--role", "agent", "--password-stdin"],
        input="mat-khau-rat-dai\n",
    )
    assert created.exit_code == 0, created.stderr
    assert "Đã tạo tài khoản canbo.an" in created.stdout
    with session_scope(get_engine()) as session:
        assert authenticate(session, "canbo.an", "mat-khau-rat-dai").role == "agent"
    again = runner.invoke(
        app,
        ["user", "create", "canbo.an", "--role", "admin", "--password-stdin"],
        input="mat-khau-rat-dai\n",
    )
    assert again.exit_code == 1 and "đã có" in again.stderr
    listed = runner.invoke(app, ["user", "list"])
    assert "canbo.an" in listed.stdout and "hoạt động" in listed.stdout
    disabled = runner.invoke(app, ["user", "disable", "canbo.an"])
    assert disabled.exit_code == 0 and "Đã khóa" in disabled.stdout
    assert "đã khóa" in runner.invoke(app, ["user", "list"]).stdout


def test_bad_role_is_refused(configured_database: str) -> None:
    result = runner.invoke(
        app,
        ["user", "create", "canbo", "--role", "boss", "--password-stdin"],
        input="mat-khau-rat-dai\n",
    )
    assert result.exit_code == 1 and "không hợp lệ" in result.stderr


def test_chat_purge_uses_the_retention_setting(configured_database: str) -> None:
    from datetime import timedelta

    from knowledge.chat.store import add_message, new_session
    from knowledge.clock import local_now

    with session_scope(get_engine()) as session:
        old = new_session(session, local_now() - timedelta(days=120))
        add_message(session, old.session_id, "user", "xin chào", local_now() - timedelta(days=120))
        new_session(session, local_now() - timedelta(days=2))
    result = runner.invoke(app, ["chat", "purge"])
    assert result.exit_code == 0, result.stderr
    assert "Đã xóa 1 cuộc trò chuyện không hoạt động quá 90 ngày." in result.stdout
    again = runner.invoke(app, ["chat", "purge", "--days", "1"])
    assert "Đã xóa 1 cuộc trò chuyện không hoạt động quá 1 ngày." in again.stdout
