"""Both search backends, FAISS + our BM25 and Qdrant (qdrant-client's local mode, the code
that talks to a server), on the real seeds and a slice of the BBC corpus: the same top-k
passages for dense, lexical and hybrid search, the same answers and citations, the same
filters and deletes, and BM25 really in use on both (a query only BM25 can find).

Tolerance: top-k passage *sets* (k = 10) may differ by at most one passage per query, and
over all queries at least 98% of the passages must agree. Both engines search exactly at
these sizes (FAISS flat below 5,000 vectors, local Qdrant brute force) and the BM25
weights are Lucene's on both, so the only expected differences are ties and the last bits
of float32 sums; answers and citations must be identical.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import date

import pytest

pytest.importorskip("qdrant_client", reason="the qdrant extra: pip install -e '.[qdrant]'")

from rag.answer.evidence import EvidenceEngine  # noqa: E402
from rag.answer.extractive import ExtractiveAnswerer  # noqa: E402
from rag.evaluation import read_questions  # noqa: E402
from rag.index.maintain import IndexTarget, rebuild  # noqa: E402
from rag.index.store import IndexStore  # noqa: E402
from rag.ingest.chunking import ChunkerParams  # noqa: E402
from rag.retrieval.faiss_backend import FaissBackend  # noqa: E402
from rag.retrieval.filters import NO_FILTERS, Filters  # noqa: E402
from rag.retrieval.qdrant_backend import QdrantBackend, QdrantOptions  # noqa: E402
from rag.retrieval.retriever import HybridRetriever  # noqa: E402
from rag.types import Document  # noqa: E402
from tests.support import DATA, ROOT, TEHRAN, read_jsonl  # noqa: E402

BACKENDS = ("faiss", "qdrant")
MODES = ("dense", "lexical", "hybrid")
K = 10
MAX_DIFFERENT_PER_QUERY = 1
MIN_AGREEMENT = 0.98
BBC = ROOT.parent / "shared" / "datasets" / "bbc-news"
BBC_SLICE = 40  # articles, those the first BBC questions are about

SEED_QUESTIONS = read_questions(DATA / "eval_questions.jsonl")


def open_backend(kind: str, store: IndexStore):
    if kind == "faiss":
        return FaissBackend(store)
    return QdrantBackend.open(QdrantOptions(path=":memory:"), store)


def retriever_on(kind: str, store: IndexStore, embedder) -> HybridRetriever:
    return HybridRetriever(store, embedder, backend=open_backend(kind, store))


def top_ids(retriever: HybridRetriever, question: str, mode: str, vector, **kwargs) -> list[str]:
    hits = retriever.search(question, K, mode=mode, query_vector=vector, **kwargs)
    return [hit.passage.passage_id for hit in hits]


def assert_sets_agree(pairs: list[tuple[list[str], list[str]]]) -> None:
    """`pairs`: (FAISS ids, Qdrant ids) per query, within the stated tolerance."""
    shared = total = 0
    for faiss_ids, qdrant_ids in pairs:
        assert len(faiss_ids) == len(qdrant_ids)
        different = len(set(faiss_ids) - set(qdrant_ids))
        assert different <= MAX_DIFFERENT_PER_QUERY, (faiss_ids, qdrant_ids)
        shared += len(faiss_ids) - different
        total += len(faiss_ids)
    assert shared >= MIN_AGREEMENT * total


def dated(store: IndexStore) -> IndexStore:
    """The store with outlets and publication days assigned to its real articles (the
    seeds state none): a day apart each, every third undated, two outlets."""

    def meta(at: int, document: Document) -> Document:
        published = None if at % 3 == 2 else f"2024-03-{1 + at:02d}T09:30:00+03:00"
        outlet = "Gulf Wire" if at % 2 else "Tigris Post"
        return document.model_copy(update={"published": published, "outlet": outlet})

    documents = {
        d.id: meta(at, d)
        for at, d in enumerate(sorted(store.documents.values(), key=lambda d: d.id))
    }
    return replace(store, documents=documents)


# --- fixtures ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def seed_retrievers(seed_store, embedder) -> dict[str, HybridRetriever]:
    return {kind: retriever_on(kind, seed_store, embedder) for kind in BACKENDS}


@pytest.fixture(scope="module")
def bbc_store(tmp_path_factory, embedder) -> IndexStore:
    """A slice of the BBC News corpus (evaluation-only licence, not in the repository),
    indexed without entity annotation (retrieval does not use it)."""
    if not BBC.is_dir():
        pytest.skip(f"the BBC evaluation corpus is not at {BBC}")
    questions = read_jsonl(DATA / "bbc" / "questions.jsonl")
    files = list(dict.fromkeys(q["document"] for q in questions))[:BBC_SLICE]
    seeds = tmp_path_factory.mktemp("bbc-slice") / "seeds"
    for name in files:
        (seeds / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(BBC / name, seeds / name)
    target = IndexTarget(seeds.parent / "index", embedder, ChunkerParams())
    return rebuild(target, seeds)


@pytest.fixture(scope="module")
def bbc_questions(bbc_store) -> list[str]:
    files = {d.source_file for d in bbc_store.documents.values()}
    return [
        q["question"]
        for q in read_jsonl(DATA / "bbc" / "questions.jsonl")
        if q["document"] in files
    ]


# --- search parity ----------------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
def test_seed_questions_find_the_same_passages(seed_retrievers, embedder, mode):
    pairs = []
    for item in SEED_QUESTIONS:
        vector = embedder.embed([item.question])[0]
        pairs.append(
            tuple(top_ids(seed_retrievers[k], item.question, mode, vector) for k in BACKENDS)
        )
    assert_sets_agree(pairs)


@pytest.mark.slow
@pytest.mark.parametrize("mode", MODES)
def test_bbc_questions_find_the_same_passages(bbc_store, bbc_questions, embedder, mode):
    retrievers = {kind: retriever_on(kind, bbc_store, embedder) for kind in BACKENDS}
    assert len(bbc_questions) >= 50
    vectors = embedder.embed(bbc_questions)
    pairs = [
        tuple(top_ids(retrievers[k], question, mode, vector) for k in BACKENDS)
        for question, vector in zip(bbc_questions, vectors, strict=True)
    ]
    assert_sets_agree(pairs)


@pytest.mark.parametrize("kind", BACKENDS)
def test_bm25_scores_are_lucenes_on_both(seed_retrievers, kind):
    """Not only the order: Qdrant's IDF times our saturated term weights is BM25."""
    question = "Kataib Hezbollah drone attack on US forces"
    reference = seed_retrievers["faiss"].lexical(question, K)
    found = seed_retrievers[kind].lexical(question, K)
    assert [row for row, _ in found] == [row for row, _ in reference]
    assert [s for _, s in found] == pytest.approx([s for _, s in reference], rel=1e-5)


