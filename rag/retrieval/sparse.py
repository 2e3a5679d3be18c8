"""BM25 as sparse vectors, for a search engine that scores sparse dot products and supplies
IDF itself (Qdrant's `Modifier.IDF`).

A passage's value for term t is Lucene's saturated, length-normalised term frequency,
tf / (tf + k1·(1 - b + b·len/avgdl)), the same figure `lexical.py` computes at query time;
a query's value is how often t occurs in it. The engine multiplies each query value by
idf(t) = ln(1 + (N - df + 0.5) / (df + 0.5)), so the dot product is the BM25 score of
`lexical.py`. Pure: no engine is imported here.

Term ids are a stable 32-bit hash of the token (Qdrant's sparse indices are u32): ingest
workers on other machines need no shared vocabulary. Two tokens of one passage or query
that collide are summed; with a 100,000-term vocabulary about one pair collides.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from rag.retrieval.lexical import K1, B
from rag.text.tokens import lexical_tokens

# Bump when the tokens or the hashing change: indexed sparse vectors must be rebuilt.
ENCODING = f"bm25-lucene-k1={K1}-b={B}-blake2b32-v1"


@dataclass(frozen=True)
class SparseVector:
    indices: list[int]
    values: list[float]


def term_id(token: str) -> int:
    return int.from_bytes(hashlib.blake2b(token.encode("utf-8"), digest_size=4).digest(), "big")


def passage_tokens(text: str) -> list[str]:
    """A passage's tokens; a passage without any counts as one empty token (as in
    lexical.py, so that lengths and the average agree)."""
    return lexical_tokens(text) or [""]


def _summed(weights: Counter[int]) -> SparseVector:
    indices = sorted(weights)
    return SparseVector(indices, [float(weights[i]) for i in indices])


def passage_vector(tokens: Sequence[str], average_length: float) -> SparseVector:
    """The passage's BM25 term weights before IDF (see the module docstring)."""
    norm = K1 * ((1 - B) + B * len(tokens) / max(average_length, 1e-9))
    weights: Counter[int] = Counter()
    for token, tf in Counter(tokens).items():
        if token:
            weights[term_id(token)] += tf / (norm + tf)
    return _summed(weights)


def query_vector(query: str) -> SparseVector:
    """A repeated query term counts again, as in lexical.py."""
    return _summed(Counter(term_id(token) for token in lexical_tokens(query)))
