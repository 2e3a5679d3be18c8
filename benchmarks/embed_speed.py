"""Embedding throughput on real passages, per backend, batch size and thread count: the
figures behind the `RAG_EMBED_BACKEND` / `RAG_EMBED_THREADS` / batch-size defaults.

Passages: a seeded sample of an article folder (the BBC archive by default), chunked and
headed by their titles exactly as `rag index` embeds them. Each configuration embeds the
same passages and their sentences as the index path does (`--sentence-vectors`, the
shipped `separate` by default: passages, then sentences, two model passes), after one
warm-up batch. Throughput is in passage tokens per second (real tokens of the passages, no
padding), the rate at which an archive gets indexed whatever the mode. Several rounds, best
and median reported, since a shared machine's other work shows up as slow rounds.

Usage: python -m benchmarks.embed_speed [--folder DIR] [--passages 384] [--rounds 3]
       [--backends onnx,torch] [--batch-sizes 8,16,32,64] [--threads 1,2]
       [--sentence-vectors separate] [--out FILE.json]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from benchmarks.output import emit

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_FOLDER = ROOT.parent / "shared" / "datasets" / "bbc-news"


def sample_inputs(folder: Path, count: int, seed: int = 14) -> tuple[list[str], list[list]]:
    """`count` passages of the folder as embedded at index time, with their sentence spans."""
    from rag.index.build import passage_input, sentence_spans
    from rag.ingest.chunking import ChunkerParams, chunk_text
    from rag.ingest.loaders import load_seeds

    documents = load_seeds(folder).documents
    random.Random(seed).shuffle(documents)
    texts: list[str] = []
    spans: list[list] = []
    for document in documents:
        for passage in chunk_text(document.id, document.text, ChunkerParams()):
            text = passage_input(document, passage)
            texts.append(text)
            spans.append(sentence_spans(passage, text))
        if len(texts) >= count:
            break
    return texts[:count], spans[:count]


def load_average() -> float:
    return float(Path("/proc/loadavg").read_text().split()[0])


def measure(
    backend: str,
    threads: int,
    batch_sizes: Sequence[int],
    texts: list[str],
    spans: list[list],
    rounds: int,
    sentence_vectors: str = "separate",
) -> list[dict]:
    from rag.embedding import make_embedder

    embedder = make_embedder(
        "all-MiniLM-L6-v2", backend, threads=threads, sentence_vectors=sentence_vectors
    )
    tokens = sum(len(ids) for ids, _ in embedder._encode(texts))  # type: ignore[attr-defined]
    rows = []
    for batch_size in batch_sizes:
        embedder.embed_with_spans(texts[:batch_size], spans[:batch_size], batch_size=batch_size)
        seconds = []
        loads = []
        for _ in range(rounds):
            loads.append(load_average())
            clock = time.perf_counter()
            embedder.embed_with_spans(texts, spans, batch_size=batch_size)
            seconds.append(time.perf_counter() - clock)
        row = {
            "backend": backend,
            "sentence_vectors": sentence_vectors,
            "threads": threads,
            "batch_size": batch_size,
            "passages": len(texts),
            "tokens": tokens,
            "tokens_per_s_best": round(tokens / min(seconds), 0),
            "tokens_per_s_median": round(tokens / statistics.median(seconds), 0),
            "seconds": [round(s, 2) for s in seconds],
            "load_average": loads,
        }
        sys.stderr.write(json.dumps(row) + "\n")
        rows.append(row)
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folder", type=Path, default=DEFAULT_FOLDER)
    parser.add_argument("--passages", type=int, default=384)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--backends", default="onnx,torch")
    parser.add_argument("--batch-sizes", default="8,16,32,64")
    parser.add_argument("--threads", default="1,2")
    parser.add_argument("--sentence-vectors", default="separate", help="separate, composed, pooled")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    texts, spans = sample_inputs(args.folder, args.passages)
    batch_sizes = [int(b) for b in args.batch_sizes.split(",")]
    rows = []
    for backend in args.backends.split(","):
        for threads in (int(t) for t in args.threads.split(",")):
            rows += measure(
                backend, threads, batch_sizes, texts, spans, args.rounds, args.sentence_vectors
            )
    result = {"cpu_count": os.cpu_count(), "rows": rows}
    emit(result, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())


def report_lines(data: dict) -> list[str]:
    """The REPORT.md section: tokens/s per backend, threads and batch size."""
    rows = sorted(data.get("rows", []), key=lambda r: (r["backend"], r["threads"], r["batch_size"]))
    lines = [
        "## Embedding throughput per backend, threads and batch size",
        "",
        f"{rows[0]['passages'] if rows else 0} BBC passages as `rag index` embeds them (title "
        "above; the passages and their sentences, in the sentence-vector mode of each row), "
        "`python -m benchmarks.embed_speed`; passage tokens indexed per second (real tokens "
        "of the passages, padding not counted), best and median of the rounds, with the load "
        "average (2 cores) at each round's start: other work on the machine lowers the median.",
        "",
        *([data["note"], ""] if data.get("note") else []),
        "| backend | sentence vectors | threads | batch | passage tokens/s best | median | "
        "load averages |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        lines.append(
            f"| {row['backend']} | {row.get('sentence_vectors', 'separate')} | "
            f"{row['threads']} | {row['batch_size']} | "
            f"{row['tokens_per_s_best']:.0f} | {row['tokens_per_s_median']:.0f} | "
            f"{', '.join(str(x) for x in row['load_average'])} |"
        )
    return [*lines, ""]
