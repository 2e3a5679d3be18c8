"""Index maintenance on disk: build from seeds, add and remove articles, compact,
staleness.

Every write holds the writer lock. A build or a compaction writes a whole new directory and
swaps it in atomically; an add or a removal appends one segment (see segments.py). Either
way concurrent readers and crashes see the index before or after the write, never between.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from rag.embedding import Embedder
from rag.errors import IndexMismatch, IndexMissing, IndexNotReady
from rag.index.atomic import writer_lock
from rag.index.build import (
    PART_DOCUMENTS,
    AddResult,
    EmbeddedDocuments,
    build_store,
    chunker_info,
    compacted,
    embedding_info,
    store_from_embedded,
    with_documents,
    without_documents,
    worth_compacting,
)
from rag.index.checkpoint import BuildKey, Checkpoint, checkpoint_dir
from rag.index.manifest import ChunkerInfo, EmbeddingInfo
from rag.index.segments import (
    last_sequence,
    read_segments,
    segment_folders,
    segment_sequence,
    write_added,
    write_removed,
)
from rag.index.store import (
    IndexStore,
    WrittenState,
    applied,
    check_compatible,
    load_store,
    read_documents,
    read_manifest,
    save_store,
    verify_files,
    written_by,
    written_state,
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


def carried_over(directory: Path) -> list[Document]:
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
    part_documents: int = PART_DOCUMENTS,
) -> IndexStore:
    """Build the index from the seeds (plus previously added articles) and swap it in.
    `loaded` is the seeds folder as already read (the CLI reports what it skipped).

    The embedding is saved as it goes (checkpoint.py): run again after an interruption,
    the build embeds only what the interrupted one had not."""
    loaded = loaded or load_seeds(seeds_dir)
    documents = list(loaded.documents)
    with writer_lock(target.directory):
        if keep_added:
            documents += carried_over(target.directory)
        annotator = target.annotator.name if target.annotator else None
        key = BuildKey(
            embedding=embedding_info(target.embedder),
            chunker=chunker_info(target.params),
            annotator=annotator,
        )
        checkpoint = Checkpoint(checkpoint_dir(target.directory), key)
        store = build_store(
            documents,
            target.embedder,
            target.params,
            index_type=target.index_type,
            progress=progress,
            annotator=target.annotator,
            checkpoint=checkpoint,
            part_documents=part_documents,
        )
        # Every file seen, indexed or not, so that skipped files and duplicates do not make
        # the index look stale on the next `--if-stale`.
        store = replace(
            store,
            manifest=store.manifest.model_copy(
                update={"seeds": loaded.files, "annotator": annotator}
            ),
            sequence=_new_base_sequence(target.directory),
        )
        saved = save_store(store, target.directory)
        checkpoint.discard()
        return saved


def load_parquet(target: IndexTarget, folder: Path) -> IndexStore:
    """Replace the index with the embedded documents of a Parquet folder (written by
    `rag index --engine ray`, here or on a cluster), without re-embedding."""
    from rag.index.parquet import read_embedded, read_info

    info = read_info(folder)
    check_embedded_compatible(target, info.embedding, info.chunker, folder)
    embedded = read_embedded(folder)
    with writer_lock(target.directory):
        return install_embedded(target, embedded, seeds=info.seeds, annotator=info.annotator)


def check_embedded_compatible(
    target: IndexTarget, embedding: EmbeddingInfo, chunker: ChunkerInfo, origin: Path
) -> None:
    """Rows embedded elsewhere must come from the model that embeds the questions here, and
    be cut as the settings cut passages (or the index would not load)."""
    wanted = embedding_info(target.embedder)
    if embedding != wanted:
        raise IndexMismatch(
            f"{origin} was embedded by {embedding.model} (weights {embedding.fingerprint[:12]}, "
            f"sentence vectors {embedding.sentence_vectors}); these settings embed questions "
            f"with {wanted.model} (weights {wanted.fingerprint[:12]}, sentence vectors "
            f"{wanted.sentence_vectors})"
        )
    if chunker != chunker_info(target.params):
        raise IndexMismatch(
            f"{origin} holds passages of {chunker.min_words}-{chunker.max_words} words; the "
            f"settings ask for {target.params.min_words}-{target.params.max_words} "
            "(RAG_CHUNK_MIN_WORDS, RAG_CHUNK_MAX_WORDS)"
        )


def install_embedded(
    target: IndexTarget,
    embedded: EmbeddedDocuments,
    *,
    seeds: dict[str, str] | None,
    annotator: str | None,
) -> IndexStore:
    """Swap in an index over rows embedded beforehand, as `rebuild` swaps in a build. Call
    with the writer lock held."""
    store = store_from_embedded(
        embedded,
        embedding=embedding_info(target.embedder),
        chunker=chunker_info(target.params),
        index_type=target.index_type,
    )
    store = replace(
        store,
        manifest=store.manifest.model_copy(update={"seeds": seeds, "annotator": annotator}),
        sequence=_new_base_sequence(target.directory),
    )
    return save_store(store, target.directory)


def _new_base_sequence(directory: Path) -> int:
    """A base built anew takes the next write number (0 for the first): a store a server
    holds from before never passes for it (see `caught_up`), even when the rebuild wrote
    the very same bytes."""
    try:
        return last_sequence(directory, read_manifest(directory).sequence) + 1
    except IndexNotReady:
        return 0


@dataclass(frozen=True)
class Stale:
    """Why the index does not match the seeds and settings."""

    reason: str
    # Only the vector index type differs: `compact` rebuilds the FAISS indexes from the
    # stored vectors, minutes of embedding saved.
    compacting_suffices: bool = False


def staleness(target: IndexTarget, seeds_dir: Path) -> Stale | None:
    """Why the index must be rebuilt (or compacted), or None when it is current."""
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
        return Stale(f"there is no index at {target.directory} yet")
    except IndexNotReady as exc:
        return Stale(str(exc))
    wanted = target.annotator.name if target.annotator else None
    if manifest.annotator != wanted:
        return Stale(
            f"the index was annotated by {manifest.annotator}, the settings ask for {wanted}"
        )
    current = {seed_name(seeds_dir, p): sha256_bytes(p.read_bytes()) for p in seed_files(seeds_dir)}
    indexed = manifest.seeds
    if indexed is None:  # built before the manifest listed its seed files
        indexed = {s.source_file: s.source_sha256 for s in manifest.sources if s.origin == "seed"}
    if indexed != current:
        return Stale(f"the articles in {seeds_dir} changed since the index was built")
    expected = (
        choose_kind(manifest.counts.passages, target.index_type),
        choose_kind(manifest.counts.sentences, target.index_type),
    )
    if (manifest.vector_index, manifest.sentence_vector_index) != expected:
        return Stale(
            f"the vector index type is {manifest.vector_index} / {manifest.sentence_vector_index}"
            f", the settings ask for {expected[0]} / {expected[1]}",
            compacting_suffices=True,
        )
    return None


def caught_up(target: IndexTarget, store: IndexStore | None) -> IndexStore:
    """`store` brought up to the index on disk, which another process (a CLI command,
    another worker of the server) may have written since. Call with the writer lock.

    - Nothing written since: `store` itself.
    - Later writes: applied from their segments, the store's base kept. That holds also
      when another process compacted the writes `store` already has into a new base: the
      rows are the same, only stored differently (`rebased` then tells the two apart).
    - Rebuilt (another lineage), or compacted past writes `store` lacks: the index loaded
      afresh."""
    state = written_state(target.directory)
    if store is None or state is None:
        return target.load()
    if state == written_by(store):
        return store
    if state.lineage == store.manifest.lineage and state.base <= store.sequence <= state.last:
        for segment in read_segments(target.directory, store.sequence):
            store = applied(store, segment)
        return store
    return target.load()


def only_rebased(state: WrittenState, store: IndexStore) -> bool:
    """`state` on disk holds `store`'s rows and no write it lacks, over another base of
    the same lineage (a compaction elsewhere): nothing to apply, the base to take."""
    return (
        state.lineage == store.manifest.lineage
        and state.last == store.sequence
        and state.base <= store.sequence
    )


def rebased(state: WrittenState | None, store: IndexStore) -> bool:
    """The directory (as `state`) holds another base than `store`'s."""
    return state is not None and (state.files, state.base) != (
        store.manifest.files,
        store.manifest.sequence,
    )


