"""The answer contract: what `POST /api/ask` takes and returns, what `rag ask --json`
prints, the events of an answer stream, and the one citation-marker formatter."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from pydantic import BaseModel, Field

from rag import limits
from rag.wire.fields import Question, TurnText
from rag.wire.filters import FilterFields

Role = Literal["user", "assistant"]
AnswerMode = Literal["extractive", "generative"]


class Turn(BaseModel):
    role: Role
    content: str


class HistoryTurn(Turn):
    content: TurnText  # type: ignore[valid-type]


class AskRequest(BaseModel):
    question: Question  # type: ignore[valid-type]
    history: list[HistoryTurn] = Field(default_factory=list, max_length=limits.HISTORY_TURNS)
    top_k: int | None = Field(default=None, ge=1, le=20, description="Passages to draw on.")
    mode: AnswerMode | None = Field(default=None, description="Default: extractive.")
    filters: FilterFields | None = Field(
        default=None, description="Draw only on the articles these admit."
    )


class Corroboration(BaseModel):
    """The same fact reported by another article, in its own words."""

    document_id: str
    outlet: str | None
    title: str
    quote: str
    start: int
    end: int


class Citation(BaseModel):
    n: int = Field(description="The number used by the [n] markers in the answer.")
    passage_id: str
    document_id: str
    title: str
    outlet: str | None
    published: str | None
    quote: str = Field(description="The supporting sentence(s): document.text[start:end].")
    start: int
    end: int
    passage_text: str
    also_reported_by: list[Corroboration] = []


SentenceRole = Literal["statement", "short_answer", "disagreement"]


class AnswerSentence(BaseModel):
    text: str
    citations: list[int]
    role: SentenceRole = Field(
        default="statement",
        description="`short_answer`: the asked name, date or amount alone, before the quote "
        "that states it (joined to it by a colon); `disagreement`: the plain-text form of "
        "`conflicts`; `statement`: a quoted, cited sentence.",
    )


class Conflict(BaseModel):
    """One version of a fact that sources state differently."""

    answer: str = Field(description="The version, as the source states it.")
    citations: list[int] = Field(description="The [n] of the sources that state it.")


def cited_text(sentence: AnswerSentence) -> str:
    """One answer sentence as text: "It was founded in 2003. [1][2]" (no markers when it
    cites nothing). The only place markers are written, for every mode and endpoint."""
    markers = "".join(f"[{n}]" for n in sentence.citations)
    return f"{sentence.text} {markers}" if markers else sentence.text


def answer_text(sentences: Sequence[AnswerSentence]) -> str:
    """ "Jane Doe [1]: The minister, Jane Doe, said … [1] Another sentence. [2]"."""
    return "".join(answer_deltas(sentences))


def answer_deltas(sentences: Sequence[AnswerSentence]) -> list[str]:
    """The answer's text in sentence-sized pieces (what a stream sends)."""
    return [_separator(sentences, i) + cited_text(s) for i, s in enumerate(sentences)]


def _separator(sentences: Sequence[AnswerSentence], i: int) -> str:
    if i == 0:
        return ""
    return ": " if sentences[i - 1].role == "short_answer" else " "


class Answer(BaseModel):
    question: str
    standalone_question: str = Field(description="The question with follow-up context resolved.")
    answer: str = Field(description="Plain text with [n] citation markers.")
    abstained: bool
    mode: AnswerMode
    sentences: list[AnswerSentence]
    citations: list[Citation]
    conflicts: list[Conflict] = Field(
        default=[],
        description="When credible sources state different answers (another name, number or "
        "place): each version with its citations. Empty when they agree.",
    )
    timings_ms: dict[str, float]


class SourcePassage(BaseModel):
    """A passage handed to the answer, before its sentences are chosen or checked."""

    n: int
    passage_id: str
    document_id: str
    title: str
    outlet: str | None
    published: str | None
    start: int
    end: int
    text: str


class SourcesEvent(BaseModel):
    type: Literal["sources"] = "sources"
    sources: list[SourcePassage]


class DeltaEvent(BaseModel):
    type: Literal["delta"] = "delta"
    text: str


class AnswerEvent(BaseModel):
    type: Literal["answer"] = "answer"
    answer: Answer


StreamEvent = SourcesEvent | DeltaEvent | AnswerEvent
