"""The FastAPI application: ``create_app()`` wires routes, errors and rate limits."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from slowapi import Limiter, _rate_limit_exceeded_handler
from slowapi.errors import RateLimitExceeded
from slowapi.middleware import SlowAPIMiddleware
from slowapi.util import get_remote_address

from knowledge.api.routes import fields, health, procedures
from knowledge.errors import KnowledgeError

logger = logging.getLogger(__name__)


def create_app(rate_limit: str = "120/minute") -> FastAPI:
    """Build the API with its routers, Vietnamese error bodies and a per-client rate limit."""
    app = FastAPI(
        title="Trợ lý thủ tục hành chính — API",
        description="Tra cứu thủ tục hành chính và tình trạng hồ sơ.",
        version="0.1.0",
    )
    app.state.limiter = Limiter(key_func=get_remote_address, default_limits=[rate_limit])
    app.add_middleware(SlowAPIMiddleware)
    app.add_exception_handler(RateLimitExceeded, _rate_limit_exceeded_handler)

    @app.exception_handler(KnowledgeError)
    async def _knowledge_error(_request: Request, exc: KnowledgeError) -> JSONResponse:
        return JSONResponse(status_code=exc.status_code, content={"detail": exc.message})

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
        fields_ = ", ".join(".".join(str(p) for p in e["loc"] if p != "query") for e in exc.errors())
        return JSONResponse(
            status_code=422,
            content={"detail": f"Yêu cầu không hợp lệ ({fields_}).", "errors": exc.errors()},
        )

    for module in (health, procedures, fields):
        app.include_router(module.router)
    return app
