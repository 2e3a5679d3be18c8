"""Reciprocal rank fusion; pure."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Sequence
from typing import TypeVar

Key = TypeVar("Key", bound=Hashable)


def reciprocal_rank_fusion(
    rankings: Sequence[Sequence[Key]],
    *,
    k: int = 60,
    limit: int | None = None,
    weights: Sequence[float] | None = None,
) -> list[tuple[Key, float]]:
    """Fuse best-first lists: score = sum over lists of weight / (k + rank), rank from 1.

    Ties keep the order in which keys were first seen, so results are deterministic."""
    scores: dict[Key, float] = defaultdict(float)
    for ranking, weight in zip(rankings, weights or [1.0] * len(rankings), strict=True):
        for rank, key in enumerate(ranking, start=1):
            scores[key] += weight / (k + rank)
    fused = sorted(scores.items(), key=lambda item: -item[1])  # sort is stable
    return fused[:limit] if limit is not None else fused
