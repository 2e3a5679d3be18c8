"""Embedded documents as Parquet: what a bulk ingest writes (here or on a Ray cluster) and any
index backend loads.

A folder holds
  documents/*.parquet  one row per document: `position` (its order) and the Document fields
  passages/*.parquet   one row per passage: the Passage fields, `sentences` as [start, end]
                       pairs and `entities` as (start, end, type) structs, absolute offsets;
                       `vector` fixed_size_list<float32>[dimension]; `sentence_vectors` a
                       list of them, one per sentence
  embedded.json        written last: the embedder, chunker and annotator, the seed files
                       and the row counts (a folder without it, or whose counts differ, is
                       refused: the run that wrote it did not finish)
Rows may be spread over any number of files in any order: documents are put back in
`position` order, passages in document then `ordinal` order. pyarrow is imported on use:
it comes with the `ray` extra.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from pydantic import BaseModel, ValidationError

from rag.errors import EngineUnavailable, IndexCorrupt, IndexMissing
from rag.index.atomic import replace_directory, temp_sibling, write_durably
from rag.index.build import EmbeddedDocuments
from rag.index.manifest import ChunkerInfo, Counts, EmbeddingInfo
from rag.types import Document, Passage

if TYPE_CHECKING:
    import pyarrow as pa

INFO_FILE = "embedded.json"
DOCUMENTS_DIR = "documents"
PASSAGES_DIR = "passages"
FORMAT = "rag-embedded-parquet"
DOCUMENT_FIELDS = tuple(Document.model_fields)


class ParquetInfo(BaseModel):
    """embedded.json: how the rows were made, and how many there are."""

    format: Literal["rag-embedded-parquet"] = FORMAT
    version: Literal[1] = 1
    embedding: EmbeddingInfo
    chunker: ChunkerInfo
    annotator: str | None  # what found the typed spans (None: nothing)
    seeds: dict[str, str] | None = None  # seed files seen (path -> sha256), indexed or not
    counts: Counts


def documents_table(documents: Sequence[Document], first_position: int = 0) -> pa.Table:
    import pyarrow as pa

    columns: dict[str, Any] = {
        "position": pa.array(range(first_position, first_position + len(documents)), pa.int64())
    }
    for name in DOCUMENT_FIELDS:
        columns[name] = pa.array([getattr(d, name) for d in documents], pa.string())
    return pa.table(columns)


def documents_from_table(table: pa.Table) -> list[Document]:
    """The documents of a `documents_table`, in its row order."""
    return [Document(**row) for row in table.select(list(DOCUMENT_FIELDS)).to_pylist()]


def passages_table(embedded: EmbeddedDocuments, dimension: int) -> pa.Table:
    """The passage rows of `embedded`, with their vectors."""
    import pyarrow as pa

    passages = embedded.passages
    pairs = pa.list_(pa.int64(), 2)
    entity = pa.struct([("start", pa.int64()), ("end", pa.int64()), ("type", pa.string())])
    sentence_counts = np.fromiter((len(p.sentences) for p in passages), np.int32, len(passages))
    offsets = np.concatenate([[0], np.cumsum(sentence_counts)]).astype(np.int32)
    return pa.table(
        {
            "passage_id": pa.array([p.passage_id for p in passages], pa.string()),
            "document_id": pa.array([p.document_id for p in passages], pa.string()),
            "ordinal": pa.array([p.ordinal for p in passages], pa.int32()),
            "start": pa.array([p.start for p in passages], pa.int64()),
            "end": pa.array([p.end for p in passages], pa.int64()),
            "text": pa.array([p.text for p in passages], pa.string()),
            "sentences": pa.array(
                [[list(s) for s in p.sentences] for p in passages], pa.list_(pairs)
            ),
            "entities": pa.array(
                [[{"start": a, "end": b, "type": t} for a, b, t in p.entities] for p in passages],
                pa.list_(entity),
            ),
            "vector": _vectors(embedded.passage_vectors, dimension),
            "sentence_vectors": pa.ListArray.from_arrays(
                pa.array(offsets), _vectors(embedded.sentence_vectors, dimension)
            ),
        }
    )


def _vectors(rows: np.ndarray, dimension: int) -> pa.FixedSizeListArray:
    import pyarrow as pa

    flat = np.ascontiguousarray(rows, dtype=np.float32).reshape(-1)
    return pa.FixedSizeListArray.from_arrays(pa.array(flat, pa.float32()), dimension)


def require_pyarrow() -> None:
    """Parquet needs pyarrow, which comes with the optional `ray` extra."""
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        raise EngineUnavailable(
            "Parquet needs pyarrow, part of the optional `ray` extra: pip install -e '.[ray]'"
        ) from None


def write_info(directory: Path, info: ParquetInfo) -> None:
    write_durably(directory / INFO_FILE, info.model_dump_json(indent=2) + "\n")


def write_embedded(embedded: EmbeddedDocuments, directory: Path, info: ParquetInfo) -> None:
    """Write the rows into a temporary sibling, embedded.json last, then swap it in."""
    require_pyarrow()
    import pyarrow.parquet as pq

    directory.parent.mkdir(parents=True, exist_ok=True)
    staging = temp_sibling(directory, "tmp")
    for name in (DOCUMENTS_DIR, PASSAGES_DIR):
        (staging / name).mkdir(parents=True)
    pq.write_table(documents_table(embedded.documents), staging / DOCUMENTS_DIR / "part-0.parquet")
    table = passages_table(embedded, info.embedding.dimension)
    pq.write_table(table, staging / PASSAGES_DIR / "part-0.parquet")
    write_info(staging, info)
    replace_directory(staging, directory)


def counts_of(directory: Path) -> Counts:
    """The rows a folder holds (embedded.json aside): what its info must state."""
    import pyarrow.parquet as pq

    documents = pq.read_table(directory / DOCUMENTS_DIR, columns=["position"]).num_rows
    sentences = pq.read_table(directory / PASSAGES_DIR, columns=["sentences"]).column("sentences")
    lengths = sum(
        int(np.sum(c.value_lengths().to_numpy(zero_copy_only=False))) for c in sentences.chunks
    )
    return Counts(documents=documents, passages=len(sentences), sentences=lengths)


def read_info(directory: Path) -> ParquetInfo:
    require_pyarrow()
    path = directory / INFO_FILE
    if not directory.is_dir():
        raise IndexMissing(f"no folder {directory}")
    if not path.exists():
        raise IndexMissing(
            f"{directory} has no {INFO_FILE}: not embedded documents in Parquet, or the run "
            "that wrote them did not finish"
        )
    try:
        return ParquetInfo.model_validate_json(path.read_bytes())
    except ValidationError as exc:
        raise IndexCorrupt(f"{path} is not a valid {FORMAT} description: {exc}") from None


def read_embedded(directory: Path) -> EmbeddedDocuments:
    """The documents, passages (offsets, entities) and vectors of a Parquet folder, in order.

    Raises:
        IndexMissing: no such folder, or it has no embedded.json (unfinished).
        IndexCorrupt: rows missing or inconsistent (counts, vector sizes, unknown documents).
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    info = read_info(directory)
    dimension = info.embedding.dimension
    try:
        documents_raw = pq.read_table(directory / DOCUMENTS_DIR).sort_by("position")
        passages_raw = pq.read_table(directory / PASSAGES_DIR)
        documents = documents_from_table(documents_raw)
        position = {d.id: i for i, d in enumerate(documents)}
        if len(position) < len(documents):
            raise IndexCorrupt(f"{directory}: a document id occurs twice")
        owners = passages_raw.column("document_id").to_pylist()
        if not set(owners) <= position.keys():
            raise IndexCorrupt(f"{directory}: passages of documents it does not hold")
        ordinals = passages_raw.column("ordinal").to_numpy()
        table = passages_raw.take(np.lexsort((ordinals, [position[o] for o in owners])))
        passages = _passages(table)
        vectors = _matrix(table.column("vector").combine_chunks(), dimension)
        sentence_lists = table.column("sentence_vectors").combine_chunks()
        sentence_vectors = _matrix(sentence_lists.flatten(), dimension)
    except (pa.ArrowException, OSError, KeyError, ValueError) as exc:
        raise IndexCorrupt(f"{directory}: unreadable embedded documents: {exc}") from None
    found = Counts(
        documents=len(documents),
        passages=len(passages),
        sentences=sum(len(p.sentences) for p in passages),
    )
    lengths = sentence_lists.value_lengths().to_numpy(zero_copy_only=False)
    if found != info.counts or len(sentence_vectors) != found.sentences:
        raise IndexCorrupt(f"{directory}: holds {found}, its {INFO_FILE} states {info.counts}")
    if any(n != len(p.sentences) for n, p in zip(lengths, passages, strict=True)):
        raise IndexCorrupt(f"{directory}: a passage has not one vector per sentence")
    return EmbeddedDocuments(
        documents=documents,
        passages=passages,
        passage_vectors=vectors,
        sentence_vectors=sentence_vectors,
    )


def _passages(table: pa.Table) -> list[Passage]:
    columns = ["passage_id", "document_id", "ordinal", "start", "end", "text", "sentences"]
    rows = table.select(columns).to_pylist()
    entities = table.column("entities").to_pylist()
    return [
        Passage(
            **row,
            entities=[(e["start"], e["end"], e["type"]) for e in spans],
        )
        for row, spans in zip(rows, entities, strict=True)
    ]


def _matrix(values: pa.FixedSizeListArray, dimension: int) -> np.ndarray:
    if values.type.list_size != dimension:
        raise ValueError(f"vectors of {values.type.list_size} numbers, expected {dimension}")
    flat = values.flatten().to_numpy(zero_copy_only=False)
    return np.ascontiguousarray(flat.reshape(-1, dimension), dtype=np.float32)
