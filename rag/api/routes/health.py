"""GET /api/health."""

from __future__ import annotations

from fastapi import APIRouter

from rag.api.deps import ServicesDep
from rag.wire.health import Health

router = APIRouter(tags=["health"])


@router.get("/health", response_model=Health)
def health(services: ServicesDep) -> Health:
    """Whether the index is loaded, with document and passage counts and the model."""
    if not services.ready:
        return Health(
            status="index_not_ready",
            index_loaded=False,
            documents=0,
            passages=0,
            model=services.embedder.name,
            error=services.load_error,
        )
    store = services.current().store
    return Health(
        status="ok",
        index_loaded=True,
        documents=len(store.documents),
        passages=len(store.passages),
        model=services.embedder.name,
    )
