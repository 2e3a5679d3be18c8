"""benchmarks/REPORT.md and its PNG plots, from the JSON files in benchmarks/results/.

Every sentence of the reading is computed from the figures, so the report cannot drift
from the run it describes. Usage: python -m benchmarks.report (re-renders only).
"""

from __future__ import annotations

import importlib
import json
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def _load(results: Path) -> dict:
    return {p.stem: json.loads(p.read_text("utf-8")) for p in sorted(results.glob("*.json"))}


def _ratio(ours: float, theirs: float) -> str:
    return f"{theirs / ours:.1f}x" if ours else "n/a"


def _table(header: list[str], rows: list[list]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return lines + [""]


def _plot(name: str, out_dir: Path, draw) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(7, 3.6), dpi=110)
    draw(axes)
    figure.tight_layout()
    path = out_dir / "plots" / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path)
    plt.close(figure)
    return f"plots/{name}.png"


def _mode(result: dict, mode: str) -> dict:
    return next(m for m in result["modes"] if m["mode"] == mode)


def scifact_section(data: dict, out_dir: Path) -> tuple[list[str], list[str]]:
    torch_run, onnx_run, base = data["ours-torch"], data["ours-onnx"], data["langchain"]
    rows = []
    for label, run, mode in (
        ("LangChain baseline (dense)", base, "dense"),
        ("ours, dense only", torch_run, "dense"),
        ("ours, BM25 only", torch_run, "lexical"),
        ("ours, hybrid", torch_run, "hybrid"),
        ("ours, hybrid, int8 ONNX embedder", onnx_run, "hybrid"),
        ("ours, dense only, int8 ONNX embedder", onnx_run, "dense"),
    ):
        m = _mode(run, mode)
        rows.append(
            [
                label,
                f"{m['ndcg_at_10']:.4f}",
                f"{m['recall_at_10']:.4f}",
                f"{m['recall_at_100']:.4f}",
            ]
        )
    hybrid, dense, bm25 = (
        _mode(torch_run, m)["ndcg_at_10"] for m in ("hybrid", "dense", "lexical")
    )
    baseline = _mode(base, "dense")["ndcg_at_10"]
    onnx_hybrid = _mode(onnx_run, "hybrid")["ndcg_at_10"]

    def draw(ax):
        labels = [r[0].replace("ours, ", "").replace(" embedder", "") for r in rows]
        ax.barh(labels[::-1], [float(r[1]) for r in rows][::-1], color="#4c72b0")
        ax.set_xlabel("nDCG@10")
        ax.set_xlim(0, 1)
        ax.set_title(f"SciFact ({torch_run['split']}, {torch_run['queries']} queries)")

    plot = _plot("scifact_ndcg", out_dir, draw)
    lines = [
        "## Retrieval quality on SciFact (BEIR)",
        "",
        f"{torch_run['documents']} documents, {torch_run['queries']} queries, split "
        f"`{torch_run['split']}`; documents indexed as `title + text`, a document scored by its "
        "best passage (ours) or best chunk (baseline); metrics by `pytrec_eval`.",
        "",
        *_table(["pipeline", "nDCG@10", "Recall@10", "Recall@100"], rows),
        f"![SciFact nDCG@10]({plot})",
        "",
        f"- Hybrid {hybrid:.4f} vs dense-only {dense:.4f} and BM25-only {bm25:.4f}: hybrid is "
        + ("at least both." if hybrid >= max(dense, bm25) else "**below one of them**."),
        f"- Against the LangChain baseline's {baseline:.4f}: {hybrid - baseline:+.4f} nDCG@10 "
        f"({(hybrid / baseline - 1) * 100:+.1f}%).",
        f"- The int8 ONNX embedder: hybrid nDCG@10 {onnx_hybrid:.4f} against torch's {hybrid:.4f} "
        f"({onnx_hybrid - hybrid:+.4f}).",
        "- Published test-split figures for reference: all-MiniLM-L6-v2 dense 0.645, BM25 0.665 "
        "(ours are on the train split).",
        "",
    ]
    headline = [
        f"| SciFact nDCG@10 | {hybrid:.4f} (hybrid) | {baseline:.4f} | "
        f"{(hybrid / baseline - 1) * 100:+.1f}% |"
    ]
    return lines, headline


