"""The FastAPI application: ``create_app()`` wires routes, errors and rate limits."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import (
    get_redoc_html,
    get_swagger_ui_html,
    get_swagger_ui_oauth2_redirect_html,
)
from fastapi.responses import HTMLResponse, JSONResponse
from slowapi import Limiter, _rate_limit_exceeded_handler
from slowapi.errors import RateLimitExceeded
from slowapi.middleware import SlowAPIMiddleware
from slowapi.util import get_remote_address

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
from knowledge.chat.gateway import rasa
from knowledge.config import get_settings
from knowledge.db import get_engine, session_scope
from knowledge.errors import AuthenticationError, KnowledgeError
from knowledge.limits import Limits
from knowledge.search import get_index

logger = logging.getLogger(__name__)


@asynccontextmanager
async def _lifespan(_app: FastAPI) -> AsyncIterator[None]:
    """Build the search index before the first request, so no agent waits for it."""
    try:
        with session_scope(get_engine()) as session:
            get_index(session)
    except Exception:  # an empty or unmigrated database must not stop the API from starting
        logger.exception("search index not built at start-up; it will be built on first use")
    yield
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
    """Build the API with its routers, Vietnamese error bodies and a per-client rate limit.

    The limit (default: settings ``api_rate_limit``) applies to the API routes; pages, static
    files, health checks and token-authenticated dossier ingestion are exempt. The settings
    are read here, so a wrong one stops the start instead of failing a citizen's request.
    """
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
    )
    limiter = Limiter(
        key_func=get_remote_address, default_limits=[rate_limit or settings.api_rate_limit]
    )
    # Ingestion is authenticated by the one-stop system's token and comes in bursts.
    for route in (
        dossiers.create_or_update_dossier,
        health.read_health,
        pages.read_chat_page,
        pages.read_lookup_page,
        pages.read_lookup_page_for_code,
        pages.read_static,
        admin_pages.read_admin_page,
    ):
        limiter.exempt(route)  # type: ignore[no-untyped-call]  # slowapi has no type hints
    # Sign-in attempts, new conversations and chat messages: counters per client or
    # conversation (WebSocket messages included, which slowapi does not see).
    app.state.limits = Limits()
    app.state.limiter = limiter
    app.add_middleware(SlowAPIMiddleware)
    # slowapi's handler takes its own exception type, narrower than Starlette's signature.
    app.add_exception_handler(RateLimitExceeded, _rate_limit_exceeded_handler)  # type: ignore[arg-type]

    @app.exception_handler(KnowledgeError)
    async def _knowledge_error(_request: Request, exc: KnowledgeError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if isinstance(exc, AuthenticationError) else None
        return JSONResponse(
            status_code=exc.status_code, content={"detail": exc.message}, headers=headers
        )

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
        fields_ = ", ".join(
            ".".join(str(p) for p in e["loc"] if p != "query") for e in exc.errors()
        )
        return JSONResponse(
            status_code=422,
            content={"detail": f"Yêu cầu không hợp lệ ({fields_}).", "errors": exc.errors()},
        )

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
    _offline_docs(app, limiter)
    return app


def _offline_docs(app: FastAPI, limiter: Limiter) -> None:
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

    for route in (read_swagger_ui, read_swagger_ui_redirect, read_redoc):
        limiter.exempt(route)  # type: ignore[no-untyped-call]  # slowapi has no type hints
