"""Bulk ingest on Ray Data (`rag index --engine ray`): a seeds folder -> embedded documents
in Parquet -> the index.

Files are read by Ray tasks with the same loader as `rag index` (`read_seed_file`) and merged
on the driver in folder order (`merged_seed_files`), so ids, skipped files and their reasons
are the same; duplicates by content are dropped as a build drops them. Passages are embedded
by a pool of actors, each holding one embedder and one annotator and calling
`embed_documents` on a slice of documents, and written as Parquet (rag/index/parquet.py)
by the workers. The Parquet is then loaded into the index as a build is, under the writer
lock. Ray and pyarrow come with the optional `ray` extra and are imported on use.

On a cluster (`address`), every node needs this package and its models installed (the same
versions: each worker checks its model's fingerprint), and the seeds and Parquet folders on
a filesystem all nodes share.
"""

from __future__ import annotations

import contextlib
import json
import logging
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from rag.errors import EngineUnavailable, InvalidInput, RagError
from rag.index.atomic import replace_directory, temp_sibling, writer_lock
from rag.index.build import (
    EmbeddedDocuments,
    chunker_info,
    embed_documents,
    embedding_info,
    unique_by_content,
)
from rag.index.maintain import (
    IndexTarget,
    carried_over,
    install_embedded,
)
from rag.index.manifest import Counts
from rag.index.parquet import (
    DOCUMENTS_DIR,
    INFO_FILE,
    PASSAGES_DIR,
    ParquetInfo,
    counts_of,
    documents_from_table,
    documents_table,
    passages_table,
    read_embedded,
    write_info,
)
from rag.index.store import IndexStore
from rag.ingest.chunking import ChunkerParams
from rag.ingest.loaders import (
    SeedEntry,
    SeedFile,
    SeedLoad,
    Skipped,
    merged_seed_files,
    read_seed_file,
    read_seed_manifest,
    seed_files,
)
from rag.types import Document

if TYPE_CHECKING:
    import pyarrow as pa

logger = logging.getLogger(__name__)

# The object store holds documents waiting for a worker and passages waiting to be written:
# bounded so that a local run leaves the machine's memory to the models (Ray spills to
# disk beyond it).
OBJECT_STORE_BYTES = 512 * 1024**2
BATCH_DOCUMENTS = 64  # at most, per worker call (and per Parquet file written)


@dataclass(frozen=True)
class EmbedSpec:
    """What each worker builds its embedder and annotator from (the caller's settings)."""

    model: str
    backend: str
    threads: int | None
    sentence_vectors: str
    annotate: bool
    chunker: ChunkerParams
    fingerprint: str  # of the driver's model: a worker with other weights refuses to start


@dataclass(frozen=True)
class RayOptions:
    workers: int = 1
    address: str | None = None  # a running cluster ("ray://host:10001", "auto"); None: local
    object_store_bytes: int = OBJECT_STORE_BYTES
    batch_documents: int = BATCH_DOCUMENTS


def require_ray() -> None:
    """Ray Data and pyarrow are importable (they come with the optional `ray` extra)."""
    try:
        import pyarrow  # noqa: F401
        import ray.data  # noqa: F401
    except ImportError as exc:
        raise EngineUnavailable(
            f"--engine ray needs {exc.name or 'ray'}, part of the optional `ray` extra: "
            "pip install -e '.[ray]'"
        ) from None


@contextlib.contextmanager
def ray_session(options: RayOptions) -> Iterator[None]:
    """Ray started locally (`workers` CPUs, bounded object store, no dashboard) or joined at
    `address`, and shut down afterwards; a session already started by the caller is used
    as it is."""
    require_ray()
    import ray

    if ray.is_initialized():
        yield
        return
    try:
        if options.address:
            ray.init(address=options.address, logging_level=logging.WARNING)
        else:
            ray.init(
                num_cpus=options.workers,
                object_store_memory=options.object_store_bytes,
                include_dashboard=False,
                logging_level=logging.WARNING,
            )
    except (ConnectionError, RuntimeError, ValueError) as exc:
        where = options.address or "locally"
        raise EngineUnavailable(f"cannot start Ray {where}: {exc}") from None
    quiet_ray_data()
    try:
        yield
    finally:
        ray.shutdown()


