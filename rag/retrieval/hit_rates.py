"""Retrieval hit rates: per mode, the share of questions whose expected text is in the
top k passages. Used by tests/test_retrieval.py and `python -m benchmarks.retrieval_hit_rates`."""

from __future__ import annotations

from collections.abc import Sequence

from rag.ingest.cleaning import fold_for_matching
from rag.retrieval.retriever import HybridRetriever, Mode

MODES: tuple[Mode, ...] = ("dense", "lexical", "hybrid")
DEPTHS = (1, 3, 5)


def hit_rates(
    retriever: HybridRetriever, questions: Sequence[dict], depths: Sequence[int] = DEPTHS
) -> dict[str, dict[int, float]]:
    """{mode: {k: share of questions whose expected text is in the top k}}."""
    rates: dict[str, dict[int, float]] = {}
    for mode in MODES:
        ranks = []
        for question in questions:
            hits = retriever.search(question["question"], max(depths), mode=mode)
            expected = fold_for_matching(question["expect"])
            found = [
                i for i, h in enumerate(hits, 1) if expected in fold_for_matching(h.passage.text)
            ]
            ranks.append(found[0] if found else None)
        rates[mode] = {k: sum(r is not None and r <= k for r in ranks) / len(ranks) for k in depths}
    return rates
