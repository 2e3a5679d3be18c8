"""Core data types shared by ingestion, the index, retrieval and the API."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

Span = tuple[int, int]


class DocumentMeta(BaseModel):
    """What is known about an article. Only what the article itself states; None otherwise.
    From anything with these attributes (a seeds-manifest entry, a .jsonl record):
    `DocumentMeta.model_validate(thing, from_attributes=True)`."""

    model_config = ConfigDict(frozen=True)

    title: str | None = None
    outlet: str | None = None
    published: str | None = None
    url: str | None = None
    author: str | None = None  # the byline, as the source states it


class Document(BaseModel):
    """An article in its canonical (cleaned) form. Offsets everywhere point into `text`."""

    model_config = ConfigDict(frozen=True)

    id: str
    title: str | None = None
    outlet: str | None = None
    published: str | None = None
    url: str | None = None
    author: str | None = None
    text: str
    content_sha256: str
    origin: Literal["seed", "added"] = "added"
    source_file: str | None = None
    source_sha256: str | None = None

    @property
    def label(self) -> str:
        """A human name for the article, never invented: its title or its opening words."""
        if self.title:
            return self.title
        opening = self.text.split("\n", 1)[0]
        return opening if len(opening) <= 80 else opening[:77].rsplit(" ", 1)[0] + " …"


class Passage(BaseModel):
    """A run of whole sentences of one document; `document.text[start:end] == text`."""

    model_config = ConfigDict(frozen=True)

    passage_id: str
    document_id: str
    ordinal: int
    start: int
    end: int
    text: str
    sentences: list[Span]  # absolute offsets into the document text
    # Typed spans (start, end, type: person, organisation, place, date, number, money,
    # percentage…), absolute offsets; empty when the index was built without an annotator.
    entities: list[tuple[int, int, str]] = []


class Hit(BaseModel):
    """One retrieved passage, with the evidence of how it was ranked."""

    model_config = ConfigDict(frozen=True)

    passage: Passage
    document: DocumentMeta
    row: int  # the passage's row in the store searched (its vectors, its sentences)
    score: float  # fused (reciprocal rank fusion) score
    dense_rank: int | None = None  # 1-based; None when outside the dense candidates
    lexical_rank: int | None = None
    dense_score: float | None = None
    lexical_score: float | None = None