def ingestion_section(data: dict, out_dir: Path) -> tuple[list[str], list[str]]:
    rows = []
    for label, key in (
        ("ours, torch", "ours-torch"),
        ("ours, int8 ONNX", "ours-onnx"),
        ("LangChain baseline", "langchain"),
    ):
        r = data[key]
        rows.append(
            [
                label,
                r["passages"],
                r["vectors"],
                r["index_seconds"],
                r["passages_per_second"],
                r["vectors_per_second"],
                r["peak_rss_mib"],
            ]
        )

    def draw(ax):
        ax.bar([r[0] for r in rows], [r[5] for r in rows], color="#55a868")
        ax.set_ylabel("vectors embedded per second")
        ax.set_title("Ingestion speed (SciFact corpus)")

    plot = _plot("ingestion", out_dir, draw)
    torch_run, onnx_run = data["ours-torch"], data["ours-onnx"]
    speedup = onnx_run["vectors_per_second"] / torch_run["vectors_per_second"]
    lines = [
        "## Ingestion",
        "",
        "Indexing the SciFact corpus, each pipeline in its own process (peak RSS includes the "
        "model and the Python runtime). We embed every passage *and* every sentence (the "
        "best-sentence ranking and the citations need them), so we embed several vectors per "
        "passage where the baseline embeds one per chunk; vectors/s compares the embedders.",
        "",
        *_table(
            ["pipeline", "passages", "vectors", "seconds", "passages/s", "vectors/s", "peak MiB"],
            rows,
        ),
        f"![ingestion]({plot})",
        "",
        f"- int8 ONNX embeds {speedup:.1f}x "
        f"as many vectors a second as torch and peaks at {onnx_run['peak_rss_mib']:.0f} MiB "
        f"against {torch_run['peak_rss_mib']:.0f} MiB.",
        "",
    ]
    base = data["langchain"]
    headline = [
        f"| Index build, SciFact | {torch_run['index_seconds']} s torch, "
        f"{onnx_run['index_seconds']} s ONNX | {base['index_seconds']} s | "
        f"{torch_run['index_seconds'] / base['index_seconds']:.1f}x / "
        f"{onnx_run['index_seconds'] / base['index_seconds']:.1f}x the time |"
    ]
    return lines, headline


def seeds_section(data: dict, out_dir: Path) -> tuple[list[str], list[str]]:
    quality = data["quality"]
    ours, base = quality["ours"], quality["langchain"]
    rows = [
        [
            "support@1 (eval file)",
            ours["eval_file"]["support_at_1"],
            base["eval_file"]["support_at_1"],
        ],
        [
            "support@5 (eval file)",
            ours["eval_file"]["support_at_5"],
            base["eval_file"]["support_at_5"],
        ],
        *(
            [
                f"hit@{k} (retrieval file)",
                ours["retrieval_file"][f"hit_at_{k}"],
                base["retrieval_file"][f"hit_at_{k}"],
            ]
            for k in (1, 3, 5)
        ),
    ]
    stages = data["stages_ms"]
    stage_rows = [[name, v["p50"], v["p95"], v["p99"]] for name, v in stages.items()]

    def draw(ax):
        names = [n for n in stages if "whole" not in n]
        ax.barh(names[::-1], [stages[n]["p50"] for n in names][::-1], color="#8172b2")
        ax.set_xlabel("p50, ms")
        ax.set_title("Where a search and an answer spend their time")

    plot = _plot("stages", out_dir, draw)
    lines = [
        "## Seed corpus: retrieval against the baseline, and time per stage",
        "",
        f"Our {data['passages']['ours']} passages against the baseline's "
        f"{data['passages']['langchain']} chunks of the same five articles. "
        f"Eval file: {ours['eval_file']['questions']} answerable questions of "
        "`tests/data/eval_questions.jsonl` (a supporting quote inside a top-k passage; ours "
        "resolves follow-ups first, the baseline gets them as asked). Retrieval file: "
        f"{ours['retrieval_file']['questions']} questions of "
        "`tests/data/retrieval_questions.jsonl`. Both files were written with, and the answerer "
        "tuned on, these articles: read these rows as a product check and SciFact (never "
        "tuned on) as the fair comparison.",
        "",
        *_table(["measure", "ours", "LangChain baseline"], rows),
        f"Per stage, in process ({data.get('embedder', 'default embedder')}, exact FAISS, "
        "after warm-up):",
        "",
        *_table(["stage", "p50 ms", "p95 ms", "p99 ms"], stage_rows),
        f"![stages]({plot})",
        "",
    ]
    headline = [
        f"| Support@5, seed questions | {ours['eval_file']['support_at_5']:.3f} | "
        f"{base['eval_file']['support_at_5']:.3f} | "
        f"{ours['eval_file']['support_at_5'] - base['eval_file']['support_at_5']:+.3f} |"
    ]
    return lines, headline


