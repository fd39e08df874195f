"""The FastAPI application: ``create_app()`` wires routes, errors and rate limits."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.docs import (
    get_redoc_html,
    get_swagger_ui_html,
    get_swagger_ui_oauth2_redirect_html,
)
from fastapi.responses import HTMLResponse

from knowledge.api.errors import ERROR_RESPONSES, install_error_handlers
from knowledge.api.origins import WidgetOriginMiddleware, parse_origins
from knowledge.api.ratelimit import GroupLimiter, RateLimitMiddleware
from knowledge.api.routes import (
    admin,
    admin_pages,
    agent,
    auth,
    chat,
    dossiers,
    fields,
    health,
    pages,
    procedures,
)
from knowledge.chat.gateway import hub, rasa
from knowledge.config import get_settings
from knowledge.limits import Limits
from knowledge.logs import install_masking
from knowledge.search.service import warm_up

logger = logging.getLogger(__name__)


@asynccontextmanager
async def _lifespan(_app: FastAPI) -> AsyncIterator[None]:
    """Build the search index before the first request, so no agent waits for it; share the
    chat hub through Redis when configured (several API workers)."""
    warm_up()
    await hub.start(get_settings().redis_url)
    yield
    await hub.stop()
    await rasa.aclose()


# Shown in /docs and /redoc (served from vendored assets, so they work offline).
_DESCRIPTION = """Tra cứu thủ tục hành chính, tình trạng hồ sơ, và cổng trò chuyện của trợ lý ảo.

* **Người dân** trò chuyện qua `/api/chat/…` (mở phiên, WebSocket, hoặc gửi/nhận qua HTTP).
* **Cán bộ tổng đài và quản trị** đăng nhập bằng `POST /api/auth/token` (nút *Authorize*),
  rồi dùng `/api/agent/…` (hàng chờ, nhận hỗ trợ, nhắn tin) và `/api/dossiers/{code}`
  (mỗi lần đọc hồ sơ đều được ghi nhật ký).
* **Hệ thống một cửa** đẩy hồ sơ vào `POST /api/dossiers` bằng mã truy cập riêng.
"""
_TAGS = [
    {"name": "auth", "description": "Đăng nhập của cán bộ (OAuth2 password flow)."},
    {"name": "chat", "description": "Cổng trò chuyện công khai của người dân với trợ lý ảo."},
    {"name": "agent", "description": "Cán bộ tổng đài: hàng chờ, nhận hỗ trợ, nhắn tin trực tiếp."},
    {"name": "procedures", "description": "Tra cứu thủ tục hành chính."},
    {"name": "fields", "description": "Lĩnh vực thủ tục."},
    {"name": "dossiers", "description": "Hồ sơ: hệ thống một cửa đẩy vào, cán bộ tra cứu."},
    {"name": "health", "description": "Tình trạng dịch vụ."},
]


def create_app(rate_limit: str | None = None) -> FastAPI:
    """Build the API with its routers, Vietnamese error bodies and per-client rate limits.

    The settings are read here, so a wrong one stops the start instead of failing a
    citizen's request.

    Args:
        rate_limit: one limit for every route group instead of the configured ones (tests).
    """
    install_masking()
    settings = get_settings()
    app = FastAPI(
        title="Trợ lý thủ tục hành chính — API",
        description=_DESCRIPTION,
        version="0.1.0",
        lifespan=_lifespan,
        openapi_tags=_TAGS,
        docs_url=None,
        redoc_url=None,
        swagger_ui_oauth2_redirect_url=None,
        responses=ERROR_RESPONSES,
    )
    # Requests per client and route group (knowledge.api.ratelimit); sign-in attempts, new
    # conversations and chat messages: counters per client or conversation
    # (WebSocket messages included, which an HTTP middleware does not see).
    app.state.limiter = GroupLimiter(settings, override=rate_limit)
    app.add_middleware(RateLimitMiddleware, limiter=app.state.limiter)
    # Other sites embedding the widget (knowledge.api.origins); added last, so it runs first:
    # a refused origin is not counted, and a preflight gets its CORS answer before anything.
    app.add_middleware(WidgetOriginMiddleware, origins=parse_origins(settings.widget_origins))
    app.state.limits = Limits()
    install_error_handlers(app)

    for module in (
        health,
        auth,
        chat,
        agent,
        procedures,
        fields,
        pages,
        dossiers,
        admin,
        admin_pages,
    ):
        app.include_router(module.router)
    _offline_docs(app)
    _document_optional_fields_as_nullable(app)
    return app


def _document_optional_fields_as_nullable(app: FastAPI) -> None:
    """Say in the OpenAPI document that optional fields may be null, as they are sent.

    Pydantic 1 (pinned by Rasa 3.6) documents ``str | None = None`` as a plain string, so
    the document contradicted real answers (schemathesis: "null is not of type string").
    """
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        document = build()
        for schema in document.get("components", {}).get("schemas", {}).values():
            required = set(schema.get("required", []))
            for name, prop in (schema.get("properties") or {}).items():
                if name not in required and "anyOf" not in prop:
                    schema["properties"][name] = {"anyOf": [prop, {"type": "null"}]}
        app.openapi_schema = document
        return document

    app.openapi = openapi  # type: ignore[method-assign]


def _offline_docs(app: FastAPI) -> None:
    """/docs (Swagger UI, with a working Authorize button) and /redoc from vendored assets."""
    vendor = "/static/vendor"

    @app.get("/docs", include_in_schema=False)
    def read_swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title=f"{app.title} — tài liệu",
            oauth2_redirect_url="/docs/oauth2-redirect",
            swagger_js_url=f"{vendor}/swagger-ui/swagger-ui-bundle.js",
            swagger_css_url=f"{vendor}/swagger-ui/swagger-ui.css",
            swagger_favicon_url=f"{vendor}/swagger-ui/favicon-32x32.png",
        )

    @app.get("/docs/oauth2-redirect", include_in_schema=False)
    def read_swagger_ui_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

    @app.get("/redoc", include_in_schema=False)
    def read_redoc() -> HTMLResponse:
        return get_redoc_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title=f"{app.title} — ReDoc",
            redoc_js_url=f"{vendor}/redoc/redoc.standalone.js",
            redoc_favicon_url=f"{vendor}/swagger-ui/favicon-32x32.png",
            with_google_fonts=False,
        )
