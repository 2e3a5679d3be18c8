"""GET /api/search."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from rag import limits
from rag.api.deps import SnapshotDep
from rag.wire.search import SearchResults

router = APIRouter(tags=["search"])


@router.get("/search", response_model=SearchResults)
def search(
    snapshot: SnapshotDep,
    q: Annotated[
        str, Query(min_length=1, max_length=limits.QUESTION_CHARS, description="The query.")
    ],
    k: Annotated[int, Query(ge=1, le=50, description="How many passages.")] = 5,
) -> SearchResults:
    """Passages ranked by hybrid (dense + BM25) retrieval, with both ranks for each."""
    return SearchResults.from_hits(q, snapshot.retriever.search(q, k))