def follow(target: IndexTarget, store: IndexStore | None) -> IndexStore:
    """`caught_up` for a reader, under the writer lock (never while a write swaps the
    directory); with `store` None, the index on disk."""
    with writer_lock(target.directory):
        return caught_up(target, store)


def add_documents(
    target: IndexTarget,
    documents: Sequence[Document],
    *,
    progress: bool = False,
    embedded: EmbeddedDocuments | None = None,
    current: IndexStore | None = None,
) -> AddResult:
    """Append documents under the writer lock, as one segment (only their rows are written).
    Pass `embedded` (from `embed_documents`, made before taking the lock) so that the lock
    is held for the append only, and `current` (the store in memory) to skip reloading."""
    with writer_lock(target.directory):
        store = caught_up(target, current)
        result = with_documents(
            store,
            documents,
            target.embedder,
            target.params,
            sequence=store.sequence + 1,
            progress=progress,
            embedded=embedded,
            annotator=target.annotator,
        )
        if result.added and result.embedded is not None:
            rows = result.embedded
            write_added(
                target.directory,
                result.store.sequence,
                rows.documents,
                rows.passages,
                rows.passage_vectors,
                rows.sentence_vectors,
            )
        return result


def remove_documents(
    target: IndexTarget, document_ids: Sequence[str], *, current: IndexStore | None = None
) -> IndexStore:
    """Mark documents removed under the writer lock, as one segment."""
    with writer_lock(target.directory):
        store = caught_up(target, current)
        removed = without_documents(store, document_ids, sequence=store.sequence + 1)
        write_removed(target.directory, removed.sequence, list(document_ids))
        return removed


