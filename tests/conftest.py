"""Fixtures shared by every test package: temporary databases, with or without the sample catalog.

SQLite by default; the ``pg_*`` fixtures give the same on the PostgreSQL server named by
``TTHC_TEST_POSTGRES_URL`` (``make test`` starts one), and skip when it is not set.
"""

from __future__ import annotations

import os
import sqlite3

# Tests use the development tokens, which only an explicit local setting accepts.
os.environ.setdefault("TTHC_ENV", "local")
from collections.abc import Callable, Iterator
from contextlib import closing
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from knowledge.catalog.importer import import_json_catalog
from knowledge.config import NATIONAL_CATALOG_DIR, SAMPLE_CATALOG_DIR, get_settings
from knowledge.db import get_engine, make_engine, migrate, session_scope


@pytest.fixture(scope="session", autouse=True)
def _embeddings_outside_the_project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Sentence vectors of test catalogs go to one temporary folder per session (the servers
    e2e tests start inherit it), never to var/embeddings, where the newest few catalog
    versions are kept and test catalogs would evict the real catalog's vectors."""
    previous = os.environ.get("TTHC_EMBEDDINGS_DIR")
    os.environ["TTHC_EMBEDDINGS_DIR"] = str(tmp_path_factory.mktemp("embeddings"))
    get_settings.cache_clear()
    yield
    if previous is None:
        os.environ.pop("TTHC_EMBEDDINGS_DIR", None)
    else:
        os.environ["TTHC_EMBEDDINGS_DIR"] = previous
    get_settings.cache_clear()


@pytest.fixture(scope="session")
def _migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One SQLite database migrated to the newest schema, copied for each test that wants one.

    Running alembic's migrations takes 1-2 s; a copy of their result takes milliseconds.
    """
    path = tmp_path_factory.mktemp("schema") / "migrated.db"
    migrate(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session", autouse=True)
def _cheap_password_hashes() -> Iterator[None]:
    """Argon2 with its smallest cost in tests: the same code and format, not 0.3-1 s a hash.

    (Servers that end-to-end tests start keep the real cost.)
    """
    from argon2 import PasswordHasher

    from knowledge import accounts

    real = accounts._hasher
    accounts._hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    accounts._dummy_hash.cache_clear()
    yield
    accounts._hasher = real
    accounts._dummy_hash.cache_clear()


def _copy_sqlite(source: Path, target: Path) -> None:
    """Make the SQLite database ``target`` a copy of ``source`` (SQLite's online backup)."""
    with closing(sqlite3.connect(source)) as original:
        with closing(sqlite3.connect(target)) as copy:
            original.backup(copy)


def _sqlite_path(url: str) -> Path:
    return Path(url.removeprefix("sqlite:///"))


@pytest.fixture()
def database_url(tmp_path: Path, _migrated_sqlite: Path) -> str:
    """A fresh SQLite database at the newest schema (a copy of the migrated one)."""
    path = tmp_path / "test.db"
    _copy_sqlite(_migrated_sqlite, path)
    return f"sqlite:///{path}"


def with_sample_catalog(engine: Engine) -> Engine:
    """``engine`` with the sample catalog (20 procedures) imported into its database."""
    with session_scope(engine) as session:
        import_json_catalog(session, SAMPLE_CATALOG_DIR, source="sample")
    return engine


@pytest.fixture(scope="session")
def _sample_sqlite(tmp_path_factory: pytest.TempPathFactory, _migrated_sqlite: Path) -> Path:
    """The migrated database with the sample catalog imported, once per test session.

    About 350 tests start from the sample catalog; importing it takes 0.1-0.3 s, a copy of
    the imported database milliseconds.
    """
    path = tmp_path_factory.mktemp("sample") / "sample.db"
    _copy_sqlite(_migrated_sqlite, path)
    engine = make_engine(f"sqlite:///{path}")
    with_sample_catalog(engine)
    engine.dispose()
    return path


@pytest.fixture()
def load_sample_catalog(_sample_sqlite: Path) -> Callable[[str], None]:
    """Put the sample catalog into a test's fresh SQLite database (a copy of the imported one)."""

    def load(url: str) -> None:
        _copy_sqlite(_sample_sqlite, _sqlite_path(url))

    return load


@pytest.fixture()
def engine(database_url: str) -> Iterator[Engine]:
    """An engine on the fresh database."""
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture()
def sample_engine(
    engine: Engine, database_url: str, load_sample_catalog: Callable[[str], None]
) -> Engine:
    """An engine on a database holding the sample catalog (20 procedures)."""
    load_sample_catalog(database_url)
    return engine


@pytest.fixture()
def configured_database(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Point the settings (TTHC_DATABASE_URL) at the fresh database for code that reads them."""
    monkeypatch.setenv("TTHC_DATABASE_URL", database_url)
    get_settings.cache_clear()
    get_engine.cache_clear()
    yield database_url
    get_engine.cache_clear()
    get_settings.cache_clear()


@pytest.fixture(scope="session")
def national_catalog_dir() -> Path:
    """The real national export in ../shared, or skip the test when it is absent."""
    if not NATIONAL_CATALOG_DIR.is_dir():
        pytest.skip("../shared/datasets/dvc-national-catalog is absent")
    return NATIONAL_CATALOG_DIR


@pytest.fixture()
def sample_database(configured_database: str, load_sample_catalog: Callable[[str], None]) -> str:
    """The configured database (TTHC_DATABASE_URL) holding the sample catalog, for actions."""
    load_sample_catalog(configured_database)
    return configured_database


@pytest.fixture()
def pg_engine() -> Iterator[Engine]:
    """A PostgreSQL database emptied, then migrated to the newest schema."""
    url = os.environ.get("TTHC_TEST_POSTGRES_URL")
    if not url:
        pytest.skip("TTHC_TEST_POSTGRES_URL is not set (make test starts a server and sets it)")
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    migrate(url)
    yield engine
    engine.dispose()


@pytest.fixture()
def pg_sample_engine(pg_engine: Engine) -> Engine:
    """``pg_engine`` holding the sample catalog (20 procedures)."""
    return with_sample_catalog(pg_engine)
