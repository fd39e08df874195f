"""The gateway names the conversation in a header, so nginx can keep it on one Rasa server."""

from __future__ import annotations

import httpx

from knowledge.chat.gateway import ROUTING_HEADER, RasaClient
from tests.asyncio_thread import run_on_own_thread


def test_every_turn_carries_the_conversation_id_for_the_balancer() -> None:
    seen: list[httpx.Request] = []

    def rasa(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=[{"recipient_id": "c-7", "text": "Chào bạn."}])

    client = RasaClient()
    client._client = httpx.AsyncClient(transport=httpx.MockTransport(rasa))
    replies = run_on_own_thread(client.send("c-7", "xin chào"))
    assert replies == [{"recipient_id": "c-7", "text": "Chào bạn."}]
    assert [request.headers[ROUTING_HEADER] for request in seen] == ["c-7"]
    assert seen[0].url.path == "/webhooks/rest/webhook"
