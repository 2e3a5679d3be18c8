"""JSON Lines exports -> articles: one {"text", "title"?, "outlet"?, "published"?, "url"?,
"id"?} object a line, checked with the same limits as the API (rag/limits.py)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, StringConstraints, ValidationError

from rag import limits
from rag.ingest.dates import iso_date
from rag.ingest.urls import web_url
from rag.types import DocumentMeta

RECORD_SUFFIXES = (".jsonl",)


def _web(value: str | None) -> str | None:
    if value is not None and web_url(value) is None:
        raise ValueError("must be an http:// or https:// URL")
    return value


def _date(value: str | None) -> str | None:
    if value is not None and iso_date(value) is None:
        raise ValueError("must be an ISO 8601 or RFC 822 date, e.g. 2024-03-14T09:30:00+03:00")
    return iso_date(value)


def _unicode(value: str) -> str:
    """JSON may carry lone surrogates ("\\ud800"): not text, and they break tokenisers."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError(f"contains a lone surrogate at character {exc.start}") from None
    return value


def _text(max_length: int, min_length: int = 0) -> object:
    return Annotated[
        str,
        StringConstraints(strip_whitespace=True, min_length=min_length, max_length=max_length),
        AfterValidator(_unicode),
    ]


class Record(BaseModel):
    """One line of a .jsonl export. Unknown keys are refused, so a typo is not lost."""

    model_config = ConfigDict(extra="forbid")

    text: _text(limits.ARTICLE_CHARS, min_length=1)  # type: ignore[valid-type]
    title: _text(limits.TITLE_CHARS, min_length=1) | None = None  # type: ignore[valid-type]
    outlet: _text(limits.OUTLET_CHARS, min_length=1) | None = None  # type: ignore[valid-type]
    published: Annotated[
        _text(limits.PUBLISHED_CHARS) | None,  # type: ignore[valid-type]
        AfterValidator(_date),
    ] = None
    url: Annotated[
        _text(limits.URL_CHARS) | None,  # type: ignore[valid-type]
        AfterValidator(_web),
    ] = None
    author: _text(limits.AUTHOR_CHARS, min_length=1) | None = None  # type: ignore[valid-type]
    id: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")] | None = (
        None
    )

    @property
    def meta(self) -> DocumentMeta:
        return DocumentMeta.model_validate(self, from_attributes=True)


@dataclass(frozen=True)
class RecordLine:
    line: int  # 1-based line number in the file
    record: Record | None
    problem: str | None  # why the line was left out, when record is None


def read_records(text: str) -> Iterator[RecordLine]:
    """Every non-blank line, parsed and validated; a bad line gives its reason, not an error."""
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            yield RecordLine(number, Record.model_validate(json.loads(line)), None)
        except json.JSONDecodeError as exc:
            yield RecordLine(number, None, f"not JSON ({exc.msg} at column {exc.colno})")
        except ValidationError as exc:
            yield RecordLine(number, None, _first_error(exc))


def _first_error(exc: ValidationError) -> str:
    error = exc.errors()[0]
    where = ".".join(str(part) for part in error["loc"])
    if error["type"] == "model_type":
        return "not a JSON object"
    return f"{where}: {error['msg']}" if where else str(error["msg"])
