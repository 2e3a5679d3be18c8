"""Search latency per search backend (FAISS + our BM25, Qdrant local mode) on one index.

    python -m benchmarks.backends --index /tmp/bbc-s90-index [--backends faiss qdrant]

Prints p50/p95 in ms of each ranking (dense passages, dense sentences, BM25) and of a
whole hybrid search (query vectors embedded beforehand, so the model is not timed), and
the time Qdrant took to fill its collections from the index. The index is only read.
Timings on a shared machine are noisy: run it when the cores are quiet and repeat.
"""

from __future__ import annotations

import argparse
import json
import logging
import time
from pathlib import Path

from benchmarks.latency import percentiles
from rag.embedding import make_embedder
from rag.index.maintain import IndexTarget
from rag.ingest.chunking import ChunkerParams
from rag.retrieval.filters import NO_FILTERS
from rag.retrieval.retriever import HybridRetriever

logger = logging.getLogger(__name__)
QUESTIONS = Path(__file__).resolve().parents[1] / "tests" / "data" / "bbc" / "questions.jsonl"
POOL = 50  # candidates per ranking, the service's default


def _retriever(kind: str, store, embedder) -> tuple[HybridRetriever, float]:
    """The retriever on `kind`, and the seconds its backend took to be ready."""
    clock = time.perf_counter()
    if kind == "faiss":
        retriever = HybridRetriever(store, embedder)  # the default, as `make run` builds it
    else:
        from rag.retrieval.qdrant_backend import QdrantBackend, QdrantOptions

        backend = QdrantBackend.open(QdrantOptions(path=":memory:"), store)
        retriever = HybridRetriever(store, embedder, backend=backend)
    return retriever, time.perf_counter() - clock


def _time(samples: list[float], call) -> None:
    clock = time.perf_counter()
    call()
    samples.append((time.perf_counter() - clock) * 1000)


def _stages(retriever: HybridRetriever, questions: list[str], vectors, rounds: int) -> dict:
    stages: dict[str, list[float]] = {
        "dense (passages)": [],
        "dense (sentences)": [],
        "lexical (BM25)": [],
        "hybrid search, whole": [],
    }
    for question, vector in list(zip(questions, vectors, strict=True))[:5]:  # warm-up
        retriever.search(question, 5, query_vector=vector)
    for _ in range(rounds):
        for question, vector in zip(questions, vectors, strict=True):
            _time(stages["dense (passages)"], lambda v=vector: retriever.dense(v, POOL))
            _time(stages["dense (sentences)"], lambda v=vector: retriever.dense_sentences(v, POOL))
            _time(stages["lexical (BM25)"], lambda q=question: retriever.lexical(q, POOL))
            _time(
                stages["hybrid search, whole"],
                lambda q=question, v=vector: retriever.search(q, 5, query_vector=v),
            )
    return {name: percentiles(values) for name, values in stages.items()}


def fusion_agreement(
    store, embedder, questions: list[str], vectors, k: int = 5
) -> dict[str, float]:
    """How often Qdrant's server-side fusion (`prefetch` dense + BM25, then RRF) returns
    our hybrid top k: the share of passages in common, averaged over the questions.
    Two variants: RRF over those two rankings, and the same two fused by our RRF (k 60),
    which Qdrant's formula 1/(k' - 1 + rank) matches at k' = 61."""
    from qdrant_client.http import models

    from rag.retrieval.fusion import reciprocal_rank_fusion
    from rag.retrieval.qdrant_backend import QdrantBackend, QdrantOptions
    from rag.retrieval.qdrant_schema import DENSE, SPARSE
    from rag.retrieval.sparse import query_vector

    backend = QdrantBackend.open(QdrantOptions(path=":memory:"), store)
    ours = HybridRetriever(store, embedder, backend=backend)
    same_server, same_two = [], []
    for question, vector in zip(questions, vectors, strict=True):
        reference = [h.passage.passage_id for h in ours.search(question, k, query_vector=vector)]
        sparse = query_vector(question)
        prefetch = [models.Prefetch(query=vector.tolist(), using=DENSE, limit=POOL)]
        if sparse.indices:
            bm25 = models.SparseVector(indices=sparse.indices, values=sparse.values)
            prefetch.append(models.Prefetch(query=bm25, using=SPARSE, limit=POOL))
        fused = backend._call(
            "query_points",
            backend.passages,
            prefetch=prefetch,
            query=models.RrfQuery(rrf=models.Rrf(k=61)),
            limit=k,
            with_payload=["passage_id"],
        ).points
        server = [p.payload["passage_id"] for p in fused]
        dense = [m.passage_id for m in backend.dense(vector, POOL, NO_FILTERS)]
        lexical = [m.passage_id for m in backend.lexical(question, POOL, NO_FILTERS)]
        two = [key for key, _ in reciprocal_rank_fusion([dense, lexical], k=60, limit=k)]
        same_server.append(len(set(server) & set(reference)) / k)
        same_two.append(len(set(server) & set(two)) / k)
    return {
        "server RRF vs our three-way hybrid": round(sum(same_server) / len(same_server), 3),
        "server RRF vs our RRF of the same two rankings": round(sum(same_two) / len(same_two), 3),
    }


def measure(index: Path, kinds: list[str], questions: list[str], rounds: int) -> dict:
    embedder = make_embedder("all-MiniLM-L6-v2", "onnx", sentence_vectors="separate")
    store = IndexTarget(index, embedder, ChunkerParams()).load()
    vectors = embedder.embed(questions)
    report: dict = {
        "index": str(index),
        "passages": store.live_passages,
        "sentences": store.sentence_count,
        "questions": len(questions),
        "rounds": rounds,
        "backends": {},
    }
    for kind in kinds:
        retriever, ready_s = _retriever(kind, store, embedder)
        timings = _stages(retriever, questions, vectors, rounds)
        report["backends"][kind] = {"ready_s": round(ready_s, 2), **timings}
    if "qdrant" in kinds:
        report["fusion agreement@5"] = fusion_agreement(store, embedder, questions, vectors)
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--backends", nargs="+", default=["faiss", "qdrant"])
    parser.add_argument("--questions", type=Path, default=QUESTIONS)
    parser.add_argument("--limit", type=int, default=100, help="questions used")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    lines = args.questions.read_text("utf-8").splitlines()
    questions = [json.loads(line)["question"] for line in lines if line.strip()][: args.limit]
    report = measure(args.index, args.backends, questions, args.rounds)
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n", "utf-8")
    print(json.dumps(report, indent=2))  # noqa: T201 (the script's output)


if __name__ == "__main__":
    main()
