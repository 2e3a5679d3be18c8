"""Shared fixtures: the real packaged model (loaded once), indexes built from the real seeds,
a live server; and the markers derived from them. Helpers live in tests/support.py."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from rag.child_server import free_port
from rag.config import Settings
from rag.embedding import Embedder, make_embedder
from rag.index.maintain import IndexTarget, rebuild
from rag.index.store import IndexStore
from rag.ingest.chunking import ChunkerParams
from rag.ingest.entities import SpacyAnnotator
from tests.support import ROOT, SEEDS

# Test knobs, not settings: RAG_CRASH_RUNS (kills per command in the crash test) and
# RAG_UPDATE_SCREENSHOT (the browser test rewrites docs/screenshot-desktop.png).
TEST_KNOBS = frozenset({"RAG_CRASH_RUNS", "RAG_UPDATE_SCREENSHOT"})


@pytest.fixture(autouse=True)
def clean_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    """No RAG_ setting of the developer's leaks into a test (test knobs such as
    RAG_CRASH_RUNS and RAG_UPDATE_SCREENSHOT, which are not settings, stay)."""
    for name in list(os.environ):
        if name.startswith("RAG_") and name not in TEST_KNOBS:
            monkeypatch.delenv(name)


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    """The default backend's embedder, loaded once."""
    defaults = Settings.model_fields
    return make_embedder(
        defaults["embed_model"].default,
        defaults["embed_backend"].default,
        sentence_vectors=defaults["sentence_vectors"].default,
    )


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
    yield IndexTarget(index_dir, embedder, ChunkerParams(), annotator=SpacyAnnotator())


@pytest.fixture
def api_settings(index_dir: Path) -> Settings:
    return Settings(
        index_dir=index_dir, seeds_dir=SEEDS, web_dir=ROOT / "web", api_token="s3cret-token"
    )


@pytest.fixture(scope="module")
def live_index_dir(tmp_path_factory: pytest.TempPathFactory, seed_index_dir: Path) -> Path:
    """The index the live server serves: a private copy of the seed index. A test module
    that needs other articles overrides this fixture (tests/test_web_filters.py)."""
    directory = tmp_path_factory.mktemp("live") / "index"
    shutil.copytree(seed_index_dir, directory)
    return directory


@pytest.fixture(scope="module")
def live_server(live_index_dir: Path, embedder):
    """The real app under uvicorn on a free loopback port, in a thread, serving
    `live_index_dir`; yields its base URL."""
    import threading
    import time

    import httpx
    import uvicorn

    from rag.api.app import create_app
    from rag.services import Services

    settings = Settings(index_dir=live_index_dir, web_dir=ROOT / "web", api_token="s3cret-token")
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


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test that talks to the live server is `live`, whichever file it is in."""
    for item in items:
        if "live_server" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.live)


@pytest.fixture
def run(settings: Settings, embedder):
    """`rag …` with the test settings and the already loaded model."""
    from click.testing import CliRunner

    from rag.cli import CliContext, main

    def invoke(*args: str):
        context = CliContext(settings=settings, embedder=embedder)
        return CliRunner().invoke(main, list(args), obj=context, catch_exceptions=False)

    return invoke


@pytest.fixture
def client(api_settings: Settings, embedder):
    """The app in process (TestClient, lifespan run) over a private copy of the seed index."""
    from fastapi.testclient import TestClient

    from rag.api.app import create_app
    from rag.services import Services

    services = Services.load(api_settings, embedder=embedder)
    with TestClient(create_app(api_settings, services=services)) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def browser(live_server):
    """Headless Chromium for the page tests (skips without it, fails in CI)."""
    from tests.browser import chromium

    with chromium() as launched:
        yield launched


@pytest.fixture
def open_page(browser, live_server) -> Iterator:
    """open_page(viewport, **options) -> a page on the live server; fails the test on any
    JavaScript error or dialog."""
    from tests.browser import pages

    with pages(browser, live_server) as factory:
        yield factory
