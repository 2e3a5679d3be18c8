"""IndexStore: the index in memory, and its save/load to a directory with integrity checks."""

from __future__ import annotations

import json
import logging
import shutil
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import NamedTuple

import faiss
import numpy as np
from pydantic import ValidationError

from rag.errors import IndexCorrupt, IndexMismatch, IndexMissing
from rag.index.atomic import jsonl, read_lines, replace_directory, temp_sibling, write_durably
from rag.index.manifest import (
    DATA_FILES,
    DOCUMENTS_FILE,
    MANIFEST_FILE,
    PASSAGES_FILE,
    REBUILD_HINT,
    SCHEMA_VERSION,
    SENTENCE_VECTORS_FILE,
    VECTORS_FILE,
    ChunkerInfo,
    Counts,
    EmbeddingInfo,
    Manifest,
    sha256_file,
    source_info,
    utc_now,
)
from rag.index.segments import SEGMENTS_DIR, Segment, last_sequence, read_segments
from rag.index.vectors import VectorTable
from rag.types import Document, Passage

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Lookups:
    """The live passages by id and by document, and where each passage's sentence rows
    start (`first_sentence[row]`, with the total after the last row)."""

    by_id: dict[str, int]
    by_document: dict[str, list[int]]  # rows in order; a list is never changed once made
    first_sentence: np.ndarray

    @classmethod
    def of(cls, passages: Sequence[Passage], live: np.ndarray) -> _Lookups:
        return cls({}, {}, np.zeros(1, dtype=np.int64)).appended(passages, first_row=0, live=live)

    def appended(
        self, passages: Sequence[Passage], *, first_row: int, live: np.ndarray | None = None
    ) -> _Lookups:
        """With rows `first_row`, `first_row + 1`, … holding `passages` (live where `live`)."""
        by_id = dict(self.by_id)
        by_document = dict(self.by_document)
        grown: dict[str, list[int]] = {}
        for offset, passage in enumerate(passages):
            if live is None or live[offset]:
                row = first_row + offset
                by_id[passage.passage_id] = row
                grown.setdefault(passage.document_id, []).append(row)
        for document_id, rows in grown.items():
            by_document[document_id] = [*by_document.get(document_id, []), *rows]
        counts = np.fromiter((len(p.sentences) for p in passages), np.int64, len(passages))
        first_sentence = np.concatenate(
            [self.first_sentence, self.first_sentence[-1] + np.cumsum(counts)]
        )
        return _Lookups(by_id, by_document, first_sentence)

    def without(self, document_ids: set[str], passages: Sequence[Passage]) -> _Lookups:
        """With the documents' rows no longer live (their sentence rows stay in place)."""
        by_id = dict(self.by_id)
        by_document = dict(self.by_document)
        for document_id in document_ids:
            for row in by_document.pop(document_id, []):
                by_id.pop(passages[row].passage_id, None)
        return _Lookups(by_id, by_document, self.first_sentence)


