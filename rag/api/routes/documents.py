"""Documents: list, read (with a highlighted span), add and delete."""

from __future__ import annotations

import asyncio
import logging
import threading
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.concurrency import run_in_threadpool

from rag import limits
from rag.api.deps import ServicesDep, SnapshotDep
from rag.api.security import TokenDep, known_query
from rag.api.uploads import UPLOAD_REQUEST_BODY, parse_upload
from rag.api.views import added_document, document_detail, document_list
from rag.errors import NotFound, WriteCancelled
from rag.wire.documents import (
    AddedDocument,
    DeletedDocument,
    DocumentDetail,
    DocumentList,
    DocumentOrder,
)

logger = logging.getLogger(__name__)
router = APIRouter(tags=["documents"])
DISCONNECT_POLL_S = 0.25


@router.get("/documents", response_model=DocumentList, dependencies=[Depends(known_query)])
def list_documents(
    snapshot: SnapshotDep,
    q: Annotated[
        str | None,
        Query(max_length=limits.QUESTION_CHARS, description="Words in the title or outlet."),
    ] = None,
    outlet: Annotated[
        list[str], Query(max_length=limits.FILTER_VALUES, description="Only these outlets.")
    ] = [],  # noqa: B006 (FastAPI copies query defaults)
    sort: Annotated[
        DocumentOrder, Query(description="newest / oldest (undated last), title, or added.")
    ] = "newest",
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> DocumentList:
    """The indexed articles' metadata and counts, a page at a time: searched by title or
    outlet, filtered by outlet, sorted by publication date (or title, or when added)."""
    return document_list(snapshot.store, q, outlet, sort, offset, limit)


@router.get(
    "/documents/{document_id}", response_model=DocumentDetail, dependencies=[Depends(known_query)]
)
def get_document(
    document_id: str,
    snapshot: SnapshotDep,
    start: Annotated[int | None, Query(ge=0, description="Start of a span to highlight.")] = None,
    end: Annotated[int | None, Query(ge=0, description="End of the span.")] = None,
) -> DocumentDetail:
    """Metadata, canonical text and passage offsets; with start and end, also the span and a
    few sentences of context around it."""
    document = snapshot.store.documents.get(document_id)
    if document is None:
        raise NotFound(f"no document with id {document_id!r}")
    return document_detail(snapshot.store, document, start, end)


async def _watch_disconnect(request: Request, gone: threading.Event) -> None:
    """Sets `gone` when the client disconnects, so its write stops embedding."""
    while not await request.is_disconnected():
        await asyncio.sleep(DISCONNECT_POLL_S)
    gone.set()


@router.post(
    "/documents",
    response_model=AddedDocument,
    status_code=201,
    openapi_extra=UPLOAD_REQUEST_BODY,
)
async def add_document(
    request: Request, response: Response, services: ServicesDep, _: TokenDep
) -> AddedDocument:
    """Index an article now (JSON, or an uploaded .txt/.html file); needs the API token.
    The same content twice is indexed once: 200 with `duplicate: true` instead of 201."""
    services.ensure_ready()  # 503 before reading the body when no index is loaded
    document = await parse_upload(request)
    gone = threading.Event()
    watcher = asyncio.create_task(_watch_disconnect(request, gone))
    try:
        result = await run_in_threadpool(services.add, [document], cancelled=gone.is_set)
    except WriteCancelled:
        logger.info("client went away; the article was not indexed")
        raise
    finally:
        watcher.cancel()
    added = added_document(result.store, document, duplicate=not result.added)
    if added.duplicate:
        response.status_code = 200
    return added


@router.delete("/documents/{document_id}", response_model=DeletedDocument)
def delete_document(document_id: str, services: ServicesDep, _: TokenDep) -> DeletedDocument:
    """Remove an article, its passages and its vectors; needs the API token."""
    if document_id not in services.current().store.documents:
        raise NotFound(f"no document with id {document_id!r}")
    store = services.remove([document_id])
    return DeletedDocument(deleted=document_id, documents=len(store.documents))
