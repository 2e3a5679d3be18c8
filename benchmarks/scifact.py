"""One pipeline on a BEIR dataset, in its own process so its peak memory is its own:
index the corpus (timed), then score nDCG@10 / Recall@10 / Recall@100 with pytrec_eval.

Pipelines: `ours-torch`, `ours-onnx` (our index, both embedding backends; dense, BM25 and
hybrid rankings) and `langchain` (benchmarks/baseline.py).

Usage: python -m benchmarks.scifact --pipeline ours-torch --dataset DIR [--split train]
       [--quick] [--save-index DIR] --out RESULT.json
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from benchmarks.load import rss_kib
from rag.beir import BeirData, document_run, load_beir, score_run

QUICK_QUERIES = 50
QUICK_DOCUMENTS = 300


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def current_rss_mib() -> float:
    return rss_kib(os.getpid()) / 1024


def subset(data: BeirData, queries: int, documents: int, seed: int = 7) -> BeirData:
    """The first `queries` queries, their judged documents, and random others up to
    `documents`: a small corpus on which the figures still mean something."""
    kept = dict(list(data.queries.items())[:queries])
    qrels = {q: data.qrels[q] for q in kept}
    judged = {doc for judged in qrels.values() for doc in judged}
    others = [d for d in data.documents if d.id not in judged]
    random.Random(seed).shuffle(others)
    room = max(0, documents - len(judged))
    chosen = judged | {d.id for d in others[:room]}
    return BeirData(
        documents=[d for d in data.documents if d.id in chosen], queries=kept, qrels=qrels
    )


def run_ours(data: BeirData, backend: str, save_index: Path | None) -> dict:
    from rag.embedding import make_embedder
    from rag.index.build import build_store
    from rag.index.store import save_store
    from rag.ingest.chunking import ChunkerParams
    from rag.retrieval.retriever import HybridRetriever

    embedder = make_embedder("all-MiniLM-L6-v2", backend)
    rss_before = current_rss_mib()
    started = time.perf_counter()
    store = build_store(data.documents, embedder, ChunkerParams())
    index_seconds = time.perf_counter() - started
    if save_index is not None:
        save_store(store, save_index)
    retriever = HybridRetriever(store, embedder)
    ids = list(data.queries)
    clock = time.perf_counter()
    vectors = dict(zip(ids, embedder.embed([data.queries[i] for i in ids]), strict=True))
    embed_ms = (time.perf_counter() - clock) * 1000 / max(len(ids), 1)
    modes = []
    for mode in ("dense", "lexical", "hybrid"):
        run = document_run(retriever, data.queries, mode, query_vectors=vectors)
        modes.append({"mode": mode, **score_run(data.qrels, run)})
    return {
        "passages": len(store.passages),
        "vectors": store.vectors.ntotal + store.sentence_vectors.ntotal,
        "vector_index": [store.manifest.vector_index, store.manifest.sentence_vector_index],
        "index_seconds": round(index_seconds, 1),
        "rss_before_index_mib": round(rss_before, 1),
        "query_embed_ms": round(embed_ms, 2),
        "modes": modes,
    }


def run_langchain(data: BeirData, depth: int = 100) -> dict:
    from benchmarks.baseline import LangChainBaseline, packaged_model_folder

    baseline = LangChainBaseline(packaged_model_folder())
    rss_before = current_rss_mib()
    baseline.index([(d.id, d.text) for d in data.documents])
    run: dict[str, dict[str, float]] = {}
    latencies = []
    for query_id, text in data.queries.items():
        clock = time.perf_counter()
        chunks = baseline.search(text, depth * 3)
        latencies.append((time.perf_counter() - clock) * 1000)
        ranked: list[str] = []
        for chunk in chunks:
            if chunk.document_id not in ranked:
                ranked.append(chunk.document_id)
        run[query_id] = {doc: float(depth * 3 - i) for i, doc in enumerate(ranked[:depth])}
    return {
        "passages": baseline.chunks,
        "vectors": baseline.chunks,
        "vector_index": ["Flat (LangChain FAISS, L2)"],
        "index_seconds": round(baseline.index_seconds, 1),
        "rss_before_index_mib": round(rss_before, 1),
        "search_ms_p50": round(statistics.median(latencies), 2),
        "modes": [{"mode": "dense", **score_run(data.qrels, run)}],
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pipeline", choices=["ours-torch", "ours-onnx", "langchain"])
    parser.add_argument("--dataset", type=Path, required=True)
    parser.add_argument("--split", default="train")
    parser.add_argument("--quick", action="store_true", help="A 300-document subset.")
    parser.add_argument("--save-index", type=Path, help="Keep our index (for the scale run).")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    data = load_beir(args.dataset, args.split)
    if args.quick:
        data = subset(data, QUICK_QUERIES, QUICK_DOCUMENTS)
    if args.pipeline == "langchain":
        result = run_langchain(data)
    else:
        result = run_ours(data, args.pipeline.removeprefix("ours-"), args.save_index)
    result |= {
        "pipeline": args.pipeline,
        "dataset": args.dataset.name,
        "split": args.split,
        "documents": len(data.documents),
        "queries": len(data.queries),
        "passages_per_second": round(result["passages"] / result["index_seconds"], 1),
        "vectors_per_second": round(result["vectors"] / result["index_seconds"], 1),
        "peak_rss_mib": round(peak_rss_mib(), 1),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", "utf-8")
    sys.stdout.write(json.dumps(result) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
