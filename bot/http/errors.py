"""Every error the HTTP face returns, in one place: typed core exceptions → statuses, and one JSON shape."""

from __future__ import annotations

import logging
import uuid

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from bot.http.schemas import ErrorOut
from retrieval.engine import ArticleError, DuplicateArticle, IndexWriteError, QuestionError, StoreError

log = logging.getLogger("newsqa.http")

# Core exceptions and what they mean to a client. The most specific class comes first.
STATUS_OF = [
    (DuplicateArticle, 409, None),
    (ArticleError, 422, None),
    (QuestionError, 422, None),
    (IndexWriteError, 507, "the article was not added"),
    (StoreError, 503, "the search store is unavailable"),
]


def error_response(request: Request, status: int, error: str, detail=None) -> JSONResponse:
    """The JSON error body {"error", "detail", "request_id"} with its status."""
    rid = getattr(request.state, "request_id", None) or uuid.uuid4().hex[:12]
    return JSONResponse(ErrorOut(error=error, detail=detail, request_id=rid).model_dump(), status_code=status)


def install(app: FastAPI) -> None:
    """Register the handlers: validation → 422, HTTP errors as they are, core errors by type, anything else → 500."""

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError):
        detail = [{"loc": list(e.get("loc", ())), "msg": e.get("msg")} for e in exc.errors()]
        return error_response(request, 422, "invalid request", detail)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        return error_response(request, exc.status_code, str(exc.detail))

    for exception, status, prefix in STATUS_OF:
        app.add_exception_handler(exception, _typed(status, prefix))


def _typed(status: int, prefix: str | None):
    async def handle(request: Request, exc: Exception):
        if status >= 500:
            log.error("request %s: %s", getattr(request.state, "request_id", "?"), exc)
        return error_response(request, status, f"{prefix}: {exc}" if prefix else str(exc))

    return handle
