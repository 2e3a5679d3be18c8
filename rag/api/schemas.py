"""Request and response models of the HTTP API (the contract with the page and clients)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, Field, StringConstraints

from rag import limits
from rag.answer.models import AnswerMode, Turn
from rag.ingest.urls import web_url


def unicode_text(value: str) -> str:
    """JSON may carry lone surrogates ("\\ud800"); they are not text and break tokenisers."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError(
            f"contains a lone surrogate ({value[exc.start]!a}) at character {exc.start}; "
            "send valid Unicode text"
        ) from None
    return value


def http_url(value: str | None) -> str | None:
    if value is not None and web_url(value) is None:
        raise ValueError("must be an http:// or https:// URL")
    return value


def _text(max_length: int, *, min_length: int = 0, strip: bool = False) -> object:
    return Annotated[
        str,
        StringConstraints(strip_whitespace=strip, min_length=min_length, max_length=max_length),
        AfterValidator(unicode_text),
    ]


Question = _text(limits.QUESTION_CHARS, min_length=1, strip=True)
TurnText = _text(limits.TURN_CHARS)


class HistoryTurn(Turn):
    content: TurnText  # type: ignore[valid-type]


class AskRequest(BaseModel):
    question: Question  # type: ignore[valid-type]
    history: list[HistoryTurn] = Field(default_factory=list, max_length=limits.HISTORY_TURNS)
    top_k: int | None = Field(default=None, ge=1, le=20, description="Passages to draw on.")
    mode: AnswerMode | None = Field(default=None, description="Default: extractive.")


class DocumentFields(BaseModel):
    """Metadata a client states about an article, from JSON or from multipart fields."""

    title: _text(limits.TITLE_CHARS, min_length=1, strip=True) | None = None  # type: ignore[valid-type]
    outlet: _text(limits.OUTLET_CHARS, strip=True) | None = None  # type: ignore[valid-type]
    published: _text(limits.PUBLISHED_CHARS, strip=True) | None = None  # type: ignore[valid-type]
    url: Annotated[
        _text(limits.URL_CHARS, strip=True) | None,  # type: ignore[valid-type]
        AfterValidator(http_url),
    ] = None


class DocumentIn(DocumentFields):
    title: _text(limits.TITLE_CHARS, min_length=1, strip=True)  # type: ignore[valid-type]
    text: _text(limits.ARTICLE_CHARS, min_length=1)  # type: ignore[valid-type]


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
