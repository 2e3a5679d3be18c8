"""Command line: rag index | add | remove | documents | search | ask | eval | serve."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from rag.config import Settings
from rag.embedding import Embedder
from rag.errors import RagError
from rag.index.maintain import IndexTarget
from rag.logs import configure_logging
from rag.retrieval.filters import Filters
from rag.services import index_target, make_annotator
from rag.wire.answers import Answer

if TYPE_CHECKING:
    from rag.index.store import IndexStore
    from rag.ingest.loaders import SeedLoad

logger = logging.getLogger("rag")
PROGRESS_HELP = "Show counts and time left on stderr [default: when it is a terminal]."
RAY_OPTIONS = ("workers", "ray_address", "parquet")  # of `rag index`, with --engine ray only
PARTIAL_EXIT = 3  # the command did its work, but left some input out (listed on stderr)


class _Group(click.Group):
    """Turns domain errors into a message and exit status 1, never a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except RagError as exc:
            raise click.ClickException(str(exc)) from None


@dataclass
class CliContext:
    """What every command gets: the settings, and the embedder once one is needed.

    Tests pass their own (with an already loaded model) as `obj` to CliRunner.invoke."""

    settings: Settings
    embedder: Embedder | None = None

    def get_embedder(self) -> Embedder:
        if self.embedder is None:
            from rag.embedding import make_embedder

            settings = self.settings
            self.embedder = make_embedder(
                settings.embed_model,
                settings.embed_backend,
                threads=settings.embed_threads,
                sentence_vectors=settings.sentence_vectors,
                cache_dir=settings.model_cache_dir,
            )
        return self.embedder


def _settings(ctx: click.Context, **overrides: Any) -> Settings:
    settings = ctx.find_object(CliContext).settings  # type: ignore[union-attr]
    updates = {key: value for key, value in overrides.items() if value is not None}
    return settings.model_copy(update=updates) if updates else settings


def _embedder(ctx: click.Context) -> Embedder:
    return ctx.find_object(CliContext).get_embedder()  # type: ignore[union-attr]


def _target(ctx: click.Context, settings: Settings) -> IndexTarget:
    return index_target(settings, _embedder(ctx), make_annotator(settings))


def _echo_json(payload: Any) -> None:
    click.echo(json.dumps(payload, ensure_ascii=False, indent=2))


@click.group(cls=_Group)
@click.pass_context
def main(ctx: click.Context) -> None:
    """Cited answers from a corpus of news articles."""
    if not isinstance(ctx.obj, CliContext):
        try:
            ctx.obj = CliContext(settings=Settings())
        except ValueError as exc:
            raise click.ClickException(f"invalid RAG_ setting: {exc}") from None
    configure_logging(ctx.obj.settings.log_level)