def quiet_ray_data() -> None:
    """No per-stage INFO lines from Ray Data (progress bars stay, on a terminal)."""
    from ray.data import DataContext

    DataContext.get_current().print_on_execution_start = False
    logging.getLogger("ray.data").setLevel(logging.WARNING)


def ray_rebuild(
    target: IndexTarget,
    seeds_dir: Path,
    spec: EmbedSpec,
    options: RayOptions,
    *,
    keep_added: bool = True,
    parquet_dir: Path | None = None,
) -> tuple[IndexStore, SeedLoad]:
    """`rebuild` with the reading and embedding on Ray: the seeds (plus articles added with
    `rag add`, unless not `keep_added`) -> Parquet (kept at `parquet_dir` if given) -> the
    index, swapped in. Returns the store and what the folder gave (skipped files...)."""
    if parquet_dir is not None and _occupied(parquet_dir):
        raise InvalidInput(
            f"{parquet_dir} holds other files: name a new folder, or one written by "
            "`rag index --engine ray --parquet` (it is replaced)"
        )
    manifest = read_seed_manifest(seeds_dir)  # a missing folder is told before Ray starts
    paths = seed_files(seeds_dir)
    with ray_session(options), _ray_errors():
        loaded = read_seeds(seeds_dir, paths, manifest, options)
        with writer_lock(target.directory):
            documents = list(loaded.documents)
            if keep_added:
                documents += carried_over(target.directory)
            info = ParquetInfo(
                embedding=embedding_info(target.embedder),
                chunker=chunker_info(target.params),
                annotator=target.annotator.name if target.annotator else None,
                seeds=loaded.files,
                counts=Counts(documents=0, passages=0, sentences=0),  # counted once written
            )
            folder = parquet_dir or temp_sibling(target.directory, "tmp")  # recover() drops it
            try:
                write_on_ray(unique_by_content(documents), folder, spec, options, info)
                embedded = read_embedded(folder)
                store = install_embedded(
                    target, embedded, seeds=info.seeds, annotator=info.annotator
                )
            finally:
                if parquet_dir is None:
                    shutil.rmtree(folder, ignore_errors=True)
    return store, loaded


def _occupied(folder: Path) -> bool:
    """A folder that exists, is not empty and is not ours to replace."""
    if not folder.exists():
        return False
    return not folder.is_dir() or (any(folder.iterdir()) and not (folder / INFO_FILE).exists())


def read_seeds(
    seeds_dir: Path, paths: list[Path], manifest: dict[str, SeedEntry], options: RayOptions
) -> SeedLoad:
    """`load_seeds` with the files (`seed_files(seeds_dir)`) read by Ray tasks."""
    import ray.data

    if not paths:
        return merged_seed_files([])
    items = [{"index": i, "path": str(p)} for i, p in enumerate(paths)]
    blocks = max(1, min(len(items), options.workers * 4))
    read = ray.data.from_items(items, override_num_blocks=blocks).map_batches(
        _read_files,
        fn_kwargs={"seeds_dir": str(seeds_dir), "manifest": manifest},
        batch_size=None,
    )
    rows = sorted(read.take_all(), key=lambda row: int(row["index"]))
    return merged_seed_files(_seed_file(str(row["file"])) for row in rows)


def _read_files(
    batch: dict[str, np.ndarray], seeds_dir: str, manifest: dict[str, SeedEntry]
) -> dict[str, list[Any]]:
    """In a Ray task: the files of a batch, read, as JSON (Arrow has no SeedFile type)."""
    files = [read_seed_file(Path(seeds_dir), Path(p), manifest) for p in batch["path"]]
    return {"index": list(batch["index"]), "file": [_seed_file_json(f) for f in files]}


def _seed_file_json(seed_file: SeedFile) -> str:
    return json.dumps(
        {
            "name": seed_file.name,
            "sha256": seed_file.sha256,
            "documents": [d.model_dump() for d in seed_file.documents],
            "skipped": [[s.file, s.reason] for s in seed_file.skipped],
            "encoding": seed_file.encoding,
        }
    )


