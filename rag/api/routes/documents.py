"""Documents: list, read (with a highlighted span), add and delete."""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import ValidationError
from starlette.datastructures import UploadFile

from rag.api.deps import ServicesDep, SnapshotDep
from rag.api.security import TokenDep, UnsupportedMediaType
from rag.api.views import document_detail, document_summary, passage_spans
from rag.errors import ArticleTooLarge, IngestError, InvalidInput, NotFound, WriteCancelled
from rag.ingest.loaders import ARTICLE_SUFFIXES, decode_article, document_from_text
from rag.services import Services
from rag.types import Document, DocumentMeta
from rag.wire.documents import (
    AddedDocument,
    DeletedDocument,
    DocumentDetail,
    DocumentFields,
    DocumentIn,
    DocumentList,
)

logger = logging.getLogger(__name__)
router = APIRouter(tags=["documents"])
DISCONNECT_POLL_S = 0.25


@router.get("/documents", response_model=DocumentList)
def list_documents(snapshot: SnapshotDep) -> DocumentList:
    """Every indexed article's metadata and counts."""
    store = snapshot.store
    return DocumentList(documents=[document_summary(store, d) for d in store.documents.values()])


@router.get("/documents/{document_id}", response_model=DocumentDetail)
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


def _document_from_json(body: bytes) -> Document:
    try:
        fields = DocumentIn.model_validate(json.loads(body))
    except RecursionError:  # "[[[[…": the decoder recurses once per level
        raise InvalidInput("invalid document JSON: nested too deeply") from None
    except (ValueError, ValidationError) as exc:
        raise InvalidInput(
            f"invalid document JSON: {_first_error(exc)}", field=_field_of(exc)
        ) from None
    meta = DocumentMeta(**fields.model_dump(exclude={"text"}))
    return document_from_text(fields.text, meta, name="the article")


def _document_from_file(data: bytes, filename: str, fields: dict[str, str]) -> Document:
    try:
        meta = DocumentMeta(**DocumentFields.model_validate(fields).model_dump())
    except ValidationError as exc:
        raise InvalidInput(
            f"invalid upload field {_first_error(exc)}", field=_field_of(exc)
        ) from None
    return document_from_text(decode_article(data, filename), meta, name=filename)


async def _parse_upload(request: Request) -> Document:
    """The article of an upload. Parsing and cleaning are CPU work: they run in the
    threadpool, so a hostile article never stalls the event loop."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "application/json":
        return await run_in_threadpool(_document_from_json, await request.body())
    if content_type == "multipart/form-data":
        async with request.form() as form:  # closes the spooled upload files
            upload = form.get("file")
            if not isinstance(upload, UploadFile) or not upload.filename:
                raise InvalidInput(
                    "multipart upload needs a `file` field with a .txt or .html file"
                )
            if not upload.filename.lower().endswith(ARTICLE_SUFFIXES):
                raise UnsupportedMediaType(f"{upload.filename}: only .txt, .html and .htm articles")
            fields = {
                key: value.strip()
                for key in ("title", "outlet", "published", "url")
                if isinstance(value := form.get(key), str) and value.strip()
            }
            data = await upload.read()
        return await run_in_threadpool(_document_from_file, data, upload.filename, fields)
    raise UnsupportedMediaType("send application/json {title, text, …} or a multipart `file`")


async def _watch_disconnect(request: Request, gone: threading.Event) -> None:
    """Sets `gone` when the client disconnects, so its write stops embedding."""
    while not await request.is_disconnected():
        await asyncio.sleep(DISCONNECT_POLL_S)
    gone.set()


def _field_of(exc: Exception) -> str | None:
    if isinstance(exc, ValidationError) and exc.errors():
        return str(exc.errors()[0]["loc"][0])
    return None


def _first_error(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        error = exc.errors()[0]
        return f"{'.'.join(str(p) for p in error['loc'])}: {error['msg']}"
    return "not valid JSON"


def _add(services: Services, document: Document, cancelled: Callable[[], bool]) -> AddedDocument:
    result = services.add([document], cancelled=cancelled)
    store = result.store  # the index this write produced, not whatever a later write left
    duplicate = not result.added
    stored = store.documents.get(document.id) or next(
        d for d in store.documents.values() if d.content_sha256 == document.content_sha256
    )
    return AddedDocument(
        document_id=stored.id,
        duplicate=duplicate,
        document=document_summary(store, stored),
        passages=passage_spans(store, stored.id),
    )


@router.post(
    "/documents",
    response_model=AddedDocument,
    status_code=201,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": DocumentIn.model_json_schema()},
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "required": ["file"],
                        "properties": {
                            "file": {"type": "string", "format": "binary"},
                            "title": {"type": "string"},
                            "outlet": {"type": "string"},
                            "published": {"type": "string"},
                            "url": {"type": "string"},
                        },
                    }
                },
            },
        }
    },
)
async def add_document(
    request: Request, response: Response, services: ServicesDep, _: TokenDep
) -> AddedDocument:
    """Index an article now (JSON, or an uploaded .txt/.html file); needs the API token.
    The same content twice is indexed once: 200 with `duplicate: true` instead of 201."""
    services.ensure_ready()  # 503 before reading the body when no index is loaded
    try:
        document = await _parse_upload(request)
    except ArticleTooLarge:
        raise
    except IngestError as exc:
        raise InvalidInput(str(exc)) from None
    gone = threading.Event()
    watcher = asyncio.create_task(_watch_disconnect(request, gone))
    try:
        added = await run_in_threadpool(_add, services, document, gone.is_set)
    except WriteCancelled:
        logger.info("client went away; the article was not indexed")
        raise
    finally:
        watcher.cancel()
    if added.duplicate:
        response.status_code = 200
    return added


@router.delete("/documents/{document_id}", response_model=DeletedDocument)
def delete_document(document_id: str, services: ServicesDep, _: TokenDep) -> DeletedDocument:
    """Remove an article, its passages and its vectors; needs the API token."""
    if document_id not in services.snapshot.store.documents:
        raise NotFound(f"no document with id {document_id!r}")
    store = services.remove([document_id])
    return DeletedDocument(deleted=document_id, documents=len(store.documents))
