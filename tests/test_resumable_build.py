"""Builds that resume: `rag index` saves its embedding a part at a time (rag/index/
checkpoint.py); run again after an interruption, even `kill -9`, it embeds only what was
not saved and ends with the index a build without interruption makes. Also the default
`composed` vectors: passages made from their sentences, each sentence embedded once."""

from __future__ import annotations

import copy
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field

import numpy as np
import pytest

from rag.embedding import Embedder
from rag.index.build import build_store, passage_input, sentence_spans
from rag.index.checkpoint import BuildKey, Checkpoint, checkpoint_dir
from rag.index.maintain import IndexTarget, rebuild
from rag.index.segments import segment_folders
from rag.ingest.chunking import ChunkerParams
from rag.ingest.entities import SpacyAnnotator
from rag.ingest.loaders import load_seeds
from tests.support import ROOT, SEEDS


@dataclass
class Interrupting:
    """The real embedder, stopping the build (as Ctrl-C would) at its `stop_at`th call,
    and counting the texts it embeds."""

    embedder: Embedder
    stop_at: int | None = None
    calls: int = 0
    texts: list[str] = field(default_factory=list)

    def __getattr__(self, name):
        return getattr(self.embedder, name)

    def embed_with_spans(self, texts, spans, **kwargs):
        self.calls += 1
        if self.calls == self.stop_at:
            raise KeyboardInterrupt
        self.texts.extend(texts)
        return self.embedder.embed_with_spans(texts, spans, **kwargs)


def _key(embedder) -> BuildKey:
    from rag.index.build import chunker_info, embedding_info

    return BuildKey(
        embedding=embedding_info(embedder), chunker=chunker_info(ChunkerParams()), annotator=None
    )


def _same_store(a, b) -> None:
    assert list(a.documents) == list(b.documents)
    assert [p.model_dump() for p in a.passages] == [p.model_dump() for p in b.passages]
    assert np.allclose(a.vectors.all(), b.vectors.all(), atol=1e-6)
    assert np.allclose(a.sentence_vectors.all(), b.sentence_vectors.all(), atol=1e-6)


def test_an_interrupted_build_resumes_without_embedding_saved_documents_again(embedder, tmp_path):
    documents = load_seeds(SEEDS).documents
    fresh = build_store(documents, embedder, ChunkerParams())
    checkpoint = Checkpoint(tmp_path / ".index.build", _key(embedder))

    stopped = Interrupting(embedder, stop_at=2)  # parts of 2 documents: the first is saved
    with pytest.raises(KeyboardInterrupt):
        build_store(documents, stopped, ChunkerParams(), checkpoint=checkpoint, part_documents=2)
    assert len(segment_folders(checkpoint.folder)) == 1  # one part of two documents saved

    resumed = Interrupting(embedder)
    store = build_store(
        documents, resumed, ChunkerParams(), checkpoint=checkpoint, part_documents=2
    )
    saved = {d.id for d in documents[:2]}
    embedded = [passage_input(store.documents[p.document_id], p) for p in store.passages]
    assert set(resumed.texts) == {
        text for p, text in zip(store.passages, embedded, strict=True) if p.document_id not in saved
    }
    _same_store(store, fresh)


def test_saved_parts_made_with_other_settings_are_discarded(embedder, tmp_path):
    documents = load_seeds(SEEDS).documents[:2]
    folder = tmp_path / ".index.build"
    build_store(documents, embedder, ChunkerParams(), checkpoint=Checkpoint(folder, _key(embedder)))
    other = _key(embedder).model_copy(update={"annotator": "another-pipeline"})
    assert Checkpoint(folder, other).saved() == {}
    assert not folder.exists()


def test_an_edited_article_is_embedded_again(embedder, tmp_path):
    documents = load_seeds(SEEDS).documents[:2]
    checkpoint = Checkpoint(tmp_path / ".index.build", _key(embedder))
    build_store(documents, embedder, ChunkerParams(), checkpoint=checkpoint)
    edited = documents[0].model_copy(
        update={"text": documents[0].text + " A late line.", "content_sha256": "0" * 64}
    )
    counting = Interrupting(embedder)
    store = build_store([edited, documents[1]], counting, ChunkerParams(), checkpoint=checkpoint)
    assert sorted(counting.texts) == sorted(
        passage_input(edited, p) for p in store.passages if p.document_id == edited.id
    )


@pytest.mark.slow
def test_kill_9_during_rag_index_then_running_it_again_finishes_the_build(embedder, tmp_path):
    index_dir = tmp_path / "index"
    script = (
        "import sys; from pathlib import Path;"
        "from rag.config import Settings; from rag.embedding import make_embedder;"
        "from rag.index.maintain import IndexTarget, rebuild;"
        "from rag.ingest.chunking import ChunkerParams;"
        "from rag.ingest.entities import SpacyAnnotator;"
        "s = Settings();"
        "e = make_embedder(s.embed_model, s.embed_backend, sentence_vectors=s.sentence_vectors);"
        f"rebuild(IndexTarget(Path({str(index_dir)!r}), e, ChunkerParams(),"
        f" annotator=SpacyAnnotator()), Path({str(SEEDS)!r}), part_documents=1)"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={k: v for k, v in os.environ.items() if not k.startswith("RAG_")},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    folder = checkpoint_dir(index_dir)
    deadline = time.monotonic() + 240
    while len(segment_folders(folder)) < 2 and process.poll() is None:
        assert time.monotonic() < deadline, "no part was saved in time"
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL, "the build ended before it was killed"
    assert not (index_dir / "manifest.json").exists()

    target = IndexTarget(index_dir, embedder, ChunkerParams(), annotator=SpacyAnnotator())
    counting = Interrupting(embedder)
    store = rebuild(
        IndexTarget(index_dir, counting, ChunkerParams(), annotator=SpacyAnnotator()), SEEDS
    )
    assert not folder.exists(), "the saved parts go once the index is in place"
    kept = {p.document_id for p in store.passages} - {
        p.document_id
        for p in store.passages
        if passage_input(store.documents[p.document_id], p) in counting.texts
    }
    assert len(kept) >= 2, "the documents saved before the kill were not embedded again"
    fresh = build_store(
        load_seeds(SEEDS).documents, embedder, ChunkerParams(), annotator=SpacyAnnotator()
    )
    _same_store(target.load(), fresh)


def test_composed_passage_vectors_are_the_weighted_mean_of_their_sentences(embedder, seed_store):
    composed = copy.copy(embedder)
    composed.sentence_vectors = "composed"
    passage = next(p for p in seed_store.passages if p.ordinal > 0 and len(p.sentences) > 1)
    text = passage_input(seed_store.documents[passage.document_id], passage)
    spans = sentence_spans(passage, text)
    vectors, sentence_vectors = composed.embed_with_spans([text], [spans])
    pieces = [text[a:b] for a, b in spans]
    title = text[: spans[0][0]].strip()
    alone = composed.embed([*pieces, title])
    assert np.allclose(sentence_vectors, alone[: len(pieces)], atol=1e-5)
    weights = np.array([len(p) for p in pieces] + [len(title)], dtype=np.float32)
    mean = weights @ alone
    assert np.allclose(vectors[0], mean / np.linalg.norm(mean), atol=1e-5)
    assert abs(float(np.linalg.norm(vectors[0])) - 1) < 1e-5
