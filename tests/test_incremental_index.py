"""Writes append segments instead of rebuilding: searches over an index grown by adds and
removals must equal searches over one built from scratch, on disk and in a running server."""

from dataclasses import replace

import bm25s
import numpy as np
import pytest

from rag.errors import IndexCorrupt
from rag.index.atomic import writer_lock
from rag.index.build import build_store, compacted, with_documents, without_documents
from rag.index.maintain import (
    IndexTarget,
    add_documents,
    install_compacted,
    needs_compaction,
    rebuild,
    remove_documents,
)
from rag.ingest.chunking import ChunkerParams
from rag.ingest.loaders import document_from_text, load_seeds
from rag.retrieval.lexical import LexicalIndex
from rag.retrieval.retriever import HybridRetriever
from rag.services import Services
from rag.text.tokens import lexical_tokens
from rag.types import DocumentMeta
from tests.support import SEEDS

QUERIES = [
    "Why did Tehran rebuff Baghdad?",
    "Kata'ib Hizbollah disarmament",
    "flooding at the port of Umm Qasr",
    "cranes unloading ships in Basra",
    "Masoud Barzani",
]
FLOOD = (
    "Flooding hits Basra port\n\nHeavy flooding closed the port of Umm Qasr near Basra on "
    "Tuesday, officials said. Ships were diverted to Kuwait while pumps cleared the docks."
)
CRANES = (
    "New cranes for Basra\n\nThe port of Umm Qasr received four gantry cranes on Sunday. "
    "Dock workers said unloading times would halve by the spring."
)


def article(text: str, name: str):
    return document_from_text(text, DocumentMeta(outlet="Wire"), document_id=name)


def ranking(store, embedder, mode="hybrid"):
    retriever = HybridRetriever(store, embedder)
    return [
        [(h.passage.passage_id, round(h.score, 6)) for h in retriever.search(q, 10, mode=mode)]
        for q in QUERIES
    ]


def test_lexical_scores_are_bm25s_lucene_scores_however_the_index_grew(seed_store):
    texts = [p.text for p in seed_store.passages]
    reference = bm25s.BM25(method="lucene")
    reference.index([lexical_tokens(t) or [""] for t in texts], show_progress=False)
    at_once = LexicalIndex(texts)
    grown = LexicalIndex(texts[:3])
    for start in range(3, len(texts), 2):  # enough segments to force merges
        grown = grown.extended(texts[start : start + 2])
    for query in QUERIES:
        terms = [t for t in lexical_tokens(query) if t in reference.vocab_dict]
        expected = reference.get_scores(terms) if terms else np.zeros(len(texts))
        assert np.allclose(at_once.scores(query), expected, atol=1e-5)
        assert np.allclose(grown.scores(query), expected, atol=1e-5)
    mask = np.zeros(len(texts), dtype=bool)
    mask[::2] = True
    assert all(row % 2 == 0 for row, _ in at_once.search("Baghdad Tehran", 50, mask))


def test_an_index_grown_by_writes_searches_like_one_built_from_scratch(
    target: IndexTarget, embedder
):
    flood, cranes = article(FLOOD, "flood"), article(CRANES, "cranes")
    removed = "004_e552daac84679f61"
    add_documents(target, [flood])
    add_documents(target, [cranes])
    remove_documents(target, [removed])
    grown = target.load()
    assert sorted(p.name for p in (target.directory / "segments").iterdir()) == [
        "000001-add",
        "000002-add",
        "000003-remove",
    ]
    seeds = [d for d in load_seeds(SEEDS).documents if d.id != removed]
    fresh = build_store(
        [*seeds, flood, cranes], embedder, ChunkerParams(), annotator=target.annotator
    )
    assert set(grown.documents) == set(fresh.documents)
    for mode in ("dense", "lexical"):
        # Removed rows still count in BM25's statistics until compaction (as in Lucene),
        # so lexical scores are compared once compacted; the rows found are the same.
        got, want = ranking(grown, embedder, mode), ranking(fresh, embedder, mode)
        if mode == "lexical":
            assert [[i for i, _ in q] for q in got] == [[i for i, _ in q] for q in want]
        else:
            assert got == want
    assert ranking(compacted(grown), embedder, "lexical") == ranking(fresh, embedder, "lexical")
    assert ranking(compacted(grown), embedder) == ranking(fresh, embedder)


def test_a_written_store_looks_up_rows_as_one_made_from_its_rows(target: IndexTarget, embedder):
    """A write grows the row lookups (passage by id, rows by document, first sentence row)
    from its parent's instead of recomputing them over every row: they must equal the
    lookups made from the rows and the live mask, through adds, a removal and an article
    added again under a removed id."""
    store = target.load()
    removed = "004_e552daac84679f61"
    store = with_documents(store, [article(FLOOD, "flood")], embedder, target.params).store
    store = without_documents(store, [removed, "flood"])
    again = article(FLOOD + " Pumps ran all night.", "flood")
    store = with_documents(store, [again, article(CRANES, "cranes")], embedder, target.params).store
    made = replace(store, lookups=None).lookups
    assert store.lookups.by_id == made.by_id
    assert store.lookups.by_document == made.by_document
    assert np.array_equal(store.lookups.first_sentence, made.first_sentence)
    assert store.rows_of(removed) == []
    flood_rows = store.rows_of("flood")
    assert flood_rows and min(flood_rows) > len(target.load().passages)  # the new rows only
    assert store.passage(store.passages[flood_rows[0]].passage_id) == store.passages[flood_rows[0]]


