"""Filters (outlet, publication dates, document ids) and questions about the latest news,
on the seeds plus a small dated corpus (tests/data/dated)."""

from datetime import date

import numpy as np
import pytest

from rag.index.build import build_store
from rag.index.vectors import VectorTable, build_index
from rag.ingest.bulk import load_inputs
from rag.ingest.chunking import ChunkerParams
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
    return build_store([*load_seeds(SEEDS).documents, *articles], embedder, ChunkerParams())


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
