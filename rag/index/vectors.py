"""FAISS indexes over unit vectors (inner product = cosine similarity), and the rule that
picks exact or approximate search by size.

The rule comes from `benchmarks/scale.py` (its figures are in benchmarks/REPORT.md#scale,
and only there): below EXACT_LIMIT vectors exact search is fast and costs nothing to build,
so it wins; above it, HNSW answers far faster at a recall close to exact search's, whose
time grows linearly with the number of vectors."""

from __future__ import annotations

import math
from typing import Literal

import faiss
import numpy as np

IndexType = Literal["auto", "flat", "hnsw", "ivf"]
FLAT = "Flat"
EXACT_LIMIT = 50_000
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 80
HNSW_EF_SEARCH = 96
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


def build_index(vectors: np.ndarray, kind: str = FLAT) -> faiss.Index:
    index = new_index(vectors.shape[1], kind)
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


def search(index: faiss.Index, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """(scores, rows) for each query; rows of -1 mark missing results."""
    k = min(k, index.ntotal)
    if k <= 0:
        empty = np.zeros((len(queries), 0))
        return empty.astype(np.float32), empty.astype(np.int64)
    return index.search(queries, k)
