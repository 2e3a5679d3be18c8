"""FAISS indexes over unit vectors (inner product = cosine similarity)."""

from __future__ import annotations

import faiss
import numpy as np

FLAT = "Flat"


def new_index(dimension: int, kind: str = FLAT) -> faiss.Index:
    return faiss.index_factory(dimension, kind, faiss.METRIC_INNER_PRODUCT)


def build_index(vectors: np.ndarray, kind: str = FLAT) -> faiss.Index:
    index = new_index(vectors.shape[1], kind)
    if not index.is_trained:
        index.train(vectors)
    if len(vectors):
        index.add(vectors)
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
