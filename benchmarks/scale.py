"""Exact against approximate FAISS search on synthetic indexes of 10k, 100k and 1M vectors.

The vectors keep the structure of real embeddings: each lies between a real passage or
sentence embedding (from an index we built, e.g. SciFact's) and one of its real neighbours,
plus a little noise, so they form the clusters and low-dimensional shape of a real corpus;
uniform random vectors would test neither kind of index fairly. Queries are held-out real
embeddings with the same noise.

For each size: build time, bytes per vector (the serialised index), single-query latency
p50/p99 (one query at a time, as the service searches) and recall@10 against exact search.

Usage: python -m benchmarks.scale --base-index DIR [--sizes 10000,100000,1000000]
       [--queries 200] --out RESULT.json
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import faiss
import numpy as np

from rag.index.vectors import (
    EXACT_LIMIT,
    VectorTable,
    all_vectors,
    build_index,
    choose_kind,
    hnsw_ef_search,
)

NOISE = 0.1  # expected norm of the noise added before renormalising
NEIGHBOURS = 10
K = 10


APPENDED_BEFORE = 1000  # rows appended since the last compaction


def base_vectors(index_dir: Path) -> np.ndarray:
    """Every passage and sentence vector of a built index."""
    rows = [
        all_vectors(faiss.read_index(str(index_dir / name)))
        for name in ("vectors.faiss", "sentences.faiss")
    ]
    return np.ascontiguousarray(np.vstack(rows), dtype=np.float32)


def neighbours(base: np.ndarray, k: int = NEIGHBOURS) -> np.ndarray:
    """Each base row's k nearest other rows (exact)."""
    index = build_index(base, "Flat")
    _, rows = index.search(base, k + 1)
    return rows[:, 1:]


def synthetic(
    base: np.ndarray, near: np.ndarray, count: int, rng: np.random.Generator
) -> np.ndarray:
    """`count` unit vectors, each on the segment from a random real vector to one of its
    real neighbours, plus a little isotropic noise: new points where real ones could be,
    keeping the low-dimensional shape of real embeddings. Built in blocks to bound memory."""
    out = np.empty((count, base.shape[1]), dtype=np.float32)
    sigma = NOISE / np.sqrt(base.shape[1])
    for start in range(0, count, 100_000):
        stop = min(count, start + 100_000)
        origin = rng.integers(0, len(base), stop - start)
        other = near[origin, rng.integers(0, near.shape[1], stop - start)]
        share = rng.random((stop - start, 1), dtype=np.float32)
        block = (1 - share) * base[origin] + share * base[other]
        block += rng.normal(0, sigma, block.shape).astype(np.float32)
        faiss.normalize_L2(block)
        out[start:stop] = block
    return out


def timed_searches(index: faiss.Index, queries: np.ndarray, k: int = K) -> tuple[list, np.ndarray]:
    latencies, found = [], []
    for query in queries:
        clock = time.perf_counter()
        _, rows = index.search(query.reshape(1, -1), k)
        latencies.append((time.perf_counter() - clock) * 1000)
        found.append(rows[0])
    return latencies, np.array(found)


def recall_at_k(found: np.ndarray, truth: np.ndarray) -> float:
    return float(
        np.mean([len(set(f) & set(t)) / len(t) for f, t in zip(found, truth, strict=True)])
    )


def _search_figures(index: faiss.Index, queries: np.ndarray, truth: np.ndarray | None) -> dict:
    latencies, found = timed_searches(index, queries)
    ordered = sorted(latencies)
    return {
        "p50_ms": round(float(np.median(ordered)), 3),
        "p99_ms": round(ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))], 3),
        "recall_at_10": 1.0 if truth is None else round(recall_at_k(found, truth), 4),
        "found": found,
    }


