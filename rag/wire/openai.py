"""The OpenAI-compatible chat shapes of `/v1/models` and `/v1/chat/completions`: the
request we read (unknown fields ignored) and the reply, with our extra `citations`,
`conflicts`, `abstained` and `standalone_question` fields."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from rag import limits
from rag.wire.answers import Citation, Conflict
from rag.wire.fields import TurnText
from rag.wire.filters import FilterFields


class ContentPart(BaseModel):
    model_config = ConfigDict(extra="ignore")  # image_url and other parts are not read

    type: str
    text: TurnText | None = None  # type: ignore[valid-type]


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="ignore")

    role: Literal["system", "developer", "user", "assistant", "tool"]
    content: TurnText | list[ContentPart] | None = None  # type: ignore[valid-type]

    def text(self) -> str:
        if isinstance(self.content, list):
            return " ".join(p.text or "" for p in self.content if p.type == "text")
        return self.content or ""

    @model_validator(mode="after")
    def _bounded(self) -> ChatMessage:
        if len(self.text()) > limits.TURN_CHARS:  # many parts add up, too
            raise ValueError(f"a message may hold at most {limits.TURN_CHARS} characters")
        return self


class ChatCompletionRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")  # temperature, top_p…: not ours to honour

    model: str = "rag-extractive"
    messages: list[ChatMessage] = Field(min_length=1, max_length=limits.CHAT_MESSAGES)
    stream: bool = False
    filters: FilterFields | None = Field(
        default=None, description="Ours: draw only on the articles these admit."
    )


class ModelCard(BaseModel):
    id: str
    object: Literal["model"] = "model"
    created: int = 0
    owned_by: str = "rag"


class ModelList(BaseModel):
    object: Literal["list"] = "list"
    data: list[ModelCard]


class ChoiceMessage(BaseModel):
    role: Literal["assistant"] = "assistant"
    content: str


class Choice(BaseModel):
    index: int = 0
    message: ChoiceMessage
    finish_reason: Literal["stop"] = "stop"


class Usage(BaseModel):
    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0


class ChatCompletion(BaseModel):
    id: str
    object: Literal["chat.completion"] = "chat.completion"
    created: int
    model: str
    choices: list[Choice]
    usage: Usage = Usage()
    citations: list[Citation]
    conflicts: list[Conflict] = []
    abstained: bool
    standalone_question: str
