import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from rag.errors import IndexCorrupt, IndexMismatch, IndexMissing, NotFound
from rag.index.build import chunker_info
from rag.index.maintain import (
    IndexTarget,
    add_documents,
    compact,
    rebuild,
    remove_documents,
    staleness,
)
from rag.index.manifest import EmbeddingInfo, sha256_file
from rag.index.store import load_store
from rag.ingest.chunking import ChunkerParams
from rag.ingest.loaders import load_article_file
from rag.retrieval.retriever import HybridRetriever
from rag.types import DocumentMeta
from tests.support import ROOT, SEEDS, file_hashes

QUESTIONS = ["why did Tehran rebuff Baghdad", "When was Al-Nujaba established?", "Kataeb Hezbollah"]


def ranked(store, embedder):
    retriever = HybridRetriever(store, embedder)
    return [
        [(h.passage.passage_id, round(h.score, 9)) for h in retriever.search(q, 8)]
        for q in QUESTIONS
    ]


def test_manifest_records_model_chunker_sources_and_file_hashes(index_dir: Path, seed_store):
    manifest = seed_store.manifest
    assert manifest.embedding.model == "sentence-transformers/all-MiniLM-L6-v2 (int8 ONNX)"
    assert len(manifest.embedding.fingerprint) == 64 and manifest.embedding.dimension == 384
    assert (manifest.chunker.min_words, manifest.chunker.max_words) == (40, 120)
    assert manifest.chunker.splitter == "sentences-v2"
    assert manifest.counts.documents == 5 and manifest.counts.passages == len(seed_store.passages)
    assert {s.source_file for s in manifest.sources} == {p.name for p in SEEDS.glob("*.txt")}
    for name, digest in manifest.files.items():
        assert sha256_file(index_dir / name) == digest


def test_round_trip_gives_identical_search_results(
    target: IndexTarget, seed_store, embedder, tmp_path
):
    from rag.index.store import save_store

    copy = tmp_path / "copy"
    save_store(seed_store, copy)
    reloaded = IndexTarget(copy, embedder, ChunkerParams()).load()
    assert reloaded.passages == seed_store.passages
    assert reloaded.documents == seed_store.documents
    assert ranked(reloaded, embedder) == ranked(seed_store, embedder)


def test_no_pickle_anywhere_in_the_index(index_dir: Path):
    assert not list(index_dir.rglob("*.pkl")) and not list(index_dir.rglob("*.pickle"))
    for path in index_dir.iterdir():
        assert not path.read_bytes().startswith(b"\x80")  # pickle protocol header


def test_missing_index_names_the_fix(tmp_path: Path, embedder):
    with pytest.raises(IndexMissing, match="rag index"):
        IndexTarget(tmp_path / "nowhere", embedder, ChunkerParams()).load()


def test_other_embedding_model_is_refused(index_dir: Path):
    other = EmbeddingInfo(model="sentence-transformers/other", fingerprint="0" * 64, dimension=384)
    with pytest.raises(IndexMismatch, match="rag index"):
        load_store(index_dir, embedding=other, chunker=chunker_info(ChunkerParams()))


def test_other_chunker_settings_are_refused(index_dir: Path, embedder):
    with pytest.raises(IndexMismatch, match="30-100 .*rag index"):
        IndexTarget(index_dir, embedder, ChunkerParams(min_words=30, max_words=100)).load()


@pytest.mark.parametrize("name", ["passages.jsonl", "documents.jsonl", "vectors.faiss"])
def test_tampered_or_truncated_file_is_detected(target: IndexTarget, index_dir: Path, name: str):
    path = index_dir / name
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(IndexCorrupt, match=f"{name} fails its checksum.*rag index"):
        target.load()


def test_one_changed_byte_is_detected(target: IndexTarget, index_dir: Path):
    path = index_dir / "passages.jsonl"
    text = path.read_text("utf-8")
    path.write_text(text.replace("Tehran", "Tehram", 1), "utf-8")
    with pytest.raises(IndexCorrupt):
        target.load()


def test_staleness_follows_the_seeds(target: IndexTarget, tmp_path: Path):
    assert staleness(target, SEEDS) is None
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    for path in SEEDS.iterdir():
        (seeds / path.name).write_bytes(path.read_bytes())
    assert staleness(target, seeds) is None
    (seeds / "005_new.txt").write_text("A new story\n\nSomething happened in Basra today.")
    assert "changed" in staleness(target, seeds).reason