def http_section(data: dict, out_dir: Path) -> tuple[list[str], list[str]]:
    rows = []
    series = [
        ("ours /api/health (HTTP overhead)", data["ours"]["health"]),
        ("ours /api/search", data["ours"]["search"]),
        ("ours /api/ask (extractive answer)", data["ours"]["ask"]),
        ("LangChain baseline /search", data["langchain"]["search"]),
    ]
    for label, by_clients in series:
        for clients, figures in by_clients.items():
            rows.append(
                [
                    label,
                    clients,
                    figures["p50"],
                    figures["p95"],
                    figures["p99"],
                    figures["throughput_rps"],
                ]
            )

    def draw(ax):
        import numpy as np

        labels = [s[0].split(" (")[0] for s in series]
        x = np.arange(len(labels))
        for offset, clients in ((-0.2, "1"), (0.2, "8")):
            ax.bar(
                x + offset,
                [s[1][clients]["p50"] for s in series],
                0.4,
                label=f"{clients} client(s)",
            )
        ax.set_xticks(x, labels, fontsize=7)
        ax.set_ylabel("p50, ms")
        ax.legend()
        ax.set_title("HTTP latency on loopback (seed corpus)")

    plot = _plot("http_latency", out_dir, draw)
    ours_search = data["ours"]["search"]["1"]["p50"]
    base_search = data["langchain"]["search"]["1"]["p50"]
    lines = [
        "## Latency over HTTP",
        "",
        f"Loopback, fixed request counts ({data['requests']['1']} with 1 client, "
        f"{data['requests']['8']} with 8), questions of the retrieval file cycled; each server "
        "in its own process (uvicorn, one worker), the client in another.",
        "",
        *_table(["endpoint", "clients", "p50 ms", "p95 ms", "p99 ms", "req/s"], rows),
        f"![HTTP latency]({plot})",
        "",
        f"- One client: our `/api/search` p50 {ours_search} ms against the baseline's "
        f"{base_search} ms ({_ratio(ours_search, base_search)} "
        + ("faster)." if ours_search <= base_search else "**slower**)."),
        "",
    ]
    headline = [
        f"| Search over HTTP, p50, 1 client | {ours_search} ms | {base_search} ms | "
        f"{base_search / ours_search:.1f}x faster |"
        if ours_search <= base_search
        else f"| Search over HTTP, p50, 1 client | {ours_search} ms | {base_search} ms | "
        f"{ours_search / base_search:.1f}x slower |"
    ]
    return lines, headline


