"""One error shape for every failure: {"error": {"code", "message", "field"?}}."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException

from rag.errors import RagError

logger = logging.getLogger(__name__)

_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    413: "payload_too_large",
    415: "unsupported_media_type",
    429: "too_many_requests",
}


_TYPE_TAGS = frozenset({"str", "constrained-str", "list", "none", "int", "dict"})


class ErrorDetail(BaseModel):
    code: str
    message: str
    field: str | None = None


class ErrorBody(BaseModel):
    error: ErrorDetail


def error_response(status: int, code: str, message: str, field: str | None = None) -> JSONResponse:
    body = ErrorBody(error=ErrorDetail(code=code, message=message, field=field))
    return JSONResponse(body.model_dump(exclude_none=True), status_code=status)


async def _rag_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RagError)
    if exc.public:
        logger.warning("%s %s: %s", request.method, request.url.path, exc)
    return error_response(exc.status, exc.code, exc.client_message(), exc.field)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = exc.errors()
    # In a union (text or content parts) the first error is often the wrong branch's.
    first = next((e for e in errors if e.get("type") == "string_unicode"), None) or (
        errors[0] if errors else {}
    )
    if first.get("type") == "json_invalid":
        position = first.get("loc", ("body", "?"))[-1]
        reason = first.get("ctx", {}).get("error", "cannot be decoded")
        return error_response(
            422,
            "validation_error",
            f"the body is not valid JSON: {reason} (at character {position})",
        )
    location = [str(part) for part in first.get("loc", ()) if part not in ("body", "query", "path")]
    # Union members and validator wrappers ("function-after[…]", "str") are not fields.
    field = ".".join(p for p in location if "[" not in p and p not in _TYPE_TAGS) or None
    # "Value error, …" is pydantic's wording for our own validators' messages.
    message = str(first.get("msg", "invalid request")).removeprefix("Value error, ")
    if first.get("type") == "string_unicode":
        message = "must be valid Unicode text (it holds a lone surrogate such as \\ud800)"
    return error_response(
        422, "validation_error", f"{field}: {message}" if field else message, field
    )


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    code = _HTTP_CODES.get(exc.status_code, "http_error")
    message = exc.detail if isinstance(exc.detail, str) else code.replace("_", " ")
    return error_response(exc.status_code, code, message)


async def _unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    logger.exception("unhandled error on %s %s", request.method, request.url.path)
    return error_response(500, "internal", "internal error; the server log has the details")


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RagError, _rag_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected_error)
