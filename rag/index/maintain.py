"""Index maintenance on disk: build from seeds, add and remove articles, staleness.

Every operation holds the writer lock, loads the current index, derives a new store and
swaps it in atomically, so concurrent readers and crashes see the old or the new index.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from rag.embedding import Embedder
from rag.errors import IndexMissing, IndexNotReady
from rag.index.atomic import writer_lock
from rag.index.build import (
    AddResult,
    EmbeddedDocuments,
    build_store,
    chunker_info,
    embedding_info,
    with_documents,
    without_documents,
)
from rag.index.store import (
    IndexStore,
    check_compatible,
    load_store,
    read_documents,
    read_manifest,
    save_store,
    verify_files,
)
from rag.index.vectors import IndexType, choose_kind
from rag.ingest.chunking import ChunkerParams
from rag.ingest.entities import Annotator
from rag.ingest.loaders import SeedLoad, load_seeds, seed_files, seed_name, sha256_bytes
from rag.types import Document

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class IndexTarget:
    """Where an index lives and what it must be built with."""

    directory: Path
    embedder: Embedder
    params: ChunkerParams
    index_type: IndexType = "auto"
    annotator: Annotator | None = None  # typed spans at index time (None: none stored)

    def load(self) -> IndexStore:
        return load_store(
            self.directory,
            embedding=embedding_info(self.embedder),
            chunker=chunker_info(self.params),
        )


def _carried_over(directory: Path) -> list[Document]:
    """Articles added with `rag add` to the current index, kept across a rebuild."""
    try:
        return [d for d in read_documents(directory) if d.origin == "added"]
    except IndexNotReady as exc:
        if directory.exists():
            logger.warning("added articles not carried over: %s", exc)
        return []


def rebuild(
    target: IndexTarget,
    seeds_dir: Path,
    *,
    keep_added: bool = True,
    progress: bool = False,
    loaded: SeedLoad | None = None,
) -> IndexStore:
    """Build the index from the seeds (plus previously added articles) and swap it in.
    `loaded` is the seeds folder as already read (the CLI reports what it skipped)."""
    loaded = loaded or load_seeds(seeds_dir)
    documents = list(loaded.documents)
    with writer_lock(target.directory):
        if keep_added:
            documents += _carried_over(target.directory)
        store = build_store(
            documents,
            target.embedder,
            target.params,
            index_type=target.index_type,
            progress=progress,
            annotator=target.annotator,
        )
        # Every file seen, indexed or not, so that skipped files and duplicates do not make
        # the index look stale on the next `--if-stale`.
        annotator = target.annotator.name if target.annotator else None
        store = replace(
            store,
            manifest=store.manifest.model_copy(
                update={"seeds": loaded.files, "annotator": annotator}
            ),
        )
        return save_store(store, target.directory)


def staleness(target: IndexTarget, seeds_dir: Path) -> str | None:
    """Why the index must be rebuilt from the seeds, or None when it is current."""
    try:
        manifest = read_manifest(target.directory)
        check_compatible(
            manifest,
            target.directory,
            embedding=embedding_info(target.embedder),
            chunker=chunker_info(target.params),
        )
        verify_files(manifest, target.directory)
    except IndexMissing:
        return f"there is no index at {target.directory} yet"
    except IndexNotReady as exc:
        return str(exc)
    expected = (
        choose_kind(manifest.counts.passages, target.index_type),
        choose_kind(manifest.counts.sentences, target.index_type),
    )
    wanted = target.annotator.name if target.annotator else None
    if manifest.annotator != wanted:
        return f"the index was annotated by {manifest.annotator}, the settings ask for {wanted}"
    if (manifest.vector_index, manifest.sentence_vector_index) != expected:
        return (
            f"the vector index type is {manifest.vector_index} / {manifest.sentence_vector_index}"
            f", the settings ask for {expected[0]} / {expected[1]}"
        )
    current = {seed_name(seeds_dir, p): sha256_bytes(p.read_bytes()) for p in seed_files(seeds_dir)}
    indexed = manifest.seeds
    if indexed is None:  # built before the manifest listed its seed files
        indexed = {s.source_file: s.source_sha256 for s in manifest.sources if s.origin == "seed"}
    if indexed != current:
        return f"the articles in {seeds_dir} changed since the index was built"
    return None


def add_documents(
    target: IndexTarget,
    documents: Sequence[Document],
    *,
    progress: bool = False,
    embedded: EmbeddedDocuments | None = None,
) -> AddResult:
    """Add documents under the writer lock. Pass `embedded` (from `embed_documents`, made
    before taking the lock) so that the lock is held for the merge and save only."""
    with writer_lock(target.directory):
        result = with_documents(
            target.load(),
            documents,
            target.embedder,
            target.params,
            index_type=target.index_type,
            progress=progress,
            embedded=embedded,
            annotator=target.annotator,
        )
        if not result.added:
            return result
        saved = save_store(result.store, target.directory)
        return AddResult(store=saved, added=result.added, duplicates=result.duplicates)


def remove_documents(target: IndexTarget, document_ids: Sequence[str]) -> IndexStore:
    with writer_lock(target.directory):
        store = without_documents(target.load(), document_ids, index_type=target.index_type)
        return save_store(store, target.directory)
