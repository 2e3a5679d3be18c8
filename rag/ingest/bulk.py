"""What `rag add` is given (files, folders, .jsonl exports, feeds) -> Documents to add.

A bad file, line or entry is left out with its reason and the rest is loaded, so one broken
file in a large archive does not stop the run."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from rag import limits
from rag.errors import IngestError
from rag.ingest.loaders import (
    DEFAULT_MAX_BYTES,
    MULTI_SUFFIXES,
    Skipped,
    documents_from_file,
    seed_files,
    seed_name,
)
from rag.types import Document, DocumentMeta

# (files read, files in all, articles so far, skipped so far)
Progress = Callable[[int, int, int, int], None]


@dataclass(frozen=True)
class BulkLoad:
    documents: list[Document]
    skipped: list[Skipped]
    files: int
    decoded: list[tuple[str, str]]  # (file, encoding) for files that were not UTF-8


def input_files(paths: Sequence[Path]) -> tuple[dict[Path, str], list[Skipped]]:
    """Files named, and the article, .jsonl and feed files inside folders named (recursing,
    hidden ones skipped), each with the name it is stored under: its file name, or its path
    under the folder named ("sport/199.txt"). A file named explicitly is read whatever its
    suffix."""
    files: dict[Path, str] = {}
    missing: list[Skipped] = []
    for path in paths:
        if path.is_dir():
            for inner in seed_files(path):
                files.setdefault(inner, seed_name(path, inner))
        elif path.is_file():
            files.setdefault(path, path.name)
        else:
            missing.append(Skipped(str(path), "cannot read it: no such file or folder"))
    return files, missing


def is_single_article(path: Path) -> bool:
    """Not a folder, .jsonl or feed (a missing file is reported when it is read)."""
    return not path.is_dir() and path.suffix.lower() not in MULTI_SUFFIXES


def load_inputs(
    paths: Sequence[Path], meta: DocumentMeta, *, progress: Progress | None = None
) -> BulkLoad:
    """Every article in `paths`; `meta` applies to each (the CLI allows it for one file)."""
    files, skipped = input_files(paths)
    documents: list[Document] = []
    decoded: list[tuple[str, str]] = []
    for done, (path, name) in enumerate(files.items(), start=1):
        try:
            data = _read(path)
            loaded = documents_from_file(data, name, meta, origin="added")
        except IngestError as exc:
            skipped.append(Skipped(str(path), str(exc)))
        else:
            documents += loaded.documents
            skipped += loaded.skipped
            if loaded.encoding not in ("utf-8", "utf-16"):
                decoded.append((str(path), loaded.encoding))
        if progress:
            progress(done, len(files), len(documents), len(skipped))
    return BulkLoad(documents=documents, skipped=skipped, files=len(files), decoded=decoded)


def _read(path: Path) -> bytes:
    many = path.suffix.lower() in MULTI_SUFFIXES
    max_bytes = limits.EXPORT_FILE_BYTES if many else DEFAULT_MAX_BYTES
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise IngestError(f"{path} is {size:,} bytes; the limit is {max_bytes:,}")
        return path.read_bytes()
    except OSError as exc:
        raise IngestError(f"cannot read {path}: {exc.strerror}") from None
