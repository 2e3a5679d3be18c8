"""FAISS indexes over unit vectors (inner product = cosine similarity), and the rule that
picks exact or approximate search by size.

Below EXACT_LIMIT vectors exact search is fast and costs nothing to build, so it wins;
above it, HNSW answers far faster at a recall close to exact search's, whose time grows
linearly with the number of vectors. The limit comes from `benchmarks/scale.py`
(benchmarks/REPORT.md#scale) and from HNSW against exact search on the sentence and the
passage vectors of the BBC News archive (docs/measurements.md#vector-index-on-real-sentences,
#passage-vectors-on-hnsw): in a server, an exact scan of 9,000 passages also pushes the
embedding model's weights out of the CPU caches."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import faiss
import numpy as np

IndexType = Literal["auto", "flat", "hnsw", "ivf"]
FLAT = "Flat"
EXACT_LIMIT = 5_000
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 80
HNSW_EF_SEARCH = 96
# From this many vectors the graph walk widens: at 1,000,000 vectors efSearch 96 kept
# recall@10 at 0.92 and 256 at 0.97 for about 1 ms (docs/measurements.md, a million).
HNSW_LARGE = 200_000
HNSW_EF_SEARCH_LARGE = 256
IVF_PROBE_SHARE = 1 / 32  # lists probed per query, as a share of all lists
IVF_MIN_PROBES = 8
IVF_MIN_TRAINING = 39  # FAISS wants at least this many training vectors per list
IVF_TRAINING_PER_LIST = 64


def choose_kind(count: int, index_type: IndexType = "auto") -> str:
    """The FAISS factory string for an index of `count` vectors."""
    if index_type == "auto":
        index_type = "flat" if count < EXACT_LIMIT else "hnsw"
    if index_type == "flat":
        return FLAT
    if index_type == "hnsw":
        return f"HNSW{HNSW_M},Flat"
    if index_type == "ivf":
        # Too few vectors to train two lists: nothing to partition.
        return f"IVF{ivf_lists(count)},Flat" if count >= 2 * IVF_MIN_TRAINING else FLAT
    raise ValueError(f"unknown vector index type {index_type!r}")


def ivf_lists(count: int) -> int:
    """About 4·sqrt(n) lists, each with enough vectors to train."""
    return max(1, min(int(4 * math.sqrt(max(count, 1))), count // IVF_MIN_TRAINING))


def new_index(dimension: int, kind: str = FLAT) -> faiss.Index:
    index = faiss.index_factory(dimension, kind, faiss.METRIC_INNER_PRODUCT)
    if kind.startswith("HNSW"):
        index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
        index.hnsw.efSearch = HNSW_EF_SEARCH  # saved with the index
    return index


def hnsw_ef_search(count: int) -> int:
    """The efSearch an HNSW index of `count` vectors is saved with."""
    return HNSW_EF_SEARCH_LARGE if count >= HNSW_LARGE else HNSW_EF_SEARCH


def build_index(vectors: np.ndarray, kind: str = FLAT) -> faiss.Index:
    index = new_index(vectors.shape[1], kind)
    if kind.startswith("HNSW"):
        index.hnsw.efSearch = hnsw_ef_search(len(vectors))  # saved with the index
    if not index.is_trained:
        # k-means on a sample of 64 vectors a list: a full pass at a million vectors
        # takes many minutes and buys no measurable recall.
        faiss.extract_index_ivf(index).cp.max_points_per_centroid = IVF_TRAINING_PER_LIST
        index.train(vectors)
    if len(vectors):
        index.add(vectors)
    if kind.startswith("IVF"):
        ivf = faiss.extract_index_ivf(index)
        probes = max(IVF_MIN_PROBES, math.ceil(ivf.nlist * IVF_PROBE_SHARE))
        ivf.nprobe = min(ivf.nlist, probes)  # saved with the index
    return index


def all_vectors(index: faiss.Index) -> np.ndarray:
    """Every stored vector, in row order (lets add/remove rebuild without re-embedding)."""
    if index.ntotal == 0:
        return np.zeros((0, index.d), dtype=np.float32)
    return index.reconstruct_n(0, index.ntotal)


def stored_view(index: faiss.Index) -> np.ndarray | None:
    """The index's own float storage as a read-only (ntotal, d) array, without a copy, for
    exact and HNSW indexes; None for others (their vectors must be reconstructed)."""
    flat = faiss.downcast_index(index.storage) if hasattr(index, "storage") else index
    if not isinstance(flat, faiss.IndexFlat) or flat.ntotal == 0:
        return None
    view = faiss.rev_swig_ptr(flat.get_xb(), flat.ntotal * flat.d).reshape(flat.ntotal, flat.d)
    view.flags.writeable = False
    return view


class StoredRows:
    """Rows of a VectorTable by row number, reading the base index's storage in place: a
    write's new snapshot gets its vectors at the cost of the tail, not of the whole index.
    Keeps the indexes alive, since the base rows are a view into their memory."""

    def __init__(self, table: VectorTable) -> None:
        self._table = table  # owns the memory `_base` points into
        self._cut = int(table.base.ntotal)
        view = stored_view(table.base)
        self._base = view if view is not None else all_vectors(table.base)
        self._tail = all_vectors(table.tail)
        self.shape = (self._cut + len(self._tail), table.d)

    def __len__(self) -> int:
        return self.shape[0]

    def __getitem__(self, rows: int | np.integer | list[int] | np.ndarray) -> np.ndarray:
        """One row (1-d) or several (2-d), as `ndarray[rows]` gives them."""
        if isinstance(rows, (int, np.integer)):
            row = int(rows)
            return self._base[row] if row < self._cut else self._tail[row - self._cut]
        wanted = np.asarray(rows, dtype=np.int64)
        out = np.empty((len(wanted), self.shape[1]), dtype=np.float32)
        in_base = wanted < self._cut
        out[in_base] = self._base[wanted[in_base]]
        out[~in_base] = self._tail[wanted[~in_base] - self._cut]
        return out

    def __matmul__(self, vector: np.ndarray) -> np.ndarray:
        return np.concatenate([self._base @ vector, self._tail @ vector])


def search(index: faiss.Index, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """(scores, rows) for each query; rows of -1 mark missing results."""
    k = min(k, index.ntotal)
    if k <= 0:
        empty = np.zeros((len(queries), 0))
        return empty.astype(np.float32), empty.astype(np.int64)
    return index.search(queries, k)


# Below this share of allowed rows, a filtered HNSW search loses recall (most neighbours it
# walks are filtered out), so the allowed rows are scored exactly instead.
EXACT_FILTER_SHARE = 0.05


@dataclass(frozen=True)
class VectorTable:
    """The vectors of an index's rows: `base` as built, then `tail`, an exact index of the
    rows appended since. Appending copies only the tail, so a write costs the size of what
    was added since the last compaction, not of the index; both parts are never mutated
    after construction, so readers of an older table are never disturbed."""

    base: faiss.Index
    tail: faiss.Index

    @classmethod
    def of(cls, base: faiss.Index) -> VectorTable:
        return cls(base, new_index(base.d))

    @property
    def d(self) -> int:
        return int(self.base.d)

    @property
    def ntotal(self) -> int:
        return int(self.base.ntotal + self.tail.ntotal)

    def appended(self, vectors: np.ndarray) -> VectorTable:
        tail = new_index(self.d)
        tail.add(np.vstack([all_vectors(self.tail), vectors]).astype(np.float32, copy=False))
        return VectorTable(self.base, tail)

    def all(self) -> np.ndarray:
        return np.vstack([all_vectors(self.base), all_vectors(self.tail)])

    def rows(self) -> StoredRows:
        """Row access without copying the base (what the answer layer reads)."""
        return StoredRows(self)

    def at(self, rows: np.ndarray) -> np.ndarray:
        """The vectors of these rows, in the order given."""
        return self.rows()[rows]

    def search(
        self, queries: np.ndarray, k: int, allowed: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """(scores, rows) best first for each query over both parts; `allowed` is a
        boolean mask over rows (None: every row). Rows of -1 mark missing results."""
        cut = int(self.base.ntotal)
        parts = [
            (self.base, 0, None if allowed is None else allowed[:cut]),
            (self.tail, cut, None if allowed is None else allowed[cut:]),
        ]
        found = [
            _search_part(index, queries, k, mask, offset)
            for index, offset, mask in parts
            if index.ntotal
        ]
        if not found:
            return search(self.base, queries, 0)
        scores = np.hstack([s for s, _ in found])
        rows = np.hstack([r for _, r in found])
        scores = np.where(rows >= 0, scores, -np.inf)
        order = np.argsort(-scores, axis=1, kind="stable")[:, :k]
        return (
            np.take_along_axis(scores, order, axis=1).astype(np.float32),
            np.take_along_axis(rows, order, axis=1),
        )


def _search_part(
    index: faiss.Index, queries: np.ndarray, k: int, allowed: np.ndarray | None, offset: int
) -> tuple[np.ndarray, np.ndarray]:
    if allowed is None or allowed.all():
        scores, rows = search(index, queries, k)
    elif not allowed.any():
        scores, rows = search(index, queries, 0)
    elif isinstance(index, faiss.IndexHNSW) and allowed.mean() < EXACT_FILTER_SHARE:
        scores, rows = _exact_over(index, queries, k, np.flatnonzero(allowed))
    else:
        bitmap = np.packbits(allowed, bitorder="little")
        selector = faiss.IDSelectorBitmap(len(allowed), faiss.swig_ptr(bitmap))
        params = _filtered_params(index, selector)
        k = min(k, int(allowed.sum()))
        scores, rows = index.search(queries, k, params=params)
    return scores, np.where(rows >= 0, rows + offset, -1)


def _filtered_params(index: faiss.Index, selector: faiss.IDSelector) -> faiss.SearchParameters:
    """Search parameters with the selector, keeping the index's own search breadth."""
    if isinstance(index, faiss.IndexHNSW):
        return faiss.SearchParametersHNSW(sel=selector, efSearch=index.hnsw.efSearch)
    ivf = faiss.try_extract_index_ivf(index)
    if ivf is not None:
        return faiss.SearchParametersIVF(sel=selector, nprobe=ivf.nprobe)
    return faiss.SearchParameters(sel=selector)


def _exact_over(
    index: faiss.Index, queries: np.ndarray, k: int, rows: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    vectors = index.reconstruct_batch(rows)
    scores = queries @ vectors.T
    order = np.argsort(-scores, axis=1, kind="stable")[:, :k]
    return np.take_along_axis(scores, order, axis=1), rows[order]