@pytest.mark.parametrize("kind", BACKENDS)
def test_a_passage_only_bm25_finds_is_found_by_both(seed_retrievers, embedder, kind):
    """Lexical parity: a word used once in the seeds ("convincing") that the dense
    rankings miss must still come first lexically and make the hybrid top 5."""
    query = "convincing"
    expected = "000_9333b7dd7e7da588-p002"
    retriever = seed_retrievers[kind]
    vector = embedder.embed([query])[0]
    assert expected not in top_ids(retriever, query, "dense", vector)
    assert top_ids(retriever, query, "lexical", vector)[0] == expected
    assert expected in top_ids(retriever, query, "hybrid", vector)[:5]


@pytest.mark.parametrize("kind", BACKENDS)
def test_fetch_returns_the_stored_vectors(seed_retrievers, seed_store, kind):
    wanted = [seed_store.passages[row].passage_id for row in (0, 7, 3)]
    fetched = seed_retrievers[kind].backend.fetch([*wanted, "no-such-passage"])
    assert [f.passage_id for f in fetched] == wanted
    for item in fetched:
        row = seed_store.row_of(item.passage_id)
        assert item.document_id == seed_store.passages[row].document_id
        assert item.vector == pytest.approx(seed_store.vectors.at([row])[0], abs=1e-6)


