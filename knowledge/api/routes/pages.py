"""Web pages: the demo portal with the chat widget (``/``), the staff sign-in (``/dang-nhap``)
and the call-center agent's console (``/tra-cuu``).

The pages are thin: Jinja2 renders a shell with the settings the scripts need, and vanilla
JS in ``static/`` talks to the API only: the widget to the chat gateway (``/api/chat``), the
console to ``/api/procedures``, ``/api/dossiers`` and ``/api/agent``. Rasa is never reached
from a browser.
Static files are served by a route rather than a mount because ``include_router`` does not
carry mounts over to the app.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session

from knowledge.answers import summarize
from knowledge.api.deps import get_session
from knowledge.config import Settings, get_settings
from knowledge.errors import InvalidInputError, NotFoundError
from knowledge.procedures import get_procedure

logger = logging.getLogger(__name__)

_API_DIR = Path(__file__).resolve().parent.parent
templates = Jinja2Templates(directory=str(_API_DIR / "templates"))
_static = StaticFiles(directory=str(_API_DIR / "static"))

router = APIRouter(tags=["pages"], include_in_schema=False)


def _security_headers(connect_to: str = "") -> dict[str, str]:
    """Headers that keep the pages from running anything but our own scripts."""
    connect = f"'self' {connect_to}".strip()
    policy = (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        f"connect-src {connect}; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )
    return {
        "Content-Security-Policy": policy,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
    }


def _websocket_origin(request: Request) -> str:
    """The page's own origin as a WebSocket origin (older browsers' ``'self'`` omits ws:)."""
    scheme = "wss" if request.url.scheme == "https" else "ws"
    return f"{scheme}://{request.url.netloc}"


@router.get("/", response_class=HTMLResponse)
def read_chat_page(request: Request, settings: Settings = Depends(get_settings)) -> Response:
    """A demo provincial portal page embedding the chat widget with one script tag."""
    return templates.TemplateResponse(
        request,
        "portal.html",
        {"hotline": settings.hotline, "portal_url": settings.public_portal_url},
        headers=_security_headers(_websocket_origin(request)),
    )


@router.get("/dang-nhap", response_class=HTMLResponse)
def read_login_page(request: Request, settings: Settings = Depends(get_settings)) -> Response:
    """The staff sign-in page (OAuth2 password flow against ``POST /api/auth/token``)."""
    return templates.TemplateResponse(
        request, "login.html", {"hotline": settings.hotline}, headers=_security_headers()
    )


@router.get("/tra-cuu", response_class=HTMLResponse)
def read_lookup_page(request: Request, settings: Settings = Depends(get_settings)) -> Response:
    """The call-center agent's console: procedure lookup, dossiers, the handoff queue."""
    return _lookup_page(request, settings)


@router.get("/tra-cuu/{code}", response_class=HTMLResponse)
def read_lookup_page_for_code(
    code: str,
    request: Request,
    settings: Settings = Depends(get_settings),
    session: Session = Depends(get_session),
) -> Response:
    """The lookup page opened on one procedure's card (404 page for an unknown code)."""
    try:
        card = get_procedure(session, code)
    except (NotFoundError, InvalidInputError) as exc:
        return _lookup_page(request, settings, error=exc.message, status_code=exc.status_code)
    # Round-trip through JSON so dates become strings the template's ``tojson`` accepts; the
    # summary is the one the bot and GET /api/procedures/{code}/summary give.
    return _lookup_page(
        request,
        settings,
        card=json.loads(card.json()),
        summary=json.loads(summarize(card).json()),
    )


def _lookup_page(
    request: Request,
    settings: Settings,
    card: dict[str, object] | None = None,
    error: str | None = None,
    status_code: int = 200,
    summary: dict[str, object] | None = None,
) -> Response:
    return templates.TemplateResponse(
        request,
        "lookup.html",
        {"hotline": settings.hotline, "card": card, "summary": summary, "error": error},
        status_code=status_code,
        headers=_security_headers(_websocket_origin(request)),
    )


@router.get("/static/{path:path}")
async def read_static(path: str, request: Request) -> Response:
    """A file of ``knowledge/api/static`` (StaticFiles refuses paths leaving the folder)."""
    if "\x00" in path or not path.isprintable():
        raise NotFoundError("Không tìm thấy tệp này.")
    response = await _static.get_response(os.path.normpath(path), request.scope)
    response.headers.setdefault("Cache-Control", "no-cache")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    return response
