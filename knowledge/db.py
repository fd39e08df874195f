"""Database engine, sessions and migrations (SQLite by default, PostgreSQL by URL)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from knowledge.config import get_settings
from knowledge.errors import WriteFailedError

logger = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def make_engine(url: str) -> Engine:
    """Build an engine; SQLite gets its folder created, foreign keys and WAL turned on."""
    if url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    # hide_parameters: an error's text never carries the bound values (names, phones, IDs).
    # check_same_thread off: a request's session may be closed on another thread than the
    # one that used it (FastAPI's clean-up); a session never uses its connection concurrently.
    sqlite = url.startswith("sqlite")
    engine = create_engine(
        url,
        future=True,
        pool_pre_ping=not sqlite,
        hide_parameters=True,
        connect_args={"check_same_thread": False} if sqlite else {},
    )
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):  # type: ignore[no-untyped-def]
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=5000")
            cursor.close()

    return engine


@lru_cache(maxsize=4)
def get_engine(url: str | None = None) -> Engine:
    """The engine for ``url`` (default: the configured database), built once."""
    return make_engine(url or get_settings().database_url)


def session_factory(engine: Engine | None = None) -> sessionmaker:
    """A session maker bound to ``engine`` (default: the configured one)."""
    return sessionmaker(bind=engine or get_engine(), future=True, expire_on_commit=False)


@contextmanager
def session_scope(engine: Engine | None = None) -> Iterator[Session]:
    """A session that commits on success and rolls back on any error."""
    session = session_factory(engine)()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


WRITE_FAILED = (
    "Hệ thống chưa lưu được dữ liệu (cơ sở dữ liệu không xác nhận). Vui lòng gửi lại sau ít phút."
)


def commit(session: Session) -> None:
    """Commit ``session`` now, in the caller's thread; a refused commit is ``WriteFailedError``.

    Routes call it before they answer, so an acknowledged write is a stored write.
    """
    try:
        session.commit()
    except SQLAlchemyError as exc:
        session.rollback()
        logger.error("commit failed: %s", type(exc).__name__)
        raise WriteFailedError(WRITE_FAILED) from exc


def migrate(url: str | None = None) -> None:
    """Bring the database at ``url`` to the newest schema with alembic."""
    from alembic import command  # alembic is needed only here: imported on use
    from alembic.config import Config

    url = url or get_settings().database_url
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    command.upgrade(config, "head")
    logger.info("database at %s is at the newest schema", _redact(url))


def _redact(url: str) -> str:
    """Hide the password of a database URL for logs."""
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        credentials, host = rest.rsplit("@", 1)
        return f"{scheme}://{credentials.split(':', 1)[0]}:***@{host}"
    return url
