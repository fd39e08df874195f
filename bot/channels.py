"""Rasa's REST channel, guarded: same URL (``/webhooks/rest/webhook``), safer handling.

Registered in ``bot/credentials.yml`` in place of the built-in ``rest`` channel. Before a
message reaches NLU (which runs in Rasa's single event loop, so one slow message stalls every
conversation):

* a body that is not a JSON object, or a sender that is not a short text, gets 400 with a
  Vietnamese reason (Rasa's own channel answered 500);
* an empty, whitespace-only or non-text message (null, number, list, object) gets the polite
  "what would you like to ask" reply instead of an exception and an empty answer;
* a message over ``max_question_chars`` gets the polite "too long" reply, unread;
* the citizen's address (behind trusted proxies only) goes to the actions as a keyed
  pseudonym in the message metadata, for the lookup lock per client address;
* a reply that fails, is empty, or takes longer than ``reply_timeout`` seconds becomes the
  apology with the hotline; the turn is cancelled, which releases the conversation's lock so
  the next message of the same sender is not blocked behind it.

Importing this module (Rasa does it when it reads credentials.yml, before serving) also
masks personal data in every log record of the Rasa process and shortens Rasa's action
timeout: Rasa 3.6 hard-codes 300 s (``rasa.core.constants.DEFAULT_REQUEST_TIMEOUT``, read at
call time by ``RemoteAction.run`` and ``EndpointConfig.session``); endpoints.yml has no
setting for it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import rasa.core.actions.action
import rasa.utils.endpoints
from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from knowledge.api.clients import client_address, client_key, trusted_proxies
from knowledge.config import get_settings
from knowledge.logs import install_masking
from knowledge.search.resolve import QUESTION_TOO_LONG  # the search refuses the same

logger = logging.getLogger(__name__)

install_masking()

DEFAULT_ACTION_TIMEOUT = 5.0  # seconds Rasa waits for the action server per action
DEFAULT_REPLY_TIMEOUT = 10.0  # seconds one turn may take in all before the apology

EMPTY_MESSAGE = (
    "Mình chưa nhận được nội dung câu hỏi. Bạn nhắn giúp mình tên thủ tục hoặc điều bạn cần "
    'hỏi nhé (ví dụ: "lệ phí đăng ký khai sinh").'
)
APOLOGY = (
    "Xin lỗi, hệ thống đang bận hoặc gặp sự cố nên chưa trả lời được. Bạn thử lại sau ít phút "
    "hoặc gọi tổng đài {hotline} để được hỗ trợ."
)
BAD_BODY = 'Nội dung gửi lên phải là một đối tượng JSON, ví dụ {"sender": "…", "message": "…"}.'
BAD_SENDER = "Trường sender phải là chuỗi ký tự không rỗng, tối đa 200 ký tự."
MAX_SENDER_CHARS = 200


def set_action_timeout(seconds: float) -> None:
    """Make Rasa give up on the action server after ``seconds`` (default 300 in Rasa 3.6)."""
    rasa.core.actions.action.DEFAULT_REQUEST_TIMEOUT = seconds  # type: ignore[attr-defined]
    rasa.utils.endpoints.DEFAULT_REQUEST_TIMEOUT = seconds  # type: ignore[attr-defined]


def _message(sender: str, text: str) -> dict[str, str]:
    return {"recipient_id": sender, "text": text}


class GuardedRestInput(RestInput):
    """The REST channel with input checks, a length cap and a bounded turn time.

    Credentials (all optional)::

        bot.channels.GuardedRestInput:
          action_timeout: 5     # seconds per call to the action server
          reply_timeout: 10     # seconds per turn before the apology
    """

    def __init__(
        self,
        action_timeout: float = DEFAULT_ACTION_TIMEOUT,
        reply_timeout: float = DEFAULT_REPLY_TIMEOUT,
    ) -> None:
        self.reply_timeout = float(reply_timeout)
        set_action_timeout(float(action_timeout))

    @classmethod
    def name(cls) -> str:
        """``rest``: the URL stays ``/webhooks/rest/webhook``."""
        return "rest"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        """Build the channel from its credentials.yml entry."""
        credentials = credentials or {}
        return cls(
            action_timeout=credentials.get("action_timeout", DEFAULT_ACTION_TIMEOUT),
            reply_timeout=credentials.get("reply_timeout", DEFAULT_REPLY_TIMEOUT),
        )

    async def handle(
        self,
        body: Any,
        client: str,
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
    ) -> tuple[int, Any]:
        """Answer one webhook call: ``(status, JSON payload)``.

        Args:
            body: the decoded JSON body (None when it was not JSON).
            client: the keyed pseudonym of the citizen's address.
            on_new_message: Rasa's handler of a user message.
        """
        if not isinstance(body, dict):
            return 400, {"detail": BAD_BODY}
        sender = body.get("sender", "default")
        if isinstance(sender, int) and not isinstance(sender, bool):
            sender = str(sender)
        if not isinstance(sender, str) or not sender.strip() or len(sender) > MAX_SENDER_CHARS:
            return 400, {"detail": BAD_SENDER}
        text = body.get("message")
        if not isinstance(text, str) or not text.strip():
            return 200, [_message(sender, EMPTY_MESSAGE)]
        settings = get_settings()
        if len(text) > settings.max_question_chars:
            limit = settings.max_question_chars
            return 200, [_message(sender, QUESTION_TOO_LONG.format(max_chars=limit))]
        collector = CollectingOutputChannel()
        message = UserMessage(
            text, collector, sender, input_channel=self.name(), metadata={"client": client}
        )
        failed = False
        try:
            await asyncio.wait_for(on_new_message(message), timeout=self.reply_timeout)
        except asyncio.TimeoutError:
            failed = True
            logger.error("turn took over %.0f s; answered with the apology", self.reply_timeout)
        except Exception as exc:  # noqa: BLE001 - the citizen gets an apology, not a 500
            failed = True
            logger.error("turn failed: %s", type(exc).__name__)
        messages = list(collector.messages)
        if failed or not messages:
            messages.append(_message(sender, APOLOGY.format(hotline=settings.hotline)))
        return 200, messages

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """The health route and the guarded webhook."""
        webhook = Blueprint(f"custom_webhook_{type(self).__name__}", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            try:
                body = request.json
            except Exception:  # noqa: BLE001 - Sanic raises its own error on bad JSON
                body = None
            address = client_address(
                request.ip, request.headers.get("x-forwarded-for"), trusted_proxies()
            )
            status, payload = await self.handle(body, client_key(address), on_new_message)
            return response.json(payload, status=status)

        return webhook
