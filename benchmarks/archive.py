"""A real archive over HTTP (the BBC News index in `make bench`), on a copy of the index:
/api/search and /api/ask latency with 1 client and throughput with 8, served by one worker
process and by two (RAG_WORKERS); then, on the last, write latency: add one short
article, remove it again; then a compaction folding those writes in.

Each add is a fresh two-sentence article (so nothing is a duplicate); its time is the whole
HTTP request: parse, annotate, embed, append a segment, grow the search structures.

Usage: python -m benchmarks.archive --index DIR [--writes N] [--requests N] [--workers 1,2]
       [--out FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import httpx

from benchmarks.latency import http_latencies, ours_ask, ours_search, percentiles
from benchmarks.servers import free_port, serving

TOKEN = "bench-token"
QUESTIONS = Path(__file__).resolve().parent.parent / "tests" / "data" / "bbc" / "heldout.jsonl"
TOWNS = ("Basra", "Mosul", "Erbil", "Najaf", "Kirkuk", "Karbala", "Ramadi", "Tikrit")


def article(n: int) -> dict[str, str]:
    town = TOWNS[n % len(TOWNS)]
    return {
        "title": f"Water plant {n} opens in {town}",
        "text": (
            f"A water treatment plant numbered {n} opened in {town} on Monday, officials said. "
            f"It will supply {1000 + n} homes, the city council added."
        ),
        "outlet": "Bench Wire",
    }


def questions() -> list[str]:
    lines = QUESTIONS.read_text("utf-8").splitlines()
    return [json.loads(line)["question"] for line in lines if line.strip()]


def measure(index: Path, writes: int, requests: int, workers: Sequence[int] = (1, 2)) -> dict:
    reads: dict[str, dict[str, dict]] = {}
    asked = questions()
    for count in workers:
        port = free_port()
        env = {
            "RAG_INDEX_DIR": str(index),
            "RAG_API_TOKEN": TOKEN,
            "RAG_LOG_LEVEL": "WARNING",
            "RAG_WORKERS": str(count),
        }
        args = ["-m", "rag", "serve", "--port", str(port)]
        with serving(args, port, "/api/health", env=env) as s:
            reads[str(count)] = {
                name: {
                    str(clients): http_latencies(
                        s.url, make, asked, clients=clients, requests=requests
                    )
                    for clients in (1, 8)
                }
                for name, make in (("search", ours_search), ("ask", ours_ask))
            }
            if count == workers[-1]:
                documents, added_ms, removed_ms = _writes(s.url, writes)
    clock = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "rag", "compact"],
        env={**os.environ, "RAG_INDEX_DIR": str(index)},
        check=True,
        capture_output=True,
    )
    compact_seconds = time.perf_counter() - clock
    return {
        "documents": documents,
        "reads_by_workers": reads,
        "writes": writes,
        "writes_workers": workers[-1],
        "add_ms": percentiles(added_ms),
        "remove_ms": percentiles(removed_ms),
        "compact_seconds_with_process_start": round(compact_seconds, 1),
    }


def _writes(url: str, writes: int) -> tuple[int, list[float], list[float]]:
    """(documents before, add ms, remove ms): `writes` articles added, then removed."""
    headers = {"Authorization": f"Bearer {TOKEN}"}
    added_ms, removed_ms, ids = [], [], []
    with httpx.Client(base_url=url, timeout=120, headers=headers) as client:
        documents = client.get("/api/health").json()["documents"]
        client.post("/api/documents", json=article(-1)).raise_for_status()  # warm-up
        for n in range(writes):
            clock = time.perf_counter()
            response = client.post("/api/documents", json=article(n))
            added_ms.append((time.perf_counter() - clock) * 1000)
            response.raise_for_status()
            ids.append(response.json()["document_id"])
        for document_id in ids:
            clock = time.perf_counter()
            client.delete(f"/api/documents/{document_id}").raise_for_status()
            removed_ms.append((time.perf_counter() - clock) * 1000)
    return documents, added_ms, removed_ms


def report_lines(data: dict) -> list[str]:
    """The REPORT.md section."""
    rows = [
        f"| {name} | {workers} | {clients} | {f['p50']} | {f['p95']} | {f['throughput_rps']} |"
        for workers, reads in data["reads_by_workers"].items()
        for name in ("search", "ask")
        for clients, f in reads[name].items()
    ]
    return [
        "## A real archive (BBC News)",
        "",
        f"`rag serve` on the BBC News index ({data['documents']:,} articles), over HTTP on "
        "loopback; questions from `tests/data/bbc/heldout.jsonl`, extractive answers.",
        "",
        *([data["note"], ""] if data.get("note") else []),
        "| route | workers | clients | p50 ms | p95 ms | requests/s |",
        "|---|---|---|---|---|---|",
        *rows,
        "",
        f"- Adding one short article over the API: p50 {data['add_ms']['p50']} ms, p95 "
        f"{data['add_ms']['p95']} ms; removing it: p50 {data['remove_ms']['p50']} ms, p95 "
        f"{data['remove_ms']['p95']} ms ({data['writes']} of each, "
        f"{data['writes_workers']} worker(s)).",
        f"- `rag compact` folding those writes in: {data['compact_seconds_with_process_start']} s"
        " including process start.",
        "",
    ]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, required=True, help="Index to copy and write to.")
    parser.add_argument("--writes", type=int, default=20)
    parser.add_argument("--requests", type=int, default=400, help="Per read measurement.")
    parser.add_argument(
        "--workers", default="1,2", help="Worker counts (RAG_WORKERS) to measure reads with."
    )
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    workers = [int(w) for w in args.workers.split(",")]
    with tempfile.TemporaryDirectory() as work:
        copy = Path(work) / "index"
        shutil.copytree(args.index, copy)
        report = measure(copy, args.writes, args.requests, workers)
    text = json.dumps(report, indent=2)
    sys.stdout.write(text + "\n")
    if args.out:
        args.out.write_text(text + "\n", "utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
