"""The article of a `POST /api/documents` request: JSON `{title, text, …}` or a multipart
upload of a .txt/.html file with optional metadata fields -> Document."""

from __future__ import annotations

import json

from fastapi import Request
from fastapi.concurrency import run_in_threadpool
from pydantic import ValidationError
from starlette.datastructures import UploadFile

from rag.api.security import UnsupportedMediaType, media_type
from rag.errors import ArticleTooLarge, IngestError, InvalidInput
from rag.ingest.loaders import ARTICLE_SUFFIXES, article_from_bytes, document_from_text
from rag.types import Document, DocumentMeta
from rag.wire.documents import DocumentFields, DocumentIn


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
    return article_from_bytes(data, filename, meta)[0]


async def parse_upload(request: Request) -> Document:
    """The article of an upload. Parsing and cleaning are CPU work: they run in the
    threadpool, so a hostile article never stalls the event loop.

    Raises:
        InvalidInput: the request or its article cannot be read (400/422).
        ArticleTooLarge: the article has too many sentences (413).
        UnsupportedMediaType: neither JSON nor a multipart .txt/.html upload (415).
    """
    try:
        return await _read_upload(request)
    except ArticleTooLarge:
        raise
    except IngestError as exc:
        raise InvalidInput(str(exc)) from None


async def _read_upload(request: Request) -> Document:
    content_type = media_type(request)
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
                for key in DocumentFields.model_fields
                if isinstance(value := form.get(key), str) and value.strip()
            }
            data = await upload.read()
        return await run_in_threadpool(_document_from_file, data, upload.filename, fields)
    raise UnsupportedMediaType("send application/json {title, text, …} or a multipart `file`")


def _field_of(exc: Exception) -> str | None:
    if isinstance(exc, ValidationError) and exc.errors():
        return str(exc.errors()[0]["loc"][0])
    return None


def _first_error(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        error = exc.errors()[0]
        return f"{'.'.join(str(p) for p in error['loc'])}: {error['msg']}"
    return "not valid JSON"


# The two body shapes, for the OpenAPI schema (the route reads the body itself).
UPLOAD_REQUEST_BODY = {
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
                        "author": {"type": "string"},
                    },
                }
            },
        },
    }
}
