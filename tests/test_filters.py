"""Filters (outlet, publication dates, document ids) and questions about the latest news,
on the seeds plus a small dated corpus (tests/data/dated)."""

import json
from datetime import date

import numpy as np
import pytest

from rag.index.build import build_store
from rag.index.vectors import VectorTable, build_index
from rag.ingest.bulk import load_inputs
from rag.ingest.chunking import ChunkerParams
from rag.ingest.entities import SpacyAnnotator
from rag.ingest.loaders import load_seeds
from rag.retrieval.filters import Filters, allowed_rows, asks_for_latest, newest_first
from rag.retrieval.retriever import HybridRetriever
from rag.types import DocumentMeta
from tests.support import DATA, SEEDS

DATED = DATA / "dated" / "wire.jsonl"
STRIKE = "crane drivers strike at Saltmarsh port pay rise"


@pytest.fixture(scope="module")
def dated_store(embedder):
    articles = load_inputs([DATED], DocumentMeta()).documents
    documents = [*load_seeds(SEEDS).documents, *articles]
    return build_store(documents, embedder, ChunkerParams(), annotator=SpacyAnnotator())


def found(store, embedder, filters: Filters, query: str = STRIKE, mode="hybrid") -> set[str]:
    hits = HybridRetriever(store, embedder).search(
        query, 50, mode=mode, allowed=allowed_rows(store, filters)
    )
    return {h.passage.document_id for h in hits}


@pytest.mark.parametrize("mode", ["hybrid", "dense", "lexical"])
def test_each_filter_returns_only_the_documents_it_admits(dated_store, embedder, mode):
    harbour_times = Filters.of(outlets=["harbour TIMES "])
    assert found(dated_store, embedder, harbour_times, mode=mode) == {
        "strike-1",
        "strike-3",
        "ferry-2",
    }
    march = Filters.of(published_from=date(2025, 3, 10), published_to=date(2025, 3, 22))
    assert found(dated_store, embedder, march, mode=mode) == {"strike-2", "strike-3", "strike-4"}
    both = Filters.of(outlets=["Coast Courier"], published_from=date(2025, 3, 20))
    assert found(dated_store, embedder, both, mode=mode) == {"strike-5"}
    ids = Filters.of(document_ids=["strike-4", "000_9333b7dd7e7da588"])
    assert found(dated_store, embedder, ids, mode=mode) <= {"strike-4", "000_9333b7dd7e7da588"}
    assert found(dated_store, embedder, Filters.of(outlets=["Nobody"]), mode=mode) == set()


def test_a_date_filter_never_admits_an_undated_article(dated_store):
    undated = dated_store.documents["gulls"]
    assert undated.published is None
    assert not Filters.of(published_to=date(2030, 1, 1)).admits(undated)
    assert Filters.of().admits(undated) and Filters.of().empty
    assert allowed_rows(dated_store, Filters.of()) is None


def test_a_selective_filter_on_a_graph_index_is_searched_exactly(dated_store, embedder):
    """HNSW with a filter admitting a few rows would walk mostly excluded nodes: those
    rows are scored exactly instead, so the filtered top hits are exact search's."""
    vectors = dated_store.vectors.all()
    graph = VectorTable.of(build_index(vectors, "HNSW32,Flat"))
    exact = VectorTable.of(build_index(vectors, "Flat"))
    allowed = allowed_rows(dated_store, Filters.of(outlets=["Metro Wire"]))
    assert allowed is not None and allowed.mean() < 0.05
    query = embedder.embed([STRIKE])
    assert np.array_equal(graph.search(query, 3, allowed)[1], exact.search(query, 3, allowed)[1])


