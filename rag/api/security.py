"""Token check for writes, request-size limits and security headers."""

from __future__ import annotations

import hmac
import re
from typing import Annotated

from fastapi import Depends, Request
from pydantic import SecretStr
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from rag.api.deps import get_services
from rag.api.errors import error_response
from rag.errors import InvalidInput, RagError

UPLOAD_PATHS = ("/api/documents",)
WRITE_PREFIX = "/api/documents"
# RFC 6750 b64token: what a bearer token may contain, and nothing else (no spaces, tabs).
_TOKEN68 = re.compile(r"[A-Za-z0-9\-._~+/]+=*")
PAGE_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
    "form-action 'self'"
)
# Swagger UI's page bootstraps itself with one inline script.
DOCS_POLICY = PAGE_POLICY.replace("script-src 'self'", "script-src 'self' 'unsafe-inline'").replace(
    "style-src 'self'", "style-src 'self' 'unsafe-inline'"
)


class WritesDisabled(RagError):
    status, code = 403, "writes_disabled"


class Unauthorized(RagError):
    status, code = 401, "unauthorized"


class Forbidden(RagError):
    status, code = 403, "forbidden"


def token_problem(authorization: str | None, token: SecretStr | None) -> RagError | None:
    """Why a write must be refused, or None. The header must be exactly `Bearer <token>`:
    one space, nothing around the token (RFC 6750). The scheme's case is free, as in every
    HTTP authentication scheme (RFC 9110 §11.1)."""
    if token is None:
        return WritesDisabled("adding and deleting documents is disabled; set RAG_API_TOKEN")
    scheme, space, given = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not space or not given:
        return Unauthorized("missing `Authorization: Bearer <token>` header")
    if not _TOKEN68.fullmatch(given):
        return Unauthorized("malformed `Authorization: Bearer <token>` header")
    if not hmac.compare_digest(given.encode(), token.get_secret_value().encode()):
        return Forbidden("wrong token")
    return None


async def require_token(request: Request) -> None:
    """Document changes need RAG_API_TOKEN set, and `Authorization: Bearer <token>`."""
    token = get_services(request).settings.api_token
    problem = token_problem(request.headers.get("authorization"), token)
    if problem is not None:
        raise problem


def is_write(scope: Scope) -> bool:
    return scope["path"].startswith(WRITE_PREFIX) and scope["method"] in ("POST", "DELETE")


TokenDep = Annotated[None, Depends(require_token)]


class UnsupportedMediaType(RagError):
    status, code = 415, "unsupported_media_type"


def media_type(request: Request) -> str:
    """The request body's media type without parameters, lower case ("" when unstated)."""
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


async def known_query(request: Request) -> None:
    """Refuse query parameters the route does not take: a misspelt filter (`outlets=` for
    `outlet=`) would otherwise be dropped and the results silently unfiltered. (Async, as
    the other checks here: a sync dependency costs a hop to the thread pool per request.)"""
    route = request.scope.get("route")
    dependant = getattr(route, "dependant", None)
    if dependant is None:
        return
    known = {p.alias for p in dependant.query_params}
    for dependency in dependant.dependencies:
        known |= {p.alias for p in dependency.query_params}
    unknown = sorted(set(request.query_params) - known)
    if unknown:
        raise InvalidInput(
            f"unknown query parameter {unknown[0]!r}; this route takes "
            f"{', '.join(sorted(known)) or 'none'}",
            field=unknown[0],
        )


async def require_json(request: Request) -> None:
    """JSON endpoints refuse other bodies with 415 instead of a confusing 422."""
    content_type = media_type(request)
    if content_type != "application/json":
        raise UnsupportedMediaType(
            f"send the body as application/json, not {content_type or 'nothing'}"
        )


class BodyLimit:
    """413 for a body over the limit. The body is read here first (bodies are small), so a
    chunked upload without Content-Length is measured too, then replayed to the app.
    A write without the right token is refused before a byte of its body is read."""

    def __init__(
        self, app: ASGIApp, *, max_body: int, max_upload: int, api_token: SecretStr | None
    ) -> None:
        self.app, self.max_body, self.max_upload = app, max_body, max_upload
        self.api_token = api_token

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        if is_write(scope):
            header = dict(scope["headers"]).get(b"authorization")
            problem = token_problem(header.decode("latin-1") if header else None, self.api_token)
            if problem is not None:
                response = error_response(problem.status, problem.code, str(problem))
                await response(scope, receive, send)
                return
        limit = self.max_upload if scope["path"] in UPLOAD_PATHS else self.max_body
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            await _reject(scope, receive, send, limit)
            return
        chunks, size, more = [], 0, True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                await _reject(scope, receive, send, limit)
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


async def _reject(scope: Scope, receive: Receive, send: Send, limit: int) -> None:
    response = error_response(413, "payload_too_large", f"request body over {limit:,} bytes")
    await response(scope, receive, send)


class SecurityHeaders:
    """CSP (no inline scripts on the page), nosniff, no referrer."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        policy = DOCS_POLICY if scope["path"] in ("/docs", "/redoc") else PAGE_POLICY

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers += [
                    (b"content-security-policy", policy.encode()),
                    (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"no-referrer"),
                    (b"x-frame-options", b"DENY"),
                ]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)
