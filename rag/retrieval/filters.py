"""Filters on what a search or an answer may draw on: outlets, a publication date range,
and document ids; and questions that ask for the latest news.

A document passes when it meets every filter given. A date filter only admits documents
whose own text or page states a publication date (an undated article cannot be known to
fall in the range). Dates compare by their calendar day as published (ISO 8601 text)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import numpy as np

from rag.index.store import IndexStore
from rag.types import Document


@dataclass(frozen=True)
class Filters:
    outlets: frozenset[str] = frozenset()  # compared without regard to case
    published_from: date | None = None
    published_to: date | None = None
    document_ids: frozenset[str] = frozenset()

    @classmethod
    def of(
        cls,
        *,
        outlets: Iterable[str] = (),
        published_from: date | None = None,
        published_to: date | None = None,
        document_ids: Iterable[str] = (),
    ) -> Filters:
        return cls(
            outlets=frozenset(o.strip().casefold() for o in outlets if o.strip()),
            published_from=published_from,
            published_to=published_to,
            document_ids=frozenset(document_ids),
        )

    @property
    def empty(self) -> bool:
        return not (self.outlets or self.document_ids or self.dated)

    @property
    def dated(self) -> bool:
        return self.published_from is not None or self.published_to is not None

    def admits(self, document: Document) -> bool:
        if self.document_ids and document.id not in self.document_ids:
            return False
        if self.outlets and (document.outlet or "").casefold() not in self.outlets:
            return False
        if self.dated:
            day = published_day(document.published)
            if day is None:
                return False
            if self.published_from is not None and day < self.published_from:
                return False
            if self.published_to is not None and day > self.published_to:
                return False
        return True


NO_FILTERS = Filters()


def published_day(published: str | None) -> date | None:
    """The calendar day of an ISO 8601 date or date-time, as the source stated it."""
    if not published:
        return None
    try:
        return date.fromisoformat(published[:10])
    except ValueError:
        return None


def allowed_rows(store: IndexStore, filters: Filters) -> np.ndarray | None:
    """The passage rows of documents the filters admit (None: no filter, every row)."""
    if filters.empty:
        return None
    mask = np.zeros(len(store.passages), dtype=bool)
    for document in store.documents.values():
        if filters.admits(document):
            mask[store.rows_of(document.id)] = True
    return mask


_RECENCY = re.compile(
    r"\b(latest|most recent(ly)?|newest|recent(ly)?|currently|current|now|as of|today|"
    r"this (week|month|year)|so far|still)\b",
    re.IGNORECASE,
)


def asks_for_latest(question: str) -> bool:
    """The question asks for the newest state of things ("latest", "as of", "now")."""
    return bool(_RECENCY.search(question))


def newest_first(store: IndexStore, rows: Iterable[int]) -> list[int]:
    """Passage rows ordered by their document's publication date, newest first; undated
    ones last; ties keep their order."""
    rows = list(rows)

    def key(row: int) -> int:
        document = store.document_of_row(row)
        day = published_day(document.published if document else None)
        return -day.toordinal() if day else 1

    return sorted(rows, key=key)
