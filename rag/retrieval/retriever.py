"""HybridRetriever: dense and lexical rankings from a search backend, fused by RRF."""

from __future__ import annotations

import logging
from typing import Literal

import numpy as np

from rag import limits
from rag.embedding import Embedder
from rag.errors import InvalidInput
from rag.index.store import IndexStore
from rag.retrieval.backend import PassageMatch, SearchBackend
from rag.retrieval.faiss_backend import FaissBackend
from rag.retrieval.filters import NO_FILTERS, Filters, allowed_rows
from rag.retrieval.fusion import reciprocal_rank_fusion
from rag.types import DocumentMeta, Hit

logger = logging.getLogger(__name__)
Mode = Literal["hybrid", "dense", "lexical"]


class HybridRetriever:
    """Searches one immutable store snapshot through a search backend (FAISS + our BM25
    by default, or Qdrant); a changed index gets a new retriever.

    Three rankings are fused: passages by embedding, passages by their best sentence's
    embedding (weighted `sentence_weight`), and passages by BM25. The backend names
    passages by id; hits carry the rows of this retriever's store."""

    def __init__(
        self,
        store: IndexStore,
        embedder: Embedder,
        *,
        candidates: int = 50,
        rrf_k: int = 60,
        sentence_weight: float = 0.7,
        backend: SearchBackend | None = None,
    ) -> None:
        """`backend`: one in step with `store` (default: FAISS and our BM25 over it)."""
        self.store = store
        self._embedder = embedder
        self._candidates = candidates
        self._rrf_k = rrf_k
        self._sentence_weight = sentence_weight
        self.backend: SearchBackend = backend or FaissBackend(store)
        # The in-process backend is searched by row: no round trip through passage ids,
        # so the default path costs what it did before backends existed.
        self._by_rows = self.backend if isinstance(self.backend, FaissBackend) else None

    def for_store(self, store: IndexStore) -> HybridRetriever:
        """A retriever over `store`, its backend brought in step (the default backend
        reuses the lexical index when `store` only appended rows)."""
        return HybridRetriever(
            store,
            self._embedder,
            candidates=self._candidates,
            rrf_k=self._rrf_k,
            sentence_weight=self._sentence_weight,
            backend=self.backend.for_store(store),
        )

    def rows_for(self, filters: Filters) -> np.ndarray | None:
        """The passage rows the filters admit, as `allowed` for `search` (None: all)."""
        return allowed_rows(self.store, filters)

    def searchable(self, allowed: np.ndarray | None = None) -> np.ndarray | None:
        """The passage rows a search may return: live ones, within `allowed` when given
        (None: all rows, which lets the indexes search unfiltered)."""
        mask = self.store.live if allowed is None else self.store.live & allowed
        return None if mask.all() else mask

    def _rows_mask(
        self, allowed: np.ndarray | None, filters: Filters
    ) -> tuple[FaissBackend | None, np.ndarray | None]:
        """The in-process backend and the row mask to search it with (`allowed`, else the
        filters' rows); (None, None) for a backend that takes filters. A row mask is
        refused by the others."""
        if self._by_rows is not None:
            return self._by_rows, allowed if allowed is not None else self._by_rows.mask(filters)
        if allowed is not None:
            raise ValueError(f"the {self.backend.name} backend takes filters, not row masks")
        return None, None

    def _passage_rows(self, matches: list[PassageMatch]) -> list[tuple[int, float]]:
        # A passage the snapshot does not hold (written after it) is left out.
        rows = [(self.store.row_of(m.passage_id), m.score) for m in matches]
        return [(row, score) for row, score in rows if row is not None]

    def dense(
        self,
        query_vector: np.ndarray,
        k: int,
        allowed: np.ndarray | None = None,
        *,
        filters: Filters = NO_FILTERS,
    ) -> list[tuple[int, float]]:
        """Passages by embedding similarity: (row, score) best first."""
        rows, mask = self._rows_mask(allowed, filters)
        if rows is not None:
            return rows.dense_rows(query_vector, k, mask)
        return self._passage_rows(self.backend.dense(query_vector, k, filters))

    def sentences(
        self,
        query_vector: np.ndarray,
        k: int,
        allowed: np.ndarray | None = None,
        *,
        filters: Filters = NO_FILTERS,
    ) -> list[tuple[int, float]]:
        """Sentences by embedding similarity: (sentence row, score) best first."""
        rows, mask = self._rows_mask(allowed, filters)
        if rows is not None:
            return rows.sentence_rows(query_vector, k, mask)
        found = []
        for match in self.backend.dense_sentences(query_vector, k, filters):
            row = self.store.row_of(match.passage_id)
            if row is not None:
                found.append((self.store.first_sentence_row(row) + match.sentence, match.score))
        return found

    def dense_sentences(
        self,
        query_vector: np.ndarray,
        k: int,
        allowed: np.ndarray | None = None,
        *,
        filters: Filters = NO_FILTERS,
    ) -> list[tuple[int, float]]:
        """Passages by their best sentence's similarity: a fact stated in one sentence is
        diluted in a long passage's embedding."""
        best: dict[int, float] = {}
        for row, score in self.sentences(query_vector, 3 * k, allowed, filters=filters):
            best.setdefault(self.store.passage_of_sentence(row), score)
        return list(best.items())[:k]

    def nearest_sentences(self, vector: np.ndarray, k: int) -> list[tuple[int, float]]:
        """The live sentences nearest `vector`, unfiltered (corroboration's neighbours)."""
        return self.sentences(vector, k)

    def lexical(
        self,
        query: str,
        k: int,
        allowed: np.ndarray | None = None,
        *,
        filters: Filters = NO_FILTERS,
    ) -> list[tuple[int, float]]:
        """Passages by BM25: (row, score) best first."""
        rows, mask = self._rows_mask(allowed, filters)
        if rows is not None:
            return rows.lexical_rows(query, k, mask)
        return self._passage_rows(self.backend.lexical(query, k, filters))

    def search(
        self,
        query: str,
        k: int = 5,
        *,
        mode: Mode = "hybrid",
        query_vector: np.ndarray | None = None,
        allowed: np.ndarray | None = None,
        filters: Filters = NO_FILTERS,
    ) -> list[Hit]:
        """The k best passages for `query`, each with its dense and lexical rank.

        `query_vector` saves embedding the query again when the caller already has it;
        `filters` restrict the search to some articles (`allowed`, a boolean mask over
        passage rows, does the same for the default backend only)."""
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
        rows = None
        if allowed is not None:
            filtered = allowed_rows(self.store, filters)
            allowed, filters = (allowed if filtered is None else allowed & filtered), NO_FILTERS
            rows = self.searchable(allowed)  # None: every row, an unfiltered search
        dense = self.dense(query_vector, pool, rows, filters=filters) if use_dense else []
        sentences = (
            self.dense_sentences(query_vector, pool, rows, filters=filters) if use_dense else []
        )
        lexical = self.lexical(query, pool, rows, filters=filters) if mode != "dense" else []
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
