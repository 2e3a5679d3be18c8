"""Bulk ingest of a whole article folder (the BBC archive: 2,225 files in five sub-folders),
ours against the LangChain pipeline, each a process of its own: wall time from the command's
start (model loading included), its CPU time and peak RSS (children included). CPU time is
the figure that holds on a shared machine, where other work stretches the wall time.

Ours is the real command, `python -m rag index --seeds DIR --out TMP`, once per setting
asked for (`--ours default,composed`: RAG_SENTENCE_VECTORS=composed; `torch`:
RAG_EMBED_BACKEND=torch). The baseline reads every .txt file as a user would (UTF-8,
undecodable bytes replaced), splits it with RecursiveCharacterTextSplitter 1000/200 and
embeds the chunks with HuggingFaceEmbeddings into LangChain's FAISS store
(benchmarks/baseline.py).

The machine's load average before and after each run is recorded: on a shared machine
other work slows a run down, so compare runs with similar loads.

Usage: python -m benchmarks.bulk_ingest [--folder DIR] [--ours default,pooled]
       [--langchain] [--out FILE.json]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from benchmarks.output import emit

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_FOLDER = ROOT.parent / "shared" / "datasets" / "bbc-news"
SETTINGS = {
    "default": {},
    "separate": {"RAG_SENTENCE_VECTORS": "separate"},
    "composed": {"RAG_SENTENCE_VECTORS": "composed"},
    "pooled": {"RAG_SENTENCE_VECTORS": "pooled"},
    "torch": {"RAG_EMBED_BACKEND": "torch"},
    "torch-pooled": {"RAG_EMBED_BACKEND": "torch", "RAG_SENTENCE_VECTORS": "pooled"},
    "torch-composed": {"RAG_EMBED_BACKEND": "torch", "RAG_SENTENCE_VECTORS": "composed"},
}
TARGET = {"seconds": 150, "peak_rss_mib": 1024}  # issue 14


def load_average() -> float:
    return float(Path("/proc/loadavg").read_text().split()[0])


def timed(args: list[str], env: dict[str, str]) -> dict:
    """Run a child process; its wall time, exit status, peak RSS and output's last lines."""
    before = load_average()
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        clock = time.perf_counter()
        child = subprocess.Popen(
            [sys.executable, *args],
            cwd=ROOT,
            env={**os.environ, "RAG_LOG_LEVEL": "WARNING", **env},
            stdout=out,
            stderr=err,
        )
        # wait4: the peak RSS of this child (and of children it waited for), no other's.
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - clock
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    return {
        "seconds": round(seconds, 1),
        "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 1),
        "peak_rss_mib": round(usage.ru_maxrss / 1024, 1),
        "exit_status": child.returncode,
        "stdout": stdout.strip().splitlines()[-3:],
        "stderr": stderr.strip().splitlines()[-6:],
        "load_before": before,
        "load_after": load_average(),
    }


def run_ours(folder: Path, name: str) -> dict:
    with tempfile.TemporaryDirectory(prefix="rag-bulk-") as work:
        out = Path(work) / "index"
        args = ["-m", "rag", "index", "--seeds", str(folder), "--out", str(out)]
        result = timed([*args, "--no-progress", "--discard-added"], SETTINGS[name])
        manifest = json.loads((out / "manifest.json").read_text("utf-8"))
    return result | {"pipeline": f"ours ({name})", "settings": SETTINGS[name]} | manifest["counts"]


def run_langchain(folder: Path) -> dict:
    result = timed(["-m", "benchmarks.bulk_ingest", "--langchain-child", str(folder)], {})
    counts = json.loads(result["stdout"][-1]) if result["exit_status"] == 0 else {}
    return result | {"pipeline": "LangChain baseline"} | counts


def langchain_child(folder: Path) -> None:
    """In the child: index the folder with the baseline, print the counts as JSON."""
    from benchmarks.baseline import LangChainBaseline, packaged_model_folder

    files = sorted(folder.rglob("*.txt"))
    documents = [(str(p), p.read_bytes().decode("utf-8", errors="replace")) for p in files]
    baseline = LangChainBaseline(packaged_model_folder())
    baseline.index(documents)
    payload = {"documents": len(documents), "chunks": baseline.chunks}
    sys.stdout.write(json.dumps(payload | {"index_seconds": round(baseline.index_seconds, 1)}))


def report_lines(data: dict) -> list[str]:
    """The REPORT.md section."""
    rows = data.get("runs", [])
    lines = [
        "## Bulk ingest: the whole BBC archive",
        "",
        f"`rag index --seeds {data.get('folder', 'bbc-news')}` (2,225 files, five sub-folders) "
        "against the LangChain pipeline over the same files, each in its own process, one "
        "after the other: wall time from the command's start (imports and model loading "
        "included), peak RSS of the process. Issue 14's target: at most "
        f"{TARGET['seconds']} s and {TARGET['peak_rss_mib']} MiB. The machine is shared: "
        "the load average (2 cores) before and after each run says how much other work ran.",
        "",
        *([data["note"], ""] if data.get("note") else []),
        "| pipeline | wall s | CPU s | peak RSS MiB | documents | passages / chunks | "
        "sentences | load before / after |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        lines.append(
            f"| {row['pipeline']} | {row['seconds']} | {row.get('cpu_seconds', '')} | "
            f"{row['peak_rss_mib']} | "
            f"{row.get('documents', '')} | {row.get('passages', row.get('chunks', ''))} | "
            f"{row.get('sentences', '')} | {row['load_before']} / {row['load_after']} |"
        )
    return [*lines, ""]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folder", type=Path, default=DEFAULT_FOLDER)
    parser.add_argument("--ours", default="default", help=f"of {', '.join(SETTINGS)}")
    parser.add_argument("--langchain", action="store_true", help="Also the baseline.")
    parser.add_argument("--langchain-child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    if args.langchain_child:
        langchain_child(args.langchain_child)
        return 0
    runs = []
    for name in (n for n in args.ours.split(",") if n):
        runs.append(run_ours(args.folder, name))
        sys.stderr.write(json.dumps(runs[-1]) + "\n")
    if args.langchain:
        runs.append(run_langchain(args.folder))
        sys.stderr.write(json.dumps(runs[-1]) + "\n")
    result = {"folder": args.folder.name, "runs": runs}
    emit(result, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
