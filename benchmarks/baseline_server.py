"""The LangChain baseline behind HTTP, as a user would serve it: one FastAPI endpoint,
`GET /search?q=...&k=5`, over the raw seed files.

Usage: python -m benchmarks.baseline_server --port 8101 [--seeds seeds]
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from benchmarks.baseline import LangChainBaseline, packaged_model_folder


def create_app(seeds: Path):
    from fastapi import FastAPI, Query

    baseline = LangChainBaseline(packaged_model_folder())
    baseline.index([(p.name, p.read_text("utf-8")) for p in sorted(seeds.glob("*.txt"))])
    app = FastAPI(title="LangChain baseline")

    @app.get("/health")
    def health() -> dict:
        return {"status": "ok", "chunks": baseline.chunks}

    @app.get("/search")
    def search(q: str = Query(min_length=1), k: int = Query(5, ge=1, le=50)) -> dict:
        return {
            "query": q,
            "hits": [{"document_id": c.document_id, "text": c.text} for c in baseline.search(q, k)],
        }

    return app


def main(argv: Sequence[str] | None = None) -> int:
    import uvicorn

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--seeds", type=Path, default=Path("seeds"))
    args = parser.parse_args(argv)
    uvicorn.run(create_app(args.seeds), host="127.0.0.1", port=args.port, log_level="warning")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
