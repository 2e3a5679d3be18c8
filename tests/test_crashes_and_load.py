"""Crash safety and load: `kill -9` at random points of `rag index`/`rag add` leaves the
old index or the new one, never a mix; a short concurrent load run through a real server
has no 5xx and loses no write."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from rag.child_server import free_port, serving
from rag.index.maintain import IndexTarget, add_documents, remove_documents
from rag.index.store import verify_files
from rag.ingest.chunking import ChunkerParams
from rag.ingest.loaders import load_article_file
from rag.types import DocumentMeta
from tests.support import ROOT, SEEDS

AUTH = {"Authorization": "Bearer s3cret-token"}
PROBES = ["why did Tehran rebuff Baghdad", "Kataeb Hezbollah founded", "Masoud Barzani warning"]


def _documents(directory: Path, embedder) -> frozenset[str]:
    store = IndexTarget(directory, embedder, ChunkerParams()).load()
    verify_files(store.manifest, directory)
    return frozenset(store.documents)


def _kill_midway(args: list[str], index_dir: Path, delay: float) -> None:
    env = {**os.environ, "RAG_INDEX_DIR": str(index_dir), "RAG_SEEDS_DIR": str(SEEDS)}
    process = subprocess.Popen(
        [sys.executable, "-m", "rag", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(delay)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)


@pytest.mark.slow
@pytest.mark.parametrize("command", ["index", "add", "remove", "compact"])
def test_kill_9_at_random_points_leaves_the_old_or_the_new_index(
    index_dir, embedder, tmp_path, command
):
    """A short version (three kills per command; `RAG_CRASH_RUNS` for more). Adds and
    removals append segments; a compaction rewrites the index with them folded in."""
    article = tmp_path / "story.txt"
    article.write_text("Crash probe\n\nA probe story about cranes in Basra. It has two sentences.")
    args = {
        "index": ["index", "--discard-added"],
        "add": ["add", str(article)],
        "remove": ["remove", "004_e552daac84679f61"],
        "compact": ["compact"],
    }[command]
    if command == "compact":  # give it writes to fold in
        target = IndexTarget(index_dir, embedder, ChunkerParams())
        add_documents(target, [load_article_file(article, DocumentMeta())])
        remove_documents(target, ["003_776f0d7c82938cec"])
    old = _documents(index_dir, embedder)
    rng = random.Random(7)
    for _ in range(int(os.environ.get("RAG_CRASH_RUNS", "3"))):
        # A compaction of the seeds is over about 3 s after start (imports included).
        window = (1.0, 3.5) if command == "compact" else (2.0, 9.0)
        _kill_midway(args, index_dir, rng.uniform(*window))
        now = _documents(index_dir, embedder)  # loads and passes its checksums
        if command == "add":
            assert now == old or (len(now) == len(old) + 1 and old < now)
        elif command == "remove":
            assert now in (old, old - {"004_e552daac84679f61"})
        else:
            assert now == old
        old = now


@pytest.mark.slow
@pytest.mark.live
def test_short_load_run_has_no_server_errors_and_loses_no_writes(seed_index_dir, tmp_path):
    """16 clients for 20 s against `rag serve` in its own process (the full 60 s run:
    `python -m benchmarks.load`, see SECURITY.md). The load generator is that benchmark,
    run as a program: tests never import `benchmarks`."""
    import shutil

    index = tmp_path / "index"
    shutil.copytree(seed_index_dir, index)
    port = free_port()
    env = {"RAG_INDEX_DIR": str(index), "RAG_API_TOKEN": "load-token", "RAG_LOG_LEVEL": "WARNING"}
    with serving(["-m", "rag", "serve", "--port", str(port)], port, "/api/health", env=env) as s:
        load = [sys.executable, "-m", "benchmarks.load", "--url", s.url, "--pid", str(s.pid)]
        load += ["--clients", "16", "--seconds", "20", "--token", "load-token", "--json"]
        result = subprocess.run(load, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.stdout.strip(), result.stderr
    report = json.loads(result.stdout)
    assert report["requests"] > 50, report
    assert report["server_errors"] == 0 and report["transport_errors"] == 0, report
    assert report["lost_writes"] == [], report
    assert report["memory_growth"] < 0.10, report
