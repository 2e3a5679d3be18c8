"""SearchBackend: what retrieval and answers need from a search index, whichever engine
serves it (FAISS + our BM25 in process, or Qdrant).

The index directory (`rag.index.store.IndexStore`) stays the record of documents and
passages; a backend searches them. Results name passages by id (and sentences by their
passage and ordinal), never by a row of one process's arrays, so an engine on other
machines can answer; the retriever maps ids back to the rows of its snapshot.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from rag.index.store import IndexStore
from rag.retrieval.filters import Filters
from rag.types import Document, Passage


@dataclass(frozen=True)
class PassageMatch:
    passage_id: str
    score: float


@dataclass(frozen=True)
class SentenceMatch:
    passage_id: str
    sentence: int  # ordinal of the sentence within its passage
    score: float


@dataclass(frozen=True)
class StoredPassage:
    """A passage as the backend holds it: ids, filterable fields and its vector."""

    passage_id: str
    document_id: str
    vector: np.ndarray


class SearchBackend(Protocol):
    """Every search takes the same `Filters` (outlets, publication days, document ids) and
    returns best first, at most `k`; removed documents are never returned."""

    name: str

    def upsert(
        self,
        documents: Sequence[Document],
        passages: Sequence[Passage],
        passage_vectors: np.ndarray,
        sentence_vectors: np.ndarray,
    ) -> None:
        """Index documents' passages (row i of `passage_vectors` is `passages[i]`) and
        their sentences (passage after passage, in order), replacing any earlier copy."""
        ...

    def delete(self, document_ids: Sequence[str]) -> None:
        """Remove every passage and sentence of these documents."""
        ...

    def dense(self, vector: np.ndarray, k: int, filters: Filters) -> list[PassageMatch]:
        """Passages by cosine similarity of their embedding."""
        ...

    def dense_sentences(self, vector: np.ndarray, k: int, filters: Filters) -> list[SentenceMatch]:
        """Sentences by cosine similarity of their embedding."""
        ...

    def lexical(self, query: str, k: int, filters: Filters) -> list[PassageMatch]:
        """Passages by BM25 (Lucene's formula, k1 1.5, b 0.75); only passages sharing a
        term with the query."""
        ...

    def fetch(self, passage_ids: Sequence[str]) -> list[StoredPassage]:
        """The stored passages with these ids (unknown ids are left out)."""
        ...

    def for_store(self, store: IndexStore) -> SearchBackend:
        """This backend in step with a new snapshot of the index directory (after an add,
        a removal or a compaction)."""
        ...