# --- filters ----------------------------------------------------------------------------------

FILTERS = {
    "outlet": Filters.of(outlets=["gulf wire"]),
    "from": Filters.of(published_from=date(2024, 3, 2)),
    "range": Filters.of(published_from=date(2024, 3, 1), published_to=date(2024, 3, 2)),
    "document": Filters.of(document_ids=["001_6496a68bacad4bea", "003_776f0d7c82938cec"]),
    "outlet and day": Filters.of(outlets=["Tigris Post"], published_to=date(2024, 3, 5)),
    "nothing": Filters.of(outlets=["no such outlet"]),
}


@pytest.fixture(scope="module")
def dated_store(seed_store) -> IndexStore:
    return dated(seed_store)


@pytest.mark.parametrize("kind", BACKENDS)
@pytest.mark.parametrize("name", FILTERS)
def test_filters_admit_exactly_the_articles_they_name(dated_store, embedder, kind, name):
    filters = FILTERS[name]
    retriever = retriever_on(kind, dated_store, embedder)
    reference = HybridRetriever(dated_store, embedder)
    admitted = {d.id for d in dated_store.documents.values() if filters.admits(d)}
    question = "Why did Tehran rebuff Baghdad over the armed groups?"
    vector = embedder.embed([question])[0]
    for mode in MODES:
        ids = top_ids(retriever, question, mode, vector, filters=filters)
        documents = {dated_store.passage(p).document_id for p in ids}
        assert documents <= admitted
        assert bool(ids) == bool(admitted)
        assert_sets_agree([(top_ids(reference, question, mode, vector, filters=filters), ids)])


# --- writes -----------------------------------------------------------------------------------

REMOVED = "001_6496a68bacad4bea"


@pytest.mark.parametrize("kind", BACKENDS)
def test_a_deleted_article_is_never_found_again(seed_store, embedder, kind):
    """Deleted through `delete`, and (Qdrant) through syncing with a store it left. Our
    BM25 counts a removed article's rows in its statistics until compaction, Qdrant's IDF
    stops at once: lexical scores move a little, within the tolerance."""
    backend = open_backend(kind, seed_store)
    backend.delete([REMOVED])
    after = seed_store.without([REMOVED], seed_store.sequence + 1)
    deleted = HybridRetriever(after, embedder, backend=backend.for_store(after))
    synced = retriever_on(kind, after, embedder)
    reference = HybridRetriever(after, embedder)
    pairs = []
    for item in SEED_QUESTIONS:
        vector = embedder.embed([item.question])[0]
        for mode in MODES:
            expected = top_ids(reference, item.question, mode, vector)
            for retriever in (deleted, synced):
                ids = top_ids(retriever, item.question, mode, vector)
                assert all(after.passage(p) is not None for p in ids)
                assert not any(p.startswith(REMOVED) for p in ids)
                pairs.append((expected, ids))
    assert_sets_agree(pairs)