def _sweep(index: faiss.Index, queries: np.ndarray, truth: np.ndarray) -> list[dict]:
    """The same built index at other search-time settings: the speed/recall trade-off."""
    if isinstance(index, faiss.IndexHNSW):
        knob, default = "efSearch", index.hnsw.efSearch
        values = [v for v in (32, 64, 128, 256) if v != default]
    else:
        ivf = faiss.extract_index_ivf(index)
        knob, default = "nprobe", ivf.nprobe
        values = sorted({max(1, default // 4), max(1, default // 2), default * 2} - {default})
    rows = []
    for value in values:
        if knob == "efSearch":
            index.hnsw.efSearch = value
        else:
            faiss.extract_index_ivf(index).nprobe = value
        figures = _search_figures(index, queries, truth)
        figures.pop("found")
        rows.append({knob: value} | figures)
    if knob == "efSearch":
        index.hnsw.efSearch = default
    else:
        faiss.extract_index_ivf(index).nprobe = default
    return rows


def measure(kind: str, vectors: np.ndarray, queries: np.ndarray, truth: np.ndarray | None) -> dict:
    clock = time.perf_counter()
    index = build_index(vectors, kind)
    build_seconds = time.perf_counter() - clock
    row = {
        "kind": kind,
        "build_seconds": round(build_seconds, 2),
        "bytes_per_vector": round(len(faiss.serialize_index(index)) / len(vectors), 1),
    } | _search_figures(index, queries, truth)
    if truth is not None:
        row["sweep"] = _sweep(index, queries, truth)
        row["append"] = _append_figures(index, queries, truth)
    return row


def _append_figures(index: faiss.Index, queries: np.ndarray, truth: np.ndarray) -> dict:
    """An add on an index that already took 1,000 rows since its last compaction: the time
    to append one article's 12 passage vectors (the tail is copied, the base untouched),
    and recall@10 of the table searched as a whole afterwards."""
    rng = np.random.default_rng(5)
    earlier, article = (
        _unit(rng.normal(size=(n, index.d)).astype(np.float32)) for n in (APPENDED_BEFORE, 12)
    )
    table = VectorTable.of(index).appended(earlier)
    clock = time.perf_counter()
    table = table.appended(article)
    append_ms = (time.perf_counter() - clock) * 1000
    found = table.search(queries, K)[1]
    return {"append_ms": round(append_ms, 2), "recall_at_10": recall_at_k(found, truth)}


def _unit(vectors: np.ndarray) -> np.ndarray:
    faiss.normalize_L2(vectors)
    return vectors


def run(base: np.ndarray, sizes: Sequence[int], query_count: int, seed: int = 11) -> list[dict]:
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(base))
    held_out = base[order[:query_count]]  # queries: real vectors never used as data
    data_base = np.ascontiguousarray(base[order[query_count:]])
    near = neighbours(data_base)
    queries = held_out + rng.normal(0, NOISE / np.sqrt(base.shape[1]), held_out.shape)
    queries = np.ascontiguousarray(queries, dtype=np.float32)
    faiss.normalize_L2(queries)
    results = []
    for size in sizes:
        vectors = synthetic(data_base, near, size, rng)
        exact = measure("Flat", vectors, queries, None)
        rows = [exact]
        for index_type in ("hnsw", "ivf"):
            rows.append(measure(choose_kind(size, index_type), vectors, queries, exact["found"]))
        for row in rows:
            row.pop("found")
        results.append({"vectors": size, "auto_choice": choose_kind(size), "indexes": rows})
        sys.stderr.write(json.dumps(results[-1]) + "\n")
        del vectors
    return results


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-index", type=Path, required=True)
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    base = base_vectors(args.base_index)
    sizes = [int(s) for s in args.sizes.split(",")]
    report = {
        "base_vectors": len(base),
        "noise": NOISE,
        "queries": args.queries,
        "exact_limit": EXACT_LIMIT,
        "hnsw_ef_search": {size: hnsw_ef_search(size) for size in sizes},
        "faiss_threads": faiss.omp_get_max_threads(),
        "sizes": run(base, sizes, args.queries),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n", "utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