def test_writes_made_during_a_compaction_are_kept(target: IndexTarget):
    add_documents(target, [article(FLOOD, "flood")])
    remove_documents(target, ["004_e552daac84679f61"])
    snapshot = target.load()
    folded = compacted(snapshot)
    late = add_documents(target, [article(CRANES, "cranes")]).added[0]  # while it "ran"
    installed = install_compacted(target, snapshot, folded)
    assert installed is not None and late.id in installed.documents
    reloaded = target.load()
    assert set(reloaded.documents) == set(installed.documents)
    assert "004_e552daac84679f61" not in reloaded.documents and len(reloaded.documents) == 6
    assert [p.name for p in (target.directory / "segments").iterdir()] == ["000003-add"]
    # A second compaction from the stale snapshot sees the index was replaced: no-op.
    assert install_compacted(target, snapshot, folded) is None


def test_a_rebuild_by_another_process_is_seen_even_when_its_files_are_identical(
    target: IndexTarget,
):
    """A server removed a seed; then `rag index` (another process) rebuilt from the seeds,
    byte for byte the base the server already had. The server's store must not pass for
    the index on disk: its next write would drop the rebuilt article again, and a
    compaction from its snapshot would write the removal back."""
    gone = "004_e552daac84679f61"
    in_server = remove_documents(target, [gone], current=target.load())
    rebuilt = rebuild(target, SEEDS)
    assert rebuilt.manifest.files == in_server.manifest.files  # what made it look current
    assert gone in target.load().documents
    stale_snapshot, stale_folded = in_server, compacted(in_server)
    assert install_compacted(target, stale_snapshot, stale_folded) is None
    after = add_documents(target, [article(FLOOD, "flood")], current=in_server).store
    assert gone in after.documents and set(after.documents) == set(target.load().documents)


def test_unfinished_and_damaged_segments(target: IndexTarget):
    add_documents(target, [article(FLOOD, "flood")])
    unfinished = target.directory / "segments" / ".000002-add-dead"
    unfinished.mkdir()
    assert len(target.load().documents) == 6  # an unfinished write is not there
    with writer_lock(target.directory):
        pass
    assert not unfinished.exists()  # and the next writer clears it away
    vectors = target.directory / "segments" / "000001-add" / "vectors.npy"
    vectors.write_bytes(vectors.read_bytes()[:-8])
    with pytest.raises(IndexCorrupt, match="rebuild it"):
        target.load()


def test_a_running_server_appends_without_rebuilding_and_compacts(
    target: IndexTarget, settings, embedder
):
    services = Services.load(settings, embedder=embedder, annotator=target.annotator)
    before = services.snapshot
    flood = article(FLOOD, "flood")
    services.add([flood])
    after = services.snapshot
    assert after.store.vectors.base is before.store.vectors.base  # appended, not rebuilt
    old_refs = before.answerer.engine.bank.refs
    assert after.answerer.engine.bank.refs[: len(old_refs)] == old_refs
    answer = services.answerer().answer("Which port did flooding close?")
    assert answer.citations and answer.citations[0].document_id == flood.id
    services.remove([flood.id])
    answer = services.answerer().answer("Which port did flooding close?")
    assert all(c.document_id != flood.id for c in answer.citations)
    assert not needs_compaction(services.snapshot.store)  # two rows: not worth it yet
    assert services.compact()
    assert services.snapshot.store.compacted and flood.id not in services.snapshot.store.documents
    assert set(target.load().documents) == set(services.snapshot.store.documents)


def test_a_removed_article_is_never_cited_nor_listed_as_also_reporting(target, settings, embedder):
    services = Services.load(settings, embedder=embedder, annotator=target.annotator)
    question = "Why did Tehran rebuff Baghdad?"
    before = services.answerer().answer(question)
    others = {o.document_id for c in before.citations for o in c.also_reported_by}
    assert others, "the seeds carry this story in several outlets"
    gone = sorted(others)[0]
    services.remove([gone])
    after = services.answerer().answer(question)
    cited = {c.document_id for c in after.citations}
    listed = {o.document_id for c in after.citations for o in c.also_reported_by}
    assert after.citations and gone not in cited | listed


def test_the_answer_layer_reads_vectors_in_place_and_sees_appended_rows(seed_store, embedder):
    """SentenceBank rows come from the index's own storage (no copy per write), base and
    appended tail alike, equal to the vectors the index holds."""
    from rag.index.build import with_documents

    grown = with_documents(
        seed_store,
        [document_from_text(FLOOD, DocumentMeta(), origin="added")],
        embedder,
        ChunkerParams(),
    ).store
    everything = grown.sentence_vectors.all()
    rows = grown.sentence_vectors.rows()
    assert rows.shape == everything.shape
    picks = [0, len(everything) - 1, len(everything) // 2]
    assert np.array_equal(rows[picks], everything[picks])
    assert np.array_equal(rows[len(everything) - 1], everything[-1])
    query = everything[3]
    assert np.allclose(rows @ query, everything @ query, atol=1e-6)
