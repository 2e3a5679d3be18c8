"""Resumable builds: a build's documents saved as they are embedded, a part at a time, so an
interrupted `rag index` (killed, out of time, out of power) carries on where it stopped.

The parts live in a hidden sibling of the index, `.<index>.build/`, as segment folders
(segments.py: checksummed files, committed by rename, so a part is whole or absent), with
`build.json` naming the model, chunker and annotator that made them: parts made otherwise
are discarded, not mixed in. A document is taken from a part only when its id and content
hash match, so an edited article is embedded again. The folder goes once the index it
was building is in place.
"""

from __future__ import annotations

import logging
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from pydantic import BaseModel, ValidationError

from rag.errors import IndexCorrupt
from rag.index.atomic import write_durably
from rag.index.manifest import ChunkerInfo, EmbeddingInfo
from rag.index.segments import read_segments, segment_folders, segment_sequence, write_added
from rag.types import Document, Passage

logger = logging.getLogger(__name__)

BUILD_FILE = "build.json"


class BuildKey(BaseModel):
    """What made the parts; a resumed build must match it exactly."""

    embedding: EmbeddingInfo
    chunker: ChunkerInfo
    annotator: str | None


@dataclass(frozen=True)
class Part:
    """One document's embedded rows."""

    passages: list[Passage]
    passage_vectors: np.ndarray
    sentence_vectors: np.ndarray


def parts_by_document(
    documents: list[Document],
    passages: list[Passage],
    passage_vectors: np.ndarray,
    sentence_vectors: np.ndarray,
) -> dict[str, Part]:
    """Rows (passage after passage, their sentences likewise) split per document."""
    starts = np.cumsum([0, *(len(p.sentences) for p in passages)])
    rows_of: dict[str, list[int]] = {}
    for i, passage in enumerate(passages):
        rows_of.setdefault(passage.document_id, []).append(i)
    parts = {}
    for document in documents:
        rows = rows_of.get(document.id, [])
        sentence_rows = [r for i in rows for r in range(starts[i], starts[i + 1])]
        parts[document.id] = Part(
            passages=[passages[i] for i in rows],
            passage_vectors=passage_vectors[rows],
            sentence_vectors=sentence_vectors[sentence_rows],
        )
    return parts


def checkpoint_dir(index_dir: Path) -> Path:
    return index_dir.with_name(f".{index_dir.name}.build")


class Checkpoint:
    def __init__(self, folder: Path, key: BuildKey) -> None:
        self.folder = folder
        self.key = key

    def saved(self) -> dict[tuple[str, str], Part]:
        """Documents already embedded by an interrupted build with the same key, by (id,
        content hash); empty (and the folder cleared) when there is none or it differs."""
        try:
            key = BuildKey.model_validate_json((self.folder / BUILD_FILE).read_bytes())
        except FileNotFoundError:
            return {}
        except (OSError, ValidationError):
            key = None
        if key != self.key:
            logger.info("discarding the parts of an earlier build made with other settings")
            self.discard()
            return {}
        try:
            segments = read_segments(self.folder, after=0)
        except IndexCorrupt as exc:  # a part failing its checksum: embed it all again
            logger.warning("discarding the parts of an earlier build: %s", exc)
            self.discard()
            return {}
        found: dict[tuple[str, str], Part] = {}
        for segment in segments:
            parts = parts_by_document(
                segment.documents,
                segment.passages,
                segment.passage_vectors,
                segment.sentence_vectors,
            )
            found.update({(d.id, d.content_sha256): parts[d.id] for d in segment.documents})
        logger.info("resuming a build: %d documents already embedded", len(found))
        return found

    def save(
        self,
        documents: list[Document],
        passages: list[Passage],
        passage_vectors: np.ndarray,
        sentence_vectors: np.ndarray,
    ) -> None:
        """Keep one part (documents and all their rows) for a later resume."""
        self.folder.mkdir(parents=True, exist_ok=True)
        if not (self.folder / BUILD_FILE).exists():
            write_durably(self.folder / BUILD_FILE, self.key.model_dump_json())
        sequence = max([0, *(segment_sequence(p) for p in segment_folders(self.folder))]) + 1
        write_added(self.folder, sequence, documents, passages, passage_vectors, sentence_vectors)

    def discard(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)
