"""OpenAI-compatible chat API: /v1/models and /v1/chat/completions (plain and streamed).

The last user message is the question, earlier user and assistant messages are the
history (system messages are ignored: the assistant's rules are its own). The reply's
content carries the [n] markers; the citations travel in an extra top-level `citations`
field (on the last chunk when streaming)."""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Iterable, Iterator
from typing import Any

from fastapi import APIRouter, Depends
from fastapi.responses import StreamingResponse

from rag import limits
from rag.api.deps import ServicesDep
from rag.api.routes.ask import SSE_HEADERS
from rag.api.security import require_json
from rag.errors import InvalidInput, RagError
from rag.wire.answers import AnswerEvent, AnswerMode, StreamEvent, Turn, answer_deltas
from rag.wire.filters import to_filters
from rag.wire.openai import (
    ChatCompletion,
    ChatCompletionRequest,
    ChatMessage,
    Choice,
    ChoiceMessage,
    ModelCard,
    ModelList,
)

logger = logging.getLogger(__name__)
router = APIRouter(tags=["openai-compatible"])
MODELS: dict[str, AnswerMode] = {"rag-extractive": "extractive", "rag-generative": "generative"}


def split_conversation(messages: list[ChatMessage]) -> tuple[str, list[Turn]]:
    """(question, history) from OpenAI messages."""
    turns = [m for m in messages if m.role in ("user", "assistant") and m.text().strip()]
    if not turns or turns[-1].role != "user":
        raise InvalidInput("the last message must be the user's question", field="messages")
    question = " ".join(turns[-1].text().split())
    if not question or len(question) > limits.QUESTION_CHARS:
        raise InvalidInput(
            f"the question must have 1 to {limits.QUESTION_CHARS} characters", field="messages"
        )
    history = [Turn(role=m.role, content=m.text()) for m in turns[:-1]]  # type: ignore[arg-type]
    return question, history[-limits.HISTORY_TURNS :]


def _mode(model: str) -> AnswerMode:
    if model not in MODELS:
        raise InvalidInput(
            f"unknown model {model!r}; GET /v1/models lists {', '.join(MODELS)}", field="model"
        )
    return MODELS[model]


@router.get("/models", response_model=ModelList)
def list_models(services: ServicesDep) -> ModelList:
    """The answer modes this server offers (rag-generative only with a chat model set up)."""
    offered = [
        n
        for n, mode in MODELS.items()
        if mode == "extractive" or services.settings.generator != "none"
    ]
    return ModelList(data=[ModelCard(id=name) for name in offered])


def _chunk(completion_id: str, model: str, delta: dict[str, Any], **extra: Any) -> str:
    body = {
        "id": completion_id,
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": extra.pop("finish", None)}],
        **extra,
    }
    return f"data: {json.dumps(body, ensure_ascii=False)}\n\n"


def _completion_stream(events: Iterable[StreamEvent], model: str) -> Iterator[str]:
    """Chunks of the *checked* answer, sentence by sentence: clients that only append
    deltas must end with exactly the content a non-streamed reply would have, so a
    generative model's raw tokens (which checking may cut) are not forwarded here."""
    completion_id = f"chatcmpl-{uuid.uuid4().hex}"
    yield _chunk(completion_id, model, {"role": "assistant", "content": ""})
    try:
        for event in events:
            if not isinstance(event, AnswerEvent):
                continue
            answer = event.answer
            for text in answer_deltas(answer.sentences):
                yield _chunk(completion_id, model, {"content": text})
            yield _chunk(
                completion_id,
                model,
                {},
                finish="stop",
                citations=[c.model_dump() for c in answer.citations],
                conflicts=[c.model_dump() for c in answer.conflicts],
                abstained=answer.abstained,
            )
    except RagError as exc:
        yield _error_chunk(exc.code, exc.client_message())
    except Exception:  # the 200 is sent: report in-band and still end the stream properly
        logger.exception("chat completion stream failed")
        yield _error_chunk("internal", "internal error; the server log has the details")
    yield "data: [DONE]\n\n"


def _error_chunk(code: str, message: str) -> str:
    return f"data: {json.dumps({'error': {'code': code, 'message': message}})}\n\n"


@router.post(
    "/chat/completions", response_model=ChatCompletion, dependencies=[Depends(require_json)]
)
def chat_completions(body: ChatCompletionRequest, services: ServicesDep) -> Any:
    """Answer the last user message; `stream: true` sends chat.completion.chunk events."""
    question, history = split_conversation(body.messages)
    answerer = services.answerer(_mode(body.model))
    if body.stream:
        events = answerer.stream(question, history, filters=to_filters(body.filters))
        return StreamingResponse(
            _completion_stream(events, body.model),
            media_type="text/event-stream",
            headers=SSE_HEADERS,
        )
    answer = answerer.answer(question, history, filters=to_filters(body.filters))
    return ChatCompletion(
        id=f"chatcmpl-{uuid.uuid4().hex}",
        created=int(time.time()),
        model=body.model,
        choices=[Choice(message=ChoiceMessage(content=answer.answer))],
        citations=answer.citations,
        conflicts=answer.conflicts,
        abstained=answer.abstained,
        standalone_question=answer.standalone_question,
    )
