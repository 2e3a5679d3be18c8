"""Helpers shared by several test files: paths, readers, the local chat model's
availability and a scripted chat model. Fixtures live in conftest.py; test files import
helpers from here, never from conftest. (Servers in child processes: rag.child_server;
retrieval hit rates: rag.retrieval.hit_rates, shared with the benchmarks.)"""

from __future__ import annotations

import importlib.util
import json
import os
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
DATA = Path(__file__).resolve().parent / "data"
SMOLLM2 = ROOT / "models" / "smollm2.gguf"
TOKEN = "s3cret-token"  # the API token of the api_settings fixture
AUTH = {"Authorization": f"Bearer {TOKEN}"}
TEHRAN = "Why did Tehran rebuff Baghdad?"


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


def file_hashes(directory: Path) -> dict[str, str]:
    """sha256 of every file under `directory` (segment folders included), by relative path."""
    from rag.index.manifest import sha256_file

    return {
        str(p.relative_to(directory)): sha256_file(p)
        for p in sorted(directory.rglob("*"))
        if p.is_file()
    }


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


# --- a deterministic chat model -----------------------------------------------------------


class ScriptedGenerator:
    """Replies with fixed text, token by token, and records the prompts it was given."""

    name = "scripted"

    def __init__(self, reply: str) -> None:
        self.reply = reply
        self.prompts: list[tuple[str, str]] = []

    def stream(self, system: str, user: str) -> Iterator[str]:
        self.prompts.append((system, user))
        yield from (word + " " for word in self.reply.split())


# --- HTTP replies -----------------------------------------------------------------------------


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"} and body["error"]["code"] == code
    assert (
        body["error"]["message"]
        and "Traceback" not in response.text
        and "/work/" not in response.text
    )
    return body["error"]


def parse_sse(text: str) -> list[tuple[str, dict]]:
    events = []
    for block in text.strip().split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.split("\n"))
        events.append((lines["event"], json.loads(lines["data"])))
    return events


def error_of(response: httpx.Response, status: int) -> dict:
    assert response.status_code == status, response.text[:300]
    body = response.json()
    assert set(body) == {"error"} and body["error"]["message"], body
    return body["error"]


def timed(call) -> tuple[httpx.Response, float]:
    started = time.monotonic()
    response = call()
    return response, time.monotonic() - started