def scale_section(data: dict, out_dir: Path) -> tuple[list[str], list[str]]:
    rows = []
    for size in data["sizes"]:
        for index in size["indexes"]:
            chosen = " (auto)" if index["kind"] == size["auto_choice"] else ""
            rows.append(
                [
                    f"{size['vectors']:,}",
                    index["kind"] + chosen,
                    index["build_seconds"],
                    index["bytes_per_vector"],
                    index["p50_ms"],
                    index["p99_ms"],
                    index["recall_at_10"],
                ]
            )

    def draw(ax):
        kinds = {}
        for size in data["sizes"]:
            for index in size["indexes"]:
                kinds.setdefault(index["kind"].split(",")[0].rstrip("0123456789"), []).append(
                    (size["vectors"], index["p50_ms"])
                )
        for kind, points in kinds.items():
            ax.plot([p[0] for p in points], [p[1] for p in points], marker="o", label=kind)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("vectors")
        ax.set_ylabel("query p50, ms")
        ax.legend()
        ax.set_title("Exact vs approximate search")

    plot = _plot("scale", out_dir, draw)
    largest = data["sizes"][-1]
    sweep_rows = [
        [
            index["kind"],
            f"{knob} = {entry[knob]}",
            entry["p50_ms"],
            entry["p99_ms"],
            entry["recall_at_10"],
        ]
        for index in largest["indexes"]
        for entry in index.get("sweep", [])
        for knob in [next(k for k in ("efSearch", "nprobe") if k in entry)]
    ]
    auto = next(i for i in largest["indexes"] if i["kind"] == largest["auto_choice"])
    lines = [
        "## Scale",
        "",
        f"Synthetic 384-d vectors between real embeddings of the `{data.get('base_index')}` "
        f"index ({data['base_vectors']:,} vectors) and their real neighbours, plus noise of norm "
        f"{data['noise']}; {data['queries']} held-out real embeddings as queries, one at a time; "
        f"recall@10 against exact search; FAISS on {data['faiss_threads']} threads.",
        "",
        *_table(
            ["vectors", "index", "build s", "bytes/vector", "p50 ms", "p99 ms", "recall@10"], rows
        ),
        f"![scale]({plot})",
        "",
        f"Other search-time settings of the same indexes at {largest['vectors']:,} vectors "
        "(the rows above use the defaults):",
        "",
        *_table(["index", "setting", "p50 ms", "p99 ms", "recall@10"], sweep_rows),
        f"- Rule (`RAG_VECTOR_INDEX=auto`): exact below {data['exact_limit']:,} vectors, HNSW "
        "from there; each index (passages, sentences) is judged by its own size.",
        f"- At {largest['vectors']:,} vectors the automatic choice ({auto['kind']}) answers in "
        f"{auto['p50_ms']} ms p50 / {auto['p99_ms']} ms p99 at recall@10 {auto['recall_at_10']}.",
        *_append_lines(largest),
        "",
    ]
    headline = [
        f"| {largest['vectors']:,} vectors, {auto['kind']} | p50 {auto['p50_ms']} ms, recall@10 "
        f"{auto['recall_at_10']} | (exact: p50 {largest['indexes'][0]['p50_ms']} ms) | |"
    ]
    return lines, headline


def _append_lines(largest: dict) -> list[str]:
    """Incremental adds at the largest size (runs made before adds were measured have none)."""
    appended = [i for i in largest["indexes"] if "append" in i]
    if not appended:
        return []
    figures = ", ".join(
        f"{i['kind']} {i['append']['append_ms']} ms (recall@10 after: "
        f"{i['append']['recall_at_10']:.3f})"
        for i in appended
    )
    return [
        f"- An add at {largest['vectors']:,} vectors (one article's 12 vectors, 1,000 rows "
        f"appended since the last compaction; the base index is not touched): {figures}."
    ]


def load_section(data: dict) -> list[str]:
    rows = [
        [name, figures["count"], figures["p50_ms"], figures["p99_ms"]]
        for name, figures in data["endpoints"].items()
    ]
    return [
        "## Load",
        "",
        f"{data['clients']} clients for {data['seconds']} s against `rag serve` (asks, streams, "
        f"searches, look-ups, adds and deletes): {data['requests']} requests, "
        f"{data['server_errors']} server errors, {len(data['lost_writes'])} lost acknowledged "
        f"writes, resident memory growth {data['memory_growth'] * 100:.1f}% between the first "
        "and last 10 s.",
        "",
        *_table(["request", "count", "p50 ms", "p99 ms"], rows),
    ]


def crash_section(data: dict) -> list[str]:
    return [
        "## Crashes",
        "",
        f"`kill -9` at random points of {', '.join(data['commands'])}, {data['kills_per_command']}"
        f" times each: {'passed' if data['passed'] else '**FAILED**'} ({data['summary']}; "
        f"{data['seconds']} s). After every kill the index loads and passes its hash check, "
        "and is the old one or the new one.",
        "",
    ]


def injection_section(data: dict) -> list[str]:
    rows = [
        [
            c["payload"],
            c["question"],
            c["mode"],
            "yes" if c["steered"] else "no",
            "yes" if c["quoted"] else "no",
            "yes" if c["cites_planted"] else "no",
            "yes" if c["quotes_exact"] else "no",
        ]
        for c in data["cases"]
    ]
    return [
        "## Prompt injection, generative mode",
        "",
        f"Planted articles against `{data['model']}`: three payloads of kinds the instruction "
        "filter withholds, one in plain prose that reaches the model. Steered = the payload's "
        "marker word in a sentence the system wrote; quoted = only inside a verbatim quote of "
        f"the planted article. Steered: **{data['steered']} of {data['total']}**; "
        f"{sum(c['mode'] == 'generative' for c in data['cases'])} of the {data['total']} answers "
        "kept generated sentences, the others fell back to the extractive answer because the "
        "checker dropped every generated sentence.",
        "",
        *_runtime_lines(data.get("runtime")),
        *_table(
            ["payload", "question", "mode", "steered", "quoted", "cites planted", "quotes exact"],
            rows,
        ),
    ]


