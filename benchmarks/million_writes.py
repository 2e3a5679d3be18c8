"""Writes on an index of a million passages: an article added and removed the way
`POST /api/documents` and `DELETE /api/documents/{id}` do it, timed at that size.

The index holds synthetic articles of one-sentence passages (words drawn from a real
index's passages, so BM25 has a real vocabulary) whose vectors lie between a real index's
vectors and their neighbours (`benchmarks.scale.synthetic`). It is built and saved as a
compacted index, then loaded as `rag serve` loads one (`Services.load`). Each add is a
fresh two-sentence article through `Services.add` (annotation, embedding, segment write,
growing the search structures and the sentence bank: everything the API route does after
parsing the body); each removal through `Services.remove`. A few searches and asks show the
reads at that size, and the process's memory: its peak while building, what it holds once
loaded.

Usage: python -m benchmarks.million_writes --base-index DIR [--passages 1000000]
       [--writes 10] [--out FILE.json]
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import json
import resource
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.archive import article
from benchmarks.latency import percentiles
from benchmarks.output import emit
from benchmarks.scale import base_vectors, neighbours, synthetic

SENTENCES_PER_ARTICLE = 10
WORDS_PER_SENTENCE = 12
# Passages of one sentence each: the chunker's sizes for this index (recorded in it).
MIN_WORDS, MAX_WORDS = 5, 15
QUESTIONS = (
    "Which town got a new water plant?",
    "How many homes will the plant supply?",
    "Who said the plant opened on Monday?",
)


def vocabulary(index_dir: Path, limit: int = 20_000) -> list[str]:
    """Alphabetic words of a real index's passages, most frequent first."""
    counts: dict[str, int] = {}
    with (index_dir / "passages.jsonl").open(encoding="utf-8") as handle:
        for line in handle:
            for word in json.loads(line)["text"].split():
                if word.isalpha():
                    counts[word] = counts.get(word, 0) + 1
    return sorted(counts, key=counts.__getitem__, reverse=True)[:limit]


def synthetic_articles(count: int, words: list[str], rng: np.random.Generator) -> tuple:
    """`count` articles of SENTENCES_PER_ARTICLE one-sentence passages (Documents, Passages)."""
    from rag.types import Document, Passage

    # Zipf-like choice: frequent words often, rare ones seldom, as in text.
    weights = 1.0 / np.arange(1, len(words) + 1)
    weights /= weights.sum()
    picks = rng.choice(
        len(words), size=(count, SENTENCES_PER_ARTICLE, WORDS_PER_SENTENCE), p=weights
    )
    documents, passages = [], []
    for i in range(count):
        sentences = [" ".join(words[w] for w in row).capitalize() + "." for row in picks[i]]
        text = " ".join(sentences)
        doc_id = f"syn-{i:07d}"
        documents.append(
            Document(
                id=doc_id,
                title=f"Synthetic article {i}",
                text=text,
                content_sha256=hashlib.sha256(text.encode()).hexdigest(),
                origin="seed",
            )
        )
        start = 0
        for ordinal, sentence in enumerate(sentences):
            end = start + len(sentence)
            passages.append(
                Passage(
                    passage_id=f"{doc_id}-p{ordinal:03d}",
                    document_id=doc_id,
                    ordinal=ordinal,
                    start=start,
                    end=end,
                    text=sentence,
                    sentences=[(start, end)],
                )
            )
            start = end + 1
    return documents, passages


def fresh_article(n: int):
    """The archive benchmark's two-sentence article `n`, as a Document."""
    from rag.ingest.loaders import document_from_text
    from rag.types import DocumentMeta

    fields = article(n)
    meta = DocumentMeta(title=fields["title"], outlet=fields["outlet"])
    return document_from_text(fields["text"], meta, name=f"article {n}")


def run(base_index: Path, passages: int, writes: int, seed: int = 5) -> dict:
    with tempfile.TemporaryDirectory(prefix="rag-million-") as work:
        index_dir = Path(work) / "index"
        built = _built(base_index, passages, index_dir, seed)
        gc.collect()  # the articles and vectors made for the build are gone before loading
        return built | _timed_writes(index_dir, writes)


def _settings(index_dir: Path) -> Any:
    from rag.config import Settings

    return Settings(index_dir=index_dir, chunk_min_words=MIN_WORDS, chunk_max_words=MAX_WORDS)


