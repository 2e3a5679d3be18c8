"""What `GET /api/health` returns."""

from __future__ import annotations

from pydantic import BaseModel


class Health(BaseModel):
    status: str
    index_loaded: bool
    documents: int
    passages: int
    model: str
    error: str | None = None
