"""The packaged MiniLM ONNX graph, made faster without changing what it computes.

The exported graph guards every attention softmax against NaN (`Where(IsNaN(p), 0, p)`),
for rows whose keys are all masked. Its mask adds the lowest float32, not -inf, so even a
row of padding gives no NaN and the guards never fire (the probe below checks such a row);
they cost about 15% of a batch of passages. onnxruntime's
transformer optimizer then fuses bias + GELU, which a session does not do for this graph
(it fuses skip + LayerNorm itself). On a 2-core Intel Xeon, one thread: 10 passages of 200
tokens 586 -> 450 ms, 16 sentences of 40 tokens 124 -> 114 ms, the same vectors to 1e-7
(docs/measurements.md).

The faster graph is made once per packaged graph and onnxruntime version, checked against
the packaged one on a probe batch, and kept in a cache folder (written atomically, so
worker processes may race); without a folder it is made in memory at each load. Anything
that fails leaves the packaged graph in use.
"""

from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

logger = logging.getLogger(__name__)

GRAPH_VERSION = 1  # bump when the rewrite changes: cached graphs of older rewrites are not used
MAX_DIFFERENCE = 1e-4  # largest difference of a token state from the packaged graph


def faster_session(
    source: Path, fingerprint: str, cache_dir: Path | None, options: Any
) -> Any:  # onnxruntime.InferenceSession
    """A session of the faster graph of `source` (whose sha256 is `fingerprint`), or of
    `source` itself when the faster one cannot be made or loaded (a damaged cached file is
    made again)."""
    import onnxruntime

    def session(graph: Path | bytes) -> Any:
        model = str(graph) if isinstance(graph, Path) else graph
        return onnxruntime.InferenceSession(model, options, providers=["CPUExecutionProvider"])

    graph = faster_graph(source, fingerprint, cache_dir)
    try:
        return session(graph)
    except Exception as exc:  # noqa: BLE001 (onnxruntime raises its own exception types)
        if graph == source:
            raise
        logger.warning("the faster ONNX graph did not load (%s); making it again", exc)
    try:
        if isinstance(graph, Path):
            graph.unlink(missing_ok=True)
        graph = faster_graph(source, fingerprint, cache_dir)
        return session(graph)
    except Exception:  # noqa: BLE001 (not ours to remove, or still unloadable)
        return session(source)


def faster_graph(source: Path, fingerprint: str, cache_dir: Path | None) -> Path | bytes:
    """The faster graph for `source` (whose sha256 is `fingerprint`): a cached file, the
    serialised graph when there is no cache folder, or `source` itself when it cannot be
    made."""
    import onnxruntime

    name = f"minilm-{fingerprint[:16]}-g{GRAPH_VERSION}-ort{onnxruntime.__version__}.onnx"
    cached = cache_dir / name if cache_dir else None
    try:
        if cached is not None and cached.is_file():
            return cached
    except OSError:  # a folder we may not enter: made in memory instead
        cached = None
    try:
        graph = _rewritten(source)
        _check_same_outputs(source, graph)
    except Exception as exc:  # noqa: BLE001 (any failure: the packaged graph still works)
        logger.warning("using the packaged ONNX graph as it is (%s: %s)", type(exc).__name__, exc)
        return source
    if cached is None:
        return graph
    try:
        _write_atomically(cached, graph)
    except OSError as exc:
        logger.warning("could not cache the faster ONNX graph in %s: %s", cache_dir, exc)
        return graph
    logger.info("faster ONNX graph cached at %s", cached)
    return cached


def _rewritten(source: Path) -> bytes:
    import onnx
    from onnxruntime.transformers.optimizer import optimize_by_fusion

    model = onnx.load(str(source))
    _drop_nan_guards(model.graph)
    fused = optimize_by_fusion(model, model_type="bert", num_heads=12, hidden_size=384)
    return fused.model.SerializeToString()  # type: ignore[no-any-return]


def _drop_nan_guards(graph) -> int:  # type: ignore[no-untyped-def]  (onnx.GraphProto)
    """Remove `Where(IsNaN(p), 0, p)` after each softmax: its consumers read `p`."""
    producer = {output: node for node in graph.node for output in node.output}
    outputs = {o.name for o in graph.output}
    renamed: dict[str, str] = {}
    dropped = []
    for node in graph.node:
        guard = producer.get(node.input[0]) if node.op_type == "Where" else None
        if guard is None or guard.op_type != "IsNaN" or guard.input[0] != node.input[2]:
            continue
        if node.output[0] in outputs:
            continue
        renamed[node.output[0]] = node.input[2]
        dropped += [node, guard]
    for node in dropped:
        graph.node.remove(node)
    for node in graph.node:
        for i, name in enumerate(node.input):
            if name in renamed:
                node.input[i] = renamed[name]
    return len(dropped) // 2


def _check_same_outputs(source: Path, graph: bytes) -> None:
    """Token states of a probe batch (one text padded, one row all padding) agree with the
    packaged graph's; a NaN anywhere fails."""
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1
    options.log_severity_level = 3
    sessions = [
        onnxruntime.InferenceSession(g, options, providers=["CPUExecutionProvider"])
        for g in (str(source), graph)
    ]
    ids = np.random.default_rng(0).integers(1000, 20000, size=(3, 40), dtype=np.int64)
    ids[:, 0], ids[0, -1], ids[1, 20] = 101, 102, 102  # [CLS] … [SEP], the second padded
    mask = np.ones_like(ids)
    mask[1, 21:] = 0
    ids[1, 21:] = 0
    mask[2], ids[2] = 0, 0  # all padding: where a dropped guard would have mattered
    states = []
    for session in sessions:
        feeds = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in {i.name for i in session.get_inputs()}:
            feeds["token_type_ids"] = np.zeros_like(ids)
        states.append(session.run(None, feeds)[0])
    difference = float(np.abs(states[0] - states[1]).max())
    if not difference <= MAX_DIFFERENCE:
        raise ValueError(f"the rewritten graph differs from the packaged one by {difference:.2g}")


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, 0o644)  # mkstemp's 0600 would hide it from other users' servers
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
