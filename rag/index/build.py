"""Building stores: from documents, with documents appended or marked removed, and
compacted (rebuilt from the live rows).

Each function returns a new IndexStore and leaves its input untouched; only passages of new
documents are embedded.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace

import numpy as np

from rag.embedding import Embedder
from rag.errors import NotFound, WriteCancelled
from rag.index.checkpoint import Checkpoint, Part, parts_by_document
from rag.index.manifest import (
    ChunkerInfo,
    Counts,
    EmbeddingInfo,
    Manifest,
    source_info,
    utc_now,
)
from rag.index.store import IndexStore
from rag.index.vectors import IndexType, VectorTable, build_index, choose_kind
from rag.ingest.chunking import ChunkerParams, chunk_text
from rag.ingest.entities import Annotator
from rag.ingest.progress import Progress
from rag.types import Document, Passage

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class AddResult:
    store: IndexStore
    added: list[Document]
    duplicates: list[Document]  # already indexed with the same content: nothing done
    embedded: EmbeddedDocuments | None = None  # the added rows (None when nothing added)


def embedding_info(embedder: Embedder) -> EmbeddingInfo:
    return EmbeddingInfo(
        model=embedder.name,
        fingerprint=embedder.fingerprint,
        dimension=embedder.dimension,
        sentence_vectors=embedder.sentence_vectors,
    )


def chunker_info(params: ChunkerParams) -> ChunkerInfo:
    return ChunkerInfo(min_words=params.min_words, max_words=params.max_words)


def passage_input(document: Document, passage: Passage) -> str:
    """What gets embedded: the passage, headed by its article's title for context."""
    if document.title and passage.ordinal > 0:
        return f"{document.title}\n{passage.text}"
    return passage.text


def _manifest(
    documents: Sequence[Document],
    passages: Sequence[Passage],
    embedding: EmbeddingInfo,
    chunker: ChunkerInfo,
    kinds: tuple[str, str],
    created_at: str | None,
) -> Manifest:
    now = utc_now()
    return Manifest(
        embedding=embedding,
        chunker=chunker,
        vector_index=kinds[0],
        sentence_vector_index=kinds[1],
        counts=Counts(
            documents=len(documents),
            passages=len(passages),
            sentences=sum(len(p.sentences) for p in passages),
        ),
        sources=[source_info(d) for d in documents],
        files={},
        lineage=uuid.uuid4().hex,
        created_at=created_at or now,
        updated_at=now,
    )


@dataclass(frozen=True)
class EmbeddedDocuments:
    """Documents chunked and embedded, ready to join an index (made outside any lock)."""

    documents: list[Document]
    passages: list[Passage]
    passage_vectors: np.ndarray
    sentence_vectors: np.ndarray  # one row per sentence, passage after passage

    def only(self, document_ids: set[str]) -> EmbeddedDocuments:
        """The rows of some of the documents, in the same order."""
        parts = parts_by_document(
            self.documents, self.passages, self.passage_vectors, self.sentence_vectors
        )
        kept = [d for d in self.documents if d.id in document_ids]
        return joined(kept, parts, self.passage_vectors.shape[1])


def joined(documents: list[Document], parts: dict[str, Part], dimension: int) -> EmbeddedDocuments:
    """The documents with their rows, document after document."""
    ordered = [parts[d.id] for d in documents]
    return EmbeddedDocuments(
        documents=documents,
        passages=[p for part in ordered for p in part.passages],
        passage_vectors=_stacked([part.passage_vectors for part in ordered], dimension),
        sentence_vectors=_stacked([part.sentence_vectors for part in ordered], dimension),
    )


# Passages embedded between two checks of `cancelled` (and progress reports): a few
# seconds of work at most.
CANCEL_CHECK_TEXTS = 256
# Passages annotated at a time beside the embedding (a stop is noticed between slices).
ANNOTATE_SLICE = 256
# Documents embedded between two saves of a resumable build: about a minute of work, so an
# interrupted build loses little, and few enough files that saving costs nothing to speak of.
PART_DOCUMENTS = 200