@dataclass(frozen=True)
class IndexStore:
    """Row i of `vectors` is the embedding of `passages[i]`; `sentence_vectors` holds one
    row per sentence, passage after passage (`first_sentence_row`). Rows are only ever
    appended; a removed document's rows stay, marked not `live`, until compaction rebuilds
    the store from the live rows. Never mutated: a change makes a new store, so readers
    holding the old one are never disturbed. `sequence` is the last write applied."""

    manifest: Manifest
    documents: dict[str, Document]  # the live documents
    passages: list[Passage]
    vectors: VectorTable
    sentence_vectors: VectorTable
    live: np.ndarray | None = None  # bool per passage row; None: every row
    sequence: int = 0
    # Lookups over the rows, derived from the passages and `live`; a write passes them grown
    # from its parent's (made from every row, they cost a write O(rows) of Python). Left
    # None, they are made here: do so whenever the rows or `live` change otherwise.
    lookups: _Lookups | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.live is None:
            object.__setattr__(self, "live", np.ones(len(self.passages), dtype=bool))
        lookups = self.lookups
        if (
            lookups is None
            or len(lookups.first_sentence) != len(self.passages) + 1
            or len(lookups.by_id) != int(self.live.sum())
        ):
            object.__setattr__(self, "lookups", _Lookups.of(self.passages, self.live))

    @property
    def _by_id(self) -> dict[str, int]:
        return self.lookups.by_id

    @property
    def _by_document(self) -> dict[str, list[int]]:
        return self.lookups.by_document

    @property
    def _first_sentence(self) -> np.ndarray:
        return self.lookups.first_sentence

    def first_sentence_row(self, passage_row: int) -> int:
        return int(self._first_sentence[passage_row])

    def passage_of_sentence(self, sentence_row: int) -> int:
        return int(np.searchsorted(self._first_sentence, sentence_row, side="right")) - 1

    @property
    def sentence_count(self) -> int:
        return int(self.sentence_vectors.ntotal)

    @property
    def live_passages(self) -> int:
        return int(self.live.sum())

    @property
    def compacted(self) -> bool:
        """No removed rows and no rows outside the base indexes."""
        return bool(self.live.all()) and self.vectors.tail.ntotal == 0

    def per_sentence(self, passage_mask: np.ndarray) -> np.ndarray:
        """A mask over passage rows as a mask over their sentence rows."""
        return np.repeat(passage_mask, np.diff(self._first_sentence))

    def passage(self, passage_id: str) -> Passage | None:
        row = self._by_id.get(passage_id)
        return None if row is None else self.passages[row]

    def row_of(self, passage_id: str) -> int | None:
        return self._by_id.get(passage_id)

    def document_of_row(self, passage_row: int) -> Document | None:
        """The document a passage row belongs to; None once it was removed."""
        if not self.live[passage_row]:
            return None
        return self.documents.get(self.passages[passage_row].document_id)

    def rows_of(self, document_id: str) -> list[int]:
        """A live document's passage rows, in order."""
        return sorted(self._by_document.get(document_id, []))

    def passages_of(self, document_id: str) -> list[Passage]:
        """A live document's passages, in order."""
        return [self.passages[row] for row in self.rows_of(document_id)]

    def live_counts(self, live: np.ndarray | None = None) -> tuple[int, int]:
        """(passages, sentences) among the rows `live` marks (default: the store's)."""
        live = self.live if live is None else live
        return int(live.sum()), int((np.diff(self._first_sentence) * live).sum())

    def appended(
        self,
        added: Sequence[Document],
        passages: Sequence[Passage],
        passage_vectors: np.ndarray,
        sentence_vectors: np.ndarray,
        sequence: int,
    ) -> IndexStore:
        """This store with new documents' rows after its own."""
        documents = {**self.documents, **{d.id: d for d in added}}
        live_passages, live_sentences = self.live_counts()
        counts = (live_passages + len(passages), live_sentences + len(sentence_vectors))
        return IndexStore(
            manifest=described(self.manifest, documents, counts),
            documents=documents,
            passages=[*self.passages, *passages],
            vectors=self.vectors.appended(passage_vectors),
            sentence_vectors=self.sentence_vectors.appended(sentence_vectors),
            live=np.concatenate([self.live, np.ones(len(passages), dtype=bool)]),
            sequence=sequence,
            lookups=self.lookups.appended(passages, first_row=len(self.passages)),
        )

    def without(self, document_ids: Sequence[str], sequence: int) -> IndexStore:
        """This store with the documents' rows marked removed (compaction reclaims them)."""
        drop = set(document_ids)
        live = self.live.copy()
        live[[row for document in drop for row in self._by_document.get(document, [])]] = False
        documents = dict(self.documents)
        for document_id in drop:
            documents.pop(document_id, None)
        return replace(
            self,
            manifest=described(self.manifest, documents, self.live_counts(live)),
            documents=documents,
            live=live,
            sequence=sequence,
            lookups=self.lookups.without(drop, self.passages),
        )


def described(
    manifest: Manifest, documents: dict[str, Document], counts: tuple[int, int]
) -> Manifest:
    """The manifest with the counts of these live documents (the list of sources is
    written when the store is saved whole)."""
    passages, sentences = counts
    return manifest.model_copy(
        update={
            "counts": Counts(documents=len(documents), passages=passages, sentences=sentences),
            "updated_at": utc_now(),
        }
    )


def save_store(
    store: IndexStore, directory: Path, *, keep_segments: Sequence[Path] = ()
) -> IndexStore:
    """Write a compacted store into a temporary sibling, manifest last, then swap it in.
    `keep_segments` are segment folders of writes the store does not include yet (made
    while it was being compacted); they are carried into the new directory.

    Returns the store with its manifest's file checksums filled in."""
    if not store.compacted:
        raise ValueError("only a compacted store is saved whole; writes go to segments")
    directory.parent.mkdir(parents=True, exist_ok=True)
    staging = temp_sibling(directory, "tmp")
    staging.mkdir()
    faiss.write_index(store.vectors.base, str(staging / VECTORS_FILE))
    faiss.write_index(store.sentence_vectors.base, str(staging / SENTENCE_VECTORS_FILE))
    write_durably(
        staging / DOCUMENTS_FILE, jsonl([d.model_dump_json() for d in store.documents.values()])
    )
    write_durably(staging / PASSAGES_FILE, jsonl([p.model_dump_json() for p in store.passages]))
    files = {name: sha256_file(staging / name) for name in DATA_FILES}
    sources = [source_info(d) for d in store.documents.values()]
    manifest = store.manifest.model_copy(
        update={"files": files, "sequence": store.sequence, "sources": sources}
    )
    if keep_segments:
        (staging / SEGMENTS_DIR).mkdir()
        for folder in keep_segments:
            shutil.copytree(folder, staging / SEGMENTS_DIR / folder.name)
    write_durably(staging / MANIFEST_FILE, manifest.model_dump_json(indent=2) + "\n")
    replace_directory(staging, directory)
    return replace(store, manifest=manifest)


