import json
from pathlib import Path

import numpy as np
from click.testing import CliRunner

from rag.cli import CliContext, main
from rag.config import Settings
from rag.index.maintain import IndexTarget
from rag.ingest.chunking import ChunkerParams
from tests.support import SEEDS


def test_search_json_matches_the_api_shape(run):
    result = run("search", "why did Tehran rebuff Baghdad", "-k", "3", "--json")
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["query"] == "why did Tehran rebuff Baghdad"
    assert len(body["hits"]) == 3
    assert set(body["hits"][0]) == {
        "passage_id",
        "document_id",
        "title",
        "outlet",
        "published",
        "text",
        "start",
        "end",
        "score",
        "dense_rank",
        "lexical_rank",
    }
    assert any("their own decision" in hit["text"] for hit in body["hits"])


def test_add_then_duplicate_then_remove(run, tmp_path: Path):
    article = tmp_path / "story.txt"
    article.write_text(
        "Dust storm shuts Baghdad airport\n\nA dust storm closed Baghdad airport on Friday. Flights resumed at night."
    )
    first = run("add", str(article), "--outlet", "Wire")
    assert first.exit_code == 0 and "added doc-" in first.output
    document_id = first.output.split("added ", 1)[1].split(":", 1)[0]
    second = run("add", str(article))
    assert second.exit_code == 0 and "already indexed" in second.output
    listed = json.loads(run("documents", "--json").stdout)
    assert {
        "id": document_id,
        "title": "Dust storm shuts Baghdad airport",
        "outlet": "Wire",
        "published": None,
        "origin": "added",
    } in listed
    removed = run("remove", document_id)
    assert removed.exit_code == 0 and "5 documents remain" in removed.output
    hits = json.loads(run("search", "dust storm Baghdad airport", "-k", "50", "--json").stdout)[
        "hits"
    ]
    assert all(hit["document_id"] != document_id for hit in hits)


def test_errors_are_messages_with_a_nonzero_exit(run, tmp_path: Path):
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    result = run("add", str(empty))
    assert (
        result.exit_code == 1 and "is empty" in result.output and "Traceback" not in result.output
    )
    assert "no document with id" in run("remove", "nope").output
    assert run("search", "   ").exit_code == 1
    missing = run("add", str(tmp_path / "missing.txt"))
    assert missing.exit_code == 1 and "cannot read" in missing.output


def test_missing_index_tells_the_user_to_run_rag_index(embedder, tmp_path: Path):
    settings = Settings(index_dir=tmp_path / "none", seeds_dir=SEEDS)
    result = CliRunner().invoke(
        main, ["search", "anything"], obj=CliContext(settings=settings, embedder=embedder)
    )
    assert result.exit_code == 1
    assert "rag index" in result.output


def test_index_if_stale_is_a_no_op_on_a_current_index(run):
    result = run("index", "--if-stale")
    assert result.exit_code == 0 and "up to date" in result.output


def test_index_if_stale_only_rebuilds_the_vector_indexes_when_only_their_type_differs(
    settings, embedder
):
    """A changed RAG_VECTOR_INDEX needs no embedding: the stored vectors are re-indexed."""
    before = IndexTarget(settings.index_dir, embedder, ChunkerParams()).load()
    hnsw = settings.model_copy(update={"vector_index": "hnsw"})
    result = CliRunner().invoke(
        main, ["index", "--if-stale"], obj=CliContext(settings=hnsw, embedder=embedder)
    )
    assert result.exit_code == 0, result.output
    assert "rebuilding the vector indexes from the stored vectors" in result.output
    after = IndexTarget(settings.index_dir, embedder, ChunkerParams(), index_type="hnsw").load()
    assert after.manifest.vector_index.startswith("HNSW")
    assert [p.passage_id for p in after.passages] == [p.passage_id for p in before.passages]
    assert np.allclose(after.sentence_vectors.all(), before.sentence_vectors.all())


def test_metadata_flags_need_a_single_file(run, tmp_path: Path):
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    result = CliRunner().invoke(main, ["add", str(a), str(b), "--title", "T"])
    assert result.exit_code == 2 and "one file at a time" in result.output