def _seed_file(text: str) -> SeedFile:
    raw = json.loads(text)
    return SeedFile(
        name=raw["name"],
        sha256=raw["sha256"],
        documents=[Document(**d) for d in raw["documents"]],
        skipped=[Skipped(file, reason) for file, reason in raw["skipped"]],
        encoding=raw["encoding"],
    )


def write_on_ray(
    documents: list[Document],
    folder: Path,
    spec: EmbedSpec,
    options: RayOptions,
    info: ParquetInfo,
) -> None:
    """Embed `documents` on a pool of Ray actors into a Parquet folder at `folder`, written
    into a temporary sibling and swapped in once complete (embedded.json last)."""
    import pyarrow.parquet as pq
    import ray.data

    staging = temp_sibling(folder, "tmp")
    (staging / DOCUMENTS_DIR).mkdir(parents=True)
    try:
        table = documents_table(documents)
        pq.write_table(table, staging / DOCUMENTS_DIR / "part-0.parquet")
        # One block per call, handed to whichever actor is idle: several blocks per worker
        # so that none waits long for the last one.
        size = max(1, min(options.batch_documents, -(-len(documents) // (4 * options.workers))))
        slices = [table.slice(start, size) for start in range(0, max(len(documents), 1), size)]
        threads = 1 if options.workers > 1 else spec.threads  # one core each
        ray.data.from_arrow(slices).map_batches(
            _EmbedWorker,
            fn_constructor_kwargs={"spec": spec, "threads": threads},
            batch_size=None,
            batch_format="pyarrow",
            compute=ray.data.ActorPoolStrategy(size=min(options.workers, len(slices))),
            num_cpus=1,
        ).write_parquet(
            str(staging / PASSAGES_DIR),
            # No CPU reserved: the actors hold every CPU, and a write task that waited for
            # one would only run once they finish, leaving all passages in the object store.
            ray_remote_args={"num_cpus": 0},
        )
        if not (staging / PASSAGES_DIR).exists():  # nothing to embed: no file written
            (staging / PASSAGES_DIR).mkdir()
            pq.write_table(
                passages_table(_no_rows(info), info.embedding.dimension),
                staging / PASSAGES_DIR / "part-0.parquet",
            )
        write_info(staging, info.model_copy(update={"counts": counts_of(staging)}))
        replace_directory(staging, folder)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _no_rows(info: ParquetInfo) -> EmbeddedDocuments:
    empty = np.zeros((0, info.embedding.dimension), np.float32)
    return EmbeddedDocuments([], [], empty, empty)


class _EmbedWorker:
    """A Ray actor: one embedder and one annotator, loaded once, for every batch it gets."""

    def __init__(self, spec: EmbedSpec, threads: int | None) -> None:
        from rag.embedding import make_embedder
        from rag.ingest.entities import SpacyAnnotator

        self.embedder = make_embedder(
            spec.model, spec.backend, threads=threads, sentence_vectors=spec.sentence_vectors
        )
        if self.embedder.fingerprint != spec.fingerprint:
            raise EngineUnavailable(
                f"a Ray worker's embedding model ({self.embedder.fingerprint[:12]}) is not the "
                f"driver's ({spec.fingerprint[:12]}): install the same versions on every node"
            )
        self.annotator = SpacyAnnotator() if spec.annotate else None
        self.params = spec.chunker

    def __call__(self, batch: pa.Table) -> pa.Table:
        embedded = embed_documents(
            documents_from_table(batch), self.embedder, self.params, annotator=self.annotator
        )
        return passages_table(embedded, self.embedder.dimension)


@contextlib.contextmanager
def _ray_errors() -> Iterator[None]:
    """A failure inside Ray (a worker's error, a lost node) as one RagError line: the
    worker's own RagError when there is one."""
    import ray.exceptions

    try:
        yield
    except ray.exceptions.RayError as exc:
        cause: BaseException | None = exc
        while cause is not None and not isinstance(cause, RagError):
            cause = getattr(cause, "cause", None) or cause.__cause__
        if isinstance(cause, RagError):
            raise cause from None
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise EngineUnavailable(f"the Ray pipeline failed: {first_line}") from None
