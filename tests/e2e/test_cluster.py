"""The production topology survives its faults: a Rasa, the action servers, PostgreSQL, Redis.

PostgreSQL (trackers, catalog, dossiers, chats), Redis (locks, limits), nginx (the public
entry, Rasa hashed by conversation, the action servers balanced), 2 action servers, 2 Rasa
servers and an API worker run on free ports, configured by ``bench.cluster`` exactly as
``make run-cluster`` configures them (``bench.cluster_servers``). Citizens talk to nginx's
public port, as the widget does. The tests run in order on one cluster; each one leaves it
working (the restarted process up again) for the next.
"""

from __future__ import annotations

import signal
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis

from bench.bot_servers import RASA_TOKEN, ServerError, tail
from bench.cluster import Cluster
from bench.cluster_servers import RunningCluster, free_ports, missing_parts, running_cluster
from bot.channels import APOLOGY
from knowledge.chat.gateway import ROUTING_HEADER
from knowledge.config import get_settings
from tests.e2e.conftest import MODEL
from tests.e2e.test_dossier_http import ASK_DIGITS, DIGITS, PREFIX, push

pytestmark = pytest.mark.e2e

QUESTION = "lệ phí đăng ký khai sinh là bao nhiêu"


@pytest.fixture(scope="module")
def cluster() -> Iterator[RunningCluster]:
    """The topology running (2 Rasa, 2 action servers, 1 API worker)."""
    if missing := missing_parts():
        pytest.skip(f"missing {', '.join(missing)}: run `make system-deps`")
    if not MODEL.exists():
        pytest.skip(f"{MODEL} is missing: run `make train` first")
    # Not under pytest's tmp_path: PostgreSQL runs as its own user, which must reach the folder.
    folder = Path(tempfile.mkdtemp(prefix="tthc-cluster-"))
    plan = Cluster(folder, model=MODEL, **free_ports(rasa=2, actions=2, api=1))
    # One test client plays every citizen: the per-address limits must not get in the way.
    env = {
        "TTHC_CHAT_SESSIONS_RATE_LIMIT": "10000/hour",
        "TTHC_CHAT_API_RATE_LIMIT": "10000/minute",
        "TTHC_RASA_ATTEMPTS": "2",
    }
    try:
        with running_cluster(plan, env) as running:
            yield running
    except ServerError as exc:
        pytest.fail(str(exc))


def _turn(plan: Cluster, sender: str, text: str) -> tuple[str, int]:
    """One turn through nginx's Rasa entry, as the gateway sends it: replies, Rasa port used."""
    response = httpx.post(
        f"http://127.0.0.1:{plan.rasa_entry_port}/webhooks/rest/webhook",
        json={"sender": sender, "message": text},
        headers={ROUTING_HEADER: sender},
        timeout=180.0,
    )
    response.raise_for_status()
    port = int(response.headers["X-Upstream"].split(",")[-1].rsplit(":", 1)[1])
    return "\n".join(m.get("text", "") for m in response.json()), port


class Citizen:
    """A conversation through the public entry (the gateway), as the widget holds it."""

    def __init__(self, plan: Cluster) -> None:
        self.entry = f"http://127.0.0.1:{plan.entry_port}"
        opened = httpx.post(f"{self.entry}/api/chat/sessions", timeout=60.0)
        opened.raise_for_status()
        self.session_id = opened.json()["session_id"]
        self.headers = {"Authorization": f"Bearer {opened.json()['token']}"}

    def say(self, text: str) -> httpx.Response:
        """Send one message; the raw response."""
        return httpx.post(
            f"{self.entry}/api/chat/sessions/{self.session_id}/messages",
            json={"text": text},
            headers=self.headers,
            timeout=180.0,
        )

    def answered(self, text: str) -> list[dict[str, Any]]:
        """Send one message that must be answered by the bot; the bot's messages."""
        response = self.say(text)
        assert response.status_code == 200, response.text
        return [m for m in response.json()["messages"] if m["role"] != "user"]

    def history(self) -> list[dict[str, Any]]:
        """Every stored message of the conversation."""
        response = httpx.get(
            f"{self.entry}/api/chat/sessions/{self.session_id}/messages",
            headers=self.headers,
            timeout=60.0,
        )
        response.raise_for_status()
        return list(response.json()["messages"])


def _bot_answer(messages: list[dict[str, Any]]) -> bool:
    """An answer of the bot (not its apology)."""
    return any(m["role"] == "bot" and m["text"] and not _apology([m]) for m in messages)


def _apology(messages: list[dict[str, Any]]) -> bool:
    """The REST channel's apology, or the gateway's notice when Rasa itself failed."""
    hotline = get_settings().hotline
    return any(
        m["text"] == APOLOGY.format(hotline=hotline)
        or (m["event"] == "bot_unavailable" and hotline in m["text"])
        for m in messages
    )


