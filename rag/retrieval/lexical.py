"""BM25 over passage texts, as an inverted index that grows by segments.

Scores are Lucene's BM25 (k1 1.5, b 0.75), the same figures bm25s gives, computed at query
time from raw term frequencies, so that the collection statistics (document count, average
length, document frequency) always cover every segment: an added passage changes the
scores of all others exactly as a rebuild would. Adding passages builds a segment of the
new ones only; small segments are merged once there are more than MAX_SEGMENTS. Removed
rows are masked at query time and still count in the statistics until the index is
rebuilt from the live rows (as in Lucene, until segments merge).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from rag.text.tokens import lexical_tokens

K1 = 1.5
B = 0.75
MAX_SEGMENTS = 8


@dataclass(frozen=True)
class _Segment:
    """Postings of some rows: for term t, rows[starts[t]:starts[t+1]] with their counts."""

    vocabulary: dict[str, int]
    starts: np.ndarray
    rows: np.ndarray
    counts: np.ndarray

    @classmethod
    def of(cls, documents: Sequence[Sequence[str]], first_row: int) -> _Segment:
        terms: list[int] = []
        rows: list[int] = []
        counts: list[int] = []
        vocabulary: dict[str, int] = {}
        for offset, tokens in enumerate(documents):
            for term, count in Counter(tokens).items():
                terms.append(vocabulary.setdefault(term, len(vocabulary)))
                rows.append(first_row + offset)
                counts.append(count)
        return cls._sorted(vocabulary, np.array(terms, np.int64), rows, counts)

    @classmethod
    def _sorted(cls, vocabulary: dict[str, int], terms: np.ndarray, rows, counts) -> _Segment:
        order = np.argsort(terms, kind="stable")
        starts = np.searchsorted(terms[order], np.arange(len(vocabulary) + 1))
        return cls(
            vocabulary,
            starts.astype(np.int64),
            np.asarray(rows, np.int64)[order],
            np.asarray(counts, np.float32)[order],
        )

    @classmethod
    def merged(cls, segments: Sequence[_Segment]) -> _Segment:
        vocabulary: dict[str, int] = {}
        terms, rows, counts = [], [], []
        for segment in segments:
            remap = np.array(
                [vocabulary.setdefault(t, len(vocabulary)) for t in segment.vocabulary], np.int64
            )
            lengths = np.diff(segment.starts)
            terms.append(np.repeat(remap, lengths))
            rows.append(segment.rows)
            counts.append(segment.counts)
        return cls._sorted(
            vocabulary, np.concatenate(terms), np.concatenate(rows), np.concatenate(counts)
        )

    def postings(self, term: str) -> tuple[np.ndarray, np.ndarray]:
        at = self.vocabulary.get(term)
        if at is None:
            return _NO_ROWS, _NO_COUNTS
        start, end = self.starts[at], self.starts[at + 1]
        return self.rows[start:end], self.counts[start:end]


_NO_ROWS = np.zeros(0, np.int64)
_NO_COUNTS = np.zeros(0, np.float32)


class LexicalIndex:
    """Never mutated: `extended` returns a new index sharing the old segments."""

    def __init__(
        self,
        texts: Sequence[str] = (),
        *,
        _segments: tuple[_Segment, ...] | None = None,
        _lengths: np.ndarray | None = None,
    ) -> None:
        if _segments is None:
            tokens = [lexical_tokens(t) or [""] for t in texts]
            _segments = (_Segment.of(tokens, 0),) if tokens else ()
            _lengths = np.array([len(t) for t in tokens], np.float32)
        self._segments = _segments
        self._lengths = _lengths if _lengths is not None else np.zeros(0, np.float32)

    @property
    def size(self) -> int:
        return len(self._lengths)

    def extended(self, texts: Sequence[str]) -> LexicalIndex:
        """This index with `texts` as the next rows."""
        if not texts:
            return self
        tokens = [lexical_tokens(t) or [""] for t in texts]
        segments = (*self._segments, _Segment.of(tokens, self.size))
        if len(segments) > MAX_SEGMENTS:  # keep the first (largest) and merge the rest
            segments = (segments[0], _Segment.merged(segments[1:]))
        lengths = np.concatenate([self._lengths, np.array([len(t) for t in tokens], np.float32)])
        return LexicalIndex(_segments=segments, _lengths=lengths)

    def scores(self, query: str) -> np.ndarray:
        """BM25 of every row for `query` (a repeated query term counts again)."""
        scores = np.zeros(self.size, np.float32)
        if not self.size:
            return scores
        average = float(self._lengths.mean())
        for term in lexical_tokens(query):
            found = [segment.postings(term) for segment in self._segments]
            frequency = sum(len(rows) for rows, _ in found)
            if not frequency:
                continue
            idf = np.log(1 + (self.size - frequency + 0.5) / (frequency + 0.5))
            for rows, counts in found:
                norm = K1 * ((1 - B) + B * self._lengths[rows] / average)
                scores[rows] += np.float32(idf) * (counts / (norm + counts))
        return scores

    def search(
        self, query: str, k: int, allowed: np.ndarray | None = None
    ) -> list[tuple[int, float]]:
        """(row, score) best first; only rows that share a term with the query, and only
        rows `allowed` (a boolean mask over rows) when given."""
        scores = self.scores(query)
        if allowed is not None:
            scores = np.where(allowed, scores, 0)
        candidates = np.flatnonzero(scores > 0)
        if not len(candidates):
            return []
        k = min(k, len(candidates))
        top = candidates[np.argpartition(-scores[candidates], k - 1)[:k]]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(int(row), float(scores[row])) for row in top]
