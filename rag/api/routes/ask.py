"""POST /api/ask and /api/ask/stream."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.responses import StreamingResponse

from rag.api.deps import ServicesDep
from rag.api.security import require_json
from rag.api.sse import answer_stream
from rag.wire.answers import Answer, AskRequest
from rag.wire.filters import to_filters

router = APIRouter(tags=["answers"])
SSE_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}


@router.post("/ask", response_model=Answer, dependencies=[Depends(require_json)])
def ask(body: AskRequest, services: ServicesDep) -> Answer:
    """Answer a question from the articles; every sentence cites the sentences it rests on."""
    answerer = services.answerer(body.mode or "extractive")
    return answerer.answer(
        body.question, body.history, top_k=body.top_k, filters=to_filters(body.filters)
    )


@router.post(
    "/ask/stream",
    dependencies=[Depends(require_json)],
    response_class=StreamingResponse,
    responses={
        200: {"content": {"text/event-stream": {}}, "description": "SSE: sources, delta…, answer"}
    },
)
def ask_stream(body: AskRequest, services: ServicesDep) -> StreamingResponse:
    """The same answer as Server-Sent Events: `sources` (the passages drawn on), `delta` (text),
    `answer` (the complete answer JSON of /api/ask), or `error`."""
    answerer = services.answerer(body.mode or "extractive")  # 503s happen before the stream
    events = answerer.stream(
        body.question, body.history, top_k=body.top_k, filters=to_filters(body.filters)
    )
    return StreamingResponse(
        answer_stream(events), media_type="text/event-stream", headers=SSE_HEADERS
    )
