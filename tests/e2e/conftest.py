"""Real servers for end-to-end tests: Rasa (models/tthc.tar.gz), the action server and the API.

They start once per test session through ``bench.bot_servers`` (which the bot benchmarks use
too), over a temporary database loaded with the default catalog (the national export in
../shared when present, else the sample), Rasa's trackers in a SQLite tracker store beside it
(``TTHC_TRACKER_DB_URL``), and stop at the end. Tests talk to them over HTTP, and may read
their log files (``Servers.logs``), the database and the tracker store.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from bench.bot_servers import ServerError, Servers, load_default_catalog, running_servers
from knowledge.config import PROJECT_ROOT

__all__ = [
    "E2E_OFFICE_HOURS",
    "MODEL",
    "RASA_TOKEN",
    "Servers",
    "push_dossier",
    "start_servers",
]

# The model `make train` builds; TTHC_E2E_MODEL points elsewhere (an experimental model).
MODEL = Path(os.environ.get("TTHC_E2E_MODEL", PROJECT_ROOT / "models" / "tthc.tar.gz"))
RASA_TOKEN = "e2e-rasa-token"
FIRST_ANSWER_TIMEOUT = 180.0  # the first question builds the search index of the catalog
E2E_OFFICE_HOURS = "mon-sun 00:00-23:59"
INGEST = {"Authorization": "Bearer dev-ingest-token"}  # the one-stop system's development token


@contextmanager
def start_servers(**options: Any) -> Iterator[Servers]:
    """``running_servers`` on the e2e model and token; a server that fails fails the test."""
    try:
        with running_servers(MODEL, token=RASA_TOKEN, **options) as servers:
            yield servers
    except ServerError as exc:
        pytest.fail(str(exc))


def push_dossier(servers: Servers, code: str, procedure_code: str, **fields: str) -> None:
    """The one-stop system pushes a dossier through the API (``POST /api/dossiers``): created.

    ``fields`` are the other fields of the payload; the receiving desk is Bình Sơn's unless given.
    """
    body = {
        "code": code,
        "procedure_code": procedure_code,
        "receiving_agency": "Bộ phận Một cửa UBND xã Bình Sơn",
        **fields,
    }
    pushed = httpx.post(f"{servers.api_url}/api/dossiers", json=body, headers=INGEST, timeout=30)
    assert pushed.status_code == 201, pushed.text


@pytest.fixture(scope="session")
def e2e_folder() -> Iterator[Path]:
    """The session's temporary folder: the servers' database and tracker store."""
    folder = Path(tempfile.mkdtemp(prefix="tthc-e2e-"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def tracker_db_url(e2e_folder: Path) -> str:
    """Rasa's tracker store of the session's servers (SQL, as in production)."""
    return f"sqlite:///{e2e_folder / 'tracker.db'}"


@pytest.fixture(scope="session")
def servers(e2e_folder: Path, tracker_db_url: str) -> Iterator[Servers]:
    """Rasa, the action server and the API on free ports, with the default catalog loaded."""
    if not MODEL.exists():
        pytest.skip(f"{MODEL} is missing: run `make train` first")
    database_url = f"sqlite:///{e2e_folder / 'tthc.db'}"
    load_default_catalog(database_url)
    env = {
        "TTHC_TRACKER_DB_URL": tracker_db_url,
        # Agents can take a conversation at any hour the tests run (public holidays aside).
        "TTHC_OFFICE_HOURS": E2E_OFFICE_HOURS,
    }
    with start_servers(api=True, database_url=database_url, env=env) as running:
        # The first question builds the search index; later ones must be fast.
        running.send(
            f"warm-up-{uuid.uuid4().hex}", "lệ phí đăng ký khai sinh", FIRST_ANSWER_TIMEOUT
        )
        yield running


@pytest.fixture()
def sender() -> str:
    """A fresh conversation id per test."""
    return f"e2e-{uuid.uuid4().hex[:12]}"
