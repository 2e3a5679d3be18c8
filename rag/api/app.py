"""The FastAPI application factory; services are loaded in the lifespan, never at import."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TypedDict

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.staticfiles import StaticFiles

from rag.api.docs import install_docs
from rag.api.errors import ErrorBody, install_error_handlers
from rag.api.routes import ask, documents, health, openai, passages, search
from rag.api.security import BodyLimit, SecurityHeaders
from rag.config import Settings
from rag.services import Services

logger = logging.getLogger(__name__)


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
        BodyLimit, max_body=settings.max_body_bytes, max_upload=settings.max_upload_bytes
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
    if settings.web_dir.is_dir():
        app.mount("/", StaticFiles(directory=settings.web_dir, html=True), name="web")
    else:
        logger.warning("web folder %s not found; the chat page is not served", settings.web_dir)
    return app
