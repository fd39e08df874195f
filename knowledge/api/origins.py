"""Which web sites may embed the chat widget: CORS for the gateway and the widget's assets.

A portal on another origin embeds the widget with one ``<script src=".../static/widget.js">``;
the widget then calls the gateway (``/api/chat/…``) from that origin. Those calls are allowed
for the origins of the ``widget_origins`` setting (``TTHC_WIDGET_ORIGINS``, space- or
comma-separated; empty: this site only, which is where the demo portal ``/`` lives), with
Starlette's ``CORSMiddleware`` answering the preflights and adding the headers.

A browser enforces CORS only when it reads an answer: a "simple" POST would still open a
conversation, and WebSockets have no CORS at all. So a request to the gateway whose ``Origin``
is neither this site nor in the list is refused here, before any route runs: 403 with a
Vietnamese body (HTTP) or a refused handshake (WebSocket). Requests without ``Origin``
(servers, scripts, the same page in old browsers) pass: the ``Origin`` check protects
citizens' browsers, the session token protects the conversation.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from starlette.middleware.cors import CORSMiddleware

from knowledge.api.errors import send_error

Scope = dict[str, Any]
ASGIApp = Callable[..., Any]

GATEWAY_PREFIX = "/api/chat"
WIDGET_ASSETS = frozenset({"/static/widget.js", "/static/widget.css"})
REFUSED = "Trang web này chưa được phép nhúng trợ lý ảo (nguồn {origin} không có trong danh sách)."


def parse_origins(value: str) -> tuple[str, ...]:
    """Origins from a setting, spaces or commas between them, without trailing slashes.

    Example:
        >>> parse_origins("https://dichvucong.example.vn, http://127.0.0.1:8081/")
        ('https://dichvucong.example.vn', 'http://127.0.0.1:8081')
    """
    return tuple(o.rstrip("/") for o in value.replace(",", " ").split() if o.strip("/"))


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers") or []:
        if key == name:
            return str(value.decode("latin-1"))
    return None


def same_site(origin: str, host: str | None) -> bool:
    """Whether ``origin`` is the site the request was sent to (its ``Host``).

    Example:
        >>> same_site("http://127.0.0.1:8000", "127.0.0.1:8000")
        True
        >>> same_site("http://127.0.0.1:8081", "127.0.0.1:8000")
        False
    """
    return bool(host) and urlsplit(origin).netloc.lower() == (host or "").lower()


class WidgetOriginMiddleware:
    """ASGI middleware: CORS for the allowed origins on the gateway and the widget's assets,
    refusal of other origins on the gateway (HTTP 403, WebSocket handshake refused)."""

    def __init__(self, app: ASGIApp, origins: tuple[str, ...]) -> None:
        self.app = app
        self.origins = frozenset(origins)
        self.cors = CORSMiddleware(
            app,
            allow_origins=sorted(self.origins),
            allow_methods=["GET", "POST", "OPTIONS"],
            allow_headers=["Authorization", "Content-Type", "Accept"],
            max_age=600,
        )

    def allowed(self, scope: Scope) -> tuple[bool, str | None]:
        """Whether the request's origin may use the gateway, and that origin (None: none sent)."""
        origin = _header(scope, b"origin")
        if origin is None:
            return True, None
        return origin in self.origins or same_site(origin, _header(scope, b"host")), origin

    async def __call__(self, scope: Scope, receive: ASGIApp, send: ASGIApp) -> None:
        """Refuse or pass the request; add CORS headers where they apply."""
        path = scope.get("path", "")
        gateway = path == GATEWAY_PREFIX or path.startswith(GATEWAY_PREFIX + "/")
        if scope["type"] not in ("http", "websocket") or not (gateway or path in WIDGET_ASSETS):
            await self.app(scope, receive, send)
            return
        allowed, origin = self.allowed(scope)
        if gateway and not allowed:
            await self._refuse(scope, send, origin or "")
            return
        if scope["type"] == "http" and origin in self.origins:
            await self.cors(scope, receive, send)
            return
        await self.app(scope, receive, send)

    async def _refuse(self, scope: Scope, send: ASGIApp, origin: str) -> None:
        if scope["type"] == "websocket":
            # Closing before accepting: the server answers the handshake with 403.
            await send({"type": "websocket.close", "code": 4403})
            return
        await send_error(send, 403, REFUSED.format(origin=origin), [(b"vary", b"Origin")])
