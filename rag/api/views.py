"""Store records -> API response models; pure."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from rag.errors import InvalidInput
from rag.index.store import IndexStore
from rag.retrieval.filters import published_day
from rag.types import Document, Span
from rag.wire.documents import (
    AddedDocument,
    DocumentDetail,
    DocumentList,
    DocumentOrder,
    DocumentSummary,
    Highlight,
    OutletCount,
    PassageSpan,
    document_fields,
)

CONTEXT_SENTENCES = 3


def document_summary(store: IndexStore, document: Document) -> DocumentSummary:
    return DocumentSummary(
        **document_fields(document),
        origin=document.origin,
        passages=len(store.passages_of(document.id)),
        characters=len(document.text),
    )


def passage_spans(store: IndexStore, document_id: str) -> list[PassageSpan]:
    return [
        PassageSpan(passage_id=p.passage_id, ordinal=p.ordinal, start=p.start, end=p.end)
        for p in store.passages_of(document_id)
    ]


def document_sentences(store: IndexStore, document_id: str) -> list[Span]:
    """The document's sentences as indexed (its passages' spans), not split again: a long
    article costs a look-up per request, not a pass over its text."""
    return [span for p in store.passages_of(document_id) for span in p.sentences]


def highlight(text: str, spans: list[Span], start: int, end: int) -> Highlight:
    """The span with a few whole sentences of context on each side."""
    if not 0 <= start < end <= len(text):
        raise InvalidInput(f"need 0 <= start < end <= {len(text)} (the document's length)")
    before = [s for s in spans if s[1] <= start][-CONTEXT_SENTENCES:]
    after = [s for s in spans if s[0] >= end][:CONTEXT_SENTENCES]
    return Highlight(
        start=start,
        end=end,
        text=text[start:end],
        context_before=text[before[0][0] : start].strip() if before else "",
        context_after=text[end : after[-1][1]].strip() if after else "",
    )


def document_detail(
    store: IndexStore, document: Document, start: int | None, end: int | None
) -> DocumentDetail:
    if (start is None) != (end is None):
        raise InvalidInput("give both start and end, or neither")
    return DocumentDetail(
        **document_summary(store, document).model_dump(),
        text=document.text,
        passage_spans=passage_spans(store, document.id),
        highlight=highlight(document.text, document_sentences(store, document.id), start, end)
        if start is not None and end is not None
        else None,
    )


def added_document(store: IndexStore, document: Document, *, duplicate: bool) -> AddedDocument:
    """The reply to adding `document`, read from the index the write produced (not whatever
    a later write left); a duplicate names the document already indexed with its content."""
    stored = store.documents.get(document.id) or next(
        d for d in store.documents.values() if d.content_sha256 == document.content_sha256
    )
    return AddedDocument(
        document_id=stored.id,
        duplicate=duplicate,
        document=document_summary(store, stored),
        passages=passage_spans(store, stored.id),
    )


def document_list(
    store: IndexStore,
    query: str | None,
    outlets: Sequence[str],
    order: DocumentOrder,
    offset: int,
    limit: int,
) -> DocumentList:
    """One page of the articles matching `query` (every word, in the title or outlet) and
    `outlets`, in `order`, with the outlet counts of the whole index."""
    words = (query or "").casefold().split()
    wanted = {o.strip().casefold() for o in outlets if o.strip()}
    matching = [
        d
        for d in store.documents.values()
        if (not wanted or (d.outlet or "").casefold() in wanted)
        and all(w in f"{d.label} {d.outlet or ''}".casefold() for w in words)
    ]
    if order == "title":
        matching.sort(key=lambda d: d.label.casefold())
    elif order in ("newest", "oldest"):
        dated = sorted(
            (d for d in matching if published_day(d.published)),
            key=lambda d: d.published or "",
            reverse=order == "newest",
        )
        matching = [*dated, *(d for d in matching if not published_day(d.published))]
    counts = Counter(d.outlet for d in store.documents.values() if d.outlet)
    return DocumentList(
        documents=[document_summary(store, d) for d in matching[offset : offset + limit]],
        total=len(matching),
        offset=offset,
        limit=limit,
        outlets=[OutletCount(name=n, documents=c) for n, c in sorted(counts.items())],
    )
