"""The Qdrant search backend: one client, to a server or cluster (`url`) or in process
(qdrant-client's local mode: a folder or ":memory:"), the same code either way.

Three collections, named from a prefix:
- `<prefix>_passages`: per passage a named dense vector `dense` (cosine) and a sparse
  vector `bm25` (Lucene term weights, `sparse.py`) whose IDF Qdrant supplies
  (`Modifier.IDF`); payload `passage_id`, `document_id`, `outlet` (case-folded),
  `published` (the calendar day as stated, as a datetime at 00:00 UTC; absent when
  undated), `ordinal`, `length` (BM25 tokens).
- `<prefix>_sentences`: per sentence `dense`; payload as above plus `sentence` (ordinal
  within its passage).
- `<prefix>_documents`: no vectors; one point per indexed document (`content_sha256`) and
  one settings point (what the collections were built with, the BM25 length statistics).

Filters become Qdrant payload filters and point ids are UUIDv5 of the passage id (and
sentence ordinal), so a re-upsert replaces (`qdrant_schema.py`); deletes are by filter on
`document_id`. The index
directory stays the record; `for_store` brings the collections in step with it by
document (what is new or changed is upserted, what is gone is deleted).

qdrant_client is imported inside this module's functions only: the default FAISS path
never loads it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from rag.index.store import IndexStore
from rag.retrieval.backend import PassageMatch, SentenceMatch, StoredPassage
from rag.retrieval.filters import Filters
from rag.retrieval.qdrant_schema import (
    DENSE,
    INDEXED_FIELDS,
    SETTINGS_POINT,
    SPARSE,
    QdrantOptions,
    batches,
    build_settings,
    document_payload,
    document_point_id,
    open_client,
    passage_point_id,
    payload_filter,
    sentence_point_id,
)
from rag.retrieval.sparse import passage_tokens, passage_vector, query_vector
from rag.types import Document, Passage

if TYPE_CHECKING:
    from qdrant_client import QdrantClient

logger = logging.getLogger(__name__)

__all__ = ["QdrantBackend", "QdrantOptions", "open_client"]


class QdrantBackend:
    """A SearchBackend on Qdrant. One object per service, shared by every snapshot: it
    holds no snapshot of its own (the collections are the state)."""

    name = "qdrant"

    def __init__(self, client: QdrantClient, *, prefix: str = "rag", local: bool = True) -> None:
        self._client = client
        self.passages = f"{prefix}_passages"
        self.sentences = f"{prefix}_sentences"
        self.documents = f"{prefix}_documents"
        # Local mode is not thread-safe; a server handles concurrency itself.
        self._local = local
        self._lock = threading.RLock()
        self._sync_lock = threading.RLock()  # writes and syncs, one at a time
        self._indexed: dict[str, str] = {}  # document id -> content_sha256
        self._tokens = 0.0  # BM25 length statistics of every passage upserted
        self._count = 0
        self._settings = ""

    @classmethod
    def open(cls, options: QdrantOptions, store: IndexStore) -> QdrantBackend:
        """The backend on `options`' collections, created or rebuilt as needed, in step
        with `store`."""
        backend = cls(open_client(options), prefix=options.prefix, local=options.url is None)
        backend.prepare(
            store.manifest.embedding.dimension,
            build_settings(store),
            shards=options.shards,
            replicas=options.replicas,
        )
        backend.for_store(store)
        logger.info(
            "search backend: Qdrant at %s, %d documents in collections %s_*",
            options.url or options.path or ":memory:",
            len(backend._indexed),
            options.prefix,
        )
        return backend

    # --- collections -----------------------------------------------------------------------

    def _call(self, method: str, *args: Any, **kwargs: Any) -> Any:
        if not self._local:
            return getattr(self._client, method)(*args, **kwargs)
        with self._lock:
            return getattr(self._client, method)(*args, **kwargs)

    def prepare(
        self,
        dimension: int,
        settings: str,
        *,
        shards: int | None = None,
        replicas: int | None = None,
    ) -> None:
        """Create the collections, or recreate them when built with other settings; read
        back what they hold."""
        from qdrant_client.http import models

        stored = self._stored_settings()
        if stored is not None and stored.get("settings") != settings:
            logger.info("Qdrant collections built with other settings: recreating them")
            for name in (self.passages, self.sentences, self.documents):
                self._call("delete_collection", name)
            stored = None
        if stored is None:
            # Collections an operator made beforehand (quantization, on-disk storage) are
            # used as they are; only missing ones are created.
            dense = {DENSE: models.VectorParams(size=dimension, distance=models.Distance.COSINE)}
            common = {"shard_number": shards, "replication_factor": replicas}
            sparse = {SPARSE: models.SparseVectorParams(modifier=models.Modifier.IDF)}
            wanted = {
                self.passages: {"vectors_config": dense, "sparse_vectors_config": sparse},
                self.sentences: {"vectors_config": dense},
                self.documents: {"vectors_config": {}},
            }
            for collection, config in wanted.items():
                if not self._call("collection_exists", collection):
                    self._call("create_collection", collection, **config, **common)
                if not self._local:  # local mode has no payload indexes (it scans)
                    for field, schema in INDEXED_FIELDS.items():
                        self._call("create_payload_index", collection, field, field_schema=schema)
            stored = {"settings": settings, "tokens": 0.0, "count": 0}
            self._write_settings(stored)
        self._settings = settings
        self._tokens, self._count = float(stored["tokens"]), int(stored["count"])
        self._indexed = self._read_documents()

    def _stored_settings(self) -> dict[str, Any] | None:
        if not self._call("collection_exists", self.documents):
            return None
        found = self._call("retrieve", self.documents, ids=[SETTINGS_POINT], with_payload=True)
        return dict(found[0].payload) if found else None

    def _write_settings(self, payload: dict[str, Any]) -> None:
        from qdrant_client.http import models

        point = models.PointStruct(id=SETTINGS_POINT, vector={}, payload=payload)
        self._call("upsert", self.documents, points=[point], wait=True)

    def _read_documents(self) -> dict[str, str]:
        from qdrant_client.http import models

        indexed: dict[str, str] = {}
        offset = None
        kind = models.Filter(
            must=[models.IsEmptyCondition(is_empty=models.PayloadField(key="settings"))]
        )
        while True:
            points, offset = self._call(
                "scroll",
                self.documents,
                scroll_filter=kind,
                limit=1024,
                offset=offset,
                with_payload=["document_id", "content_sha256"],
            )
            indexed.update((p.payload["document_id"], p.payload["content_sha256"]) for p in points)
            if offset is None:
                return indexed

    # --- writes ----------------------------------------------------------------------------

    def for_store(self, store: IndexStore) -> QdrantBackend:
        """Upsert the store's documents the collections lack (or hold another version
        of) and delete those it no longer has. Cost: a set difference over document ids,
        plus the changed documents' rows."""
        with self._sync_lock:
            first = self._count == 0 and not self._indexed
            if first:
                # The average length over every row of the store, removed ones included, as
                # lexical.py counts it; later writes add their rows' lengths.
                self._tokens = float(sum(len(passage_tokens(p.text)) for p in store.passages))
                self._count = len(store.passages)
                self._write_settings(self._statistics())
            gone = [d for d in self._indexed if d not in store.documents]
            new = [
                d
                for d, document in store.documents.items()
                if self._indexed.get(d) != document.content_sha256
            ]
            if gone:
                self.delete(gone)
            if new:
                self._upsert_from(store, new, count_lengths=not first)
        return self

    def _statistics(self) -> dict[str, Any]:
        return {"settings": self._settings, "tokens": self._tokens, "count": self._count}

    def _upsert_from(
        self, store: IndexStore, document_ids: Sequence[str], *, count_lengths: bool
    ) -> None:
        rows = [row for d in document_ids for row in store.rows_of(d)]
        sentence_rows = [
            store.first_sentence_row(row) + i
            for row in rows
            for i in range(len(store.passages[row].sentences))
        ]
        self._write(
            [store.documents[d] for d in document_ids],
            [store.passages[row] for row in rows],
            store.vectors.at(np.array(rows, dtype=np.int64)),
            store.sentence_vectors.at(np.array(sentence_rows, dtype=np.int64)),
            count_lengths=count_lengths,
        )

    def upsert(
        self,
        documents: Sequence[Document],
        passages: Sequence[Passage],
        passage_vectors: np.ndarray,
        sentence_vectors: np.ndarray,
    ) -> None:
        with self._sync_lock:
            self._write(documents, passages, passage_vectors, sentence_vectors, count_lengths=True)

    def _write(
        self,
        documents: Sequence[Document],
        passages: Sequence[Passage],
        passage_vectors: np.ndarray,
        sentence_vectors: np.ndarray,
        *,
        count_lengths: bool,
    ) -> None:
        from qdrant_client.http import models

        if len(passage_vectors) != len(passages) or len(sentence_vectors) != sum(
            len(p.sentences) for p in passages
        ):
            raise ValueError("one vector per passage and one per sentence, in order")
        by_id = {d.id: d for d in documents}
        missing = {p.document_id for p in passages} - set(by_id)
        if missing:
            raise ValueError(f"passages of documents not given: {sorted(missing)[:3]}")
        replaced = [d for d in by_id if d in self._indexed]
        if replaced:
            self.delete(replaced)  # an earlier version's passages must not linger
        tokens = [passage_tokens(p.text) for p in passages]
        if count_lengths:
            self._tokens += sum(len(t) for t in tokens)
            self._count += len(passages)
        average = self._tokens / max(self._count, 1)
        payloads = {d: document_payload(document) for d, document in by_id.items()}
        passage_points, sentence_points = [], []
        sentence_row = 0
        for passage, vector, passage_terms in zip(passages, passage_vectors, tokens, strict=True):
            payload = {
                **payloads[passage.document_id],
                "passage_id": passage.passage_id,
                "ordinal": passage.ordinal,
                "length": len(passage_terms),
            }
            sparse = passage_vector(passage_terms, average)
            passage_points.append(
                models.PointStruct(
                    id=passage_point_id(passage.passage_id),
                    vector={
                        DENSE: vector.tolist(),
                        SPARSE: models.SparseVector(indices=sparse.indices, values=sparse.values),
                    },
                    payload=payload,
                )
            )
            for ordinal in range(len(passage.sentences)):
                sentence_points.append(
                    models.PointStruct(
                        id=sentence_point_id(passage.passage_id, ordinal),
                        vector={DENSE: sentence_vectors[sentence_row].tolist()},
                        payload={**payload, "sentence": ordinal},
                    )
                )
                sentence_row += 1
        for collection, points in (
            (self.passages, passage_points),
            (self.sentences, sentence_points),
        ):
            for batch in batches(points):
                self._call("upsert", collection, points=batch, wait=True)
        marks = [
            models.PointStruct(
                id=document_point_id(d),
                vector={},
                payload={"document_id": d, "content_sha256": document.content_sha256},
            )
            for d, document in by_id.items()
        ]
        for batch in batches(marks):
            self._call("upsert", self.documents, points=batch, wait=True)
        if count_lengths:
            self._write_settings(self._statistics())
        self._indexed.update((d, document.content_sha256) for d, document in by_id.items())

    def delete(self, document_ids: Sequence[str]) -> None:

        if not document_ids:
            return
        with self._sync_lock:
            self._delete(document_ids)

    def _delete(self, document_ids: Sequence[str]) -> None:
        from qdrant_client.http import models

        selector = models.FilterSelector(
            filter=models.Filter(
                must=[
                    models.FieldCondition(
                        key="document_id", match=models.MatchAny(any=list(document_ids))
                    )
                ]
            )
        )
        for collection in (self.passages, self.sentences, self.documents):
            self._call("delete", collection, points_selector=selector, wait=True)
        for d in document_ids:
            self._indexed.pop(d, None)

    # --- searches --------------------------------------------------------------------------

    def _query(
        self, collection: str, query: Any, using: str, k: int, filters: Filters, fields: list[str]
    ) -> list[Any]:
        response = self._call(
            "query_points",
            collection,
            query=query,
            using=using,
            limit=k,
            query_filter=payload_filter(filters),
            with_payload=fields,
        )
        return list(response.points)

    def dense(self, vector: np.ndarray, k: int, filters: Filters) -> list[PassageMatch]:
        points = self._query(self.passages, vector.tolist(), DENSE, k, filters, ["passage_id"])
        return [PassageMatch(p.payload["passage_id"], float(p.score)) for p in points]

    def dense_sentences(self, vector: np.ndarray, k: int, filters: Filters) -> list[SentenceMatch]:
        points = self._query(
            self.sentences, vector.tolist(), DENSE, k, filters, ["passage_id", "sentence"]
        )
        return [
            SentenceMatch(p.payload["passage_id"], int(p.payload["sentence"]), float(p.score))
            for p in points
        ]

    def lexical(self, query: str, k: int, filters: Filters) -> list[PassageMatch]:
        from qdrant_client.http import models

        sparse = query_vector(query)
        if not sparse.indices:
            return []
        vector = models.SparseVector(indices=sparse.indices, values=sparse.values)
        points = self._query(self.passages, vector, SPARSE, k, filters, ["passage_id"])
        return [
            PassageMatch(p.payload["passage_id"], float(p.score)) for p in points if p.score > 0
        ]

    def fetch(self, passage_ids: Sequence[str]) -> list[StoredPassage]:
        found = self._call(
            "retrieve",
            self.passages,
            ids=[passage_point_id(p) for p in passage_ids],
            with_payload=["passage_id", "document_id"],
            with_vectors=[DENSE],
        )
        by_id = {p.payload["passage_id"]: p for p in found}
        return [
            StoredPassage(
                passage_id,
                by_id[passage_id].payload["document_id"],
                np.asarray(by_id[passage_id].vector[DENSE], dtype=np.float32),
            )
            for passage_id in passage_ids
            if passage_id in by_id
        ]

    def close(self) -> None:
        self._call("close")
