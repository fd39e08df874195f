"""Rasa's endpoint requests on a kept session: one connection for many calls, same answers."""

from __future__ import annotations

import asyncio
import socket
from typing import Any

import pytest
from aiohttp import web
from rasa.utils.endpoints import ClientResponseError, EndpointConfig

from bot import action_http


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _serve(port: int, seen: list[dict[str, Any]]) -> web.AppRunner:
    """A stand-in action server that records each call's client port, token and body."""

    async def webhook(request: web.Request) -> web.Response:
        if request.query.get("token") != "secret":
            return web.json_response({"error": "Thiếu mã truy cập"}, status=401)
        peer = request.transport.get_extra_info("peername") if request.transport else None
        seen.append({"port": peer[1] if peer else None, "body": await request.json()})
        return web.json_response({"events": [], "responses": [{"text": "Xin chào"}]})

    app = web.Application()
    app.router.add_post("/webhook", webhook)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return runner


@pytest.fixture
def kept(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(EndpointConfig, "session", action_http.kept_session)


def test_calls_share_one_connection_and_answer_as_before(kept: None) -> None:
    port = _free_port()
    seen: list[dict[str, Any]] = []

    async def scenario() -> list[Any]:
        runner = await _serve(port, seen)
        endpoint = EndpointConfig(f"http://127.0.0.1:{port}/webhook", token="secret")
        try:
            answers = [
                await endpoint.request(json={"next_action": f"action_{i}"}, method="post")
                for i in range(3)
            ]
            # A restarted action server: the kept session opens a new connection.
            await runner.cleanup()
            runner = await _serve(port, seen)
            answers.append(await endpoint.request(json={"next_action": "again"}, method="post"))
            no_token = EndpointConfig(f"http://127.0.0.1:{port}/webhook")
            with pytest.raises(ClientResponseError) as refused:
                await no_token.request(json={}, method="post")
            assert refused.value.status == 401
            await action_http.close(no_token)
            return answers
        finally:
            await action_http.close(endpoint)
            await runner.cleanup()

    answers = asyncio.run(scenario())
    assert answers == [{"events": [], "responses": [{"text": "Xin chào"}]}] * 4
    assert [call["body"]["next_action"] for call in seen] == [
        "action_0",
        "action_1",
        "action_2",
        "again",
    ]
    first_ports = {call["port"] for call in seen[:3]}
    assert len(first_ports) == 1  # Rasa's own session() opened a connection per call
    assert seen[3]["port"] not in first_ports


def test_each_event_loop_gets_its_own_session(kept: None) -> None:
    endpoint = EndpointConfig("http://127.0.0.1:9/webhook")

    async def sessions() -> tuple[Any, Any]:
        first, second = endpoint.session(), endpoint.session()
        return first.session, second.session

    one = asyncio.run(sessions())

    async def on_another_loop() -> tuple[Any, Any]:
        other = await sessions()
        assert len(endpoint.__dict__[action_http._SESSIONS]) == 1  # the finished loop's dropped
        await one[0].close()  # never connected: it closes on any loop
        await action_http.close(endpoint)
        assert other[0].closed
        return other

    other = asyncio.run(on_another_loop())
    assert one[0] is one[1]
    assert other[0] is other[1] and other[0] is not one[0]
