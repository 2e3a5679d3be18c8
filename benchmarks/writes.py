"""Write latency over the API: add one short article, remove it again, on a copy of an index
(the BBC News index in `make bench`), then the time of a compaction folding those writes in.

Each add is a fresh two-sentence article (so nothing is a duplicate); the time is the whole
HTTP request: parse, annotate, embed, append a segment, grow the search structures.

Usage: python -m benchmarks.writes --index DIR [--writes N] [--out FILE]
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

from benchmarks.latency import percentiles
from benchmarks.servers import free_port, serving

TOKEN = "bench-token"
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


def measure(index: Path, writes: int) -> dict:
    port = free_port()
    env = {"RAG_INDEX_DIR": str(index), "RAG_API_TOKEN": TOKEN, "RAG_LOG_LEVEL": "WARNING"}
    headers = {"Authorization": f"Bearer {TOKEN}"}
    added_ms, removed_ms, ids = [], [], []
    with serving(["-m", "rag", "serve", "--port", str(port)], port, "/api/health", env=env) as s:
        with httpx.Client(base_url=s.url, timeout=120, headers=headers) as client:
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
        "writes": writes,
        "add_ms": percentiles(added_ms),
        "remove_ms": percentiles(removed_ms),
        "compact_seconds_with_process_start": round(compact_seconds, 1),
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, required=True, help="Index to copy and write to.")
    parser.add_argument("--writes", type=int, default=20)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as work:
        copy = Path(work) / "index"
        shutil.copytree(args.index, copy)
        report = measure(copy, args.writes)
    text = json.dumps(report, indent=2)
    sys.stdout.write(text + "\n")
    if args.out:
        args.out.write_text(text + "\n", "utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
