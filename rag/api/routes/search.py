"""GET /api/search."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from rag import limits
from rag.api.deps import ServicesDep
from rag.api.security import known_query
from rag.wire.filters import query_filters
from rag.wire.search import SearchResults

router = APIRouter(tags=["search"])


@router.get("/search", response_model=SearchResults, dependencies=[Depends(known_query)])
def search(
    services: ServicesDep,
    q: Annotated[
        str, Query(min_length=1, max_length=limits.QUESTION_CHARS, description="The query.")
    ],
    k: Annotated[int, Query(ge=1, le=50, description="How many passages.")] = 5,
    outlet: Annotated[
        list[str], Query(max_length=limits.FILTER_VALUES, description="Only these outlets.")
    ] = [],  # noqa: B006 (FastAPI copies query defaults)
    published_from: Annotated[date | None, Query(description="Published on or after.")] = None,
    published_to: Annotated[date | None, Query(description="Published on or before.")] = None,
    document_id: Annotated[
        list[str], Query(max_length=limits.FILTER_VALUES, description="Only these articles.")
    ] = [],  # noqa: B006
) -> SearchResults:
    """Passages ranked by hybrid (dense + BM25) retrieval, with both ranks for each; only
    from the articles the filters admit (every filter given must hold)."""
    filters = query_filters(outlet, published_from, published_to, document_id)
    retriever = services.current().retriever  # here, not a dependency: one thread hop
    return SearchResults.from_hits(q, retriever.search(q, k, filters=filters))