@main.command("index")
@click.option("--seeds", type=click.Path(path_type=Path), help="Articles folder [RAG_SEEDS_DIR].")
@click.option("--out", type=click.Path(path_type=Path), help="Index folder [RAG_INDEX_DIR].")
@click.option("--if-stale", is_flag=True, help="Only rebuild when missing, stale or damaged.")
@click.option("--discard-added", is_flag=True, help="Drop articles added with `rag add`.")
@click.option("--progress/--no-progress", default=None, help=PROGRESS_HELP)
@click.option(
    "--engine",
    type=click.Choice(["local", "ray"]),
    default="local",
    help="local: this process; ray: read and embed on Ray Data workers, via Parquet "
    "(needs the `ray` extra).",
)
@click.option("--workers", type=click.IntRange(1), help="Ray workers (one model each) [1].")
@click.option("--ray-address", help="A running Ray cluster to use [default: start one here].")
@click.option(
    "--parquet",
    type=click.Path(file_okay=False, path_type=Path),
    help="Keep the embedded documents (Parquet) in this folder (`rag load-parquet` reads it).",
)
@click.pass_context
def index_command(
    ctx: click.Context,
    seeds: Path | None,
    out: Path | None,
    if_stale: bool,
    discard_added: bool,
    progress: bool | None,
    **engine: Any,
) -> None:
    """Build the index from the seeds folder and its sub-folders (articles added later are
    kept). Files that cannot be read are skipped and listed; the exit status is then 3."""
    from rag.index.maintain import compact, rebuild, staleness
    from rag.ingest.loaders import load_seeds

    if engine["engine"] == "local" and any(engine[k] for k in RAY_OPTIONS):
        raise click.UsageError("--workers, --ray-address and --parquet need --engine ray")
    if engine["engine"] == "ray":
        from rag.index.ray_ingest import require_ray

        require_ray()  # before loading any model
    settings = _settings(ctx, seeds_dir=seeds, index_dir=out)
    target = _target(ctx, settings)
    if if_stale:
        stale = staleness(target, settings.seeds_dir)
        if stale is None:
            click.echo(f"index at {settings.index_dir} is up to date")
            return
        if stale.compacting_suffices:
            click.echo(f"rebuilding the vector indexes from the stored vectors ({stale.reason})")
            compacted = compact(target)
            if compacted is not None:
                click.echo(f"compacted: {len(compacted.documents)} documents")
            return
        click.echo(f"building the index from {settings.seeds_dir} ({stale.reason})")
    if engine["engine"] == "ray":
        store, loaded = _index_on_ray(settings, target, keep_added=not discard_added, **engine)
        _note_decoded(loaded.decoded)
    else:
        loaded = load_seeds(settings.seeds_dir)
        _note_decoded(loaded.decoded)
        store = rebuild(
            target,
            settings.seeds_dir,
            keep_added=not discard_added,
            progress=_show_progress(progress),
            loaded=loaded,
        )
    click.echo(
        f"indexed {len(store.documents)} documents, {len(store.passages)} passages "
        f"into {settings.index_dir}"
    )
    if loaded.skipped:
        # A .jsonl line or a feed entry counts as one, so the count may exceed the files'.
        click.echo(f"skipped {len(loaded.skipped)} ({len(loaded.files)} files read):", err=True)
        for skipped in loaded.skipped:
            click.echo(f"  {skipped.file}: {skipped.reason}", err=True)
        ctx.exit(PARTIAL_EXIT)


def _note_decoded(decoded: list[tuple[str, str]]) -> None:
    for name, encoding in decoded:
        click.echo(f"note: {name} is not UTF-8; read it as {encoding}", err=True)


def _index_on_ray(
    settings: Settings,
    target: IndexTarget,
    *,
    keep_added: bool,
    engine: str,
    workers: int | None,
    ray_address: str | None,
    parquet: Path | None,
) -> tuple[IndexStore, SeedLoad]:
    """`rag index --engine ray`: the settings become each Ray worker's embedder spec."""
    from rag.index.ray_ingest import EmbedSpec, RayOptions, ray_rebuild
    from rag.services import chunker_params

    spec = EmbedSpec(
        model=settings.embed_model,
        backend=settings.embed_backend,
        threads=settings.embed_threads,
        sentence_vectors=settings.sentence_vectors,
        annotate=target.annotator is not None,
        chunker=chunker_params(settings),
        fingerprint=target.embedder.fingerprint,
    )
    options = RayOptions(workers=workers or 1, address=ray_address)
    count = f"{options.workers} worker{'s' if options.workers > 1 else ''}"
    click.echo(f"reading and embedding on Ray ({count})", err=True)
    return ray_rebuild(
        target, settings.seeds_dir, spec, options, keep_added=keep_added, parquet_dir=parquet
    )


@main.command("load-parquet")
@click.argument("folder", type=click.Path(path_type=Path))
@click.option("--out", type=click.Path(path_type=Path), help="Index folder [RAG_INDEX_DIR].")
@click.pass_context
def load_parquet_command(ctx: click.Context, folder: Path, out: Path | None) -> None:
    """Replace the index with the embedded documents in FOLDER (Parquet written by
    `rag index --engine ray --parquet FOLDER`, here or on a cluster), without re-embedding."""
    from rag.index.maintain import load_parquet

    settings = _settings(ctx, index_dir=out)
    store = load_parquet(_target(ctx, settings), folder)
    click.echo(
        f"loaded {len(store.documents)} documents, {len(store.passages)} passages "
        f"into {settings.index_dir}"
    )


