"""Alembic environment: runs the migrations against the URL given by knowledge.db.migrate."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from knowledge.models import Base

config = context.config
url = config.get_main_option("sqlalchemy.url")


def run_migrations() -> None:
    """Apply migrations online, in one transaction."""
    connectable = create_engine(url, future=True)
    with connectable.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            render_as_batch=connection.dialect.name == "sqlite",
        )
        with context.begin_transaction():
            context.run_migrations()


run_migrations()
