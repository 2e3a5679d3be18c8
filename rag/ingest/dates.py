"""Dates as sources state them -> ISO 8601, keeping exactly the precision they give."""

from __future__ import annotations

import re
from datetime import date, datetime
from email.utils import parsedate_to_datetime

_DATE_ONLY = re.compile(r"\d{4}-\d{2}-\d{2}")


def iso_date(value: str | None) -> str | None:
    """ISO 8601 for a stated date: with its time zone when the source gives one, the
    date alone when the source gives only a date. None when nothing parses (never a guess).

    Accepts ISO 8601 ("2024-03-14", "2024-03-14T09:30:00+03:00", "…Z", "+0300") and
    RFC 822 as feeds write it ("Thu, 14 Mar 2024 09:30:00 +0300")."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    if _DATE_ONLY.fullmatch(text):
        try:
            return date.fromisoformat(text).isoformat()
        except ValueError:
            return None
    try:
        return datetime.fromisoformat(text).isoformat()
    except ValueError:
        pass
    try:
        stated = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    # "-0000" in RFC 822 means "zone unknown": email.utils gives a naive datetime then.
    return stated.isoformat()


def iso_from_extractor(value: str | None) -> str | None:
    """htmldate writes "%Y-%m-%dT%H:%M:%S%z": a midnight without a zone is how it writes a
    page that stated only the day, so it becomes the date alone (no invented time)."""
    if not value:
        return None
    stated = iso_date(value)
    if stated and stated.endswith("T00:00:00"):
        return stated[:10]
    return stated
