import pytest

from rag.errors import InvalidInput
from rag.retrieval.fusion import reciprocal_rank_fusion
from rag.retrieval.hit_rates import DEPTHS, hit_rates
from rag.retrieval.retriever import HybridRetriever
from rag.text.tokens import lexical_tokens
from tests.support import DATA, read_jsonl


@pytest.fixture(scope="module")
def retriever(seed_store, embedder):
    return HybridRetriever(seed_store, embedder)


def test_tehran_question_finds_their_own_decision_in_the_top_three(retriever):
    hits = retriever.search("why did Tehran rebuff Baghdad", 3)
    assert any("their own decision" in h.passage.text for h in hits)


def test_hits_carry_ranks_scores_and_exact_offsets(retriever, seed_store):
    hits = retriever.search("Kataib Hezbollah established 2003", 10)
    assert len(hits) == 10
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    for hit in hits:
        assert hit.dense_rank is not None or hit.lexical_rank is not None
        document = seed_store.documents[hit.passage.document_id]
        assert document.text[hit.passage.start : hit.passage.end] == hit.passage.text


def test_seed_questions_hybrid_is_not_worse_than_either_retriever(retriever):
    questions = read_jsonl(DATA / "retrieval_questions.jsonl")
    assert len(questions) >= 16
    rates = hit_rates(retriever, questions)
    for k in DEPTHS:
        assert rates["hybrid"][k] >= rates["dense"][k], (k, rates)
        assert rates["hybrid"][k] >= rates["lexical"][k], (k, rates)
    assert rates["hybrid"][5] >= 0.9, rates
    assert rates["hybrid"][3] >= 0.85, rates


@pytest.mark.parametrize("variant", ["Kata'ib Hizbollah", "Kataib Hezbollah", "Kataeb Hezbollah"])
def test_spelling_variants_of_names_share_lexical_terms(variant):
    assert set(lexical_tokens(variant)) & set(lexical_tokens("Kata’ib Hizbollah")) >= {
        "~ktb",
        "~hzblh",
    }


def test_name_variant_query_reaches_every_outlet_lexically(retriever, seed_store):
    hits = retriever.search("Kataeb Hezbollah", 60, mode="lexical")
    outlets = {hit.passage.document_id for hit in hits}
    assert {"000_9333b7dd7e7da588", "001_6496a68bacad4bea", "002_c02815b7b97e770d"} <= outlets


def test_rrf_sums_reciprocal_ranks_and_breaks_ties_by_first_seen():
    fused = reciprocal_rank_fusion([["a", "b", "c"], ["b", "d"]], k=60)
    assert [key for key, _ in fused] == ["b", "a", "d", "c"]
    assert fused[0][1] == pytest.approx(1 / 62 + 1 / 61)
    tied = reciprocal_rank_fusion([["x", "y"], ["y", "x"]], k=1)
    assert [key for key, _ in tied] == ["x", "y"] and tied[0][1] == pytest.approx(1 / 2 + 1 / 3)
    assert reciprocal_rank_fusion([], k=60) == []


@pytest.mark.parametrize("query", ["", "   \n\t"])
def test_empty_query_is_refused(retriever, query):
    with pytest.raises(InvalidInput):
        retriever.search(query, 3)


def test_query_without_known_words_still_gets_dense_results(retriever):
    hits = retriever.search("zzqx wvvp", 3)
    assert len(hits) == 3 and all(h.lexical_rank is None for h in hits)
