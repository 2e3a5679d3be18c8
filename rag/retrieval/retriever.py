"""HybridRetriever: dense and lexical rankings over one IndexStore, fused by RRF."""

from __future__ import annotations

import logging
from typing import Literal

import numpy as np

from rag import limits
from rag.embedding import Embedder
from rag.errors import InvalidInput
from rag.index.store import IndexStore
from rag.retrieval.filters import Filters, allowed_rows
from rag.retrieval.fusion import reciprocal_rank_fusion
from rag.retrieval.lexical import LexicalIndex
from rag.types import DocumentMeta, Hit

logger = logging.getLogger(__name__)
Mode = Literal["hybrid", "dense", "lexical"]


class HybridRetriever:
    """Searches one immutable store; a changed index gets a new retriever.

    Three rankings are fused: passages by embedding, passages by their best sentence's
    embedding (weighted `sentence_weight`), and passages by BM25."""

    def __init__(
        self,
        store: IndexStore,
        embedder: Embedder,
        *,
        candidates: int = 50,
        rrf_k: int = 60,
        sentence_weight: float = 0.7,
        lexical: LexicalIndex | None = None,
    ) -> None:
        self.store = store
        self._embedder = embedder
        self._candidates = candidates
        self._rrf_k = rrf_k
        self._sentence_weight = sentence_weight
        self._lexical = lexical or LexicalIndex([p.text for p in store.passages])

    def for_store(self, store: IndexStore) -> HybridRetriever:
        """A retriever over `store`, reusing this one's lexical index when `store` only
        appended rows to this one's (the cost is then that of the new rows)."""
        old = self.store
        appended = store.vectors.base is old.vectors.base and len(store.passages) >= len(
            old.passages
        )
        lexical = (
            self._lexical.extended([p.text for p in store.passages[len(old.passages) :]])
            if appended
            else None
        )
        return HybridRetriever(
            store,
            self._embedder,
            candidates=self._candidates,
            rrf_k=self._rrf_k,
            sentence_weight=self._sentence_weight,
            lexical=lexical,
        )

    def rows_for(self, filters: Filters) -> np.ndarray | None:
        """The passage rows the filters admit, as `allowed` for `search` (None: all)."""
        return allowed_rows(self.store, filters)

    def searchable(self, allowed: np.ndarray | None = None) -> np.ndarray | None:
        """The passage rows a search may return: live ones, within `allowed` when given
        (None: all rows, which lets the indexes search unfiltered)."""
        mask = self.store.live if allowed is None else self.store.live & allowed
        return None if mask.all() else mask

    def dense(
        self, query_vector: np.ndarray, k: int, allowed: np.ndarray | None = None
    ) -> list[tuple[int, float]]:
        """Passages by embedding similarity."""
        scores, rows = self.store.vectors.search(query_vector.reshape(1, -1), k, allowed)
        return [(int(r), float(s)) for r, s in zip(rows[0], scores[0], strict=True) if r >= 0]

    def dense_sentences(
        self, query_vector: np.ndarray, k: int, allowed: np.ndarray | None = None
    ) -> list[tuple[int, float]]:
        """Passages by their best sentence's similarity: a fact stated in one sentence is
        diluted in a long passage's embedding."""
        sentences = None if allowed is None else self.store.per_sentence(allowed)
        scores, rows = self.store.sentence_vectors.search(
            query_vector.reshape(1, -1), 3 * k, sentences
        )
        best: dict[int, float] = {}
        for row, score in zip(rows[0], scores[0], strict=True):
            if row >= 0:
                best.setdefault(self.store.passage_of_sentence(int(row)), float(score))
        return list(best.items())[:k]

    def lexical(
        self, query: str, k: int, allowed: np.ndarray | None = None
    ) -> list[tuple[int, float]]:
        return self._lexical.search(query, k, allowed)

    def search(
        self,
        query: str,
        k: int = 5,
        *,
        mode: Mode = "hybrid",
        query_vector: np.ndarray | None = None,
        allowed: np.ndarray | None = None,
    ) -> list[Hit]:
        """The k best passages for `query`, each with its dense and lexical rank.

        `query_vector` saves embedding the query again when the caller already has it;
        `allowed` (a boolean mask over passage rows) restricts the search to some rows."""
        query = " ".join(query.split())
        if not query:
            raise InvalidInput("the query is empty")
        if len(query) > limits.QUESTION_CHARS:
            raise InvalidInput(
                f"the query is longer than {limits.QUESTION_CHARS} characters", field="question"
            )
        if k < 1:
            raise InvalidInput("k must be at least 1")
        pool = max(self._candidates, k)
        if mode != "lexical" and query_vector is None:
            query_vector = self._embedder.embed([query])[0]
        use_dense = mode != "lexical" and query_vector is not None
        rows = self.searchable(allowed)
        dense = self.dense(query_vector, pool, rows) if use_dense else []
        sentences = self.dense_sentences(query_vector, pool, rows) if use_dense else []
        lexical = self.lexical(query, pool, rows) if mode != "dense" else []
        lists = [(dense, 1.0), (sentences, self._sentence_weight), (lexical, 1.0)]
        fused = reciprocal_rank_fusion(
            [[row for row, _ in ranking] for ranking, _ in lists if ranking],
            weights=[weight for ranking, weight in lists if ranking],
            k=self._rrf_k,
            limit=k,
        )
        dense_at = {r: (rank, s) for rank, (r, s) in enumerate(dense, start=1)}
        lexical_at = {r: (rank, s) for rank, (r, s) in enumerate(lexical, start=1)}
        return [self._hit(row, score, dense_at, lexical_at) for row, score in fused]

    def _hit(
        self,
        row: int,
        score: float,
        dense_at: dict[int, tuple[int, float]],
        lexical_at: dict[int, tuple[int, float]],
    ) -> Hit:
        passage = self.store.passages[row]
        document = self.store.documents[passage.document_id]
        dense_rank, dense_score = dense_at.get(row, (None, None))
        lexical_rank, lexical_score = lexical_at.get(row, (None, None))
        return Hit(
            passage=passage,
            document=DocumentMeta(
                title=document.label,
                outlet=document.outlet,
                published=document.published,
                url=document.url,
                author=document.author,
            ),
            row=row,
            score=score,
            dense_rank=dense_rank,
            lexical_rank=lexical_rank,
            dense_score=dense_score,
            lexical_score=lexical_score,
        )