def annotated(
    passages: list[Passage],
    annotator: Annotator | None,
    *,
    stop: threading.Event | None = None,
    meter: Progress | None = None,
) -> list[Passage]:
    """Passages with their typed spans (absolute offsets), a slice at a time; an empty
    list when `stop` is set."""
    if annotator is None or not passages:
        return passages
    logger.info("finding people, places, dates and amounts in %d passages", len(passages))
    result: list[Passage] = []
    for start in range(0, len(passages), ANNOTATE_SLICE):
        if stop is not None and stop.is_set():
            return []
        part = passages[start : start + ANNOTATE_SLICE]
        found = annotator.annotate([p.text for p in part])
        result += [
            p.model_copy(update={"entities": [(p.start + a, p.start + b, t) for a, b, t in spans]})
            for p, spans in zip(part, found, strict=True)
        ]
        if meter is not None:
            meter.count("entities", len(part))
    return result


def embed_documents(
    documents: Sequence[Document],
    embedder: Embedder,
    params: ChunkerParams,
    *,
    progress: bool = False,
    cancelled: Callable[[], bool] | None = None,
    annotator: Annotator | None = None,
) -> EmbeddedDocuments:
    """Chunk, annotate and embed; `cancelled()` is asked between slices (e.g. the client
    went away). `progress`: counts and time left on stderr."""
    passages = [p for document in documents for p in chunk_text(document.id, document.text, params)]
    meter = Progress("embedding", len(passages), "passages") if progress and passages else None
    embedded = embed_passages(
        documents, passages, embedder, cancelled=cancelled, annotator=annotator, meter=meter
    )
    if meter is not None:
        meter.close()
    return embedded


def embed_passages(
    documents: Sequence[Document],
    passages: list[Passage],
    embedder: Embedder,
    *,
    cancelled: Callable[[], bool] | None = None,
    annotator: Annotator | None = None,
    meter: Progress | None = None,
) -> EmbeddedDocuments:
    """Annotate and embed the documents' passages. Annotation (spaCy) runs in a thread
    beside the embedding: both libraries release the GIL in their heavy parts, so the two
    overlap (figures: docs/measurements.md)."""
    by_id = {d.id: d for d in documents}
    inputs = [passage_input(by_id[p.document_id], p) for p in passages]
    spans = [sentence_spans(p, text) for p, text in zip(passages, inputs, strict=True)]
    logger.info(
        "embedding %d passages and %d sentences of %d documents (sentence vectors: %s)",
        len(passages),
        sum(len(s) for s in spans),
        len(documents),
        embedder.sentence_vectors,
    )
    stop = threading.Event()
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="annotate") as pool:
        entities = pool.submit(annotated, passages, annotator, stop=stop, meter=meter)
        try:
            vectors, sentence_vectors = _embedded(inputs, spans, embedder, cancelled, meter)
        except BaseException:
            stop.set()
            raise
        passages = entities.result()
    return EmbeddedDocuments(
        documents=list(documents),
        passages=passages,
        passage_vectors=vectors,
        sentence_vectors=sentence_vectors,
    )


def embed_resumably(
    documents: Sequence[Document],
    embedder: Embedder,
    params: ChunkerParams,
    checkpoint: Checkpoint,
    *,
    progress: bool = False,
    annotator: Annotator | None = None,
    part_documents: int = PART_DOCUMENTS,
) -> EmbeddedDocuments:
    """`embed_documents`, saving every `part_documents` documents to `checkpoint` as they
    are embedded, and taking from it the documents an interrupted build already saved."""
    saved = checkpoint.saved()
    parts: dict[str, Part] = {
        d.id: saved[(d.id, d.content_sha256)]
        for d in documents
        if (d.id, d.content_sha256) in saved
    }
    todo = [d for d in documents if d.id not in parts]
    if parts:
        logger.info("%d of %d documents from the interrupted build", len(parts), len(documents))
    passages_of = {d.id: chunk_text(d.id, d.text, params) for d in todo}
    total = sum(len(p) for p in passages_of.values())
    meter = Progress("embedding", total, "passages") if progress and total else None
    for start in range(0, len(todo), part_documents):
        group = todo[start : start + part_documents]
        embedded = embed_passages(
            group,
            [p for d in group for p in passages_of[d.id]],
            embedder,
            annotator=annotator,
            meter=meter,
        )
        checkpoint.save(
            group, embedded.passages, embedded.passage_vectors, embedded.sentence_vectors
        )
        parts.update(
            parts_by_document(
                group, embedded.passages, embedded.passage_vectors, embedded.sentence_vectors
            )
        )
    if meter is not None:
        meter.close()
    return joined(list(documents), parts, embedder.dimension)


