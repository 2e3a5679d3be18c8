"""Documents and passages on the wire: what a client sends to add an article, and what
listing, reading, adding and deleting documents return."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, Field

from rag import limits
from rag.types import Document
from rag.wire.fields import http_url, text_field


class DocumentFields(BaseModel):
    """Metadata a client states about an article, from JSON or from multipart fields."""

    title: text_field(limits.TITLE_CHARS, min_length=1, strip=True) | None = None  # type: ignore[valid-type]
    outlet: text_field(limits.OUTLET_CHARS, strip=True) | None = None  # type: ignore[valid-type]
    published: text_field(limits.PUBLISHED_CHARS, strip=True) | None = None  # type: ignore[valid-type]
    url: Annotated[
        text_field(limits.URL_CHARS, strip=True) | None,  # type: ignore[valid-type]
        AfterValidator(http_url),
    ] = None
    author: text_field(limits.AUTHOR_CHARS, strip=True) | None = None  # type: ignore[valid-type]


class DocumentIn(DocumentFields):
    title: text_field(limits.TITLE_CHARS, min_length=1, strip=True)  # type: ignore[valid-type]
    text: text_field(limits.ARTICLE_CHARS, min_length=1)  # type: ignore[valid-type]


class DocumentSummary(BaseModel):
    document_id: str
    title: str
    outlet: str | None
    published: str | None
    url: str | None
    author: str | None = None
    origin: Literal["seed", "added"]
    passages: int
    characters: int


DocumentOrder = Literal["newest", "oldest", "title", "added"]


class OutletCount(BaseModel):
    name: str
    documents: int


class DocumentList(BaseModel):
    documents: list[DocumentSummary] = Field(description="This page of the matching articles.")
    total: int = Field(description="How many articles match (all pages).")
    offset: int
    limit: int
    outlets: list[OutletCount] = Field(
        description="Every outlet named by an indexed article, with its article count."
    )


class PassageSpan(BaseModel):
    passage_id: str
    ordinal: int
    start: int
    end: int


class Highlight(BaseModel):
    start: int
    end: int
    text: str
    context_before: str = Field(description="Up to three sentences before the span.")
    context_after: str = Field(description="Up to three sentences after the span.")


class DocumentDetail(DocumentSummary):
    text: str
    passage_spans: list[PassageSpan]
    highlight: Highlight | None = None


class PassageDetail(BaseModel):
    passage_id: str
    document_id: str
    ordinal: int
    start: int
    end: int
    text: str
    sentences: list[tuple[int, int]]
    document: DocumentSummary
    previous_passage_id: str | None
    next_passage_id: str | None


class AddedDocument(BaseModel):
    document_id: str
    duplicate: bool = Field(description="True when the same content was already indexed.")
    document: DocumentSummary
    passages: list[PassageSpan]


class DeletedDocument(BaseModel):
    deleted: str
    documents: int = Field(description="Documents left in the index.")


def document_fields(document: Document) -> dict[str, str | None]:
    """A document's metadata as the wire names it: the one place it is copied field by
    field. Models that carry fewer of these fields ignore the others (pydantic's default)."""
    return {
        "document_id": document.id,
        "title": document.label,
        "outlet": document.outlet,
        "published": document.published,
        "url": document.url,
        "author": document.author,
    }
