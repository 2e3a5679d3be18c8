"""The in-process search backend: the index directory's FAISS vector tables and our BM25
(`lexical.py`), with filters applied as a mask over passage rows. The embedded default."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from rag.index.store import IndexStore
from rag.retrieval.backend import PassageMatch, SentenceMatch, StoredPassage
from rag.retrieval.filters import Filters, allowed_rows
from rag.retrieval.lexical import LexicalIndex
from rag.types import Document, Passage

MASKS_KEPT = 16  # filter masks remembered per snapshot (one search asks three times)


@dataclass(frozen=True)
class _State:
    store: IndexStore
    lexical: LexicalIndex
    # Filters -> row mask over this state's rows, filled as searches ask.
    masks: dict[Filters, np.ndarray | None] = field(default_factory=dict, compare=False)


class FaissBackend:
    """Searches one IndexStore snapshot. `upsert` and `delete` change the backend's own
    snapshot in memory only (one assignment, so a search in flight keeps the one it
    started with); the service persists writes through `rag.index.maintain` and moves to
    the new snapshot with `for_store`."""

    name = "faiss"

    def __init__(self, store: IndexStore, lexical: LexicalIndex | None = None) -> None:
        self._state = _State(store, lexical or LexicalIndex([p.text for p in store.passages]))

    @property
    def store(self) -> IndexStore:
        return self._state.store

    def for_store(self, store: IndexStore) -> FaissBackend:
        """A backend over `store`, reusing this one's lexical index when `store` only
        appended rows to this one's (the cost is then that of the new rows)."""
        old = self._state.store
        appended = store.vectors.base is old.vectors.base and len(store.passages) >= len(
            old.passages
        )
        lexical = (
            self._state.lexical.extended([p.text for p in store.passages[len(old.passages) :]])
            if appended
            else None
        )
        return FaissBackend(store, lexical)

    # --- masks over rows -------------------------------------------------------------------

    def searchable(self, allowed: np.ndarray | None = None) -> np.ndarray | None:
        """The passage rows a search may return: live ones, within `allowed` when given
        (None: all rows, which lets the indexes search unfiltered)."""
        live = self._state.store.live
        mask = live if allowed is None else live & allowed
        return None if mask.all() else mask

    def mask(self, filters: Filters) -> np.ndarray | None:
        """`searchable` for the rows the filters admit; remembered per snapshot."""
        state = self._state
        if filters not in state.masks:
            if len(state.masks) >= MASKS_KEPT:
                state.masks.clear()
            live = state.store.live
            allowed = allowed_rows(state.store, filters)
            mask = live if allowed is None else live & allowed
            state.masks[filters] = None if mask.all() else mask
        return state.masks[filters]

    def dense_rows(
        self, vector: np.ndarray, k: int, mask: np.ndarray | None
    ) -> list[tuple[int, float]]:
        scores, rows = self._state.store.vectors.search(vector.reshape(1, -1), k, mask)
        return [(int(r), float(s)) for r, s in zip(rows[0], scores[0], strict=True) if r >= 0]

    def sentence_rows(
        self, vector: np.ndarray, k: int, mask: np.ndarray | None
    ) -> list[tuple[int, float]]:
        """(sentence row, score); `mask` is over passage rows."""
        store = self._state.store
        sentences = None if mask is None else store.per_sentence(mask)
        scores, rows = store.sentence_vectors.search(vector.reshape(1, -1), k, sentences)
        return [(int(r), float(s)) for r, s in zip(rows[0], scores[0], strict=True) if r >= 0]

    def lexical_rows(self, query: str, k: int, mask: np.ndarray | None) -> list[tuple[int, float]]:
        return self._state.lexical.search(query, k, mask)

    # --- SearchBackend ---------------------------------------------------------------------

    def dense(self, vector: np.ndarray, k: int, filters: Filters) -> list[PassageMatch]:
        passages = self._state.store.passages
        return [
            PassageMatch(passages[row].passage_id, score)
            for row, score in self.dense_rows(vector, k, self.mask(filters))
        ]

    def dense_sentences(self, vector: np.ndarray, k: int, filters: Filters) -> list[SentenceMatch]:
        store = self._state.store
        found = []
        for row, score in self.sentence_rows(vector, k, self.mask(filters)):
            passage_row = store.passage_of_sentence(row)
            ordinal = row - store.first_sentence_row(passage_row)
            found.append(SentenceMatch(store.passages[passage_row].passage_id, ordinal, score))
        return found

    def lexical(self, query: str, k: int, filters: Filters) -> list[PassageMatch]:
        passages = self._state.store.passages
        return [
            PassageMatch(passages[row].passage_id, score)
            for row, score in self.lexical_rows(query, k, self.mask(filters))
        ]

    def fetch(self, passage_ids: Sequence[str]) -> list[StoredPassage]:
        store = self._state.store
        rows = [row for row in map(store.row_of, passage_ids) if row is not None]
        vectors = store.vectors.at(np.array(rows, dtype=np.int64))
        return [
            StoredPassage(store.passages[row].passage_id, store.passages[row].document_id, vector)
            for row, vector in zip(rows, vectors, strict=True)
        ]

    def upsert(
        self,
        documents: Sequence[Document],
        passages: Sequence[Passage],
        passage_vectors: np.ndarray,
        sentence_vectors: np.ndarray,
    ) -> None:
        store = self._state.store
        replaced = [d.id for d in documents if d.id in store.documents]
        if replaced:
            store = store.without(replaced, store.sequence + 1)
        store = store.appended(
            documents, passages, passage_vectors, sentence_vectors, store.sequence + 1
        )
        lexical = self._state.lexical.extended([p.text for p in passages])
        self._state = _State(store, lexical)

    def delete(self, document_ids: Sequence[str]) -> None:
        store = self._state.store
        self._state = _State(store.without(document_ids, store.sequence + 1), self._state.lexical)