def _embedded(
    inputs: list[str],
    spans: list[list[tuple[int, int]]],
    embedder: Embedder,
    cancelled: Callable[[], bool] | None,
    meter: Progress | None,
) -> tuple[np.ndarray, np.ndarray]:
    """Passage and sentence vectors, a slice of passages at a time."""
    passage_parts, sentence_parts = [], []
    for start in range(0, len(inputs), CANCEL_CHECK_TEXTS):
        if cancelled is not None and cancelled():
            raise WriteCancelled("the write was cancelled before it was indexed")
        end = start + CANCEL_CHECK_TEXTS
        vectors, sentence_vectors = embedder.embed_with_spans(inputs[start:end], spans[start:end])
        passage_parts.append(vectors)
        sentence_parts.append(sentence_vectors)
        if meter is not None:
            meter.advance(len(vectors))
    return (
        _stacked(passage_parts, embedder.dimension),
        _stacked(sentence_parts, embedder.dimension),
    )


def sentence_spans(passage: Passage, text: str) -> list[tuple[int, int]]:
    """The passage's sentences as offsets into `text`, its embedded input (which ends with
    the passage, after the title when there is one)."""
    shift = len(text) - len(passage.text) - passage.start
    return [(start + shift, end + shift) for start, end in passage.sentences]


def _stacked(parts: list[np.ndarray], dimension: int) -> np.ndarray:
    """The parts' rows one after the other, (0, dimension) when there are none."""
    rows = [p for p in parts if len(p)]
    return np.vstack(rows) if rows else np.zeros((0, dimension), dtype=np.float32)


def build_store(
    documents: Sequence[Document],
    embedder: Embedder,
    params: ChunkerParams,
    *,
    index_type: IndexType = "auto",
    progress: bool = False,
    annotator: Annotator | None = None,
    checkpoint: Checkpoint | None = None,
    part_documents: int = PART_DOCUMENTS,
) -> IndexStore:
    """A store over the documents (the first of each content). With a `checkpoint` the
    embedding is saved every `part_documents` documents and an interrupted build's saved
    work is reused."""
    unique = unique_by_content(documents)
    if checkpoint is None:
        embedded = embed_documents(unique, embedder, params, progress=progress, annotator=annotator)
    else:
        embedded = embed_resumably(
            unique,
            embedder,
            params,
            checkpoint,
            progress=progress,
            annotator=annotator,
            part_documents=part_documents,
        )
    return _assembled(
        unique,
        embedded.passages,
        embedded.passage_vectors,
        embedded.sentence_vectors,
        embedding=embedding_info(embedder),
        chunker=chunker_info(params),
        index_type=index_type,
        created_at=None,
    )


def unique_by_content(documents: Sequence[Document]) -> list[Document]:
    """One document per content (sha256 of the cleaned text): the first one given, placed
    where that content last occurs (the order builds have always used)."""
    return list({d.content_sha256: d for d in reversed(documents)}.values())[::-1]


def store_from_embedded(
    embedded: EmbeddedDocuments,
    *,
    embedding: EmbeddingInfo,
    chunker: ChunkerInfo,
    index_type: IndexType = "auto",
) -> IndexStore:
    """A store over rows embedded beforehand (e.g. read from Parquet made by a bulk ingest)."""
    return _assembled(
        embedded.documents,
        embedded.passages,
        embedded.passage_vectors,
        embedded.sentence_vectors,
        embedding=embedding,
        chunker=chunker,
        index_type=index_type,
        created_at=None,
    )


