"""Latency on the seed corpus: per stage in process, and end to end over HTTP on loopback
with 1 and 8 concurrent clients (a fixed number of requests each, so runs are bounded)."""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Callable, Sequence

import httpx
import numpy as np

from rag.retrieval.fusion import reciprocal_rank_fusion


def percentiles(values_ms: Sequence[float]) -> dict[str, float]:
    ordered = sorted(values_ms)
    if not ordered:
        return {"p50": 0.0, "p95": 0.0, "p99": 0.0, "n": 0}

    def at(share: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(share * len(ordered)))], 2)

    return {"p50": round(statistics.median(ordered), 2), "p95": at(0.95), "p99": at(0.99)} | {
        "n": len(ordered)
    }


def _timed(samples: list[float], call: Callable[[], object]) -> object:
    clock = time.perf_counter()
    result = call()
    samples.append((time.perf_counter() - clock) * 1000)
    return result


def stage_latencies(snapshot, embedder, questions: Sequence[str], rounds: int = 3) -> dict:
    """p50/p95/p99 of each stage of a search and of an extractive answer."""
    retriever, answerer = snapshot.retriever, snapshot.answerer
    stages: dict[str, list[float]] = {
        name: []
        for name in (
            "query embedding",
            "dense search (passages)",
            "dense search (sentences)",
            "lexical search (BM25)",
            "fusion",
            "search, whole",
            "answer: span scoring",
            "answer: composition",
            "answer, whole",
        )
    }
    pool = 50
    for question in questions[:5]:  # warm-up
        answerer.answer(question)
    for _ in range(rounds):
        for question in questions:
            vector = _timed(stages["query embedding"], lambda q=question: embedder.embed([q])[0])
            assert isinstance(vector, np.ndarray)
            dense = _timed(
                stages["dense search (passages)"], lambda v=vector: retriever.dense(v, pool)
            )
            sentences = _timed(
                stages["dense search (sentences)"],
                lambda v=vector: retriever.dense_sentences(v, pool),
            )
            lexical = _timed(
                stages["lexical search (BM25)"], lambda q=question: retriever.lexical(q, pool)
            )
            rankings = [[row for row, _ in ranking] for ranking in (dense, sentences, lexical)]
            _timed(
                stages["fusion"],
                lambda r=rankings: reciprocal_rank_fusion(r, weights=[1.0, 0.7, 1.0], limit=5),
            )
            _timed(stages["search, whole"], lambda q=question: retriever.search(q, 5))
            answer = _timed(stages["answer, whole"], lambda q=question: answerer.answer(q))
            stages["answer: span scoring"].append(answer.timings_ms.get("score", 0.0))
            stages["answer: composition"].append(answer.timings_ms.get("compose", 0.0))
    return {name: percentiles(values) for name, values in stages.items()}


async def _clients(
    url: str,
    requests: Sequence[tuple[str, str, dict]],
    clients: int,
) -> tuple[list[float], dict[int, int]]:
    """Send `requests` (method, path, kwargs) from `clients` concurrent connections."""
    queue: asyncio.Queue = asyncio.Queue()
    for request in requests:
        queue.put_nowait(request)
    latencies: list[float] = []
    statuses: dict[int, int] = {}

    async def worker() -> None:
        async with httpx.AsyncClient(base_url=url, timeout=60) as client:
            while not queue.empty():
                method, path, kwargs = queue.get_nowait()
                clock = time.perf_counter()
                response = await client.request(method, path, **kwargs)
                latencies.append((time.perf_counter() - clock) * 1000)
                statuses[response.status_code] = statuses.get(response.status_code, 0) + 1

    await asyncio.gather(*(worker() for _ in range(clients)))
    return latencies, statuses


def http_latencies(
    url: str,
    make_request: Callable[[str], tuple[str, str, dict]],
    questions: Sequence[str],
    *,
    clients: int,
    requests: int,
) -> dict:
    """p50/p95/p99 of `requests` requests (questions cycled) from `clients` clients."""
    # Warm-up on as many connections as the measurement: with several server workers, each
    # connection may reach another one, and a worker's first requests are slow.
    warm = [make_request(questions[i % len(questions)]) for i in range(8 * clients)]
    asyncio.run(_clients(url, warm, clients))
    batch = [make_request(questions[i % len(questions)]) for i in range(requests)]
    started = time.perf_counter()
    latencies, statuses = asyncio.run(_clients(url, batch, clients))
    elapsed = time.perf_counter() - started
    return (
        percentiles(latencies)
        | {"clients": clients, "statuses": statuses}
        | {"throughput_rps": round(len(latencies) / elapsed, 1)}
    )


def ours_search(question: str) -> tuple[str, str, dict]:
    return "GET", "/api/search", {"params": {"q": question, "k": 5}}


def ours_ask(question: str) -> tuple[str, str, dict]:
    return "POST", "/api/ask", {"json": {"question": question}}


def ours_health(_: str) -> tuple[str, str, dict]:
    return "GET", "/api/health", {}


def baseline_search(question: str) -> tuple[str, str, dict]:
    return "GET", "/search", {"params": {"q": question, "k": 5}}
