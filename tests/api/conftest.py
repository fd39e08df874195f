"""An API client on a temporary database holding the sample catalog."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient

from knowledge.accounts import create_user
from knowledge.api.app import create_app
from knowledge.db import get_engine, session_scope


@pytest.fixture()
def client(sample_database: str) -> Iterator[TestClient]:
    """A TestClient whose app reads the sample catalog."""
    with TestClient(create_app()) as test_client:
        yield test_client


STAFF_PASSWORD = "mat-khau-thu-nghiem"


@pytest.fixture()
def staff_headers(client: TestClient) -> Callable[[str, str], dict[str, str]]:
    """Create an account (username, role) and sign it in; returns its Authorization header."""

    def sign_in(username: str, role: str = "agent") -> dict[str, str]:
        with session_scope(get_engine()) as session:
            create_user(session, username, STAFF_PASSWORD, role)
        response = client.post(
            "/api/auth/token", data={"username": username, "password": STAFF_PASSWORD}
        )
        assert response.status_code == 200, response.text
        return {"Authorization": f"Bearer {response.json()['access_token']}"}

    return sign_in


@pytest.fixture()
def agent_headers(staff_headers: Callable[[str, str], dict[str, str]]) -> dict[str, str]:
    """The Authorization header of a signed-in agent named ``agent-demo``."""
    return staff_headers("agent-demo", "agent")