def _assembled(
    documents: list[Document],
    passages: list[Passage],
    vectors: np.ndarray,
    sentence_vectors: np.ndarray,
    *,
    embedding: EmbeddingInfo,
    chunker: ChunkerInfo,
    index_type: IndexType,
    created_at: str | None,
) -> IndexStore:
    """A store over these rows; each FAISS index's type is chosen for its own size."""
    kinds = (choose_kind(len(vectors), index_type), choose_kind(len(sentence_vectors), index_type))
    return IndexStore(
        manifest=_manifest(documents, passages, embedding, chunker, kinds, created_at),
        documents={d.id: d for d in documents},
        passages=passages,
        vectors=VectorTable.of(build_index(vectors, kinds[0])),
        sentence_vectors=VectorTable.of(build_index(sentence_vectors, kinds[1])),
    )


def with_documents(
    store: IndexStore,
    documents: Sequence[Document],
    embedder: Embedder,
    params: ChunkerParams,
    *,
    sequence: int | None = None,
    progress: bool = False,
    embedded: EmbeddedDocuments | None = None,
    annotator: Annotator | None = None,
) -> AddResult:
    """Append documents as write `sequence` (default: the next); ones whose content (or id)
    is already indexed are reported, not added. `embedded` holds their vectors when they
    were computed beforehand (outside the lock). Only the new rows are embedded."""
    known = {d.content_sha256 for d in store.documents.values()} | set(store.documents)
    added: list[Document] = []
    duplicates: list[Document] = []
    for document in documents:
        if document.content_sha256 in known or document.id in known:
            duplicates.append(document)
        else:
            known.update((document.content_sha256, document.id))
            added.append(document)
    if not added:
        return AddResult(store=store, added=[], duplicates=duplicates)
    added_ids = {d.id for d in added}
    if embedded is not None and added_ids <= {d.id for d in embedded.documents}:
        embedded = embedded.only(added_ids)
    else:
        embedded = embed_documents(added, embedder, params, progress=progress, annotator=annotator)
    new_store = store.appended(
        added,
        embedded.passages,
        embedded.passage_vectors,
        embedded.sentence_vectors,
        store.sequence + 1 if sequence is None else sequence,
    )
    return AddResult(store=new_store, added=added, duplicates=duplicates, embedded=embedded)


def without_documents(
    store: IndexStore, document_ids: Sequence[str], *, sequence: int | None = None
) -> IndexStore:
    """Mark documents removed as write `sequence` (default: the next); their rows go at
    the next compaction."""
    missing = [i for i in document_ids if i not in store.documents]
    if missing:
        raise NotFound(f"no document with id {missing[0]!r} in the index")
    return store.without(document_ids, store.sequence + 1 if sequence is None else sequence)


def worth_compacting(store: IndexStore, index_type: IndexType = "auto") -> bool:
    """There are writes to fold in, or a vector index is not of the type its size (or the
    setting) calls for."""
    live_passages, live_sentences = store.live_counts()
    wanted = (choose_kind(live_passages, index_type), choose_kind(live_sentences, index_type))
    built = (store.manifest.vector_index, store.manifest.sentence_vector_index)
    return not store.compacted or built != wanted


def compacted(store: IndexStore, *, index_type: IndexType = "auto") -> IndexStore:
    """The store rebuilt from its live rows alone, each vector index of the type its size
    calls for (no re-embedding: vectors are read back from the indexes)."""
    keep_rows = np.flatnonzero(store.live)
    keep_sentences = np.flatnonzero(store.per_sentence(store.live))
    old = store.manifest
    new = _assembled(
        list(store.documents.values()),
        [store.passages[i] for i in keep_rows],
        np.ascontiguousarray(store.vectors.all()[keep_rows]),
        np.ascontiguousarray(store.sentence_vectors.all()[keep_sentences]),
        embedding=old.embedding,
        chunker=old.chunker,
        index_type=index_type,
        created_at=old.created_at,
    )
    carried = {"seeds": old.seeds, "annotator": old.annotator, "lineage": old.lineage}
    return replace(new, manifest=new.manifest.model_copy(update=carried), sequence=store.sequence)
