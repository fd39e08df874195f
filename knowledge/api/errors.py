"""Error bodies of the API: one Vietnamese shape for every 4xx/5xx, documented as sent."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import InterfaceError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from knowledge.config import get_settings
from knowledge.errors import AuthenticationError, KnowledgeError, RateLimitedError

logger = logging.getLogger(__name__)

INTERNAL_ERROR = "Hệ thống gặp sự cố ngoài dự kiến. Vui lòng thử lại sau ít phút."
DATABASE_DOWN = (
    "Cơ sở dữ liệu tạm thời không phản hồi, tin nhắn của bạn chưa được ghi nhận. Bạn thử lại "
    "sau ít phút, hoặc gọi tổng đài {hotline} để được cán bộ hỗ trợ."
)
HTTP_MESSAGES = {
    400: "Yêu cầu không hợp lệ.",
    404: "Không tìm thấy địa chỉ này.",
    405: "Phương thức không được hỗ trợ cho địa chỉ này.",
    413: "Yêu cầu quá lớn.",
    415: "Kiểu dữ liệu không được hỗ trợ (cần JSON).",
}


class Problem(BaseModel):
    """One field the request got wrong."""

    loc: list[str]
    msg: str
    type: str


class ErrorBody(BaseModel):
    """Every error answer: a Vietnamese ``detail``; validation errors list the fields."""

    detail: str
    errors: list[Problem] | None = None


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorBody, "description": text}
    for code, text in (
        (400, "Nội dung gửi lên không đọc được (JSON hỏng)"),
        (401, "Thiếu hoặc sai mã truy cập"),
        (403, "Tài khoản không có quyền này"),
        (409, "Xung đột với trạng thái hiện tại"),
        (404, "Không tìm thấy"),
        (422, "Dữ liệu không hợp lệ"),
        (429, "Quá nhiều yêu cầu (xem Retry-After)"),
        (500, "Lỗi hệ thống"),
        (503, "Dịch vụ hoặc cơ sở dữ liệu tạm thời không phản hồi"),
    )
}


def _problems(exc: RequestValidationError) -> list[dict[str, Any]]:
    return [
        {
            "loc": [str(p) for p in error.get("loc", ())],
            "msg": str(error.get("msg", "")),
            "type": str(error.get("type", "")),
        }
        for error in exc.errors()
    ]


def install_error_handlers(app: FastAPI) -> None:
    """Map knowledge errors, validation errors, HTTP errors and crashes to ``ErrorBody``."""

    @app.exception_handler(KnowledgeError)
    async def _knowledge_error(_request: Request, exc: KnowledgeError) -> JSONResponse:
        headers = {}
        if isinstance(exc, RateLimitedError) and exc.retry_after:
            headers["Retry-After"] = str(exc.retry_after)
        if isinstance(exc, AuthenticationError):
            headers["WWW-Authenticate"] = "Bearer"
        return JSONResponse(
            status_code=exc.status_code, content={"detail": exc.message}, headers=headers
        )

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = _problems(exc)
        fields = ", ".join(
            ".".join(p for p in problem["loc"] if p != "query") for problem in problems
        )
        return JSONResponse(
            status_code=422,
            content={"detail": f"Yêu cầu không hợp lệ ({fields}).", "errors": problems},
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        detail = HTTP_MESSAGES.get(exc.status_code)
        if detail is None:
            detail = exc.detail if isinstance(exc.detail, str) else "Yêu cầu không thành công."
        return JSONResponse(
            status_code=exc.status_code,
            content={"detail": detail},
            headers=getattr(exc, "headers", None),
        )

    @app.exception_handler(OperationalError)
    @app.exception_handler(InterfaceError)
    async def _database_down(request: Request, exc: Exception) -> JSONResponse:
        # The database cannot be reached (stopped, restarting): nothing was written, so the
        # client is told to retry; the pool's pre-ping reconnects once it is back.
        logger.error("database unavailable on %s %s", request.method, request.url.path)
        text = DATABASE_DOWN.format(hotline=get_settings().hotline)
        return JSONResponse(
            status_code=503, content={"detail": text}, headers={"Retry-After": "10"}
        )

    @app.exception_handler(Exception)
    async def _crash(request: Request, exc: Exception) -> JSONResponse:
        logger.error("unhandled %s on %s %s", type(exc).__name__, request.method, request.url.path)
        return JSONResponse(status_code=500, content={"detail": INTERNAL_ERROR})


async def send_error(
    send: Callable[..., Any], status: int, detail: str, headers: list[tuple[bytes, bytes]]
) -> None:
    """Answer from ASGI middleware (before any route) with the API's error body ``{"detail"}``.

    Args:
        send: the ASGI ``send`` of the request.
        status: the HTTP status (403 for a refused origin, 429 past a rate limit, …).
        detail: the Vietnamese message.
        headers: headers besides the content type and length.
    """
    body = json.dumps({"detail": detail}, ensure_ascii=False).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
