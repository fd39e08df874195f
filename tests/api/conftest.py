"""An API client on a temporary database holding the sample catalog."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from knowledge.api.app import create_app
from knowledge.catalog.importer import import_json_catalog
from knowledge.config import SAMPLE_CATALOG_DIR
from knowledge.db import get_engine, session_scope


@pytest.fixture()
def client(configured_database: str) -> Iterator[TestClient]:
    """A TestClient whose app reads the sample catalog."""
    with session_scope(get_engine()) as session:
        import_json_catalog(session, SAMPLE_CATALOG_DIR, source="sample")
    with TestClient(create_app()) as test_client:
        yield test_client
