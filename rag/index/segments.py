"""Writes since the last full build, kept as numbered segment folders inside the index.

`segments/000007-add/` holds the documents and passages an add brought and their vectors;
`segments/000008-remove/` names the documents a removal took out. A segment is written in
a hidden sibling folder, its `segment.json` (with every file's checksum) last, and made
visible by one rename: a crash leaves it whole or absent, never half there. Loading the
index applies the segments after the base in order; compaction folds them into a new base.
Vectors are stored as .npy (read with allow_pickle=False), never as pickles.
"""

from __future__ import annotations

import io
import logging
import os
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
from pydantic import BaseModel, ValidationError

from rag.errors import IndexCorrupt
from rag.index.atomic import fsync_dir, jsonl, read_lines, write_durably
from rag.index.manifest import REBUILD_HINT, sha256_file
from rag.types import Document, Passage

logger = logging.getLogger(__name__)

SEGMENTS_DIR = "segments"
SEGMENT_FILE = "segment.json"
DOCUMENTS = "documents.jsonl"
PASSAGES = "passages.jsonl"
PASSAGE_VECTORS = "vectors.npy"
SENTENCE_VECTORS = "sentences.npy"


class SegmentInfo(BaseModel):
    sequence: int
    kind: Literal["add", "remove"]
    removed: list[str] = []  # document ids, for a removal
    files: dict[str, str] = {}  # file name -> sha256, for an add


@dataclass(frozen=True)
class Segment:
    info: SegmentInfo
    documents: list[Document]
    passages: list[Passage]
    passage_vectors: np.ndarray
    sentence_vectors: np.ndarray


def segment_name(sequence: int, kind: str) -> str:
    return f"{sequence:06d}-{kind}"


def segment_folders(index_dir: Path) -> list[Path]:
    """Committed segment folders, in order (hidden ones are unfinished writes)."""
    folder = index_dir / SEGMENTS_DIR
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))


def segment_sequence(folder: Path) -> int:
    return int(folder.name.split("-")[0])


def last_sequence(index_dir: Path, base_sequence: int) -> int:
    """The number of the last committed write (`base_sequence` when none since the base)."""
    return max([base_sequence, *(segment_sequence(p) for p in segment_folders(index_dir))])


def write_added(
    index_dir: Path,
    sequence: int,
    documents: list[Document],
    passages: list[Passage],
    passage_vectors: np.ndarray,
    sentence_vectors: np.ndarray,
) -> None:
    def fill(staging: Path) -> dict[str, str]:
        write_durably(staging / DOCUMENTS, jsonl([d.model_dump_json() for d in documents]))
        write_durably(staging / PASSAGES, jsonl([p.model_dump_json() for p in passages]))
        _write_array(staging / PASSAGE_VECTORS, passage_vectors)
        _write_array(staging / SENTENCE_VECTORS, sentence_vectors)
        return {
            n: sha256_file(staging / n)
            for n in (DOCUMENTS, PASSAGES, PASSAGE_VECTORS, SENTENCE_VECTORS)
        }

    _commit(index_dir, sequence, "add", fill)


def write_removed(index_dir: Path, sequence: int, document_ids: list[str]) -> None:
    _commit(index_dir, sequence, "remove", lambda staging: {}, removed=document_ids)


def _commit(
    index_dir: Path, sequence: int, kind: str, fill, removed: list[str] | None = None
) -> None:
    folder = index_dir / SEGMENTS_DIR
    folder.mkdir(exist_ok=True)
    staging = folder / f".{segment_name(sequence, kind)}-{uuid.uuid4().hex[:8]}"
    staging.mkdir()
    try:
        files = fill(staging)
        info = SegmentInfo(sequence=sequence, kind=kind, removed=removed or [], files=files)
        write_durably(staging / SEGMENT_FILE, info.model_dump_json())
        fsync_dir(staging)
        os.rename(staging, folder / segment_name(sequence, kind))
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    fsync_dir(folder)


def read_segments(index_dir: Path, after: int, *, vectors: bool = True) -> list[Segment]:
    """The committed segments numbered above `after`, checked against their checksums."""
    segments = []
    for path in segment_folders(index_dir):
        if segment_sequence(path) > after:
            segments.append(_read(path, vectors=vectors))
    return segments


def _read(path: Path, *, vectors: bool) -> Segment:
    try:
        info = SegmentInfo.model_validate_json((path / SEGMENT_FILE).read_bytes())
        for name, digest in info.files.items():
            if sha256_file(path / name) != digest:
                raise IndexCorrupt(f"{path / name} fails its checksum; {REBUILD_HINT}")
        empty = np.zeros((0, 0), np.float32)
        if info.kind == "remove":
            return Segment(info, [], [], empty, empty)
        documents = [Document.model_validate_json(line) for line in read_lines(path / DOCUMENTS)]
        passages = [Passage.model_validate_json(line) for line in read_lines(path / PASSAGES)]
        return Segment(
            info,
            documents,
            passages,
            np.load(path / PASSAGE_VECTORS, allow_pickle=False) if vectors else empty,
            np.load(path / SENTENCE_VECTORS, allow_pickle=False) if vectors else empty,
        )
    except (OSError, ValidationError, ValueError):
        raise IndexCorrupt(f"{path} is unreadable; {REBUILD_HINT}") from None


def _write_array(path: Path, array: np.ndarray) -> None:
    buffer = io.BytesIO()
    np.save(buffer, np.ascontiguousarray(array, dtype=np.float32), allow_pickle=False)
    write_durably(path, buffer.getvalue())
