"""BM25 over passage texts (bm25s), rebuilt from the passages at load time."""

from __future__ import annotations

from collections.abc import Sequence

import bm25s
import numpy as np

from rag.text.tokens import lexical_tokens


class LexicalIndex:
    def __init__(self, texts: Sequence[str]) -> None:
        self._size = len(texts)
        self._bm25 = bm25s.BM25(method="lucene")
        if texts:
            self._bm25.index([lexical_tokens(t) or [""] for t in texts], show_progress=False)

    def search(self, query: str, k: int) -> list[tuple[int, float]]:
        """(row, score) best first; only rows that share a term with the query."""
        if not self._size:
            return []
        vocabulary = self._bm25.vocab_dict
        terms = [t for t in lexical_tokens(query) if t in vocabulary]
        if not terms:
            return []
        scores = self._bm25.get_scores(terms)
        k = min(k, self._size)
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(int(row), float(scores[row])) for row in top if scores[row] > 0]
