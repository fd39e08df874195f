"""The FastAPI application: ``create_app()`` wires routes, errors and rate limits."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI

from knowledge.api.errors import ERROR_RESPONSES, install_error_handlers
from knowledge.api.ratelimit import GroupLimiter, RateLimitMiddleware
from knowledge.api.routes import dossiers, fields, health, pages, procedures
from knowledge.db import get_engine, session_scope
from knowledge.logs import install_masking
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
    """Build the API with its routers, Vietnamese error bodies and per-client rate limits.

    Args:
        rate_limit: one limit for every route group instead of the configured ones (tests).
    """
    install_masking()
    app = FastAPI(
        title="Trợ lý thủ tục hành chính — API",
        description="Tra cứu thủ tục hành chính và tình trạng hồ sơ.",
        version="0.1.0",
        lifespan=_lifespan,
        responses=ERROR_RESPONSES,
    )
    app.state.limiter = GroupLimiter(override=rate_limit)
    app.add_middleware(RateLimitMiddleware, limiter=app.state.limiter)
    install_error_handlers(app)
    for module in (health, procedures, fields, pages, dossiers):
        app.include_router(module.router)
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
