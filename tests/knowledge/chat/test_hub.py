"""The chat hub over Redis: a turn's messages are one publication, delivered in order."""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import time
from collections.abc import Iterator
from datetime import datetime

import pytest
import redis
import redis.asyncio

from bench.bot_servers import free_port
from knowledge.chat.gateway import Hub
from knowledge.chat.schemas import MessageOut
from tests.asyncio_thread import run_on_own_thread

REDIS = shutil.which("redis-server")


@pytest.fixture
def redis_url() -> Iterator[str]:
    """A redis-server of its own on a free port."""
    if REDIS is None:
        pytest.skip("redis-server is missing: run `make system-deps`")
    port = free_port()
    server = subprocess.Popen(
        [REDIS, "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    client = redis.Redis(port=port)
    deadline = time.monotonic() + 10
    while True:
        try:
            client.ping()
            break
        except redis.ConnectionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)
    yield f"redis://127.0.0.1:{port}/0"
    server.terminate()
    server.wait(timeout=20)


def _message(number: int, text: str) -> MessageOut:
    return MessageOut(
        id=number, role="bot", text=text, buttons=[], created_at=datetime(2026, 12, 1, 9, 0)
    )


def _publications(url: str) -> int:
    stats = redis.Redis.from_url(url).info("commandstats")
    return int(stats.get("cmdstat_publish", {}).get("calls", 0))


async def _drain(queue: asyncio.Queue, count: int) -> list:  # type: ignore[type-arg]
    return [await asyncio.wait_for(queue.get(), 10) for _ in range(count)]


def test_a_turn_is_one_publication_delivered_in_order_to_citizen_and_agents(
    redis_url: str,
) -> None:
    async def scenario() -> tuple[list, list, int]:  # type: ignore[type-arg]
        hub = Hub()
        await hub.start(redis_url)
        citizen, agents = hub.subscribe("s1"), hub.subscribe_agents()
        other = hub.subscribe("s2")
        hub.publish("s1", [_message(1, "Câu hỏi"), _message(2, "Trả lời"), _message(3, "Nút")])
        got = await _drain(citizen, 3), await _drain(agents, 3)
        await hub.stop()
        assert other.empty()  # another conversation hears nothing
        return got[0], got[1], _publications(redis_url)

    citizen, agents, publications = run_on_own_thread(scenario())
    assert [m["id"] for m in citizen] == [1, 2, 3]
    assert citizen[0]["created_at"] == "2026-12-01T09:00:00"
    assert [(a["type"], a["session_id"], a["message"]["text"]) for a in agents] == [
        ("message", "s1", "Câu hỏi"),
        ("message", "s1", "Trả lời"),
        ("message", "s1", "Nút"),
    ]
    assert publications == 1  # was 6: two per message


def test_a_single_envelope_of_a_worker_of_the_previous_release_is_delivered(
    redis_url: str,
) -> None:
    async def scenario() -> list:  # type: ignore[type-arg]
        hub = Hub()
        await hub.start(redis_url)
        citizen = hub.subscribe("s1")
        old = {"to": "citizen", "session_id": "s1", "data": {"id": 7, "text": "cũ"}}
        await redis.asyncio.Redis.from_url(redis_url).publish(Hub.CHANNEL, json.dumps(old))
        got = await _drain(citizen, 1)
        await hub.stop()
        return got

    assert run_on_own_thread(scenario()) == [{"id": 7, "text": "cũ"}]


def test_without_redis_the_hub_delivers_in_this_process() -> None:
    async def scenario() -> list:  # type: ignore[type-arg]
        hub = Hub()
        citizen = hub.subscribe("s1")
        hub.publish("s1", [_message(1, "a"), _message(2, "b")])
        return await _drain(citizen, 2)

    assert [m["id"] for m in run_on_own_thread(scenario())] == [1, 2]
