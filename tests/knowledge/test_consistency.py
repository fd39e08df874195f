"""The knowledge layer agrees with itself: ORM models ↔ migrations, settings checked at start."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from pydantic import ValidationError
from sqlalchemy.engine import Engine

from knowledge.api.app import create_app
from knowledge.config import Settings, get_settings
from knowledge.models import Base


def _schema_drift(engine: Engine) -> list[object]:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, Base.metadata))


def test_migrations_build_exactly_the_models(engine: Engine) -> None:
    """A model changed without its alembic migration (or the reverse) shows up here."""
    assert _schema_drift(engine) == []


@pytest.mark.postgres
def test_migrations_build_exactly_the_models_on_postgresql(pg_engine: Engine) -> None:
    """The same on PostgreSQL, whose types are stricter than SQLite's."""
    assert _schema_drift(pg_engine) == []


@pytest.fixture()
def fresh_settings() -> Iterator[None]:
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.mark.parametrize("kind", ["ftp", "", "postgres"])
def test_an_unknown_dossier_source_is_refused(kind: str) -> None:
    with pytest.raises(ValidationError, match="dossier_source"):
        Settings(dossier_source=kind)


def test_the_dossier_source_is_read_loosely() -> None:
    assert Settings(dossier_source=" HTTP ").dossier_source == "http"


@pytest.mark.parametrize("origins", ["*", "", "http://a.vn *", "dichvucong.example.vn"])
def test_rasa_cors_needs_the_portal_origins_not_any_site(origins: str) -> None:
    with pytest.raises(ValidationError, match="cors_origins"):
        Settings(cors_origins=origins)


def test_rasa_cors_origins_are_space_separated() -> None:
    given = " https://dichvucong.example.vn   http://localhost:8000 "
    assert Settings(cors_origins=given).cors_origins == (
        "https://dichvucong.example.vn http://localhost:8000"
    )


def test_the_api_checks_its_settings_when_it_is_built(
    monkeypatch: pytest.MonkeyPatch, fresh_settings: None
) -> None:
    """A wrong setting stops the start, even when the caller passes its own rate limit."""
    monkeypatch.setenv("TTHC_DOSSIER_SOURCE", "ftp")
    with pytest.raises(ValidationError, match="dossier_source"):
        create_app(rate_limit="10/minute")