def test_a_conversation_continues_on_the_other_rasa_when_one_dies(
    cluster: RunningCluster,
) -> None:
    plan = cluster.plan
    # Every turn of a conversation reaches the same Rasa while it lives (nginx's hash).
    other_sender = f"cluster-{uuid.uuid4().hex[:12]}"
    used = {_turn(plan, other_sender, QUESTION)[1] for _ in range(3)}
    assert len(used) == 1
    code = f"{PREFIX}-0777"
    push(cluster.database_url, code, state="received", current_step="Tiếp nhận hồ sơ")
    sender = f"cluster-{uuid.uuid4().hex[:12]}"
    asked, first = _turn(plan, sender, f"tra cứu hồ sơ {code}")
    assert ASK_DIGITS in asked, cluster.logs()
    name = f"rasa{plan.rasa_ports.index(first) + 1}"
    cluster.kill(name)
    try:
        answer, other = _turn(plan, sender, DIGITS)
    except httpx.HTTPStatusError as exc:
        raise AssertionError(f"{exc}\n{cluster.logs()}") from exc
    assert other != first
    assert answer.startswith(f"Hồ sơ {code} — ") and "đã tiếp nhận" in answer
    # Rasa's locks went through Redis (the safety net when two Rasa see one conversation).
    stats = redis.Redis(port=plan.redis_port).info("commandstats")
    assert stats.get("cmdstat_set", {}).get("calls", 0) > 0
    cluster.start(name)  # back for the next tests (they do not wait for it)


def test_the_action_servers_killed_give_the_hotline_then_recovery(
    cluster: RunningCluster,
) -> None:
    citizen = Citizen(cluster.plan)
    assert _bot_answer(citizen.answered(QUESTION)), cluster.logs()
    cluster.kill("actions1")  # one of two: nginx passes the calls to the other
    assert _bot_answer(citizen.answered("cần giấy tờ gì")), cluster.logs()
    cluster.kill("actions2")  # none left: the REST channel's apology, with the hotline
    down = [m["text"] for m in citizen.answered(QUESTION)]
    assert down == [APOLOGY.format(hotline=get_settings().hotline)], down
    for name in ("actions1", "actions2"):
        cluster.start(name)
    for name in ("actions1", "actions2"):
        cluster.wait_ready(name)
    back = citizen.answered(QUESTION)
    assert _bot_answer(back) and not _apology(back), back


def test_postgresql_stopped_for_ten_seconds(cluster: RunningCluster) -> None:
    citizen = Citizen(cluster.plan)
    confirmed = citizen.answered(QUESTION)
    assert _bot_answer(confirmed)
    cluster.postgres.stop("immediate")  # as if it crashed
    stopped = time.monotonic()
    refused = citizen.say("cần giấy tờ gì")
    assert refused.status_code == 503
    assert "Cơ sở dữ liệu tạm thời không phản hồi" in refused.json()["detail"]
    assert get_settings().hotline in refused.json()["detail"]
    time.sleep(max(0.0, 10.0 - (time.monotonic() - stopped)))
    cluster.postgres.start()
    # No manual step: the pools reconnect (pre-ping), Rasa finds the tracker again.
    assert _bot_answer(citizen.answered("cần giấy tờ gì")), cluster.logs()
    texts = [m["text"] for m in citizen.history()]
    assert texts.count(QUESTION) == 1 and all(m["text"] in texts for m in confirmed)
    tracker = httpx.get(
        f"http://127.0.0.1:{cluster.plan.rasa_entry_port}/conversations/"
        f"{citizen.session_id}/tracker",
        params={"token": RASA_TOKEN},
        headers={ROUTING_HEADER: citizen.session_id},
        timeout=60.0,
    ).json()
    said = [e.get("text") for e in tracker["events"] if e.get("event") == "user"]
    assert said == [QUESTION, "cần giấy tờ gì"]


def test_redis_stopped_fails_safe_then_recovers(cluster: RunningCluster) -> None:
    citizen = Citizen(cluster.plan)
    cluster.kill("redis", signal.SIGKILL)
    # Without the lock no Rasa handles a turn (two could interleave one conversation):
    # the citizen gets the notice with the hotline; the API's limits count in memory meanwhile.
    down = citizen.answered(QUESTION)
    assert _apology(down) and not _bot_answer(down), down
    assert httpx.get(f"{citizen.entry}/api/fields", timeout=60.0).status_code == 200
    cluster.start("redis")
    time.sleep(1.0)
    back = citizen.answered(QUESTION)
    assert _bot_answer(back) and not _apology(back), back


def test_restarting_everything_keeps_the_conversation_in_progress(
    cluster: RunningCluster,
) -> None:
    code = f"{PREFIX}-0778"
    push(cluster.database_url, code, state="received", current_step="Tiếp nhận hồ sơ")
    citizen = Citizen(cluster.plan)
    asked = citizen.answered(f"tra cứu hồ sơ {code}")
    assert any(ASK_DIGITS in m["text"] for m in asked), asked
    names = list(cluster.processes)
    for name in reversed(names):
        cluster.stop(name)
    cluster.postgres.stop("fast")
    cluster.postgres.start()
    for name in names:
        cluster.start(name)
    for name in names:
        cluster.wait_ready(name)
    answer = citizen.answered(DIGITS)
    assert any(
        m["text"].startswith(f"Hồ sơ {code} — ") for m in answer
    ), f"{answer}\n{cluster.logs()}\n{tail(Path(cluster.plan.folder) / 'nginx-error.log')}"
