"""Dependencies that read the services from the lifespan state."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from rag.services import Services, Snapshot


async def services_dependency(request: Request) -> Services:
    """As a dependency: async, since a sync one costs a hop to the thread pool."""
    return get_services(request)


def get_services(request: Request) -> Services:
    return request.state.services  # type: ignore[no-any-return]


def get_snapshot(request: Request) -> Snapshot:
    """The current index snapshot; 503 (IndexNotReady) while there is none. Sync: catching
    up with writes made by another process may take a while and must not hold the loop."""
    return get_services(request).current()


ServicesDep = Annotated[Services, Depends(services_dependency)]
SnapshotDep = Annotated[Snapshot, Depends(get_snapshot)]
