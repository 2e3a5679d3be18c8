"""Bulk ingest through Ray (`rag index --engine ray`, 1 and 2 workers) against the default
in-process `rag index`, on a seeded slice of the BBC archive, each a process of its own.

Per run: wall time from the command's start (imports, Ray start-up and model loading
included), documents per second, the peak RSS of the largest process (wait4) and the peak
of the summed PSS of the whole process tree (sampled every 0.25 s: Ray's GCS, raylet and
workers are children of the command; PSS counts pages shared by several processes, such as
the object store, once), and the load average before and after (the machine
is shared). A Ray run on one article measures the fixed cost (start-up, model loading,
shutdown). The indexes are then compared: same documents and passages (offsets, entities),
largest difference between vectors.

A whole-archive run takes 15+ minutes per configuration on 2 shared cores, so the default
is a slice (`--articles`, drawn with `--seed`; sub-folders kept).

Usage: python -m benchmarks.ray_ingest [--folder DIR] [--articles 200] [--seed 0]
       [--order local,1,2] [--note TEXT] [--out FILE.json]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from benchmarks.bulk_ingest import DEFAULT_FOLDER, load_average
from benchmarks.output import emit

ROOT = Path(__file__).resolve().parent.parent


def article_slice(folder: Path, count: int, seed: int, into: Path) -> int:
    """Copy `count` articles drawn with `seed` (all when 0) into `into`, sub-folders kept."""
    files = sorted(p for p in folder.rglob("*.txt") if p.is_file())
    chosen = random.Random(seed).sample(files, count) if 0 < count < len(files) else files
    for path in chosen:
        target = into / path.relative_to(folder)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, target)
    return len(chosen)


def _tree_pss(root: int) -> int:
    """Summed PSS, in bytes, of `root` and every process descending from it (PSS shares out
    pages mapped by several processes, such as Ray's object store, instead of counting them
    in each)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
                parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
    tree, frontier = {root}, [root]
    while frontier:
        pid = frontier.pop()
        children = [child for child, parent in parents.items() if parent == pid]
        tree.update(children)
        frontier += children
    total = 0
    for pid in tree:
        try:
            rollup = Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()
            total += next(int(line.split()[1]) for line in rollup if line.startswith("Pss:")) * 1024
        except (OSError, ValueError, IndexError, StopIteration):
            continue
    return total


def measured(args: list[str]) -> dict:
    """Run `python -m rag …` as a child: wall time, exit status, peak memory (RSS of the
    largest process, PSS of the whole tree), load average, the output's last lines."""
    before = load_average()
    peak_tree = 0
    done = threading.Event()
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        clock = time.perf_counter()
        child = subprocess.Popen(
            [sys.executable, "-m", "rag", *args],
            cwd=ROOT,
            env={**os.environ, "RAG_LOG_LEVEL": "WARNING"},
            stdout=out,
            stderr=err,
        )

        def sample() -> None:
            nonlocal peak_tree
            while not done.is_set():
                peak_tree = max(peak_tree, _tree_pss(child.pid))
                done.wait(0.25)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - clock
        done.set()
        sampler.join()
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    return {
        "seconds": round(seconds, 1),
        "exit_status": os.waitstatus_to_exitcode(status),
        "peak_rss_mib": round(usage.ru_maxrss / 1024, 1),
        "peak_tree_pss_mib": round(peak_tree / 1024**2, 1),
        "load_before": before,
        "load_after": load_average(),
        "stdout": stdout.strip().splitlines()[-2:],
        "stderr": stderr.strip().splitlines()[-4:],
    }


def index_run(name: str, seeds: Path, out: Path, workers: int | None) -> dict:
    args = ["index", "--seeds", str(seeds), "--out", str(out), "--no-progress", "--discard-added"]
    if workers:
        args += ["--engine", "ray", "--workers", str(workers)]
    result = measured(args)
    if result["exit_status"] not in (0, 3):  # 3: partial (a file skipped)
        raise RuntimeError(f"{name} failed: {result['stderr']}")
    counts = json.loads((out / "manifest.json").read_text("utf-8"))["counts"]
    per_second = counts["documents"] / result["seconds"] if result["seconds"] else 0.0
    return {"run": name, "workers": workers, **counts, "docs_per_s": round(per_second, 2)} | result


def parity(reference: Path, other: Path) -> dict:
    """Same documents and passages (offsets, sentences, entities); largest vector gap."""
    from rag.index.store import load_store, read_manifest

    def load(directory: Path):
        manifest = read_manifest(directory)
        return load_store(directory, embedding=manifest.embedding, chunker=manifest.chunker)

    a, b = load(reference), load(other)
    same_shape = len(a.passages) == len(b.passages)
    gap = float(np.abs(a.vectors.all() - b.vectors.all()).max()) if same_shape else None
    sentences_same = a.sentence_vectors.ntotal == b.sentence_vectors.ntotal
    sentence_gap = (
        float(np.abs(a.sentence_vectors.all() - b.sentence_vectors.all()).max())
        if sentences_same
        else None
    )
    return {
        "documents_equal": a.documents == b.documents,
        "passages_equal": a.passages == b.passages,
        "max_passage_vector_diff": gap,
        "max_sentence_vector_diff": sentence_gap,
    }


