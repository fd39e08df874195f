"""The admin pages (``/quan-tri``): a shell the admin script fills from ``/api/admin``."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from knowledge.api.routes.pages import _security_headers, templates
from knowledge.config import Settings, get_settings

router = APIRouter(tags=["pages"], include_in_schema=False)


@router.get("/quan-tri", response_class=HTMLResponse)
def read_admin_page(request: Request, settings: Settings = Depends(get_settings)) -> Response:
    """The admin pages; signing in happens in the page (POST /api/auth/token)."""
    return templates.TemplateResponse(
        request, "admin.html", {"hotline": settings.hotline}, headers=_security_headers()
    )