def _runtime_lines(runtime: dict | None) -> list[str]:
    """The llama.cpp build and its system_info line (CPU features in use; issue 11: no AMX)."""
    if not runtime:  # results from before the runtime was recorded
        return []
    return [
        f"Runtime: {runtime['package']}, in a child process; llama.cpp system_info:",
        "",
        f"    {runtime['system_info']}",
        "",
    ]


def write_report(results: Path, out_dir: Path) -> Path:
    data = _load(results)
    run = data.get("run", {})
    machine = run.get("machine", {})
    body: list[str] = []
    headline: list[str] = []
    for key, render in (
        ("seeds", seeds_section),
        ("http", http_section),
        ("scifact", scifact_section),
    ):
        if key in data:
            lines, head = render(data[key], out_dir)
            body += lines
            headline += head
    if "scifact" in data:
        lines, head = ingestion_section(data["scifact"], out_dir)
        body += lines
        headline += head
    if "scale" in data:
        lines, head = scale_section(data["scale"], out_dir)
        body += lines
        headline += head
    if "load" in data:
        body += load_section(data["load"])
    if "crash" in data:
        body += crash_section(data["crash"])
    if "injection" in data:
        body += injection_section(data["injection"])
    # Sections whose benchmark module renders its own lines.
    for key, module in (
        ("embed", "embed_speed"),
        ("bulk", "bulk_ingest"),
        ("archive", "archive"),
        ("ray", "ray_ingest"),
        ("million", "million_writes"),
    ):
        if key in data:
            body += importlib.import_module(f"benchmarks.{module}").report_lines(data[key])
    text = [
        "# Benchmarks",
        "",
        "Written by `make bench` (`python -m benchmarks.run`); do not edit by hand.",
        "",
        f"Machine: {machine.get('cores')} cores ({machine.get('cpu')}), "
        f"{machine.get('memory_gib')} GiB, no GPU; Python {machine.get('python')}, torch "
        f"{machine.get('torch')}, sentence-transformers {machine.get('sentence_transformers')}, "
        f"FAISS {machine.get('faiss')}. Model: {machine.get('embedding_model')}. "
        f"Run: {machine.get('date')}, {'quick' if run.get('quick') else 'full'}, "
        f"{run.get('total_seconds', 0) / 60:.1f} min.",
        "",
        "Baseline: what a user would assemble with LangChain and the same model: "
        "`RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200)`, "
        "`HuggingFaceEmbeddings` on the packaged model folder, LangChain's `FAISS` store, "
        "`similarity_search(k)`, behind one FastAPI endpoint for the HTTP figures "
        "(`benchmarks/baseline.py`, `benchmarks/baseline_server.py`). Each pipeline of a "
        "section is measured in the same run; `--only` and `--pipelines` re-run parts.",
        "",
        *(
            [
                "**Quick run**: 300 SciFact documents and 50 queries, 100k vectors at most, "
                "short load and crash loops. A smoke test of every section; its figures are "
                "too small a sample to compare (use the full `make bench`).",
                "",
            ]
            if run.get("quick")
            else []
        ),
        "## Headline: ours against the baseline, same machine",
        "",
        "| measure | ours | LangChain baseline | difference |",
        "|---|---|---|---|",
        *headline,
        "",
        *body,
        "## Reproduce",
        "",
        "```sh",
        "make bench                        # everything, under an hour on 2 cores",
        "make bench BENCH_ARGS=--quick     # small sizes, a few minutes",
        ".venv/bin/python -m benchmarks.run --only scale   # one section",
        ".venv/bin/python -m benchmarks.report             # re-render this file",
        "```",
        "",
        "Raw figures: `benchmarks/results/*.json`.",
        "",
    ]
    path = out_dir / "REPORT.md"
    path.write_text("\n".join(text), "utf-8")
    return path


if __name__ == "__main__":
    write_report(RESULTS, Path(__file__).resolve().parent)
