"""Bounded, valid-Unicode text fields that requests are made of (limits from rag.limits)."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, StringConstraints

from rag import limits
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


def text_field(max_length: int, *, min_length: int = 0, strip: bool = False) -> object:
    """A str of bounded length that is valid Unicode, optionally stripped."""
    return Annotated[
        str,
        StringConstraints(strip_whitespace=strip, min_length=min_length, max_length=max_length),
        AfterValidator(unicode_text),
    ]


Question = text_field(limits.QUESTION_CHARS, min_length=1, strip=True)
TurnText = text_field(limits.TURN_CHARS)
