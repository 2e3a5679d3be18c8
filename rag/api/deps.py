"""Dependencies that read the services from the lifespan state."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from rag.services import Services, Snapshot


def get_services(request: Request) -> Services:
    return request.state.services  # type: ignore[no-any-return]


def get_snapshot(request: Request) -> Snapshot:
    """The current index snapshot; 503 (IndexNotReady) while there is none."""
    return get_services(request).current()


ServicesDep = Annotated[Services, Depends(get_services)]
SnapshotDep = Annotated[Snapshot, Depends(get_snapshot)]