def _built(base_index: Path, passages: int, index_dir: Path, seed: int) -> dict:
    """Make the synthetic articles and vectors, build the index and save it."""
    from rag.embedding import make_embedder
    from rag.index.build import (
        EmbeddedDocuments,
        chunker_info,
        embedding_info,
        store_from_embedded,
    )
    from rag.index.store import save_store
    from rag.ingest.chunking import ChunkerParams

    rng = np.random.default_rng(seed)
    clock = time.perf_counter()
    base = base_vectors(base_index)
    vectors = synthetic(base, neighbours(base), passages, rng)
    documents, rows = synthetic_articles(
        passages // SENTENCES_PER_ARTICLE, vocabulary(base_index), rng
    )
    made = time.perf_counter() - clock
    sys.stderr.write(f"{len(rows):,} passages made in {made:.0f} s\n")
    settings = _settings(index_dir)
    embedder = make_embedder(
        settings.embed_model, settings.embed_backend, sentence_vectors=settings.sentence_vectors
    )
    clock = time.perf_counter()
    store = store_from_embedded(
        EmbeddedDocuments(documents, rows, vectors, vectors.copy()),  # one sentence a passage
        embedding=embedding_info(embedder),
        chunker=chunker_info(ChunkerParams(MIN_WORDS, MAX_WORDS)),
    )
    built = time.perf_counter() - clock
    sys.stderr.write(f"indexes built in {built:.0f} s\n")
    clock = time.perf_counter()
    save_store(store, index_dir)
    return {
        "make_seconds": round(made, 1),
        "build_seconds": round(built, 1),
        "save_seconds": round(time.perf_counter() - clock, 1),
        "build_peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }


def _resident_mib() -> int:
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return round(pages * resource.getpagesize() / 2**20)


def _timed_writes(index_dir: Path, writes: int) -> dict:
    """Load the index as the server does, then time adds and removals (and a few reads)."""
    from rag.services import Services

    clock = time.perf_counter()
    services = Services.load(_settings(index_dir))
    services.ensure_ready()
    loaded = time.perf_counter() - clock
    sys.stderr.write(f"loaded in {loaded:.0f} s\n")
    services.add([fresh_article(0)])  # warm-up: spaCy loads on the first add
    resident = _resident_mib()
    adds, removes, asks, searches = [], [], [], []
    for n in range(1, writes + 1):
        document = fresh_article(n)
        clock = time.perf_counter()
        services.add([document])
        adds.append((time.perf_counter() - clock) * 1000)
        question = QUESTIONS[n % len(QUESTIONS)]
        clock = time.perf_counter()
        services.snapshot.retriever.search(question, 5)
        searches.append((time.perf_counter() - clock) * 1000)
        clock = time.perf_counter()
        services.answerer().answer(question)
        asks.append((time.perf_counter() - clock) * 1000)
        clock = time.perf_counter()
        services.remove([document.id])
        removes.append((time.perf_counter() - clock) * 1000)
    live = services.snapshot.store.live_counts()
    return {
        "passages": live[0],
        "sentences": live[1],
        "vector_index": services.snapshot.store.manifest.vector_index,
        "load_seconds": round(loaded, 1),
        "resident_after_load_mib": resident,
        "add_ms": percentiles(adds),
        "remove_ms": percentiles(removes),
        "search_ms_in_process": percentiles(searches),
        "ask_ms_in_process": percentiles(asks),
    }


def report_lines(data: dict) -> list[str]:
    """The REPORT.md section."""
    return [
        "## Writes on a large index",
        "",
        f"An index of {data['passages']:,} synthetic passages (one sentence each; vectors "
        "between a real index's vectors and their neighbours, words from its passages; "
        f"{data['vector_index']} for passages and sentences), loaded as `rag serve` loads one; "
        "each write is a fresh two-sentence article through `Services.add` (annotation, "
        "embedding, segment, search structures: the API route after parsing) and then removed "
        "through `Services.remove`, `python -m benchmarks.million_writes`. Issue 14's target: "
        "an add at most 2 s at 1,000,000 vectors.",
        "",
        *([data["note"], ""] if data.get("note") else []),
        "| measure | p50 | p95 |",
        "|---|---|---|",
        *(
            f"| {label} | {data[key]['p50']} ms | {data[key]['p95']} ms |"
            for label, key in (
                ("add one article", "add_ms"),
                ("remove it", "remove_ms"),
                ("search (in process)", "search_ms_in_process"),
                ("ask (in process)", "ask_ms_in_process"),
            )
        ),
        "",
        f"- Building the two HNSW indexes: {data['build_seconds']} s; saving "
        f"{data['save_seconds']} s; loading as the server does {data['load_seconds']} s, "
        f"after which the process holds {data['resident_after_load_mib']:,} MiB "
        f"({data['add_ms']['n']} writes).",
        "",
    ]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--base-index", type=Path, required=True, help="A real index (vectors, words)."
    )
    parser.add_argument("--passages", type=int, default=1_000_000)
    parser.add_argument("--writes", type=int, default=10)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    emit(run(args.base_index, args.passages, args.writes), args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