def test_an_article_upserted_again_is_found_the_same_by_both(seed_store, embedder):
    """Remove an article, then upsert it with its own rows through the interface (the
    removed copy weighs in our BM25 statistics, not in Qdrant's: within the tolerance)."""
    after = seed_store.without([REMOVED], seed_store.sequence + 1)
    rows = seed_store.rows_of(REMOVED)
    passages = [seed_store.passages[r] for r in rows]
    sentence_rows = [
        seed_store.first_sentence_row(r) + i
        for r in rows
        for i in range(len(seed_store.passages[r].sentences))
    ]
    vectors = seed_store.vectors.at(rows)
    sentence_vectors = seed_store.sentence_vectors.at(sentence_rows)
    document = seed_store.documents[REMOVED]
    restored = after.appended([document], passages, vectors, sentence_vectors, after.sequence + 1)
    retrievers = {}
    for kind in BACKENDS:
        backend = open_backend(kind, after)
        backend.upsert([document], passages, vectors, sentence_vectors)
        retrievers[kind] = HybridRetriever(restored, embedder, backend=backend)
    pairs = []
    for item in SEED_QUESTIONS:
        vector = embedder.embed([item.question])[0]
        for mode in MODES:
            pairs.append(
                tuple(top_ids(retrievers[k], item.question, mode, vector) for k in BACKENDS)
            )
    assert_sets_agree(pairs)
    vector = embedder.embed([TEHRAN])[0]
    for kind in BACKENDS:
        assert f"{REMOVED}-p000" in top_ids(retrievers[kind], TEHRAN, "hybrid", vector)


# --- answers ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def answers(seed_retrievers, embedder) -> dict[str, Callable]:
    return {
        kind: ExtractiveAnswerer(EvidenceEngine(retriever, embedder)).answer
        for kind, retriever in seed_retrievers.items()
    }


def citations_of(answer) -> list[tuple]:
    return [
        (
            c.n,
            c.passage_id,
            c.quote,
            tuple(sorted((o.document_id, o.quote) for o in c.also_reported_by)),
        )
        for c in answer.citations
    ]


def test_seed_questions_get_the_same_answers_and_citations(answers):
    for item in SEED_QUESTIONS:
        faiss, qdrant = (answers[k](item.question, item.history) for k in BACKENDS)
        assert qdrant.answer == faiss.answer, item.id
        assert qdrant.abstained == faiss.abstained, item.id
        assert citations_of(qdrant) == citations_of(faiss), item.id


def test_filtered_answers_are_the_same(dated_store, embedder):
    engines = {
        kind: ExtractiveAnswerer(
            EvidenceEngine(retriever_on(kind, dated_store, embedder), embedder)
        )
        for kind in BACKENDS
    }
    for filters in FILTERS.values():
        faiss, qdrant = (engines[k].answer(TEHRAN, filters=filters) for k in BACKENDS)
        assert qdrant.answer == faiss.answer
        assert citations_of(qdrant) == citations_of(faiss)


# --- the service ------------------------------------------------------------------------------


@pytest.fixture
def qdrant_client_app(api_settings, embedder) -> Iterator:
    from fastapi.testclient import TestClient

    from rag.api.app import create_app
    from rag.services import Services

    settings = api_settings.model_copy(update={"index_backend": "qdrant"})
    services = Services.load(settings, embedder=embedder)
    with TestClient(create_app(settings, services=services)) as test_client:
        test_client.services = services  # type: ignore[attr-defined]
        yield test_client


def test_the_service_on_qdrant_answers_tehran_with_the_default_citations(qdrant_client_app, client):
    """`RAG_INDEX_BACKEND=qdrant rag serve`, in process: the same answer and citations."""
    from rag.retrieval.qdrant_backend import QdrantBackend as Backend

    services = qdrant_client_app.services
    assert isinstance(services.snapshot.retriever.backend, Backend)
    on_qdrant = qdrant_client_app.post("/api/ask", json={"question": TEHRAN}).json()
    default = client.post("/api/ask", json={"question": TEHRAN}).json()
    assert on_qdrant["citations"] and not on_qdrant["abstained"]
    assert on_qdrant["answer"] == default["answer"]
    assert on_qdrant["citations"] == default["citations"]


