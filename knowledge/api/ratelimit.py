"""Rate limits per client and per route group, in a store every worker shares.

A request is counted against ``<group>:<client>``, never against its URL, so scanning 600
distinct ``/api/procedures/{code}`` paths spends one budget. The client is the address behind
trusted proxies only (``knowledge.api.clients``). The counters live in Redis when
``TTHC_REDIS_URL`` is set (shared by every worker and process), else in this process's memory.
Redis unreachable fails safe: the limits still hold, counted in this process's memory until
Redis answers again (each worker then grants the budget on its own); each outage is logged
once when it starts and once when it ends.
An exceeded limit answers 429 with ``Retry-After`` and a Vietnamese body; agents reading many
dossiers are limited separately and logged as a warning (an alert for the security officer).

Groups (settings in brackets):
    search         /api/procedures/search               (``search_rate_limit``)
    catalog        /api/procedures/…, /api/fields       (``api_rate_limit``)
    dossier_reads  GET /api/dossiers/…, per agent token (``dossier_read_rate_limit``)
    ingest         POST /api/dossiers                   (``ingest_rate_limit``)
    chat           /api/chat/… (the widget's gateway)   (``chat_api_rate_limit``)
    agent          /api/agent/… (the console)           (``agent_api_rate_limit``)
    auth           /api/auth/…                          (``auth_api_rate_limit``)
    admin          /quan-tri, /api/admin/…              (``admin_api_rate_limit``)
    pages          pages, static files, documentation   (``pages_rate_limit``)
    /health is not limited (probes).

The chat, sign-in and session routes have their own finer limits too (per conversation, per
login attempt: ``chat_rate_limit``, ``login_rate_limit``, ``chat_sessions_rate_limit``).
"""

from __future__ import annotations

import hashlib
import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from limits import RateLimitItem, parse
from limits.storage import MemoryStorage, Storage, storage_from_string
from limits.strategies import MovingWindowRateLimiter
from redis.exceptions import RedisError

from knowledge.api.clients import client_address, client_key, trusted_proxies
from knowledge.api.errors import send_error
from knowledge.config import Settings, get_settings

logger = logging.getLogger(__name__)

Scope = dict[str, Any]
ASGIApp = Callable[..., Any]

EXEMPT_PATHS = frozenset({"/health"})
_PREFIX_GROUPS = (
    ("/api/chat", "chat"),
    ("/api/agent", "agent"),
    ("/api/auth", "auth"),
    ("/api/admin", "admin"),
    ("/quan-tri", "admin"),
)


def too_many_requests_message(retry_after: int) -> str:
    """The Vietnamese body of a 429."""
    return (
        "Bạn gửi quá nhiều yêu cầu trong thời gian ngắn. Vui lòng thử lại sau "
        f"{retry_after} giây."
    )


def route_group(method: str, path: str) -> str | None:
    """The limit group of a request, or None for routes that are never limited."""
    if path in EXEMPT_PATHS:
        return None
    if path == "/api/procedures/search":
        return "search"
    if path.startswith(("/api/procedures", "/api/fields")):
        return "catalog"
    if path.startswith("/api/dossiers"):
        return "ingest" if method == "POST" else "dossier_reads"
    for prefix, group in _PREFIX_GROUPS:
        if path == prefix or path.startswith(prefix + "/"):
            return group
    return "pages"


@dataclass(frozen=True)
class Decision:
    """The outcome of counting one request."""

    allowed: bool
    group: str
    retry_after: int = 0