def test_latest_questions_are_recognised_and_newer_documents_come_first(dated_store):
    assert asks_for_latest("What is the latest on the Saltmarsh strike?")
    assert asks_for_latest("As of April, how many ships were waiting?")
    assert not asks_for_latest("Why did the crane drivers strike?")
    rows = [dated_store.row_of(f"{d}-p000") for d in ("gulls", "strike-1", "strike-5", "strike-3")]
    ordered = [dated_store.passages[r].document_id for r in newest_first(dated_store, rows)]
    assert ordered == ["strike-5", "strike-3", "strike-1", "gulls"]


# --- through the API, the CLI and LangChain ---------------------------------------------


@pytest.fixture(scope="module")
def dated_index(tmp_path_factory, seed_index_dir, embedder):
    """The seed index with the dated corpus added (module-wide: the tests only read it)."""
    import shutil

    from rag.index.maintain import IndexTarget, add_documents
    from rag.ingest.entities import SpacyAnnotator

    directory = tmp_path_factory.mktemp("dated") / "index"
    shutil.copytree(seed_index_dir, directory)
    articles = load_inputs([DATED], DocumentMeta()).documents
    target = IndexTarget(directory, embedder, ChunkerParams(), annotator=SpacyAnnotator())
    add_documents(target, articles)
    return directory


@pytest.fixture(scope="module")
def dated_client(dated_index, embedder):
    from fastapi.testclient import TestClient

    from rag.api.app import create_app
    from rag.config import Settings
    from rag.services import Services

    settings = Settings(index_dir=dated_index, seeds_dir=SEEDS, api_token="t")
    with TestClient(create_app(settings, services=Services.load(settings, embedder=embedder))) as c:
        yield c


def test_search_and_ask_take_filters_and_refuse_bad_ones(dated_client):
    hits = dated_client.get(
        "/api/search",
        params={"q": STRIKE, "k": 50, "outlet": ["Coast Courier", "metro wire"]},
    ).json()["hits"]
    assert {h["outlet"] for h in hits} == {"Coast Courier", "Metro Wire"}
    assert all(h["published"] for h in hits)
    body = {"question": "What pay rise did the crane drivers accept?"}
    unfiltered = dated_client.post("/api/ask", json=body).json()
    assert "5 percent" in unfiltered["answer"]
    only_early = {**body, "filters": {"published_to": "2025-03-12"}}
    early = dated_client.post("/api/ask", json=only_early).json()
    assert all(c["published"] <= "2025-03-12" for c in early["citations"])
    nobody = dated_client.post("/api/ask", json={**body, "filters": {"outlets": ["Nobody"]}})
    assert nobody.status_code == 200 and nobody.json()["abstained"]
    assert "matches the filters" in nobody.json()["answer"]
    bad = [
        dated_client.get("/api/search", params={"q": "x", "published_from": "March"}),
        dated_client.get(
            "/api/search",
            params={"q": "x", "published_from": "2025-04-01", "published_to": "2025-03-01"},
        ),
        dated_client.post("/api/ask", json={**body, "filters": {"outlet": ["typo"]}}),
        dated_client.post("/api/ask", json={**body, "filters": {"outlets": [""]}}),
    ]
    assert [r.status_code for r in bad] == [422, 422, 422, 422]
    assert all(set(r.json()) == {"error"} for r in bad)
    assert "published_from is after published_to" in bad[1].json()["error"]["message"]


def test_a_latest_question_answers_from_the_newest_article_first(dated_client):
    answer = dated_client.post(
        "/api/ask", json={"question": "What is the latest on the Saltmarsh port strike?"}
    ).json()
    assert not answer["abstained"]
    dated = [c["published"][:10] for c in answer["citations"]]
    assert dated[0] == max(dated)
    assert answer["citations"][0]["document_id"] in {"strike-4", "strike-5"}