def write_article(tmp_path: Path) -> Path:
    path = tmp_path / "basra.txt"
    path.write_text(
        "Flooding hits Basra port\n\nHeavy flooding closed the port of Umm Qasr near Basra on "
        "Tuesday, officials said. Ships were diverted to Kuwait while pumps cleared the docks.",
        "utf-8",
    )
    return path


def test_add_embeds_only_the_new_article_and_twice_is_a_no_op(
    target: IndexTarget, tmp_path, seed_store
):
    document = load_article_file(write_article(tmp_path), DocumentMeta())
    first = add_documents(target, [document])
    assert [d.id for d in first.added] == [document.id]
    store = target.load()
    assert store.passages[: len(seed_store.passages)] == seed_store.passages
    assert store.vectors.ntotal == len(store.passages) == len(seed_store.passages) + 1
    before = file_hashes(target.directory)
    again = add_documents(target, [load_article_file(write_article(tmp_path), DocumentMeta())])
    assert again.added == [] and [d.id for d in again.duplicates] == [document.id]
    assert file_hashes(target.directory) == before
    hits = HybridRetriever(store, target.embedder).search("flooding at Umm Qasr port", 1)
    assert hits[0].passage.document_id == document.id


def test_remove_leaves_no_orphans_and_is_never_returned(target: IndexTarget, embedder):
    removed = "000_9333b7dd7e7da588"
    store = remove_documents(target, [removed])
    reloaded = target.load()
    assert removed not in reloaded.documents and reloaded.passages_of(removed) == []
    assert reloaded.live_passages == store.manifest.counts.passages < len(reloaded.passages)
    queries = ["Kata’ib Hizbollah was established in 2003", "Masoud Barzani Kurdish warnings"]
    for searched in (reloaded, compact(target)):
        retriever = HybridRetriever(searched, embedder)
        for mode in ("hybrid", "dense", "lexical"):
            for query in queries:
                hits = retriever.search(query, 50, mode=mode)
                assert hits and all(h.passage.document_id != removed for h in hits)
    compacted_store = target.load()
    assert all(p.document_id != removed for p in compacted_store.passages)
    assert compacted_store.vectors.ntotal == len(compacted_store.passages)
    assert compacted_store.compacted and not (target.directory / "segments").exists()
    with pytest.raises(NotFound):
        remove_documents(target, [removed])


@pytest.mark.slow
def test_rebuild_keeps_articles_added_earlier(target: IndexTarget, tmp_path):
    document = load_article_file(write_article(tmp_path), DocumentMeta(outlet="Wire"))
    add_documents(target, [document])
    store = rebuild(target, SEEDS)
    assert store.documents[document.id].outlet == "Wire"
    assert len(store.documents) == 6
    assert len(rebuild(target, SEEDS, keep_added=False).documents) == 5