class GroupLimiter:
    """Counts requests per group and client in one shared store.

    Args:
        settings: where the limits, the store and the trusted proxies come from.
        override: one limit for every group (tests and benchmarks), e.g. ``"100000/minute"``.
        storage_url: a ``limits`` storage URL (default: Redis when configured, else memory).
    """

    def __init__(
        self,
        settings: Settings | None = None,
        override: str | None = None,
        storage_url: str | None = None,
    ) -> None:
        settings = settings or get_settings()
        self.settings = settings
        url = storage_url or settings.redis_url or "memory://"
        self.storage: Storage = storage_from_string(url)
        self.shared = not url.startswith("memory://")
        self.strategy = MovingWindowRateLimiter(self.storage)
        self._memory = MemoryStorage()  # the strategy holds only a weak reference to it
        self.fallback = MovingWindowRateLimiter(self._memory)
        # One warning per outage of the shared store (not one per request), one on recovery.
        self._store_down = False
        self._outage_lock = threading.Lock()
        limits = {
            "search": settings.search_rate_limit,
            "catalog": settings.api_rate_limit,
            "dossier_reads": settings.dossier_read_rate_limit,
            "ingest": settings.ingest_rate_limit,
            "chat": settings.chat_api_rate_limit,
            "agent": settings.agent_api_rate_limit,
            "auth": settings.auth_api_rate_limit,
            "admin": settings.admin_api_rate_limit,
            "pages": settings.pages_rate_limit,
        }
        self.limits: dict[str, RateLimitItem] = {
            group: parse(override or value) for group, value in limits.items()
        }
        self.trusted = trusted_proxies(settings.trusted_proxies)

    def client(self, scope: Scope) -> str:
        """The client address of an ASGI request (X-Forwarded-For from trusted proxies only)."""
        peer = (scope.get("client") or (None,))[0]
        forwarded = _header(scope, b"x-forwarded-for")
        return client_address(peer, forwarded, self.trusted)

    def check(self, scope: Scope) -> Decision | None:
        """Count the request; None when its route is not limited."""
        group = route_group(scope.get("method", "GET"), scope.get("path", ""))
        if group is None:
            return None
        if self.shared:
            try:
                decision = self._check(scope, group, self.strategy)
            except (ConnectionError, OSError, RedisError) as exc:
                self._store_reachable(False, type(exc).__name__)
            else:
                self._store_reachable(True)
                return decision
        return self._check(scope, group, self.fallback if self.shared else self.strategy)

    def _store_reachable(self, reachable: bool, error: str = "") -> None:
        """Log the shared store's outages once each: when it fails, and when it is back."""
        down = not reachable
        if self._store_down == down:
            return  # no change (the common case: no lock taken)
        with self._outage_lock:
            if self._store_down == down:
                return  # another thread logged it
            self._store_down = down
        if reachable:
            logger.warning("rate-limit store reachable again: counting in it")
        else:
            logger.warning("rate-limit store unavailable (%s): counting in memory until it "
                           "answers again", error)  # fmt: skip

    def _check(self, scope: Scope, group: str, strategy: MovingWindowRateLimiter) -> Decision:
        client = self.client(scope)
        identity = client_key(client)
        agent = None
        if group == "dossier_reads":
            token = _header(scope, b"authorization") or ""
            agent = hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()[:16]
            identity = f"{identity}:{agent}"
        item = self.limits[group]
        if strategy.hit(item, "tthc", group, identity):
            if group == "dossier_reads":
                self._watch_bulk_reads(strategy, item, identity, agent or "")
            return Decision(True, group)
        reset, _remaining = strategy.get_window_stats(item, "tthc", group, identity)
        retry_after = max(1, math.ceil(reset - time.time()))
        if group == "dossier_reads":
            logger.warning(
                "ALERT bulk dossier reads: agent token %s from client %s over %s; refused",
                agent,
                identity.split(":")[0],
                item,
            )
        return Decision(False, group, retry_after)

    def _watch_bulk_reads(
        self, strategy: MovingWindowRateLimiter, item: RateLimitItem, identity: str, agent: str
    ) -> None:
        """Warn once an agent has spent half of the dossier-read budget of the window."""
        _reset, remaining = strategy.get_window_stats(item, "tthc", "dossier_reads", identity)
        if remaining == item.amount // 2:
            logger.warning(
                "ALERT bulk dossier reads: agent token %s has read %d dossiers within %s",
                agent,
                item.amount - remaining,
                item,
            )


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers") or []:
        if key == name:
            return str(value.decode("latin-1"))
    return None


class RateLimitMiddleware:
    """ASGI middleware answering 429 (Retry-After, Vietnamese body) over a group's limit."""

    def __init__(self, app: ASGIApp, limiter: GroupLimiter) -> None:
        self.app = app
        self.limiter = limiter

    async def __call__(self, scope: Scope, receive: ASGIApp, send: ASGIApp) -> None:
        """Count HTTP requests; pass the allowed ones on."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self.limiter.shared:
            import anyio.to_thread

            decision = await anyio.to_thread.run_sync(self.limiter.check, scope)
        else:
            decision = self.limiter.check(scope)
        if decision is None or decision.allowed:
            await self.app(scope, receive, send)
            return
        message = too_many_requests_message(decision.retry_after)
        retry_after = (b"retry-after", str(decision.retry_after).encode())
        await send_error(send, 429, message, [retry_after])
