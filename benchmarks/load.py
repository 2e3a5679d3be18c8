"""Bounded load test of a running server on loopback: mixed asks, streams, searches,
look-ups and document adds/deletes from concurrent clients for a fixed time.

Reports per-endpoint p50/p99, status counts, 5xx (must be zero), acknowledged writes that
went missing (must be zero) and the server's resident memory growth between the first and
the last window (must stay under 10%).

Usage: python -m benchmarks.load --url http://127.0.0.1:8000 --pid PID [--clients 16]
       [--seconds 60] --token TOKEN [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx

QUESTIONS = [
    "Why did Tehran rebuff Baghdad?",
    "When was Kataib Hezbollah founded?",
    "What did Washington promise Baghdad?",
    "What was Iraq's GDP growth rate in 2024?",
]


@dataclass
class Tally:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: dict[str, dict[int, int]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(int))
    )
    acknowledged: set[str] = field(default_factory=set)
    deleted: set[str] = field(default_factory=set)
    errors: list[str] = field(default_factory=list)

    def record(self, name: str, status: int, seconds: float) -> None:
        self.latencies[name].append(seconds * 1000)
        self.statuses[name][status] += 1


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


async def _one(
    client: httpx.AsyncClient, tally: Tally, rng: random.Random, token: str, worker: int
) -> None:
    roll = rng.random()
    started = time.perf_counter()
    question = rng.choice(QUESTIONS)
    if roll < 0.35:
        name, response = "ask", await client.post("/api/ask", json={"question": question})
    elif roll < 0.50:
        name = "ask/stream"
        async with client.stream(
            "POST", "/api/ask/stream", json={"question": question}
        ) as response:
            async for _ in response.aiter_lines():
                pass
    elif roll < 0.75:
        name, response = "search", await client.get("/api/search", params={"q": question, "k": 5})
    elif roll < 0.95:
        name = "lookup"
        response = await client.get(
            "/api/documents/000_9333b7dd7e7da588", params={"start": 2867, "end": 3088}
        )
    else:
        name = "add+delete"
        text = f"Load probe {worker}-{time.time_ns()}. Cranes moved in Basra port today."
        headers = {"Authorization": f"Bearer {token}"}
        response = await client.post(
            "/api/documents", json={"title": "probe", "text": text}, headers=headers
        )
        if response.status_code == 201:
            document_id = response.json()["document_id"]
            tally.acknowledged.add(document_id)
            if rng.random() < 0.5:
                deleted = await client.delete(f"/api/documents/{document_id}", headers=headers)
                if deleted.status_code == 200:
                    tally.deleted.add(document_id)
    tally.record(name, response.status_code, time.perf_counter() - started)


async def _client(url: str, deadline: float, tally: Tally, token: str, worker: int) -> None:
    rng = random.Random(worker)
    async with httpx.AsyncClient(base_url=url, timeout=60) as client:
        while time.monotonic() < deadline:
            try:
                await _one(client, tally, rng, token, worker)
            except httpx.HTTPError as exc:
                tally.errors.append(f"{type(exc).__name__}: {exc}")


async def _sample_memory(pid: int, deadline: float, samples: list[tuple[float, int]]) -> None:
    start = time.monotonic()
    while time.monotonic() < deadline:
        samples.append((time.monotonic() - start, rss_kib(pid)))
        await asyncio.sleep(0.5)


def _percentile(values: Sequence[float], share: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(share * len(ordered)))], 1) if ordered else 0.0


async def _listed(client: httpx.AsyncClient) -> set[str]:
    """Every indexed document's id: the list comes a page at a time."""
    ids: set[str] = set()
    while True:
        page = await client.get("/api/documents", params={"offset": len(ids), "limit": 500})
        documents = page.json()["documents"]
        ids.update(d["document_id"] for d in documents)
        if not documents or len(ids) >= page.json()["total"]:
            return ids


async def run(
    url: str, pid: int, clients: int, seconds: float, token: str, *, warmup: float = 5.0
) -> dict:
    """Warm up (caches, allocator pools; not measured), then the measured run."""
    warm = Tally()
    warm_deadline = time.monotonic() + warmup
    warmers = (_client(url, warm_deadline, warm, token, -1 - w) for w in range(clients))
    await asyncio.gather(*warmers)
    tally = Tally()
    samples: list[tuple[float, int]] = []
    deadline = time.monotonic() + seconds
    await asyncio.gather(
        _sample_memory(pid, deadline, samples),
        *(_client(url, deadline, tally, token, worker) for worker in range(clients)),
    )
    async with httpx.AsyncClient(base_url=url, timeout=60) as client:
        present = await _listed(client)
    window = min(10.0, seconds / 4)
    first = [kib for t, kib in samples if t <= window]
    last = [kib for t, kib in samples if t >= seconds - window]
    growth = (statistics.mean(last) / statistics.mean(first) - 1) if first and last else 0.0
    return {
        "clients": clients,
        "seconds": seconds,
        "requests": sum(len(v) for v in tally.latencies.values()),
        "server_errors": sum(
            n for s in tally.statuses.values() for code, n in s.items() if code >= 500
        ),
        "transport_errors": len(tally.errors),
        "lost_writes": sorted(tally.acknowledged - tally.deleted - present),
        "memory_growth": round(growth, 4),
        "rss_first_mib": round(statistics.mean(first) / 1024, 1) if first else 0.0,
        "rss_last_mib": round(statistics.mean(last) / 1024, 1) if last else 0.0,
        "endpoints": {
            name: {
                "count": len(values),
                "p50_ms": _percentile(values, 0.5),
                "p99_ms": _percentile(values, 0.99),
                "statuses": dict(tally.statuses[name]),
            }
            for name, values in sorted(tally.latencies.items())
        },
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--pid", type=int, required=True, help="The server's process id (memory).")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--token", required=True)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if not args.url.startswith(("http://127.", "http://localhost", "http://[::1]")):
        parser.error("load tests only target this machine's loopback addresses")
    if not 0 < args.seconds <= 600:
        parser.error("--seconds must be in (0, 600]")
    report = asyncio.run(run(args.url, args.pid, args.clients, args.seconds, args.token))
    sys.stdout.write(json.dumps(report, indent=2) + "\n")
    ok = (
        not report["server_errors"] and not report["lost_writes"] and report["memory_growth"] < 0.10
    )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
