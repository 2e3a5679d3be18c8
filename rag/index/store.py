"""IndexStore: the index in memory, and its save/load to a directory with integrity checks."""

from __future__ import annotations

import bisect
import json
import logging
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import faiss
from pydantic import ValidationError

from rag.errors import IndexCorrupt, IndexMismatch, IndexMissing
from rag.index.atomic import replace_directory, temp_sibling
from rag.index.manifest import (
    DATA_FILES,
    DOCUMENTS_FILE,
    MANIFEST_FILE,
    PASSAGES_FILE,
    SCHEMA_VERSION,
    SENTENCE_VECTORS_FILE,
    VECTORS_FILE,
    ChunkerInfo,
    EmbeddingInfo,
    Manifest,
    sha256_file,
)
from rag.types import Document, Passage

logger = logging.getLogger(__name__)
REBUILD_HINT = "rebuild it with `rag index`"


@dataclass(frozen=True)
class IndexStore:
    """Row i of `vectors` is the embedding of `passages[i]`; `sentence_vectors` holds one
    row per sentence, passage after passage (`first_sentence_row`). Never mutated: changes
    make a new store, so readers holding the old one are never disturbed."""

    manifest: Manifest
    documents: dict[str, Document]
    passages: list[Passage]
    vectors: faiss.Index
    sentence_vectors: faiss.Index
    _by_id: dict[str, int] = field(init=False, repr=False, compare=False)
    _first_sentence: list[int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_id", {p.passage_id: i for i, p in enumerate(self.passages)})
        starts, row = [], 0
        for passage in self.passages:
            starts.append(row)
            row += len(passage.sentences)
        object.__setattr__(self, "_first_sentence", starts)

    def first_sentence_row(self, passage_row: int) -> int:
        return self._first_sentence[passage_row]

    def passage_of_sentence(self, sentence_row: int) -> int:
        return bisect.bisect_right(self._first_sentence, sentence_row) - 1

    @property
    def sentence_count(self) -> int:
        return int(self.sentence_vectors.ntotal)

    def passage(self, passage_id: str) -> Passage | None:
        row = self._by_id.get(passage_id)
        return None if row is None else self.passages[row]

    def row_of(self, passage_id: str) -> int | None:
        return self._by_id.get(passage_id)


def save_store(store: IndexStore, directory: Path) -> IndexStore:
    """Write every file into a temporary sibling, manifest last, then swap it in.

    Returns the store with its manifest's file checksums filled in."""
    directory.parent.mkdir(parents=True, exist_ok=True)
    staging = temp_sibling(directory, "tmp")
    staging.mkdir()
    faiss.write_index(store.vectors, str(staging / VECTORS_FILE))
    faiss.write_index(store.sentence_vectors, str(staging / SENTENCE_VECTORS_FILE))
    _write_jsonl(staging / DOCUMENTS_FILE, (d.model_dump_json() for d in store.documents.values()))
    _write_jsonl(staging / PASSAGES_FILE, (p.model_dump_json() for p in store.passages))
    files = {name: sha256_file(staging / name) for name in DATA_FILES}
    manifest = store.manifest.model_copy(update={"files": files})
    _write_text(staging / MANIFEST_FILE, manifest.model_dump_json(indent=2) + "\n")
    replace_directory(staging, directory)
    return IndexStore(
        manifest=manifest,
        documents=store.documents,
        passages=store.passages,
        vectors=store.vectors,
        sentence_vectors=store.sentence_vectors,
    )


def _write_text(path: Path, text: str) -> None:
    with path.open("w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())


def _write_jsonl(path: Path, lines: Iterable[str]) -> None:
    _write_text(path, "".join(f"{line}\n" for line in lines))


def read_manifest(directory: Path) -> Manifest:
    path = directory / MANIFEST_FILE
    if not path.exists():
        raise IndexMissing(f"no index at {directory}; build it with `rag index`")
    try:
        raw = json.loads(path.read_bytes())
        version = raw.get("schema_version") if isinstance(raw, dict) else None
        if version != SCHEMA_VERSION:
            raise IndexMismatch(
                f"{directory} has index schema {version}, this version reads "
                f"{SCHEMA_VERSION}; {REBUILD_HINT}"
            )
        return Manifest.model_validate(raw)
    except (ValidationError, ValueError):
        raise IndexCorrupt(f"{path} is unreadable; {REBUILD_HINT}") from None


def check_compatible(
    manifest: Manifest, directory: Path, *, embedding: EmbeddingInfo, chunker: ChunkerInfo
) -> None:
    built = manifest.embedding
    if (built.model, built.fingerprint, built.dimension) != (
        embedding.model,
        embedding.fingerprint,
        embedding.dimension,
    ):
        raise IndexMismatch(
            f"{directory} was built with embedding model {built.model} "
            f"(weights {built.fingerprint[:12]}, {built.dimension} dims) but the settings use "
            f"{embedding.model} (weights {embedding.fingerprint[:12]}, {embedding.dimension} "
            f"dims); {REBUILD_HINT}"
        )
    if built.sentence_vectors != embedding.sentence_vectors:
        raise IndexMismatch(
            f"{directory} has {built.sentence_vectors} sentence vectors but the settings ask for "
            f"{embedding.sentence_vectors} ones (RAG_SENTENCE_VECTORS); {REBUILD_HINT}"
        )
    if manifest.chunker != chunker:
        raise IndexMismatch(
            f"{directory} was built with passages of {manifest.chunker.min_words}-"
            f"{manifest.chunker.max_words} words ({manifest.chunker.splitter}) but the settings "
            f"say {chunker.min_words}-{chunker.max_words} ({chunker.splitter}); {REBUILD_HINT}"
        )


def verify_files(manifest: Manifest, directory: Path) -> None:
    for name in DATA_FILES:
        path = directory / name
        if name not in manifest.files or not path.exists():
            raise IndexCorrupt(f"{path} is missing; {REBUILD_HINT}")
        if sha256_file(path) != manifest.files[name]:
            raise IndexCorrupt(f"{path} fails its checksum (changed or truncated); {REBUILD_HINT}")


def load_store(directory: Path, *, embedding: EmbeddingInfo, chunker: ChunkerInfo) -> IndexStore:
    """Load and verify an index; raises IndexMissing / IndexMismatch / IndexCorrupt."""
    manifest = read_manifest(directory)
    check_compatible(manifest, directory, embedding=embedding, chunker=chunker)
    verify_files(manifest, directory)
    try:
        documents = [
            Document.model_validate_json(line) for line in _lines(directory / DOCUMENTS_FILE)
        ]
        passages = [Passage.model_validate_json(line) for line in _lines(directory / PASSAGES_FILE)]
        vectors = faiss.read_index(str(directory / VECTORS_FILE))
        sentence_vectors = faiss.read_index(str(directory / SENTENCE_VECTORS_FILE))
    except (ValidationError, ValueError, RuntimeError):
        raise IndexCorrupt(f"{directory} holds unreadable records; {REBUILD_HINT}") from None
    sentences = sum(len(p.sentences) for p in passages)
    if (vectors.ntotal, sentence_vectors.ntotal) != (len(passages), sentences) or vectors.d != (
        manifest.embedding.dimension
    ):
        raise IndexCorrupt(
            f"{directory} has {vectors.ntotal} vectors for {len(passages)} passages and "
            f"{sentence_vectors.ntotal} for {sentences} sentences; {REBUILD_HINT}"
        )
    logger.info("index loaded: %d documents, %d passages", len(documents), len(passages))
    return IndexStore(
        manifest=manifest,
        documents={d.id: d for d in documents},
        passages=passages,
        vectors=vectors,
        sentence_vectors=sentence_vectors,
    )


def read_documents(directory: Path) -> list[Document]:
    """The documents of an index that passes its checksum, without loading vectors.

    Used to carry articles added with `rag add` over into a rebuild."""
    manifest = read_manifest(directory)
    path = directory / DOCUMENTS_FILE
    if not path.exists() or sha256_file(path) != manifest.files.get(DOCUMENTS_FILE):
        raise IndexCorrupt(f"{path} fails its checksum")
    return [Document.model_validate_json(line) for line in _lines(path)]


def _lines(path: Path) -> list[str]:
    return [line for line in path.read_text("utf-8").split("\n") if line]
