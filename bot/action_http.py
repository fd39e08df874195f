"""Rasa's calls to the action server over kept connections, not a new session per call.

Rasa 3.6 opens a new aiohttp ``ClientSession`` for every request to an endpoint
(``EndpointConfig.request``: ``async with self.session() as session``), so every action call
pays for a session and a TCP connection on both sides: a call with a 10 kB body took 2.8 to
4.2 ms that way against 1.4 to 1.8 ms on a kept session (aiohttp client and server on this
2-core machine, shared). ``install()`` makes ``EndpointConfig.session`` hand out one
session per endpoint and event loop, kept open (``async with`` no longer closes it); Rasa's
request, headers, token, timeout and errors are unchanged. A connection left idle is closed
after ``KEEPALIVE_SECONDS``, before the action server closes its side (Sanic's keep-alive:
5 s), so no call goes out on a connection the server is closing. Installed when Rasa builds
its tracker store (``bot/tracker_store.py``), before any turn.

The kept sessions are closed when the server stops (``close_all`` on Sanic's
``after_server_stop``), so aiohttp does not warn of unclosed sessions and connectors at exit.
"""

from __future__ import annotations

import asyncio
import logging
from types import TracebackType
from typing import Any

import aiohttp
from rasa.utils.endpoints import DEFAULT_REQUEST_TIMEOUT, EndpointConfig

KEEPALIVE_SECONDS = 3.0  # under the action server's 5 s (sanic KEEP_ALIVE_TIMEOUT)
_SESSIONS = "_tthc_kept_sessions"  # attribute of an EndpointConfig: {loop id: (loop, session)}
RASA_SESSION = EndpointConfig.session  # Rasa's own, for the tests' comparison
# The Sanic apps ``rasa run`` serves: with the HTTP API (rasa.server.create_app) or without.
RASA_APPS = ("rasa_server", "rasa_core_no_api")
# Every kept session, with its loop: ``close_all`` closes those of the running loop.
_KEPT: list[tuple[asyncio.AbstractEventLoop, aiohttp.ClientSession]] = []

logger = logging.getLogger(__name__)


class KeptSession:
    """``async with`` on a session that stays open for the next call."""

    def __init__(self, session: aiohttp.ClientSession) -> None:
        self.session = session

    async def __aenter__(self) -> aiohttp.ClientSession:
        return self.session

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        return None


def kept_session(self: EndpointConfig) -> KeptSession:
    """``EndpointConfig.session``: this endpoint's session on the running loop, opened once
    with Rasa's headers, basic auth and timeout."""
    loop = asyncio.get_running_loop()
    sessions: dict[int, tuple[asyncio.AbstractEventLoop, aiohttp.ClientSession]]
    sessions = self.__dict__.setdefault(_SESSIONS, {})
    kept = sessions.get(id(loop))
    if kept is None or kept[0] is not loop or kept[1].closed:
        for key in [key for key, (old, _) in sessions.items() if old.is_closed()]:
            del sessions[key]  # a finished loop's session cannot be used again
        auth = None
        if self.basic_auth:
            auth = aiohttp.BasicAuth(self.basic_auth["username"], self.basic_auth["password"])
        session = aiohttp.ClientSession(
            headers=self.headers,
            auth=auth,
            timeout=aiohttp.ClientTimeout(total=DEFAULT_REQUEST_TIMEOUT),
            connector=aiohttp.TCPConnector(limit=0, keepalive_timeout=KEEPALIVE_SECONDS),
        )
        kept = sessions[id(loop)] = (loop, session)
        _KEPT[:] = [(old, kept) for old, kept in _KEPT if not old.is_closed() and not kept.closed]
        _KEPT.append((loop, session))
    return KeptSession(kept[1])


async def close(endpoint: EndpointConfig) -> None:
    """Close ``endpoint``'s kept session on the running loop, if it has one."""
    kept = endpoint.__dict__.get(_SESSIONS, {}).pop(id(asyncio.get_running_loop()), None)
    if kept is not None:
        await kept[1].close()


async def close_all() -> int:
    """Close every kept session of the running loop; returns how many were open."""
    loop = asyncio.get_running_loop()
    mine = [session for owner, session in _KEPT if owner is loop]
    _KEPT[:] = [(owner, session) for owner, session in _KEPT if owner is not loop]
    open_ = [session for session in mine if not session.closed]
    for session in open_:
        await session.close()
    return len(open_)


async def _close_on_stop(app: Any, loop: asyncio.AbstractEventLoop) -> None:
    """Sanic's ``after_server_stop`` listener: the kept sessions end with the server."""
    closed = await close_all()
    logger.debug("Closed %d kept action-server session(s) at shutdown.", closed)


def close_on_stop(app: Any) -> None:
    """Register ``close_all`` on ``app``'s ``after_server_stop``, also once it has started.

    Rasa builds its tracker store (and installs the kept sessions) in a
    ``before_server_start`` listener, after Sanic has finalized its signal router, which then
    refuses new listeners: the router is reopened and finalized again around the
    registration, as Sanic itself does for an event awaited late (``Sanic.event``).
    """
    if getattr(app.ctx, "tthc_closes_sessions", False):
        return
    finalized = app.signal_router.finalized
    if finalized:
        app.signal_router.reset()
    app.register_listener(_close_on_stop, "after_server_stop")
    if finalized:
        app.signal_router.finalize()
    app.ctx.tthc_closes_sessions = True


def install() -> None:
    """Make Rasa's endpoints keep their session and connections, closed when the Rasa server
    stops (idempotent)."""
    from sanic import Sanic
    from sanic.exceptions import SanicException

    EndpointConfig.session = kept_session  # type: ignore[assignment,method-assign]
    for name in RASA_APPS:
        try:
            app = Sanic.get_app(name)
        except SanicException:
            continue  # not this one; none in a test or a bare Agent
        close_on_stop(app)