def run(folder: Path, articles: int, seed: int, order: Sequence[str]) -> dict:
    """`order`: "local" (in-process) and Ray worker counts, run one after the other."""
    workers = [int(n) for n in order if n != "local"]
    with tempfile.TemporaryDirectory(prefix="rag-ray-bench-") as tmp:
        work = Path(tmp)
        drawn = article_slice(folder, articles, seed, work / "slice")
        article_slice(folder, 1, seed, work / "one")
        runs = []
        for name in order:
            if name == "local":
                runs.append(index_run("in-process", work / "slice", work / "local", None))
            else:
                label = f"ray, {name} worker(s)"
                runs.append(index_run(label, work / "slice", work / f"ray{name}", int(name)))
            sys.stderr.write(json.dumps(runs[-1]) + "\n")
        fixed = index_run("ray, 1 worker, 1 article", work / "one", work / "ray-one", 1)
        sys.stderr.write(json.dumps(fixed) + "\n")
        checks = {f"ray-{n}": parity(work / "local", work / f"ray{n}") for n in workers}
    return {
        "folder": folder.name,
        "articles": drawn,
        "seed": seed,
        "order": list(order),
        "cores": os.cpu_count(),
        "runs": runs,
        "fixed_cost": fixed,
        "parity": checks,
    }


def report_lines(data: dict) -> list[str]:
    """The REPORT.md section."""
    rows = data.get("runs", [])
    fixed = data.get("fixed_cost")
    lines = [
        "## Bulk ingest on Ray Data: 1 and 2 workers against in-process",
        "",
        f"`rag index --engine ray --workers N` against the default `rag index` on a slice of "
        f"{data.get('articles')} BBC articles (drawn with seed {data.get('seed')}; a whole-"
        "archive run takes 15+ minutes per configuration on this shared machine), each in its "
        "own process, one after the other. Wall time from the command's start (imports, Ray "
        "start-up, model loading in every worker included); peak RSS of the largest process "
        "and peak summed PSS of the whole process tree (Ray's GCS, raylet and workers "
        "included; PSS counts shared pages once). "
        f"{data.get('cores')} cores, shared: the load average before and after each run says "
        "how much other work ran (`python -m benchmarks.ray_ingest`). Run order: "
        f"{', '.join(data.get('order', ['local', '1', '2']))}.",
        "",
        "| run | wall s | docs/s | peak MiB (largest RSS / tree PSS) | documents | passages | "
        "load before / after |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        lines.append(
            f"| {row['run']} | {row['seconds']} | {row['docs_per_s']} | "
            f"{row['peak_rss_mib']} / {row['peak_tree_pss_mib']} | {row['documents']} | "
            f"{row['passages']} | {row['load_before']} / {row['load_after']} |"
        )
    lines.append("")
    seconds = {row["workers"]: row["seconds"] for row in rows}
    if {None, 1, 2} <= seconds.keys():
        lines += [
            f"In this round 2 workers took {seconds[2] / seconds[1]:.2f}x the time of 1 worker "
            f"and {seconds[2] / seconds[None]:.2f}x the in-process time (which already keeps "
            "both cores busy: ONNX on every core, spaCy in a thread beside it); the load "
            "average moved a lot during the runs, so read these as rough figures.",
            "",
        ]
    if fixed:
        lines += [
            f"Fixed cost of a Ray run (one article: start-up, model loading, shutdown): "
            f"{fixed['seconds']} s, tree peak {fixed['peak_tree_pss_mib']} MiB "
            f"(load {fixed['load_before']} / {fixed['load_after']}).",
            "",
        ]
    for name, check in data.get("parity", {}).items():
        lines.append(
            f"- {name} against in-process: documents equal {check['documents_equal']}, "
            f"passages (offsets, entities) equal {check['passages_equal']}, largest vector "
            f"difference {check['max_passage_vector_diff']} (passages), "
            f"{check['max_sentence_vector_diff']} (sentences)."
        )
    if data.get("note"):
        lines += ["", data["note"]]
    return [*lines, ""]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folder", type=Path, default=DEFAULT_FOLDER)
    parser.add_argument("--articles", type=int, default=200, help="Slice size (0: all).")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--order", default="local,1,2", help="Runs in order: local (in-process), worker counts."
    )
    parser.add_argument("--note", help="A sentence for the report (e.g. an earlier round).")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    order = [n for n in args.order.split(",") if n]
    if "local" not in order or not all(n == "local" or n.isdigit() for n in order):
        parser.error("--order lists local and worker counts, e.g. local,1,2")
    result = run(args.folder, args.articles, args.seed, order)
    if args.note:
        result["note"] = args.note
    emit(result, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
