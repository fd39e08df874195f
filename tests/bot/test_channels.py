"""Rasa's guarded REST channel: bad bodies, empty and over-long messages, stuck turns."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
import rasa.core.actions.action
import rasa.utils.endpoints
from rasa.core.channels.channel import UserMessage

from bot.channels import APOLOGY, BAD_BODY, EMPTY_MESSAGE, GuardedRestInput
from knowledge.config import get_settings


def _channel(**options: Any) -> GuardedRestInput:
    channel = GuardedRestInput.from_credentials(options)
    assert isinstance(channel, GuardedRestInput)
    return channel


def _handle(channel: GuardedRestInput, body: Any, on_message: Any = None) -> tuple[int, Any]:
    async def echo(message: UserMessage) -> None:
        await message.output_channel.send_text_message(
            message.sender_id, f"đã nhận: {message.text}"
        )

    return asyncio.run(channel.handle(body, "client-key", on_message or echo))


def test_the_url_stays_the_rest_channels() -> None:
    assert GuardedRestInput.name() == "rest" and _channel().url_prefix() == "rest"


def test_the_action_timeout_is_shortened() -> None:
    _channel(action_timeout=3)
    assert rasa.core.actions.action.DEFAULT_REQUEST_TIMEOUT == 3
    assert rasa.utils.endpoints.DEFAULT_REQUEST_TIMEOUT == 3


@pytest.mark.parametrize("body", [None, [1, 2], "text", 42, True])
def test_bodies_that_are_not_objects_are_400(body: Any) -> None:
    assert _handle(_channel(), body) == (400, {"detail": BAD_BODY})


@pytest.mark.parametrize("sender", [None, "", "  ", [1], {"a": 1}, "x" * 201])
def test_bad_senders_are_400(sender: Any) -> None:
    status, payload = _handle(_channel(), {"sender": sender, "message": "xin chào"})
    assert status == 400 and "sender" in payload["detail"]


@pytest.mark.parametrize("text", [None, "", "   \n\t", 42, 1.5, [], ["a"], {"a": 1}, True])
def test_empty_or_non_text_messages_get_a_reply(text: Any) -> None:
    def never(_message: UserMessage) -> None:
        raise AssertionError("NLU must not run")

    status, payload = _handle(_channel(), {"sender": "s1", "message": text}, never)
    assert status == 200 and payload == [{"recipient_id": "s1", "text": EMPTY_MESSAGE}]


def test_over_long_messages_get_the_polite_reply_without_nlu() -> None:
    def never(_message: UserMessage) -> None:
        raise AssertionError("NLU must not run")

    body = {"sender": "s1", "message": "000 " * 25_000}
    status, payload = _handle(_channel(), body, never)
    assert status == 200 and payload[0]["text"].startswith("Câu hỏi dài quá")


def test_the_message_reaches_rasa_with_the_client_pseudonym() -> None:
    seen: list[UserMessage] = []

    async def keep(message: UserMessage) -> None:
        seen.append(message)
        await message.output_channel.send_text_message(message.sender_id, "chào bạn")

    status, payload = _handle(_channel(), {"sender": 7, "message": "xin chào"}, keep)
    assert status == 200 and payload[0]["text"] == "chào bạn"
    assert seen[0].sender_id == "7" and seen[0].metadata == {"client": "client-key"}


def test_a_failing_or_silent_turn_gets_the_apology() -> None:
    apology = APOLOGY.format(hotline=get_settings().hotline)

    async def crash(_message: UserMessage) -> None:
        raise RuntimeError("action server down")

    async def silent(_message: UserMessage) -> None:
        return None

    for handler in (crash, silent):
        status, payload = _handle(_channel(), {"sender": "s", "message": "phí"}, handler)
        assert status == 200 and payload[-1]["text"] == apology


def test_a_hung_turn_is_cut_short_and_releases_the_sender() -> None:
    released: list[bool] = []

    async def hang(_message: UserMessage) -> None:
        try:
            await asyncio.sleep(60)
        finally:
            released.append(True)  # Rasa's lock on the conversation is released like this

    import time

    started = time.monotonic()
    status, payload = _handle(_channel(reply_timeout=0.5), {"sender": "s", "message": "a"}, hang)
    assert time.monotonic() - started < 3
    assert status == 200 and "tổng đài" in payload[-1]["text"] and released == [True]
