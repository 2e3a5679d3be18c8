"""Corroboration: the same fact in other articles, found among near-duplicate sentences.

Wire stories are rewritten by each outlet, so a repeated fact is rarely word for word.
A sentence in another document corroborates when it is close in embedding space and
shares the fact's distinctive terms (names, numbers), not merely its topic.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from rag.answer.scoring import CandidateSpan
from rag.answer.sentence_bank import SentenceBank, SentenceRef


@dataclass(frozen=True)
class CorroborationPolicy:
    min_similarity: float = 0.62  # below this, sentences are about different things
    sure_similarity: float = 0.72  # above this, a paraphrase: no term check needed
    min_shared_terms: float = 0.35  # idf-weighted share of the fact's terms found
    neighbours: int = 64  # nearest sentences examined per fact


# (vector, k) -> the k live sentences nearest it, as (sentence row, similarity) best first.
Nearest = Callable[[np.ndarray, int], list[tuple[int, float]]]

_NUMBER = re.compile(r"\b\d+\b")


def _numbers_conflict(a: str, b: str) -> bool:
    """ "established in 2003" and "established in 2013" are different facts."""
    numbers_a, numbers_b = set(_NUMBER.findall(a)), set(_NUMBER.findall(b))
    return bool(numbers_a and numbers_b and not numbers_a & numbers_b)


def _shared_terms(bank: SentenceBank, fact: SentenceRef, other: SentenceRef) -> float:
    return bank.coverage(sorted(bank.terms[fact.row]), bank.terms[other.row])


def _store_nearest(bank: SentenceBank) -> Nearest:
    def nearest(vector: np.ndarray, k: int) -> list[tuple[int, float]]:
        scores, rows = bank.store.sentence_vectors.search(
            vector[None, :],
            k,
            None if bank.live.all() else bank.live,  # never a removed article's sentence
        )
        return [(r, s) for r, s in zip(rows[0].tolist(), scores[0].tolist(), strict=True) if r >= 0]

    return nearest


def corroborating(
    bank: SentenceBank,
    span: CandidateSpan,
    *,
    policy: CorroborationPolicy = CorroborationPolicy(),
    nearest: Nearest | None = None,
) -> list[SentenceRef]:
    """The best corroborating sentence of each other document, most similar first.
    `nearest` is the search backend's sentence search (default: the store's index)."""
    nearest = nearest or _store_nearest(bank)
    best: dict[str, tuple[SentenceRef, float]] = {}
    for fact in span.refs:
        # The sentence index's nearest neighbours (exact or HNSW, as built), not a pass over
        # every sentence: the same fact is retold by a handful of outlets, not by hundreds.
        for row, similarity in nearest(bank.matrix[fact.row], policy.neighbours):
            if similarity < policy.min_similarity:
                break
            other = bank.refs[row]
            if other.document_id == fact.document_id or not other.citable:
                continue
            if other.document_id in best and best[other.document_id][1] >= similarity:
                continue
            if _numbers_conflict(fact.text, other.text):
                continue
            if similarity >= policy.sure_similarity or (
                _shared_terms(bank, fact, other) >= policy.min_shared_terms
            ):
                best[other.document_id] = (other, similarity)
    return [ref for ref, _ in sorted(best.values(), key=lambda item: -item[1])]