@main.command("add")
@click.argument("inputs", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--title", help="Title, if the article does not state one in its first line.")
@click.option("--outlet", help="Publishing outlet.")
@click.option("--published", help="Publication date.")
@click.option("--url", help="Where the article was published.")
@click.option("--progress/--no-progress", default=None, help=PROGRESS_HELP)
@click.pass_context
def add_command(
    ctx: click.Context, inputs: tuple[Path, ...], progress: bool | None, **meta: str | None
) -> None:
    """Add articles without re-embedding the rest: plain-text or HTML files, folders of them
    (recursing), .jsonl exports (one article a line) and RSS/Atom feeds (.xml, .rss, .atom).
    Bad files, lines or entries are skipped and listed; the exit status is then 3."""
    from rag.index.maintain import add_documents
    from rag.ingest.bulk import is_single_article, load_inputs
    from rag.ingest.urls import web_url
    from rag.types import DocumentMeta

    if any(meta.values()) and (len(inputs) > 1 or not is_single_article(inputs[0])):
        raise click.UsageError(
            "--title/--outlet/--published/--url apply to one file at a time "
            "(one article: not a folder, .jsonl or feed)"
        )
    if meta.get("url") and web_url(meta["url"]) is None:
        raise click.UsageError(f"--url must be an http:// or https:// URL, not {meta['url']!r}")
    loaded = load_inputs(inputs, DocumentMeta(**meta), progress=_read_progress())
    if not loaded.documents:
        reasons = "; ".join(f"{s.file}: {s.reason}" for s in loaded.skipped)
        raise click.ClickException(f"nothing to add ({reasons or 'no article files found'})")
    click.echo(f"read {loaded.files} files: {len(loaded.documents)} articles", err=True)
    for name, encoding in loaded.decoded:
        click.echo(f"note: {name} is not UTF-8; read it as {encoding}", err=True)
    result = add_documents(
        _target(ctx, _settings(ctx)), loaded.documents, progress=_show_progress(progress)
    )
    for document in result.added:
        click.echo(f"added {document.id}: {document.label}")
    for document in result.duplicates:
        click.echo(f"already indexed (same content), nothing to do: {document.source_file}")
    if loaded.skipped:
        click.echo(f"skipped {len(loaded.skipped)}:", err=True)
        for skipped in loaded.skipped:
            click.echo(f"  {skipped.file}: {skipped.reason}", err=True)
        ctx.exit(PARTIAL_EXIT)


def _show_progress(flag: bool | None) -> bool:
    """Embedding progress (counts, time left) on stderr: when it is a terminal, unless told."""
    return sys.stderr.isatty() if flag is None else flag


def _read_progress() -> Callable[[int, int, int, int], None]:
    """Counts on stderr while files are read: every 100 files and at the end."""

    def report(done: int, total: int, articles: int, skipped: int) -> None:
        if total > 1 and (done % 100 == 0 or done == total):
            line = f"read {done}/{total} files: {articles} articles, {skipped} skipped"
            click.echo(line, err=True)

    return report


@main.command("remove")
@click.argument("document_ids", nargs=-1, required=True)
@click.pass_context
def remove_command(ctx: click.Context, document_ids: tuple[str, ...]) -> None:
    """Remove documents from the index (their rows go at the next compaction)."""
    from rag.index.maintain import remove_documents

    store = remove_documents(_target(ctx, _settings(ctx)), document_ids)
    click.echo(f"removed {', '.join(document_ids)}; {len(store.documents)} documents remain")


@main.command("compact")
@click.pass_context
def compact_command(ctx: click.Context) -> None:
    """Fold added and removed articles into a rebuilt index, each vector index of the type
    its size calls for, without re-embedding (the server folds writes in the background)."""
    from rag.index.maintain import compact

    store = compact(_target(ctx, _settings(ctx)))
    if store is None:
        click.echo("nothing to compact")
    else:
        click.echo(f"compacted: {len(store.documents)} documents, {len(store.passages)} passages")


@main.command("documents")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def documents_command(ctx: click.Context, as_json: bool) -> None:
    """List the indexed documents."""
    store = _target(ctx, _settings(ctx)).load()
    rows = [
        {
            "id": d.id,
            "title": d.label,
            "outlet": d.outlet,
            "published": d.published,
            "origin": d.origin,
        }
        for d in store.documents.values()
    ]
    if as_json:
        _echo_json(rows)
        return
    for row in rows:
        click.echo(f"{row['id']}  {row['outlet'] or '-'}  {row['title']}")


def _filter_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """--outlet, --from, --to and --document: which articles may be drawn on."""
    options = [
        click.option("--outlet", "outlets", multiple=True, help="Only this outlet (repeatable)."),
        click.option(
            "--from",
            "published_from",
            type=click.DateTime(["%Y-%m-%d"]),
            help="Published on or after YYYY-MM-DD.",
        ),
        click.option(
            "--to",
            "published_to",
            type=click.DateTime(["%Y-%m-%d"]),
            help="Published on or before YYYY-MM-DD.",
        ),
        click.option(
            "--document", "document_ids", multiple=True, help="Only this article id (repeatable)."
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _filters(
    outlets: tuple[str, ...],
    published_from: datetime | None,
    published_to: datetime | None,
    document_ids: tuple[str, ...],
) -> Filters:
    from rag.wire.filters import query_filters

    return query_filters(
        list(outlets),
        published_from.date() if published_from else None,
        published_to.date() if published_to else None,
        list(document_ids),
    )


@main.command("search")
@click.argument("query")
@click.option("-k", "k", default=None, type=click.IntRange(1, 50), help="How many passages.")
@click.option("--mode", type=click.Choice(["hybrid", "dense", "lexical"]), default="hybrid")
@click.option("--json", "as_json", is_flag=True, help="Print the JSON of GET /api/search.")
@_filter_options
@click.pass_context
def search_command(
    ctx: click.Context, query: str, k: int | None, mode: str, as_json: bool, **filters: Any
) -> None:
    """Rank passages for QUERY."""
    from rag.services import Services
    from rag.wire.search import SearchResults

    settings = _settings(ctx)
    allowed_filters = _filters(**filters)
    retriever = Services.load(settings, embedder=_embedder(ctx)).snapshot.retriever
    hits = retriever.search(
        query,
        k or settings.top_k,
        mode=mode,  # type: ignore[arg-type]
        filters=allowed_filters,
    )
    results = SearchResults.from_hits(query, hits)
    if as_json:
        _echo_json(results.model_dump())
        return
    for rank, hit in enumerate(results.hits, start=1):
        click.echo(f"{rank}. [{hit.passage_id}] {hit.outlet or '-'} — {hit.title}")
        click.echo(f"   dense #{hit.dense_rank}  lexical #{hit.lexical_rank}  score {hit.score}")
        click.echo("   " + hit.text.replace("\n\n", " ")[:300])


def _print_answer(answer: Answer) -> None:
    click.echo(answer.answer)
    for citation in answer.citations:
        source = " — ".join(filter(None, [citation.outlet, citation.title]))
        click.echo(f'[{citation.n}] {source}: "{citation.quote}"')
        for other in citation.also_reported_by:
            also = " — ".join(filter(None, [other.outlet, other.title]))
            click.echo(f'    also reported by {also}: "{other.quote}"')


@main.command("ask")
@click.argument("question")
@click.option(
    "--history", "history_file", type=click.File("r"), help="JSON list of {role, content} turns."
)
@click.option("-k", "top_k", type=click.IntRange(1, 20), default=None, help="Passages to draw on.")
@click.option(
    "--mode",
    type=click.Choice(["extractive", "generative"]),
    default="extractive",
    help="generative needs RAG_GENERATOR (see README).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the answer JSON of POST /api/ask.")
@_filter_options
@click.pass_context
def ask_command(
    ctx: click.Context,
    question: str,
    history_file: Any,
    top_k: int | None,
    mode: str,
    as_json: bool,
    **filters: Any,
) -> None:
    """Answer QUESTION from the articles, citing the sentences it rests on."""
    from pydantic import TypeAdapter, ValidationError

    from rag.services import Services
    from rag.wire.answers import Turn

    try:
        history = TypeAdapter(list[Turn]).validate_json(history_file.read()) if history_file else []
    except ValidationError as exc:
        raise click.BadParameter(
            f"not a list of turns: {exc.errors()[0]['msg']}", param_hint="--history"
        ) from None
    allowed_filters = _filters(**filters)
    services = Services.load(_settings(ctx), embedder=_embedder(ctx))
    answerer = services.answerer(mode)  # type: ignore[arg-type]
    answer = answerer.answer(question, history, top_k=top_k, filters=allowed_filters)
    if as_json:
        _echo_json(answer.model_dump())
    else:
        _print_answer(answer)


@main.command("eval")
@click.argument("questions", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--mode", type=click.Choice(["extractive", "generative"]), default="extractive")
@click.option("--json", "as_json", is_flag=True, help="Print every figure and per-question result.")
@click.option(
    "--replay-history",
    is_flag=True,
    help="Follow-ups get the system's own answers as history, as in a chat, not the file's.",
)
@click.pass_context
def eval_command(
    ctx: click.Context, questions: Path, mode: str, as_json: bool, replay_history: bool
) -> None:
    """Score answers on a question file (support, citation precision, abstention, latency)."""
    from rag.evaluation import dump, evaluate, read_questions, summary_lines
    from rag.services import Services

    services = Services.load(_settings(ctx), embedder=_embedder(ctx))
    answerer = services.answerer(mode)  # type: ignore[arg-type]
    report = evaluate(
        read_questions(questions),
        lambda question, history: answerer.answer(question, history),
        services.snapshot.retriever,
        replay_history=replay_history,
    )
    click.echo(dump(report) if as_json else "\n".join(summary_lines(report)))


@main.command("eval-beir")
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--split", default="test", show_default=True, help="qrels/<split>.tsv to score.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.pass_context
def eval_beir_command(ctx: click.Context, directory: Path, split: str, as_json: bool) -> None:
    """nDCG@10 and Recall@10/@100 of dense, BM25 and hybrid retrieval on a BEIR folder."""
    from rag.beir import evaluate_beir
    from rag.services import chunker_params

    settings = _settings(ctx)
    report = evaluate_beir(
        directory, _embedder(ctx), split=split, params=chunker_params(settings), progress=True
    )
    if as_json:
        _echo_json(report.model_dump())
        return
    click.echo(
        f"{report.dataset} ({report.split}): {report.documents} documents, "
        f"{report.passages} passages, {report.queries} queries, indexed in {report.index_seconds} s"
    )
    click.echo("mode      nDCG@10  R@10    R@100")
    for row in report.modes:
        click.echo(
            f"{row.mode:<9} {row.ndcg_at_10:.4f}   {row.recall_at_10:.4f}  {row.recall_at_100:.4f}"
        )


@main.command("serve")
@click.option("--host", help="Bind address [RAG_HOST, default 127.0.0.1].")
@click.option("--port", type=click.IntRange(1, 65535), help="Port [RAG_PORT, default 8000].")
@click.option(
    "--workers", type=click.IntRange(1, 16), help="Worker processes [RAG_WORKERS, default 1]."
)
@click.pass_context
def serve_command(
    ctx: click.Context, host: str | None, port: int | None, workers: int | None
) -> None:
    """Serve the chat page and the API."""
    import uvicorn

    from rag.api.app import PAGE_DIR, create_app, serving_process

    settings = _settings(ctx, host=host, port=port, workers=workers)
    click.echo(f"index: {settings.index_dir.resolve()}")
    click.echo(f"chat page: {(settings.web_dir or PAGE_DIR).resolve()}")
    click.echo(f"serving on http://{settings.host}:{settings.port} (set RAG_PORT to change)")
    if settings.workers == 1:
        serving_process()
        uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_level="info")
        return
    from rag.api.workers import serve_workers

    ctx.exit(serve_workers(settings.host, settings.port, settings.workers))
