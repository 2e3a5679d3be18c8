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