def test_the_stream_and_v1_honour_filters(dated_client):
    body = {"question": "Who said the union would vote?", "filters": {"outlets": ["Metro Wire"]}}
    with dated_client.stream("POST", "/api/ask/stream", json=body) as response:
        text = "".join(response.iter_text())
    assert '"Harbour Times"' not in text
    chat = dated_client.post(
        "/v1/chat/completions",
        json={
            "messages": [{"role": "user", "content": "How many drivers joined the strike?"}],
            "filters": {"document_ids": ["strike-1"]},
        },
    ).json()
    assert {c["document_id"] for c in chat["citations"]} == {"strike-1"}
    assert "140" in chat["choices"][0]["message"]["content"]


def test_cli_and_langchain_take_filters(dated_index, embedder):
    from click.testing import CliRunner

    from rag.cli import CliContext, main
    from rag.config import Settings
    from rag.integrations.langchain import RagRetriever
    from rag.services import Services

    settings = Settings(index_dir=dated_index, seeds_dir=SEEDS)

    def run(*args: str):
        return CliRunner().invoke(main, list(args), obj=CliContext(settings, embedder))

    result = run("search", STRIKE, "-k", "20", "--outlet", "Harbour Times", "--json")
    assert result.exit_code == 0
    assert {h["outlet"] for h in json.loads(result.output)["hits"]} == {"Harbour Times"}
    refused = run("ask", "Why?", "--from", "2025-05-01", "--to", "2025-01-01")
    assert refused.exit_code == 1 and "published_from is after published_to" in refused.output
    assert "Traceback" not in refused.output
    services = Services.load(settings, embedder=embedder)
    retriever = RagRetriever(
        source=lambda: services.snapshot.retriever,
        k=10,
        filters=Filters.of(published_from=date(2025, 4, 1)),
    )
    documents = retriever.invoke(STRIKE)
    assert documents and {d.metadata["document_id"] for d in documents} <= {"strike-5", "ferry-2"}


def test_the_article_list_searches_sorts_and_pages(dated_client):
    def listed(**params):
        response = dated_client.get("/api/documents", params=params)
        assert response.status_code == 200, response.text
        return response.json()

    everything = listed(limit=500)
    assert everything["total"] == len(everything["documents"]) == 13
    published = [d["published"] for d in everything["documents"] if d["published"]]
    assert published == sorted(published, reverse=True)  # newest first by default
    assert everything["documents"][0]["document_id"] == "ferry-2"
    assert {d["published"] for d in everything["documents"][-6:]} == {None}  # undated last
    assert {"name": "Harbour Times", "documents": 3} in everything["outlets"]
    oldest = listed(sort="oldest", limit=2)
    assert [d["document_id"] for d in oldest["documents"]] == ["ferry-1", "strike-1"]
    pages = [listed(sort="title", offset=at, limit=5)["documents"] for at in (0, 5, 10)]
    titles = [d["title"] for page in pages for d in page]
    assert len(titles) == 13 and titles == sorted(titles, key=str.casefold)
    found = listed(q="saltmarsh STRIKE")
    assert {d["document_id"] for d in found["documents"]} == {"strike-2", "strike-4"}
    by_outlet = listed(q="ferry", outlet="harbour times")
    assert [d["document_id"] for d in by_outlet["documents"]] == ["ferry-2"]
    bad = [dated_client.get("/api/documents", params=p) for p in ({"sort": "size"}, {"limit": 0})]
    assert [r.status_code for r in bad] == [422, 422]


def test_a_misspelt_query_parameter_is_refused_not_ignored(dated_client):
    misspelt = dated_client.get("/api/search", params={"q": STRIKE, "outlets": "Metro Wire"})
    assert misspelt.status_code == 422 and misspelt.json()["error"]["field"] == "outlets"
    assert "outlet" in misspelt.json()["error"]["message"]
    paged = dated_client.get("/api/documents", params={"limt": 3})
    assert paged.status_code == 422
    order = dated_client.get(
        "/api/search",
        params={"q": "x", "published_from": "2025-04-01", "published_to": "2025-03-01"},
    )
    assert order.json()["error"]["message"] == "filters: published_from is after published_to"
