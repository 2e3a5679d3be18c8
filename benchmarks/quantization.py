"""Recall of quantized sentence vectors, as Qdrant would search them, on a real index.

    python -m benchmarks.quantization --index /tmp/bbc-time

Simulates Qdrant's two quantizations on the index's sentence vectors with numpy: scalar
(int8 over the 0.99 quantile range) and binary (one sign bit per dimension, Hamming
distance), each alone and rescored with the float vectors after oversampling (Qdrant's
`rescore` + `oversampling`). Reports recall@10 against exact cosine search for the BBC
questions, and the bytes per vector kept in RAM. The index is only read.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from rag.embedding import make_embedder
from rag.index.maintain import IndexTarget
from rag.ingest.chunking import ChunkerParams

QUESTIONS = Path(__file__).resolve().parents[1] / "tests" / "data" / "bbc" / "questions.jsonl"
K = 10


def _recall(found: np.ndarray, exact: np.ndarray) -> float:
    return float(np.mean([len(set(f) & set(e)) / K for f, e in zip(found, exact, strict=True)]))


def _top(scores: np.ndarray, k: int) -> np.ndarray:
    return np.argsort(-scores, axis=1, kind="stable")[:, :k]


def _rescored(vectors: np.ndarray, queries: np.ndarray, candidates: np.ndarray) -> np.ndarray:
    exact = np.einsum("qd,qcd->qc", queries, vectors[candidates])
    order = np.argsort(-exact, axis=1, kind="stable")[:, :K]
    return np.take_along_axis(candidates, order, axis=1)


def measure(vectors: np.ndarray, queries: np.ndarray) -> dict:
    exact = _top(queries @ vectors.T, K)
    low, high = np.quantile(vectors, 0.005), np.quantile(vectors, 0.995)
    scale = (high - low) / 255
    codes = np.clip(np.round((vectors - low) / scale), 0, 255).astype(np.uint8)
    scalar = (queries @ (codes.astype(np.float32) * scale + low).T).astype(np.float32)
    signs = vectors > 0
    query_signs = queries > 0
    dims = vectors.shape[1]
    # Hamming similarity: dimensions whose signs agree.
    binary = query_signs.astype(np.float32) @ signs.T.astype(np.float32) + (
        (~query_signs).astype(np.float32) @ (~signs).T.astype(np.float32)
    )
    report = {
        "vectors": int(len(vectors)),
        "queries": int(len(queries)),
        "float32 bytes/vector": dims * 4,
        "int8 bytes/vector": dims,
        "binary bytes/vector": dims // 8,
        "int8 recall@10": round(_recall(_top(scalar, K), exact), 4),
        "binary recall@10": round(_recall(_top(binary, K), exact), 4),
    }
    for oversampling in (2, 4, 8):
        for name, scores in (("int8", scalar), ("binary", binary)):
            candidates = _top(scores, K * oversampling)
            found = _rescored(vectors, queries, candidates)
            report[f"{name} rescored x{oversampling} recall@10"] = round(_recall(found, exact), 4)
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--index", type=Path, required=True)
    args = parser.parse_args()
    embedder = make_embedder("all-MiniLM-L6-v2", "onnx", sentence_vectors="separate")
    store = IndexTarget(args.index, embedder, ChunkerParams()).load()
    lines = QUESTIONS.read_text("utf-8").splitlines()
    questions = [json.loads(line)["question"] for line in lines if line.strip()]
    report = measure(store.sentence_vectors.all(), embedder.embed(questions))
    print(json.dumps(report, indent=2))  # noqa: T201 (the script's output)


if __name__ == "__main__":
    main()
