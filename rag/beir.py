"""`rag eval-beir`: retrieval quality on a BEIR-format dataset (corpus, queries, qrels).

Each corpus document is indexed as `title + " " + text` with our own pipeline (cleaning,
passages, embeddings, BM25); a document's score for a query is its best passage's. Reports
nDCG@10, Recall@10 and Recall@100 (pytrec_eval, the reference implementation) per mode.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel

from rag.embedding import Embedder
from rag.errors import IngestError, InvalidInput, ModelUnavailable
from rag.index.build import build_store
from rag.ingest.chunking import ChunkerParams
from rag.ingest.loaders import document_from_text
from rag.retrieval.retriever import HybridRetriever, Mode
from rag.types import Document, DocumentMeta

logger = logging.getLogger(__name__)
MEASURES = {"ndcg_cut_10": "ndcg_at_10", "recall_10": "recall_at_10", "recall_100": "recall_at_100"}


@dataclass(frozen=True)
class BeirData:
    documents: list[Document]
    queries: dict[str, str]
    qrels: dict[str, dict[str, int]]


class ModeScores(BaseModel):
    mode: str
    ndcg_at_10: float
    recall_at_10: float
    recall_at_100: float


class BeirReport(BaseModel):
    dataset: str
    split: str
    documents: int
    passages: int
    queries: int
    index_seconds: float
    modes: list[ModeScores]


def _jsonl(path: Path) -> list[dict]:
    try:
        return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]
    except (OSError, ValueError) as exc:
        raise InvalidInput(f"cannot read {path}: {exc}") from None


def load_beir(directory: Path, split: str) -> BeirData:
    qrels_path = directory / "qrels" / f"{split}.tsv"
    if not qrels_path.exists():
        raise InvalidInput(f"{qrels_path} not found: is {directory} a BEIR folder with that split?")
    qrels: dict[str, dict[str, int]] = {}
    for line in qrels_path.read_text("utf-8").splitlines()[1:]:
        query_id, doc_id, score = line.split("\t")[:3]
        qrels.setdefault(query_id, {})[doc_id] = int(score)
    queries = {
        q["_id"]: q["text"] for q in _jsonl(directory / "queries.jsonl") if q["_id"] in qrels
    }
    qrels = {query_id: judged for query_id, judged in qrels.items() if query_id in queries}
    documents = []
    for row in _jsonl(directory / "corpus.jsonl"):
        raw = f"{row.get('title', '')} {row.get('text', '')}".strip()
        try:
            documents.append(document_from_text(raw, DocumentMeta(), document_id=str(row["_id"])))
        except IngestError:
            logger.warning("skipping empty document %s", row["_id"])
    return BeirData(documents=documents, queries=queries, qrels=qrels)


def document_run(
    retriever: HybridRetriever,
    queries: dict[str, str],
    mode: Mode,
    *,
    query_vectors: dict[str, object],
    depth: int = 100,
) -> dict[str, dict[str, float]]:
    """{query id: {document id: score}}, a document scored by its best passage."""
    run: dict[str, dict[str, float]] = {}
    for query_id, text in queries.items():
        hits = retriever.search(text, depth * 3, mode=mode, query_vector=query_vectors[query_id])  # type: ignore[arg-type]
        scores: dict[str, float] = {}
        for hit in hits:
            scores.setdefault(hit.passage.document_id, hit.score)
        run[query_id] = dict(list(scores.items())[:depth])
    return run


def score_run(
    qrels: dict[str, dict[str, int]], run: dict[str, dict[str, float]]
) -> dict[str, float]:
    try:
        import pytrec_eval
    except ImportError:
        raise ModelUnavailable(
            "rag eval-beir needs pytrec_eval: pip install pytrec-eval-terrier"
        ) from None
    evaluator = pytrec_eval.RelevanceEvaluator(qrels, set(MEASURES))
    per_query = evaluator.evaluate(run)
    return {
        name: round(sum(q[measure] for q in per_query.values()) / max(len(qrels), 1), 4)
        for measure, name in MEASURES.items()
    }


def evaluate_beir(
    directory: Path,
    embedder: Embedder,
    *,
    split: str = "test",
    params: ChunkerParams | None = None,
    modes: Sequence[Mode] = ("dense", "lexical", "hybrid"),
    progress: bool = False,
) -> BeirReport:
    data = load_beir(directory, split)
    started = time.perf_counter()
    store = build_store(data.documents, embedder, params or ChunkerParams(), progress=progress)
    index_seconds = time.perf_counter() - started
    retriever = HybridRetriever(store, embedder)
    ids = list(data.queries)
    vectors = dict(zip(ids, embedder.embed([data.queries[i] for i in ids]), strict=True))
    scored = []
    for mode in modes:
        run = document_run(retriever, data.queries, mode, query_vectors=vectors)
        scored.append(ModeScores(mode=mode, **score_run(data.qrels, run)))
    return BeirReport(
        dataset=directory.name,
        split=split,
        documents=len(data.documents),
        passages=len(store.passages),
        queries=len(data.queries),
        index_seconds=round(index_seconds, 1),
        modes=scored,
    )
