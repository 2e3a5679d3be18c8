"""Qdrant's side of the search backend, without the backend itself: where the collections
are (`QdrantOptions`, `open_client`), point ids, what the collections were built with, and
our `Filters` and documents as Qdrant payload. qdrant_client is imported inside functions
only: the default FAISS path never loads it."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from rag.errors import IndexNotReady
from rag.index.store import IndexStore
from rag.retrieval.filters import Filters, published_day
from rag.retrieval.sparse import ENCODING
from rag.types import Document

if TYPE_CHECKING:
    from qdrant_client import QdrantClient
    from qdrant_client.http import models

DENSE = "dense"
SPARSE = "bm25"
BATCH = 256  # points per upsert request
INDEXED_FIELDS = {"document_id": "keyword", "outlet": "keyword", "published": "datetime"}
NAMESPACE = uuid.UUID("6f1c5a52-4d0e-4c43-9d3b-8f2b1b7e9a10")
SETTINGS_POINT = str(uuid.uuid5(NAMESPACE, "rag:settings"))


def passage_point_id(passage_id: str) -> str:
    return str(uuid.uuid5(NAMESPACE, passage_id))


def sentence_point_id(passage_id: str, ordinal: int) -> str:
    return str(uuid.uuid5(NAMESPACE, f"{passage_id}#{ordinal}"))


def document_point_id(document_id: str) -> str:
    return str(uuid.uuid5(NAMESPACE, f"document:{document_id}"))


@dataclass(frozen=True)
class QdrantOptions:
    """Where the collections live and how a server creates them (local mode ignores
    shards and replicas)."""

    url: str | None = None
    path: str | None = None  # a folder, or ":memory:"; used when `url` is None
    api_key: str | None = None
    prefix: str = "rag"
    shards: int | None = None
    replicas: int | None = None
    timeout: int = 30


def open_client(options: QdrantOptions) -> QdrantClient:
    """A client for `options`; IndexNotReady (503) when Qdrant cannot be reached or the
    local folder is held by another process."""
    try:
        from qdrant_client import QdrantClient
    except ImportError:
        raise IndexNotReady(
            "RAG_INDEX_BACKEND=qdrant needs qdrant-client: pip install -e '.[qdrant]'"
        ) from None
    try:
        if options.url:
            # The client's own version check runs in a thread and only warns; asking for
            # the collections fails now, with the address, not at the first question.
            client = QdrantClient(
                url=options.url,
                api_key=options.api_key,
                timeout=options.timeout,
                check_compatibility=False,
            )
            client.get_collections()
            return client
        # The service searches from a thread pool; local mode's SQLite file must allow it
        # (calls are serialised by QdrantBackend's lock).
        return QdrantClient(path=options.path or ":memory:", force_disable_check_same_thread=True)
    except Exception as exc:  # connection, lock and protocol errors all mean "not ready"
        where = options.url or options.path
        raise IndexNotReady(f"cannot open Qdrant at {where}: {exc}") from exc


def build_settings(store: IndexStore) -> str:
    """What the collections' contents depend on: rebuilt from scratch when it changes."""
    m = store.manifest
    return "|".join(
        [
            m.embedding.model,
            m.embedding.fingerprint,
            str(m.embedding.dimension),
            m.embedding.sentence_vectors,
            f"{m.chunker.min_words}-{m.chunker.max_words}-{m.chunker.splitter}",
            ENCODING,
        ]
    )


def payload_filter(filters: Filters) -> models.Filter | None:
    """`Filters` as a Qdrant payload filter (None: no condition)."""
    from qdrant_client.http import models

    must: list[Any] = []
    if filters.document_ids:
        ids = sorted(filters.document_ids)
        must.append(models.FieldCondition(key="document_id", match=models.MatchAny(any=ids)))
    if filters.outlets:
        outlets = sorted(filters.outlets)
        must.append(models.FieldCondition(key="outlet", match=models.MatchAny(any=outlets)))
    if filters.dated:
        # A calendar day is stored as its midnight UTC: a day range is a closed datetime range.
        low = midnight(filters.published_from) if filters.published_from else None
        high = midnight(filters.published_to) if filters.published_to else None
        must.append(
            models.FieldCondition(key="published", range=models.DatetimeRange(gte=low, lte=high))
        )
    return models.Filter(must=must) if must else None


def midnight(day: Any) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def document_payload(document: Document) -> dict[str, Any]:
    payload: dict[str, Any] = {"document_id": document.id}
    if document.outlet:
        payload["outlet"] = document.outlet.strip().casefold()
    day = published_day(document.published)
    if day is not None:
        payload["published"] = midnight(day).isoformat().replace("+00:00", "Z")
    return payload


def batches(items: list[Any]) -> Iterator[list[Any]]:
    for start in range(0, len(items), BATCH):
        yield items[start : start + BATCH]
