"""The search result shape shared by `rag search --json` and `GET /api/search`."""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel, Field

from rag.types import Hit


class SearchHit(BaseModel):
    passage_id: str
    document_id: str
    title: str = Field(description="The article's title, or its opening words if it has none.")
    outlet: str | None = Field(description="Only when the article itself names it.")
    published: str | None = Field(
        default=None, description="ISO 8601, only when the article or its page states it."
    )
    text: str
    start: int = Field(description="Offset of the passage in the document's canonical text.")
    end: int
    score: float = Field(description="Reciprocal rank fusion score.")
    dense_rank: int | None = Field(description="1-based rank by embedding similarity.")
    lexical_rank: int | None = Field(description="1-based rank by BM25.")


class SearchResults(BaseModel):
    query: str
    hits: list[SearchHit]

    @classmethod
    def from_hits(cls, query: str, hits: Sequence[Hit]) -> SearchResults:
        return cls(
            query=query,
            hits=[
                SearchHit(
                    passage_id=h.passage.passage_id,
                    document_id=h.passage.document_id,
                    title=h.document.title or "",
                    outlet=h.document.outlet,
                    published=h.document.published,
                    text=h.passage.text,
                    start=h.passage.start,
                    end=h.passage.end,
                    score=round(h.score, 6),
                    dense_rank=h.dense_rank,
                    lexical_rank=h.lexical_rank,
                )
                for h in hits
            ],
        )
