"""Admin changes reach the running bot without a restart: a PATCHed fee and the demo decision.

The servers (Rasa, the action server, the API) run as separate processes over one database;
the admin works through the API, the citizen through Rasa's REST channel.
"""

from __future__ import annotations

import time
import uuid

import httpx
import pytest

from knowledge.config import PROJECT_ROOT
from tests.e2e.conftest import Servers
from tests.e2e.test_bot_http import answer_about

pytestmark = pytest.mark.e2e

DEMO = PROJECT_ROOT / "data" / "decisions" / "quyet-dinh-mau.csv"
TEMPORARY_RESIDENCE = "1.004194"
CCCD_PROVINCE = "2.001195"
LIVE_WITHIN = 2.0  # seconds, the bound


@pytest.fixture()
def admin(servers: Servers) -> httpx.Client:
    """An API client signed in as a new admin account."""
    from knowledge.accounts import create_user
    from knowledge.db import make_engine, session_scope

    username = f"qt-{uuid.uuid4().hex[:8]}"
    engine = make_engine(str(servers.database_url))
    with session_scope(engine) as session:
        create_user(session, username, "mat-khau-e2e-123", "admin")
    engine.dispose()
    client = httpx.Client(base_url=str(servers.api_url), timeout=60)
    token = client.post(
        "/api/auth/token", data={"username": username, "password": "mat-khau-e2e-123"}
    ).json()["access_token"]
    client.headers["Authorization"] = f"Bearer {token}"
    return client


def test_patched_fee_is_in_the_next_answer(servers: Servers, admin: httpx.Client) -> None:
    fee = f"{uuid.uuid4().int % 90 + 10}.000 đồng/lần đăng ký"
    started = time.perf_counter()
    response = admin.patch(
        f"/api/admin/procedures/{TEMPORARY_RESIDENCE}",
        json={"channels": [{"channel": "online", "time_text": "3 ngày làm việc", "fee_text": fee}]},
    )
    assert response.status_code == 200, response.text
    answer = answer_about(
        servers, f"e2e-{uuid.uuid4().hex[:12]}", "lệ phí đăng ký tạm trú", TEMPORARY_RESIDENCE
    )
    assert fee.split("/")[0] in answer
    assert time.perf_counter() - started < LIVE_WITHIN + 5  # the answer itself takes time too


def test_demo_decision_then_rollback_in_the_bots_answers(
    servers: Servers, admin: httpx.Client
) -> None:
    applied = admin.post(
        "/api/admin/decisions?dry_run=false",
        files={"file": (DEMO.name, DEMO.read_bytes(), "text/csv")},
    )
    assert applied.status_code == 200, applied.text
    decision = applied.json()["decision"]
    try:
        answer = answer_about(
            servers,
            f"e2e-{uuid.uuid4().hex[:12]}",
            "cấp đổi thẻ căn cước thực hiện tại cấp tỉnh",
            CCCD_PROVINCE,
        )
        assert "bãi bỏ" in answer and "2468/QĐ-UBND" in answer and "1.014063" in answer
    finally:
        rolled = admin.post(f"/api/admin/decisions/{decision['id']}/rollback")
        assert rolled.status_code == 200, rolled.text
    answer = answer_about(
        servers,
        f"e2e-{uuid.uuid4().hex[:12]}",
        "cấp đổi thẻ căn cước thực hiện tại cấp tỉnh",
        CCCD_PROVINCE,
    )
    assert "bãi bỏ" not in answer
