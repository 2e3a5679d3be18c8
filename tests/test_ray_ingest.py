"""`rag index --engine ray` and `rag load-parquet`: the Ray Data pipeline gives the index the
in-process build gives (documents, passages, entities, vectors, answers), through Parquet
that round-trips exactly; bad files are skipped and reported as `rag index` reports them.

Real model, real seeds, a real local Ray (one worker, started once for the module)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from rag.cli import CliContext, main
from rag.config import Settings
from rag.index.build import EmbeddedDocuments
from rag.index.maintain import IndexTarget
from rag.index.parquet import read_embedded, read_info, write_embedded
from rag.index.store import IndexStore
from rag.ingest.chunking import ChunkerParams
from rag.ingest.loaders import load_seeds
from rag.services import Services
from tests.support import ROOT, SEEDS, TEHRAN

pytest.importorskip("ray", reason="the optional `ray` extra is not installed")
pytestmark = pytest.mark.slow  # Ray starts in ~15 s; each pipeline run takes ~20 s on 2 cores


@pytest.fixture(scope="module")
def ray_session():
    """One local Ray for the module: the commands use it rather than starting their own."""
    import ray

    from rag.index.ray_ingest import OBJECT_STORE_BYTES, quiet_ray_data

    ray.init(num_cpus=1, object_store_memory=OBJECT_STORE_BYTES, include_dashboard=False)
    quiet_ray_data()
    yield
    ray.shutdown()


def invoke(embedder, settings: Settings, *args: str):
    context = CliContext(settings=settings, embedder=embedder)
    return CliRunner().invoke(main, list(args), obj=context)


@pytest.fixture(scope="module")
def ray_built(ray_session, embedder, tmp_path_factory) -> tuple[Path, Path, str]:
    """The seeds indexed through Ray with one worker, the Parquet kept: (index, parquet,
    the command's output)."""
    work = tmp_path_factory.mktemp("ray")
    settings = Settings(index_dir=work / "index", seeds_dir=SEEDS)
    args = ["index", "--engine", "ray", "--workers", "1", "--parquet", str(work / "parquet")]
    result = invoke(embedder, settings, *args)
    assert result.exit_code == 0, result.output
    return work / "index", work / "parquet", result.output


def load(directory: Path, embedder) -> IndexStore:
    return IndexTarget(directory, embedder, ChunkerParams()).load()


def test_ray_index_equals_the_in_process_build(ray_built, seed_store, embedder):
    index, _, output = ray_built
    assert "indexed 5 documents, 60 passages" in output
    store = load(index, embedder)
    assert store.documents == seed_store.documents
    assert [p.passage_id for p in store.passages] == [p.passage_id for p in seed_store.passages]
    assert store.passages == seed_store.passages  # offsets, sentences and entities too
    assert sum(len(p.entities) for p in store.passages) > 100
    assert np.abs(store.vectors.all() - seed_store.vectors.all()).max() < 1e-4
    sentences, expected = store.sentence_vectors.all(), seed_store.sentence_vectors.all()
    assert sentences.shape == expected.shape and np.abs(sentences - expected).max() < 1e-4
    for field in ("embedding", "chunker", "seeds", "annotator", "counts", "vector_index"):
        assert getattr(store.manifest, field) == getattr(seed_store.manifest, field), field


def test_ray_index_answers_the_tehran_question_with_the_same_citations(
    ray_built, seed_index_dir, embedder
):
    def citations(index: Path) -> list[tuple]:
        services = Services.load(Settings(index_dir=index), embedder=embedder)
        answer = services.answerer("extractive").answer(TEHRAN, [])
        assert not answer.abstained
        return [(c.passage_id, c.start, c.end, c.quote) for c in answer.citations]

    assert citations(ray_built[0]) == citations(seed_index_dir)


def test_parquet_round_trip_is_exact(ray_built, seed_store, tmp_path):
    _, parquet, _ = ray_built
    info = read_info(parquet)
    assert info.counts.documents == 5 and info.counts.passages == 60
    from_ray = read_embedded(parquet)
    write_embedded(from_ray, tmp_path / "again", info)
    again = read_embedded(tmp_path / "again")
    assert again.documents == from_ray.documents and again.passages == from_ray.passages
    assert np.array_equal(again.passage_vectors, from_ray.passage_vectors)
    assert np.array_equal(again.sentence_vectors, from_ray.sentence_vectors)
    # The in-process index's rows, written and read back, are the same rows.
    rows = EmbeddedDocuments(
        documents=list(seed_store.documents.values()),
        passages=seed_store.passages,
        passage_vectors=seed_store.vectors.all(),
        sentence_vectors=seed_store.sentence_vectors.all(),
    )
    write_embedded(rows, tmp_path / "local", info)
    back = read_embedded(tmp_path / "local")
    assert back.documents == rows.documents and back.passages == rows.passages
    assert np.array_equal(back.passage_vectors, rows.passage_vectors)
    assert np.array_equal(back.sentence_vectors, rows.sentence_vectors)


def test_load_parquet_gives_the_same_index_without_embedding(ray_built, embedder, tmp_path):
    index, parquet, _ = ray_built
    settings = Settings(index_dir=tmp_path / "elsewhere")
    result = invoke(embedder, settings, "load-parquet", str(parquet))
    assert result.exit_code == 0, result.output
    assert "loaded 5 documents, 60 passages" in result.output
    loaded, built = load(tmp_path / "elsewhere", embedder), load(index, embedder)
    assert loaded.documents == built.documents and loaded.passages == built.passages
    assert np.array_equal(loaded.vectors.all(), built.vectors.all())
    assert loaded.manifest.seeds == built.manifest.seeds


def test_bad_files_are_skipped_and_reported_as_rag_index_does(ray_session, embedder, tmp_path):
    seeds = tmp_path / "seeds"
    (seeds / "more").mkdir(parents=True)
    shutil.copy(SEEDS / "manifest.json", seeds)
    shutil.copy(SEEDS / "002_c02815b7b97e770d.txt", seeds)
    shutil.copy(SEEDS / "002_c02815b7b97e770d.txt", seeds / "more" / "copy.txt")  # same content
    (seeds / "more" / "binary.txt").write_bytes(b"\x00\x01\x02 not text \xff" * 20)
    (seeds / "empty.txt").write_text("   \n", "utf-8")
    settings = Settings(index_dir=tmp_path / "index", seeds_dir=seeds)
    result = invoke(embedder, settings, "index", "--engine", "ray")
    assert result.exit_code == 3, result.output  # partial, as in-process
    expected = load_seeds(seeds).skipped
    assert len(expected) == 2
    assert f"skipped 2 ({len(load_seeds(seeds).files)} files read):" in result.output
    for skipped in expected:
        assert f"  {skipped.file}: {skipped.reason}" in result.output
    store = load(tmp_path / "index", embedder)
    assert list(store.documents) == ["002_c02815b7b97e770d"]  # the copy dropped by content


def test_misuse_and_bad_folders_give_a_message_not_a_traceback(ray_session, embedder, tmp_path):
    settings = Settings(index_dir=tmp_path / "index", seeds_dir=SEEDS)
    result = invoke(embedder, settings, "index", "--workers", "2")
    assert result.exit_code == 2 and "need --engine ray" in result.output
    result = invoke(embedder, settings, "index", "--engine", "ray", "--seeds", str(tmp_path / "no"))
    assert result.exit_code == 1 and "does not exist" in result.output
    result = invoke(embedder, settings, "load-parquet", str(tmp_path))
    assert result.exit_code == 1 and "embedded.json" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep me", "utf-8")
    args = ["index", "--engine", "ray", "--parquet", str(tmp_path / "mine")]
    result = invoke(embedder, settings, *args)
    assert result.exit_code == 1 and "holds other files" in result.output
    assert (tmp_path / "mine" / "notes.txt").read_text("utf-8") == "keep me"


def test_without_the_extra_the_command_says_what_to_install(tmp_path):
    """No Ray installed (simulated: the import fails) -> one line naming the extra, exit 1;
    the default path never imports Ray or pyarrow."""
    code = (
        "import sys; sys.modules['ray'] = None; "
        "from rag.cli import main; "
        f"main(['index', '--engine', 'ray', '--out', {str(tmp_path / 'index')!r}])"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 1, result.stderr
    assert "pip install -e '.[ray]'" in result.stderr and "Traceback" not in result.stderr
    code = (
        "import sys, rag.cli, rag.index.maintain, rag.index.parquet, rag.index.ray_ingest; "
        "print(sorted(m for m in ('ray', 'pyarrow') if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert result.stdout.strip() == "[]", result.stderr