def needs_compaction(store: IndexStore) -> bool:
    """Worth folding the writes into a new base: the rows outside it or the removed rows
    are a tenth of the index (and more than a few hundred rows)."""
    rows = len(store.passages)
    appended = store.vectors.tail.ntotal
    removed = rows - store.live_passages
    return max(appended, removed) > max(COMPACT_MIN_ROWS, rows * COMPACT_SHARE)


COMPACT_MIN_ROWS = 500
COMPACT_SHARE = 0.1


def compact(target: IndexTarget) -> IndexStore | None:
    """Rebuild the index on disk from its live rows, each vector index of the type its size
    calls for (see `install_compacted`); None when there is nothing to do."""
    with writer_lock(target.directory):
        store = target.load()
    if not worth_compacting(store, target.index_type):
        return None
    return install_compacted(target, store, compacted(store, index_type=target.index_type))


def install_compacted(
    target: IndexTarget, snapshot: IndexStore, folded: IndexStore
) -> IndexStore | None:
    """Swap in `folded` (`snapshot` compacted, made outside the lock) and return it with the
    writes made since `snapshot` applied; their segments are carried over. None when the
    index was rebuilt or compacted by someone else meanwhile (nothing to do)."""
    with writer_lock(target.directory):
        on_disk = read_manifest(target.directory)
        if (on_disk.files, on_disk.sequence, on_disk.lineage) != (
            snapshot.manifest.files,
            snapshot.manifest.sequence,
            snapshot.manifest.lineage,
        ):
            return None
        later = [
            folder
            for folder in segment_folders(target.directory)
            if segment_sequence(folder) > snapshot.sequence
        ]
        saved = save_store(folded, target.directory, keep_segments=later)
        for segment in read_segments(target.directory, snapshot.sequence):
            saved = applied(saved, segment)
        return saved