# The base part of `written_state` per manifest file, by the file's identity: a manifest is
# only ever replaced whole (a new file renamed in), never edited, so an unchanged (device,
# inode, size, mtime, ctime) is an unchanged manifest. Its list of sources grows with the
# archive (about 60 ms to parse at 20,000 articles), and every request asks.
_BASES: dict[Path, tuple[tuple[int, ...], WrittenState]] = {}


class WrittenState(NamedTuple):
    """What identifies the index on disk: its base (files, write number, lineage) and the
    last write applied over it."""

    files: dict[str, str]
    base: int
    last: int
    lineage: str


def written_state(directory: Path) -> WrittenState | None:
    """The index on disk as `WrittenState`, read without validating the whole manifest (it
    is asked on every request); None if absent or unreadable."""
    path = directory / MANIFEST_FILE
    try:
        status = path.stat()
        identity = (
            status.st_dev,
            status.st_ino,
            status.st_size,
            status.st_mtime_ns,
            status.st_ctime_ns,
        )
        known = _BASES.get(path)
        if known is None or known[0] != identity:
            raw = json.loads(path.read_bytes())
            base = WrittenState(
                dict(raw["files"]), int(raw.get("sequence", 0)), 0, str(raw.get("lineage", ""))
            )
            known = (identity, base)
            _BASES[path] = known
        base = known[1]
        return base._replace(files=dict(base.files), last=last_sequence(directory, base.base))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def written_by(store: IndexStore) -> WrittenState:
    """What `written_state` reads on disk when the directory holds exactly `store`."""
    manifest = store.manifest
    return WrittenState(manifest.files, manifest.sequence, store.sequence, manifest.lineage)


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
            Document.model_validate_json(line) for line in read_lines(directory / DOCUMENTS_FILE)
        ]
        passages = [
            Passage.model_validate_json(line) for line in read_lines(directory / PASSAGES_FILE)
        ]
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
    store = IndexStore(
        manifest=manifest,
        documents={d.id: d for d in documents},
        passages=passages,
        vectors=VectorTable.of(vectors),
        sentence_vectors=VectorTable.of(sentence_vectors),
        sequence=manifest.sequence,
    )
    for segment in read_segments(directory, manifest.sequence):
        store = applied(store, segment)
    logger.info(
        "index loaded: %d documents, %d passages", len(store.documents), store.live_passages
    )
    return store


def applied(store: IndexStore, segment: Segment) -> IndexStore:
    """The store with one written segment applied."""
    sequence = segment.info.sequence
    if segment.info.kind == "remove":
        return store.without(segment.info.removed, sequence)
    if segment.sentence_vectors.shape[0] != sum(len(p.sentences) for p in segment.passages) or (
        segment.passage_vectors.shape != (len(segment.passages), store.vectors.d)
    ):
        raise IndexCorrupt(
            f"segment {sequence} has vectors that do not match its passages; {REBUILD_HINT}"
        )
    return store.appended(
        segment.documents,
        segment.passages,
        segment.passage_vectors,
        segment.sentence_vectors,
        sequence,
    )


def read_documents(directory: Path) -> list[Document]:
    """The live documents of an index that passes its checksums, without loading vectors.

    Used to carry articles added with `rag add` over into a rebuild."""
    manifest = read_manifest(directory)
    path = directory / DOCUMENTS_FILE
    if not path.exists() or sha256_file(path) != manifest.files.get(DOCUMENTS_FILE):
        raise IndexCorrupt(f"{path} fails its checksum")
    documents = {d.id: d for d in (Document.model_validate_json(x) for x in read_lines(path))}
    for segment in read_segments(directory, manifest.sequence, vectors=False):
        for document_id in segment.info.removed:
            documents.pop(document_id, None)
        documents.update((d.id, d) for d in segment.documents)
    return list(documents.values())
