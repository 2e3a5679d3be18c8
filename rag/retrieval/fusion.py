"""Reciprocal rank fusion; pure."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Sequence
from typing import TypeVar

Key = TypeVar("Key", bound=Hashable)


def reciprocal_rank_fusion(
    rankings: Sequence[Sequence[Key]], *, k: int = 60, limit: int | None = None
) -> list[tuple[Key, float]]:
    """Fuse best-first lists: score = sum over lists of 1 / (k + rank), rank from 1.

    Ties keep the order in which keys were first seen, so results are deterministic."""
    scores: dict[Key, float] = defaultdict(float)
    for ranking in rankings:
        for rank, key in enumerate(ranking, start=1):
            scores[key] += 1.0 / (k + rank)
    fused = sorted(scores.items(), key=lambda item: -item[1])  # sort is stable
    return fused[:limit] if limit is not None else fused