@pytest.mark.slow
def test_build_killed_midway_leaves_the_previous_index_loadable(
    target: IndexTarget, index_dir: Path
):
    before = file_hashes(index_dir)
    env = {**os.environ, "RAG_INDEX_DIR": str(index_dir), "RAG_SEEDS_DIR": str(SEEDS)}
    process = subprocess.Popen(
        [sys.executable, "-m", "rag", "index", "--discard-added"],
        cwd=ROOT,
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stderr is not None
    deadline = time.monotonic() + 120
    for line in process.stderr:  # wait until it is embedding, i.e. midway
        if "embedding" in line or time.monotonic() > deadline:
            break
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    process.stderr.close()
    assert process.returncode == -signal.SIGKILL
    assert file_hashes(index_dir) == before
    assert len(target.load().documents) == 5


def test_crash_between_renames_is_repaired_by_the_next_writer(target: IndexTarget, index_dir: Path):
    """Without renameat2 the swap is two renames; a crash between them leaves only `.old`."""
    import shutil

    from rag.index.atomic import writer_lock

    half_written = index_dir.with_name(".index.tmp-1-dead")
    shutil.copytree(index_dir, half_written)
    (half_written / "manifest.json").unlink()
    index_dir.rename(index_dir.with_name(".index.old-1-dead"))
    with writer_lock(index_dir):
        pass
    assert len(target.load().documents) == 5
    assert sorted(p.name for p in index_dir.parent.iterdir() if p.name.startswith(".index.")) == [
        ".index.lock"
    ]


def test_index_type_rule_exact_when_small_approximate_when_large():
    from rag.index.vectors import EXACT_LIMIT, choose_kind

    assert choose_kind(0) == choose_kind(EXACT_LIMIT - 1) == "Flat"
    assert choose_kind(EXACT_LIMIT).startswith("HNSW")
    assert choose_kind(10, "hnsw").startswith("HNSW")  # an explicit setting wins
    assert choose_kind(10**6, "flat") == "Flat"
    assert choose_kind(100_000, "ivf") == "IVF1264,Flat"
    assert choose_kind(50, "ivf") == "Flat"  # too few vectors to train lists


def test_a_large_hnsw_index_walks_a_wider_graph_and_keeps_it_when_saved(tmp_path: Path):
    import faiss
    import numpy as np

    from rag.index.vectors import (
        HNSW_EF_SEARCH,
        HNSW_EF_SEARCH_LARGE,
        HNSW_LARGE,
        build_index,
        hnsw_ef_search,
    )

    assert hnsw_ef_search(HNSW_LARGE - 1) == HNSW_EF_SEARCH < HNSW_EF_SEARCH_LARGE
    assert hnsw_ef_search(HNSW_LARGE) == HNSW_EF_SEARCH_LARGE
    vectors = np.random.default_rng(0).standard_normal((300, 8)).astype(np.float32)
    index = build_index(vectors, "HNSW32,Flat")
    faiss.write_index(index, str(tmp_path / "v.faiss"))
    assert faiss.read_index(str(tmp_path / "v.faiss")).hnsw.efSearch == hnsw_ef_search(300)


@pytest.mark.slow
@pytest.mark.parametrize("index_type", ["hnsw", "ivf"])
def test_approximate_index_types_persist_and_find_what_exact_search_finds(
    index_type, seed_store, embedder, tmp_path: Path
):
    """Forced on the seeds: the stored type is the one asked for, survives add/remove and
    a reload, and the top hits match exact search (the seeds are small enough for that)."""
    target = IndexTarget(tmp_path / "index", embedder, ChunkerParams(), index_type=index_type)
    store = rebuild(target, SEEDS)
    kind = store.manifest.sentence_vector_index
    assert kind.startswith(index_type.upper())
    assert store.vectors.ntotal == len(store.passages)
    assert staleness(target, SEEDS) is None
    stale = staleness(IndexTarget(target.directory, embedder, ChunkerParams()), SEEDS)
    assert "vector index type" in stale.reason and stale.compacting_suffices
    exact = [[row[0] for row in query[:3]] for query in ranked(seed_store, embedder)]
    assert [[row[0] for row in query[:3]] for query in ranked(target.load(), embedder)] == exact
    removed = remove_documents(target, ["000_9333b7dd7e7da588"])
    assert removed.manifest.sentence_vector_index.startswith(index_type.upper())
    assert target.load().vectors.ntotal == len(removed.passages)


@pytest.mark.slow
def test_onnx_and_torch_backends_agree_and_their_indexes_are_not_mixed_up(index_dir: Path):
    from rag.embedding import make_embedder

    onnx = make_embedder("all-MiniLM-L6-v2", "onnx")
    torch = make_embedder("all-MiniLM-L6-v2", "torch")
    texts = ["why did Tehran rebuff Baghdad", "Kata’ib Hizbollah was established in 2003", "ok"]
    vectors = onnx.embed(texts)
    assert vectors.shape == (3, 384) and vectors.dtype.name == "float32"
    assert (abs((vectors**2).sum(axis=1) - 1) < 1e-5).all()
    assert ((vectors * torch.embed(texts)).sum(axis=1) > 0.99).all()  # same model, int8
    assert onnx.fingerprint != torch.fingerprint
    assert IndexTarget(index_dir, onnx, ChunkerParams()).load()  # the default backend
    with pytest.raises(IndexMismatch):  # its vectors are never searched with torch's queries
        IndexTarget(index_dir, torch, ChunkerParams()).load()
