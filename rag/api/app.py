"""The FastAPI application factory; services are loaded in the lifespan, never at import."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypedDict

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.routing import Match, Mount, Router
from starlette.types import Receive, Scope, Send

from rag.api.errors import ErrorBody, error_response, install_error_handlers
from rag.api.routes import ask, documents, health, openai, passages, search
from rag.api.security import BodyLimit, SecurityHeaders
from rag.api.swagger import install_docs
from rag.config import Settings
from rag.logs import configure_logging
from rag.services import Services

logger = logging.getLogger(__name__)
API_PREFIXES = ("/api/", "/v1/")
_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
PAGE_DIR = Path(__file__).resolve().parent.parent / "web"  # shipped inside the package


class State(TypedDict):
    services: Services


def create_app(settings: Settings | None = None, *, services: Services | None = None) -> FastAPI:
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[State]:
        yield {"services": services or Services.load(settings)}

    app = FastAPI(
        title="rag — cited answers from news articles",
        version="0.1.0",
        description="Questions answered from news articles, every sentence cited to the exact "
        'sentence it rests on. Errors: `{"error": {"code", "message", "field"?}}`.',
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        responses={
            413: {"model": ErrorBody, "description": "Body too large"},
            422: {"model": ErrorBody, "description": "Invalid input"},
            503: {"model": ErrorBody, "description": "Index or model not loaded"},
        },
    )
    install_error_handlers(app)
    app.add_middleware(
        BodyLimit,
        max_body=settings.max_body_bytes,
        max_upload=settings.max_upload_bytes,
        api_token=settings.api_token,
    )
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "DELETE"],
            allow_headers=["Authorization", "Content-Type"],
        )
    app.add_middleware(SecurityHeaders)
    for router in (health.router, search.router, ask.router, passages.router, documents.router):
        app.include_router(router, prefix="/api")
    app.include_router(openai.router, prefix="/v1")
    install_docs(app)
    web_dir = settings.web_dir or PAGE_DIR
    if web_dir.is_dir():
        app.mount("/", PageFiles(app.router, directory=web_dir, html=True), name="web")
    else:
        logger.warning("web folder %s not found; the chat page is not served", web_dir)
    return app


def serving_process() -> None:
    """Set up a process that serves requests. A single query gains nothing from FAISS's
    OpenMP threads at these sizes, and their spin-waits take the core that the embedder and
    concurrent requests need (CPU per search fell by about a third on 2 cores); builds
    elsewhere keep every core."""
    import faiss

    faiss.omp_set_num_threads(1)


def worker_app() -> FastAPI:
    """The app of one worker process of `rag serve` (RAG_WORKERS > 1, see workers.py), set
    from the environment it inherited."""
    settings = Settings()
    configure_logging(settings.log_level)
    serving_process()
    return create_app(settings)


class PageFiles(StaticFiles):
    """The chat page's files, mounted at `/`. A request for an API path that reached
    here matched no route: 405 (with Allow) when the path exists for other methods,
    else 404, in the API's error shape, instead of a static-file lookup."""

    def __init__(self, router: Router, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._router = router

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope["path"]
        if scope["type"] == "http" and path.startswith(API_PREFIXES):
            response = _unrouted(self._router, scope)
            await response(scope, receive, send)
            return
        await super().__call__(scope, receive, send)


def _unrouted(router: Router, scope: Scope) -> JSONResponse:
    allowed = {
        method
        for method in _METHODS
        if any(
            route.matches({**scope, "method": method})[0] == Match.FULL
            for route in router.routes
            if not isinstance(route, Mount)  # the page itself matches every path
        )
    }
    if not allowed:
        return error_response(404, "not_found", f"no API endpoint at {scope['path']}")
    response = error_response(
        405,
        "method_not_allowed",
        f"{scope['method']} is not allowed on {scope['path']}; use {', '.join(sorted(allowed))}",
    )
    response.headers["Allow"] = ", ".join(sorted(allowed))
    return response
