"""Server-Sent Events framing of answer streams; an error after the start is an event."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Iterator

from rag.errors import RagError
from rag.wire.answers import AnswerEvent, DeltaEvent, SourcesEvent, StreamEvent

logger = logging.getLogger(__name__)


def frame(event: str, data: object) -> str:
    """One SSE message; JSON never contains a raw newline, so one data line suffices."""
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


def _payload(event: StreamEvent) -> tuple[str, object]:
    if isinstance(event, SourcesEvent):
        return event.type, {"sources": [s.model_dump() for s in event.sources]}
    if isinstance(event, DeltaEvent):
        return "delta", {"text": event.text}
    if isinstance(event, AnswerEvent):
        return "answer", event.answer.model_dump()
    raise TypeError(f"unknown stream event {event!r}")


def answer_stream(events: Iterable[StreamEvent]) -> Iterator[str]:
    """SSE text for an answer: sources, deltas, answer; or an `error` event."""
    try:
        for event in events:
            yield frame(*_payload(event))
    except RagError as exc:
        yield frame("error", {"error": {"code": exc.code, "message": exc.client_message()}})
    except Exception:  # the stream has begun: the status line is gone, report in-band
        logger.exception("answer stream failed")
        yield frame("error", {"error": {"code": "internal", "message": "internal error"}})