def test_the_service_on_qdrant_searches_what_is_added_and_not_what_is_removed(
    qdrant_client_app,
):
    from tests.support import AUTH

    article = {
        "title": "Dust storm shuts Basra port",
        "text": "A dust storm closed the port of Umm Qasr near Basra on Tuesday, port "
        "officials said. Ships waited offshore for two days before the docks reopened.",
        "outlet": "Gulf Wire",
    }
    added = qdrant_client_app.post("/api/documents", json=article, headers=AUTH)
    assert added.status_code == 201
    document_id = added.json()["document_id"]

    def found() -> set[str]:
        hits = qdrant_client_app.get(
            "/api/search", params={"q": "dust storm Umm Qasr", "k": 3, "outlet": "Gulf Wire"}
        ).json()["hits"]
        return {hit["document_id"] for hit in hits}

    assert found() == {document_id}
    assert (
        qdrant_client_app.delete(f"/api/documents/{document_id}", headers=AUTH).status_code == 200
    )
    assert found() == set()


def test_a_local_qdrant_folder_inside_the_index_is_refused(api_settings, embedder):
    from rag.services import Services

    settings = api_settings.model_copy(
        update={"index_backend": "qdrant", "qdrant_path": str(api_settings.index_dir / "q")}
    )
    services = Services.load(settings, embedder=embedder)
    assert not services.ready
    assert "inside the index directory" in str(services._load_failure)


def test_a_local_qdrant_folder_keeps_the_collections_across_restarts(seed_store, tmp_path):
    options = QdrantOptions(path=str(tmp_path / "qdrant"))
    first = QdrantBackend.open(options, seed_store)
    first.close()
    again = QdrantBackend.open(options, seed_store)  # nothing to upsert: found in step
    assert set(again._indexed) == set(seed_store.documents)
    assert again.dense(seed_store.vectors.at([0])[0], 1, NO_FILTERS)[0].passage_id == (
        seed_store.passages[0].passage_id
    )


def test_the_default_backend_never_imports_qdrant(seed_index_dir, tmp_path):
    """`make run`'s path (FAISS) must not load qdrant_client: it is an optional extra."""
    import subprocess
    import sys

    index = tmp_path / "index"
    shutil.copytree(seed_index_dir, index)
    script = (
        "import sys\n"
        "from rag.config import Settings\n"
        "from rag.services import Services\n"
        f"s = Services.load(Settings(index_dir={str(index)!r}))\n"
        f"s.answerer().answer({TEHRAN!r})\n"
        "sys.exit('qdrant_client' in sys.modules)\n"
    )
    env = {"PATH": "/usr/bin:/bin", "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, timeout=300)
    assert done.returncode == 0, done.stderr.decode()[-2000:]


def test_qdrant_option_errors_are_clear():
    from rag.errors import IndexNotReady
    from rag.retrieval.qdrant_backend import open_client

    with pytest.raises(IndexNotReady, match="cannot open Qdrant at http://127.0.0.1:9"):
        open_client(QdrantOptions(url="http://127.0.0.1:9", timeout=1))


@pytest.mark.slow
@pytest.mark.live
def test_rag_serve_on_qdrant_answers_tehran_with_the_default_citations(
    seed_index_dir, tmp_path, client
):
    """`RAG_INDEX_BACKEND=qdrant rag serve`, what `make run` runs, in a child process."""
    import httpx

    from rag.child_server import free_port, serving

    index = tmp_path / "served"  # `client` serves tmp_path / "index"
    shutil.copytree(seed_index_dir, index)
    port = free_port()
    env = {
        "RAG_INDEX_DIR": str(index),
        "RAG_PORT": str(port),
        "RAG_INDEX_BACKEND": "qdrant",
        "HF_HUB_OFFLINE": "1",
    }
    with serving(["-m", "rag", "serve"], port, "/api/health", env=env) as server:
        served = httpx.post(f"{server.url}/api/ask", json={"question": TEHRAN}, timeout=60)
    default = client.post("/api/ask", json={"question": TEHRAN}).json()
    assert served.status_code == 200
    assert served.json()["citations"] == default["citations"]
    assert served.json()["answer"] == default["answer"]
