"""manifest.json: what an index was built from and the checksum of every file in it."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel

from rag.types import Document

SCHEMA_VERSION = 2
REBUILD_HINT = "rebuild it with `rag index`"
MANIFEST_FILE = "manifest.json"
VECTORS_FILE = "vectors.faiss"
SENTENCE_VECTORS_FILE = "sentences.faiss"
DOCUMENTS_FILE = "documents.jsonl"
PASSAGES_FILE = "passages.jsonl"
DATA_FILES = (VECTORS_FILE, SENTENCE_VECTORS_FILE, DOCUMENTS_FILE, PASSAGES_FILE)


class EmbeddingInfo(BaseModel):
    model: str
    fingerprint: str  # sha256 of the model's weight files
    dimension: int
    # How the sentence vectors were made (rag.embedding.SENTENCE_VECTOR_MODES); indexes
    # from before this field embedded every sentence on its own.
    sentence_vectors: str = "separate"


class ChunkerInfo(BaseModel):
    min_words: int
    max_words: int
    splitter: str = "sentences-v2"


class SourceInfo(BaseModel):
    document_id: str
    origin: Literal["seed", "added"]
    source_file: str | None
    source_sha256: str | None
    content_sha256: str


class Counts(BaseModel):
    documents: int
    passages: int
    sentences: int


class Manifest(BaseModel):
    schema_version: int = SCHEMA_VERSION
    embedding: EmbeddingInfo
    chunker: ChunkerInfo
    vector_index: str  # FAISS factory string of the passage index, e.g. "Flat" or "HNSW32,Flat"
    sentence_vector_index: str = "Flat"  # and of the sentence index
    counts: Counts
    sources: list[SourceInfo]
    files: dict[str, str]  # file name -> sha256
    # Every file of the seeds folder at build time (path under it -> sha256), indexed or not.
    seeds: dict[str, str] | None = None
    annotator: str | None = None  # what found the passages' typed spans (None: nothing)
    sequence: int = 0  # the last write (segment number) this base includes
    # Made anew by every build, kept by compaction: a base that does not carry the lineage
    # of a store in memory is not that store's rows, whatever its checksums and numbers
    # (an index deleted and rebuilt restarts the numbers). "" for indexes made before.
    lineage: str = ""
    created_at: str
    updated_at: str


def source_info(document: Document) -> SourceInfo:
    return SourceInfo(
        document_id=document.id,
        origin=document.origin,
        source_file=document.source_file,
        source_sha256=document.source_sha256,
        content_sha256=document.content_sha256,
    )


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
