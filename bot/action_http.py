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
"""

from __future__ import annotations

import asyncio
from types import TracebackType

import aiohttp
from rasa.utils.endpoints import DEFAULT_REQUEST_TIMEOUT, EndpointConfig

KEEPALIVE_SECONDS = 3.0  # under the action server's 5 s (sanic KEEP_ALIVE_TIMEOUT)
_SESSIONS = "_tthc_kept_sessions"  # attribute of an EndpointConfig: {loop id: (loop, session)}
RASA_SESSION = EndpointConfig.session  # Rasa's own, for the tests' comparison


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
    return KeptSession(kept[1])


async def close(endpoint: EndpointConfig) -> None:
    """Close ``endpoint``'s kept session on the running loop, if it has one."""
    kept = endpoint.__dict__.get(_SESSIONS, {}).pop(id(asyncio.get_running_loop()), None)
    if kept is not None:
        await kept[1].close()


def install() -> None:
    """Make Rasa's endpoints keep their session and connections (idempotent)."""
    EndpointConfig.session = kept_session  # type: ignore[assignment,method-assign]
