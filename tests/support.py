"""Helpers shared by several test files: paths, readers, ports, servers in child processes,
the local chat model's availability, and the retrieval hit rates. Fixtures live in
conftest.py; test files import helpers from here, never from conftest."""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from rag.ingest.cleaning import fold_for_matching
from rag.retrieval.retriever import HybridRetriever, Mode

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
DATA = Path(__file__).resolve().parent / "data"
SMOLLM2 = ROOT / "models" / "smollm2.gguf"


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


# --- servers ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Running:
    url: str
    pid: int


def file_hashes(directory: Path) -> dict[str, str]:
    """sha256 of every file under `directory` (segment folders included), by relative path."""
    from rag.index.manifest import sha256_file

    return {
        str(p.relative_to(directory)): sha256_file(p)
        for p in sorted(directory.rglob("*"))
        if p.is_file()
    }


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def serving(
    args: Sequence[str], port: int, health: str, *, env: dict[str, str] | None = None
) -> Iterator[Running]:
    """Start `python ARGS` (which must listen on `port`), wait for `health` to answer 200,
    and stop it on exit."""
    process = subprocess.Popen(
        [sys.executable, *args],
        env={**os.environ, **(env or {})},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 300
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"{' '.join(args)} exited with {process.returncode}")
            try:
                if httpx.get(url + health, timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"{' '.join(args)} did not answer {health} in 300 s")
            time.sleep(0.3)
        yield Running(url=url, pid=process.pid)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


# --- the local chat model ----------------------------------------------------------------------


def llama_runtime_missing() -> str | None:
    """Why the prebuilt llama.cpp runtime (xllamacpp) cannot run here, or None."""
    if importlib.util.find_spec("xllamacpp") is None:
        return "xllamacpp is not installed: pip install -e '.[generative]'"
    return None


def local_model_missing() -> str | None:
    """Why the real small chat model cannot run here, or None."""
    if not SMOLLM2.is_file():
        return f"{SMOLLM2} is missing: run scripts/install_models.sh smollm2"
    return llama_runtime_missing()


def _skip_or_fail(reason: str | None) -> None:
    """Skip with the reason outside CI; in CI (which installs the model) fail instead."""
    if reason:
        if os.environ.get("CI"):
            pytest.fail(f"CI must have the local model: {reason}")
        pytest.skip(reason)


def require_local_model() -> None:
    """The real SmolLM2 runs in a child process (rag.answer.llama_server): a native crash
    fails the test that met it with the signal's name, never the whole run."""
    _skip_or_fail(local_model_missing())


def require_llama_runtime() -> None:
    _skip_or_fail(llama_runtime_missing())


# --- retrieval hit rates -----------------------------------------------------------------------

MODES: tuple[Mode, ...] = ("dense", "lexical", "hybrid")
DEPTHS = (1, 3, 5)


def hit_rates(
    retriever: HybridRetriever, questions: Sequence[dict], depths: Sequence[int] = DEPTHS
) -> dict[str, dict[int, float]]:
    """{mode: {k: share of questions whose expected text is in the top k}}."""
    rates: dict[str, dict[int, float]] = {}
    for mode in MODES:
        ranks = []
        for question in questions:
            hits = retriever.search(question["question"], max(depths), mode=mode)
            expected = fold_for_matching(question["expect"])
            found = [
                i for i, h in enumerate(hits, 1) if expected in fold_for_matching(h.passage.text)
            ]
            ranks.append(found[0] if found else None)
        rates[mode] = {k: sum(r is not None and r <= k for r in ranks) / len(ranks) for k in depths}
    return rates
