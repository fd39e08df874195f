"""The FastAPI application: ``create_app()`` wires routes, errors and rate limits."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from slowapi import Limiter, _rate_limit_exceeded_handler
from slowapi.errors import RateLimitExceeded
from slowapi.middleware import SlowAPIMiddleware
from slowapi.util import get_remote_address

from knowledge.api.routes import dossiers, fields, health, pages, procedures
from knowledge.config import get_settings
from knowledge.db import get_engine, session_scope
from knowledge.errors import KnowledgeError
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


def create_app(rate_limit: str | None = None) -> FastAPI:
    """Build the API with its routers, Vietnamese error bodies and a per-client rate limit.

    The limit (default: settings ``api_rate_limit``) applies to the API routes; pages, static
    files, health checks and token-authenticated dossier ingestion are exempt. The settings
    are read here, so a wrong one stops the start instead of failing a citizen's request.
    """
    settings = get_settings()
    app = FastAPI(
        title="Trợ lý thủ tục hành chính — API",
        description="Tra cứu thủ tục hành chính và tình trạng hồ sơ.",
        version="0.1.0",
        lifespan=_lifespan,
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
    ):
        limiter.exempt(route)  # type: ignore[no-untyped-call]  # slowapi has no type hints
    app.state.limiter = limiter
    app.add_middleware(SlowAPIMiddleware)
    # slowapi's handler takes its own exception type, narrower than Starlette's signature.
    app.add_exception_handler(RateLimitExceeded, _rate_limit_exceeded_handler)  # type: ignore[arg-type]

    @app.exception_handler(KnowledgeError)
    async def _knowledge_error(_request: Request, exc: KnowledgeError) -> JSONResponse:
        return JSONResponse(status_code=exc.status_code, content={"detail": exc.message})

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
        fields_ = ", ".join(
            ".".join(str(p) for p in e["loc"] if p != "query") for e in exc.errors()
        )
        return JSONResponse(
            status_code=422,
            content={"detail": f"Yêu cầu không hợp lệ ({fields_}).", "errors": exc.errors()},
        )

    for module in (health, procedures, fields, pages, dossiers):
        app.include_router(module.router)
    return app
