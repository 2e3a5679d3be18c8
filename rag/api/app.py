"""The FastAPI application factory; services are loaded in the lifespan, never at import."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TypedDict

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from rag.api.errors import ErrorBody, install_error_handlers
from rag.api.routes import health, search
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
        lifespan=lifespan,
        responses={
            422: {"model": ErrorBody, "description": "Invalid input"},
            503: {"model": ErrorBody, "description": "Index not loaded"},
        },
    )
    install_error_handlers(app)
    app.include_router(health.router, prefix="/api")
    app.include_router(search.router, prefix="/api")
    if settings.web_dir.is_dir():
        app.mount("/", StaticFiles(directory=settings.web_dir, html=True), name="web")
    else:
        logger.warning("web folder %s not found; the chat page is not served", settings.web_dir)
    return app
