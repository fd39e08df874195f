"""The chat gateway's turn: limits, the message stored masked, then Rasa, an agent or the queue.

Citizens never reach Rasa: the gateway posts their text to Rasa's REST channel on the internal
side (``settings.rasa_url``) with httpx, retried by tenacity when Rasa cannot be reached. A
Rasa or action server that is down gives the citizen a polite message with the hotline, and
the next turn simply tries again, so the gateway recovers by itself.

The bot asks for a human with a custom payload ``{"handoff": true}`` (``action_handoff`` and
the second fallback send it); the answer's procedure codes come from ``{"procedure_codes":
[…]}`` payloads and from the "Mã thủ tục: X" citation; ``{"answer_quality": "unanswered" |
"low_confidence"}`` marks the turn's last bot message (its ``event``) for the analytics.

New messages are published on a hub: the citizen's sockets and the agents' console sockets
receive them at once. With ``TTHC_REDIS_URL`` set the hub goes through Redis pub/sub, so
several API workers serve the chat together; without it, one API process serves it. Clients
that miss a push catch up with ``?after=ID``.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections import defaultdict
from collections.abc import Callable
from datetime import date, datetime
from typing import Any, TypeVar

import httpx
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from tenacity import (
    AsyncRetrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential,
)

from knowledge.chat import store
from knowledge.chat.schemas import MessageOut
from knowledge.clock import local_now
from knowledge.config import get_settings
from knowledge.db import get_engine, session_scope
from knowledge.enums import AnswerQuality
from knowledge.errors import InvalidInputError, SourceUnavailableError
from knowledge.limits import Limits
from knowledge.text.normalize import fold_accents

logger = logging.getLogger(__name__)

T = TypeVar("T")

# The conversation id in a header too: nginx (bench/cluster.py) hashes it, so every turn of a
# conversation reaches the same Rasa server of several.
ROUTING_HEADER = "X-Conversation-Id"
BOT_DOWN = (
    "Xin lỗi, trợ lý ảo đang tạm gián đoạn. Bạn thử lại sau ít phút, hoặc gọi tổng đài "
    "{hotline} để được cán bộ hỗ trợ."
)
TOO_LONG = "Tin nhắn dài quá (tối đa {limit} ký tự). Bạn hỏi ngắn gọn lại giúp mình nhé."
EMPTY = "Tin nhắn trống. Bạn nhập câu hỏi giúp mình nhé."
# Asking for a person while Rasa is down still reaches the queue (the widget's button text).
_HUMAN_REQUESTS = {"gap nhan vien", "gap can bo", "/request_human"}
# The actions' {"answer_quality": …}: kept as the turn's last bot message's event (analytics).
_QUALITIES = {quality.value for quality in AnswerQuality}


# --------------------------------------------------------------------------- the hub


class Hub:
    """Fan-out of new messages to citizens' sockets and agents' console sockets.

    In one process by default. After ``start(redis_url)`` (the API's start-up, when
    ``TTHC_REDIS_URL`` is set) every publication goes through one Redis pub/sub channel and
    every API process delivers what it hears to its own sockets, so a message posted on one
    worker reaches a citizen or an agent connected to another. Publications keep their
    order (one sender task); if Redis fails, this process's own sockets still get them, and
    the others catch up with ``?after=ID``.
    """

    CHANNEL = "tthc:chat"

    def __init__(self) -> None:
        self._citizens: dict[str, set[asyncio.Queue[dict[str, Any]]]] = defaultdict(set)
        self._agents: set[asyncio.Queue[dict[str, Any]]] = set()
        self._redis: Any = None
        self._outbox: asyncio.Queue[list[dict[str, Any]]] | None = None
        self._tasks: list[asyncio.Task[None]] = []

    @property
    def shared(self) -> bool:
        """Whether publications go through Redis to every API process."""
        return self._outbox is not None

    async def start(self, redis_url: str) -> None:
        """Share publications across processes through Redis at ``redis_url`` ("" = no)."""
        if not redis_url or self.shared:
            return
        import redis.asyncio as aioredis

        self._redis = aioredis.from_url(redis_url)
        pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
        await pubsub.subscribe(self.CHANNEL)  # before the first publication: none is missed
        self._outbox = asyncio.Queue()
        self._tasks = [
            asyncio.create_task(self._send(self._outbox)),
            asyncio.create_task(self._listen(pubsub)),
        ]

    async def stop(self) -> None:
        """Stop sharing (the API's shutdown)."""
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            try:
                await task
            except (asyncio.CancelledError, Exception):  # noqa: BLE001 - shutting down
                pass
        self._tasks, self._outbox = [], None
        if self._redis is not None:
            await self._redis.close()
            self._redis = None

    async def _send(self, outbox: asyncio.Queue[list[dict[str, Any]]]) -> None:
        while True:
            envelopes = await outbox.get()
            try:
                await self._redis.publish(self.CHANNEL, json.dumps(envelopes, ensure_ascii=False))
            except Exception as exc:  # noqa: BLE001 - Redis down: deliver here at least
                logger.warning("chat hub: Redis publish failed (%s)", type(exc).__name__)
                self._deliver(envelopes)

    async def _listen(self, pubsub: Any) -> None:
        while True:
            try:
                message = await pubsub.get_message(timeout=1.0)
                if message is not None and message.get("type") == "message":
                    payload = json.loads(message["data"])
                    # One envelope alone: a worker of the previous release (rolling update).
                    self._deliver(payload if isinstance(payload, list) else [payload])
            except asyncio.CancelledError:
                await pubsub.close()
                raise
            except Exception as exc:  # noqa: BLE001 - reconnect after a Redis failure
                logger.warning("chat hub: Redis subscription lost (%s)", type(exc).__name__)
                await asyncio.sleep(1.0)
                try:
                    await pubsub.subscribe(self.CHANNEL)
                except Exception:  # noqa: BLE001 - still down; try again
                    pass

    def _emit(self, envelopes: list[dict[str, Any]]) -> None:
        if not envelopes:
            return
        if self._outbox is not None:
            self._outbox.put_nowait(envelopes)
        else:
            self._deliver(envelopes)

    def _deliver(self, envelopes: list[dict[str, Any]]) -> None:
        for envelope in envelopes:
            data = envelope["data"]
            if envelope["to"] == "citizen":
                targets = list(self._citizens.get(envelope["session_id"], ()))
            else:
                targets = list(self._agents)
            for queue in targets:
                queue.put_nowait(data)

    def subscribe(self, session_id: str) -> asyncio.Queue[dict[str, Any]]:
        """A queue receiving every new message of the conversation."""
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._citizens[session_id].add(queue)
        return queue

    def unsubscribe(self, session_id: str, queue: asyncio.Queue[dict[str, Any]]) -> None:
        """Stop delivering to ``queue``."""
        self._citizens[session_id].discard(queue)
        if not self._citizens[session_id]:
            del self._citizens[session_id]

    def subscribe_agents(self) -> asyncio.Queue[dict[str, Any]]:
        """A queue receiving every message of every conversation, and handoff changes."""
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._agents.add(queue)
        return queue

    def unsubscribe_agents(self, queue: asyncio.Queue[dict[str, Any]]) -> None:
        """Stop delivering to an agent's ``queue``."""
        self._agents.discard(queue)

    def publish(self, session_id: str, messages: list[MessageOut]) -> None:
        """Deliver ``messages`` (call from the event loop), in one publication."""
        envelopes = []
        for message in messages:
            data = message.dict()
            data["created_at"] = message.created_at.isoformat()
            envelopes.append({"to": "citizen", "session_id": session_id, "data": data})
            envelopes.append(
                {
                    "to": "agents",
                    "data": {"type": "message", "session_id": session_id, "message": data},
                }
            )
        self._emit(envelopes)

    def publish_handoff(self, event: str, handoff: dict[str, Any]) -> None:
        """Tell the agents' consoles that a handoff appeared or changed."""
        # Dates as ISO text: the sockets send JSON (a datetime here used to kill the pump).
        data = json.loads(json.dumps(handoff, default=_isoformat))
        self._emit([{"to": "agents", "data": {"type": "handoff", "event": event, "handoff": data}}])


def _isoformat(value: Any) -> str:
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


hub = Hub()


# --------------------------------------------------------------------------- limits


def check_text(text: str) -> str:
    """The message stripped, refused when empty or longer than ``max_question_chars``."""
    limit = get_settings().max_question_chars
    text = (text or "").strip()
    if not text:
        raise InvalidInputError(EMPTY)
    if len(text) > limit:
        raise InvalidInputError(TOO_LONG.format(limit=limit))
    return text


# --------------------------------------------------------------------------- Rasa


class RasaClient:
    """Rasa's REST channel on the internal side, with retries on connection failures."""

    def __init__(self) -> None:
        self._client: httpx.AsyncClient | None = None

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            # As many kept-alive connections as turns in flight: httpx keeps 20 by default, and
            # 25 turns at once on a worker (50 conversations, 2 workers) opened a connection
            # per turn beyond those, and nginx accepted one.
            self._client = httpx.AsyncClient(
                timeout=get_settings().rasa_timeout,
                limits=httpx.Limits(max_connections=200, max_keepalive_connections=200),
            )
        return self._client

    async def aclose(self) -> None:
        """Close the connection pool."""
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def send(self, sender: str, text: str) -> list[dict[str, Any]]:
        """Rasa's replies to ``text`` from ``sender`` (the conversation id).

        Raises:
            SourceUnavailableError: Rasa did not answer after the configured attempts, or its
                answer was not a list (the action server down gives Rasa errors).
        """
        settings = get_settings()
        url = f"{settings.rasa_url.rstrip('/')}/webhooks/rest/webhook"
        try:
            async for attempt in AsyncRetrying(
                stop=stop_after_attempt(max(1, settings.rasa_attempts)),
                wait=wait_exponential(multiplier=0.2, max=2),
                retry=retry_if_exception_type((httpx.TransportError, httpx.HTTPStatusError)),
                reraise=True,
            ):
                with attempt:
                    response = await self._http().post(
                        url,
                        json={"sender": sender, "message": text},
                        headers={ROUTING_HEADER: sender},
                    )
                    response.raise_for_status()
        except (httpx.HTTPError, ValueError) as exc:
            logger.warning("Rasa unavailable: %s", type(exc).__name__)
            raise SourceUnavailableError(BOT_DOWN.format(hotline=settings.hotline)) from exc
        replies = response.json()
        if not isinstance(replies, list):
            raise SourceUnavailableError(BOT_DOWN.format(hotline=settings.hotline))
        return [r for r in replies if isinstance(r, dict)]


rasa = RasaClient()


# --------------------------------------------------------------------------- turns


async def in_db(work: Callable[[Session], T]) -> T:
    """Run ``work(session)`` in the thread pool in one committed transaction."""

    def run() -> T:
        with session_scope(get_engine()) as session:
            return work(session)

    return await run_in_threadpool(run)


def wants_human(text: str) -> bool:
    """Whether ``text`` is the plain request for a person (used when Rasa is down)."""
    return " ".join(fold_accents(text.lower()).split()).strip(" .!?") in _HUMAN_REQUESTS


def _bot_messages(
    session: Session, session_id: str, replies: list[dict[str, Any]]
) -> tuple[list[MessageOut], str | None]:
    """Store Rasa's replies; returns them and the handoff reason when the bot asked for one."""
    now = local_now()
    handoff: str | None = None
    quality: str | None = None
    codes: list[str] = []
    shown = []
    for reply in replies:
        custom = reply.get("custom")
        if isinstance(custom, dict):
            if custom.get("handoff"):
                handoff = str(custom.get("reason") or "asked")[:20]
            if custom.get("answer_quality") in _QUALITIES:
                quality = str(custom["answer_quality"])
            if isinstance(custom.get("procedure_codes"), list):
                codes.extend(str(c) for c in custom["procedure_codes"])
        if reply.get("text") or reply.get("buttons"):
            shown.append(reply)
    out = [
        store.add_message(
            session,
            session_id,
            "bot",
            str(reply.get("text") or ""),
            now,
            buttons=reply.get("buttons") or [],
            codes=codes if index == len(shown) - 1 else (),
            event=quality if index == len(shown) - 1 else None,
        )
        for index, reply in enumerate(shown)
    ]
    return out, handoff


async def citizen_turn(
    session_id: str, text: str, limits: Limits, *, token: str | None = None
) -> list[MessageOut]:
    """Handle one citizen message end to end; returns every new message, in order.

    The conversation's ``token`` is checked first when given (the HTTP route; a socket checked
    it once when it opened), then the message (the conversation's limit in ``limits``, its
    length), all in the transaction that stores it masked. The message is then answered by
    the bot, or passed to the agent holding the conversation, or kept for the queue.

    Raises:
        AuthenticationError: ``token`` is not the conversation's.
        RateLimitedError: the conversation sends too fast.
        InvalidInputError: the message is empty or too long.
    """
    settings = get_settings()

    def store_user(session: Session) -> tuple[MessageOut, str, str]:
        if token is not None:
            store.open_session(session, session_id, token)
        limits.check(settings.chat_rate_limit, f"chat:{session_id}")
        checked = check_text(text)
        mode = store.mode_of(session, session_id)
        return store.add_message(session, session_id, "user", checked, local_now()), mode, checked

    mine, mode, text = await in_db(store_user)
    hub.publish(session_id, [mine])
    new = [mine]
    if text == store.CANCEL_HANDOFF:
        cancelled = await in_db(lambda s: store.cancel_waiting(s, session_id, local_now()))
        hub.publish(session_id, cancelled)
        return new + cancelled
    if mode in ("agent", "waiting"):
        return new  # the agent reads it on the console; the bot stays silent
    try:
        replies = await rasa.send(session_id, text)
    except SourceUnavailableError as exc:
        return new + await _bot_down(session_id, text, exc.message)
    answers, reason = await in_db(lambda s: _bot_messages(s, session_id, replies))
    hub.publish(session_id, answers)
    new += answers
    if reason is not None:
        queued = await in_db(lambda s: store.ask_for_human(s, session_id, reason, local_now()))
        hub.publish(session_id, queued)
        new += queued
        await _announce_queue(queued)
    return new


async def _bot_down(session_id: str, text: str, notice: str) -> list[MessageOut]:
    """The polite notice with the hotline; a plain request for a person still reaches the queue."""

    def write(session: Session) -> list[MessageOut]:
        now = local_now()
        out = [
            store.add_message(session, session_id, "system", notice, now, event="bot_unavailable")
        ]
        if wants_human(text):
            out += store.ask_for_human(session, session_id, "asked", now)
        return out

    messages = await in_db(write)
    hub.publish(session_id, messages)
    await _announce_queue(messages)
    return messages


async def _announce_queue(messages: list[MessageOut]) -> None:
    if any(m.event == "handoff_waiting" for m in messages):
        waiting = await in_db(lambda s: store.list_handoffs(s, "waiting"))
        for handoff in waiting:
            hub.publish_handoff("waiting", handoff.dict())
