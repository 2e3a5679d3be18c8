"""Request and response models of the HTTP API (the contract with the page and clients)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints

from rag.answer.models import AnswerMode, Turn

Question = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
MAX_HISTORY_TURNS = 20
MAX_TURN_CHARS = 8000


class HistoryTurn(Turn):
    content: Annotated[str, StringConstraints(max_length=MAX_TURN_CHARS)]


class AskRequest(BaseModel):
    question: Question
    history: list[HistoryTurn] = Field(default_factory=list, max_length=MAX_HISTORY_TURNS)
    top_k: int | None = Field(default=None, ge=1, le=20, description="Passages to draw on.")
    mode: AnswerMode | None = Field(default=None, description="Default: extractive.")


class DocumentIn(BaseModel):
    title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
    text: Annotated[str, StringConstraints(min_length=1, max_length=5_000_000)]
    outlet: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] | None = None
    published: Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)] | None = (
        None
    )
    url: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)] | None = None


class DocumentSummary(BaseModel):
    document_id: str
    title: str
    outlet: str | None
    published: str | None
    url: str | None
    origin: Literal["seed", "added"]
    passages: int
    characters: int


class DocumentList(BaseModel):
    documents: list[DocumentSummary]


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
