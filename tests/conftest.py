"""Shared fixtures: the real packaged model (loaded once) and indexes built from the real seeds."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from benchmarks.servers import free_port
from rag.config import Settings
from rag.embedding import Embedder, make_embedder
from rag.index.maintain import IndexTarget, rebuild
from rag.index.store import IndexStore
from rag.ingest.chunking import ChunkerParams
from rag.ingest.entities import SpacyAnnotator

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
DATA = Path(__file__).resolve().parent / "data"


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


TEST_KNOBS = frozenset({"RAG_CRASH_RUNS"})


@pytest.fixture(autouse=True)
def clean_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    """No RAG_ setting of the developer's leaks into a test (test knobs such as
    RAG_CRASH_RUNS, which are not settings, stay)."""
    for name in list(os.environ):
        if name.startswith("RAG_") and name not in TEST_KNOBS:
            monkeypatch.delenv(name)


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    """The default backend's embedder, loaded once."""
    defaults = Settings.model_fields
    return make_embedder(defaults["embed_model"].default, defaults["embed_backend"].default)


@pytest.fixture(scope="session")
def seed_index_dir(tmp_path_factory: pytest.TempPathFactory, embedder) -> Path:
    """An index of the seeds, built once; tests that change an index copy it first."""
    directory = tmp_path_factory.mktemp("seed-index") / "index"
    rebuild(IndexTarget(directory, embedder, ChunkerParams(), annotator=SpacyAnnotator()), SEEDS)
    return directory


@pytest.fixture(scope="session")
def seed_store(seed_index_dir: Path, embedder) -> IndexStore:
    return IndexTarget(seed_index_dir, embedder, ChunkerParams()).load()


@pytest.fixture
def index_dir(tmp_path: Path, seed_index_dir: Path) -> Path:
    """A private, writable copy of the seed index."""
    directory = tmp_path / "index"
    shutil.copytree(seed_index_dir, directory)
    return directory


@pytest.fixture
def settings(tmp_path: Path, index_dir: Path) -> Settings:
    return Settings(index_dir=index_dir, seeds_dir=SEEDS, web_dir=ROOT / "web")


@pytest.fixture
def target(index_dir: Path, embedder) -> Iterator[IndexTarget]:
    yield IndexTarget(index_dir, embedder, ChunkerParams())


SMOLLM2 = ROOT / "models" / "smollm2.gguf"


def llama_runtime_missing() -> str | None:
    """Why the prebuilt llama.cpp runtime (xllamacpp) cannot run here, or None."""
    import importlib.util

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


@pytest.fixture
def api_settings(index_dir: Path) -> Settings:
    return Settings(
        index_dir=index_dir, seeds_dir=SEEDS, web_dir=ROOT / "web", api_token="s3cret-token"
    )


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory, seed_index_dir: Path, embedder):
    """The real app under uvicorn on a free loopback port, in a thread; yields its base URL."""
    import threading
    import time

    import httpx
    import uvicorn

    from rag.api.app import create_app
    from rag.services import Services

    directory = tmp_path_factory.mktemp("live") / "index"
    shutil.copytree(seed_index_dir, directory)
    settings = Settings(index_dir=directory, web_dir=ROOT / "web", api_token="s3cret-token")
    app = create_app(settings, services=Services.load(settings, embedder=embedder))
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/api/health", timeout=1).status_code == 200:
                break
        except httpx.TransportError:
            time.sleep(0.05)
    yield base
    server.should_exit = True
    thread.join(timeout=10)
