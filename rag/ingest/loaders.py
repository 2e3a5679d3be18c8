"""Article files (plain text, HTML, JSON Lines exports, RSS/Atom feeds) and the seeds
manifest -> canonical Documents."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ValidationError

from rag import limits
from rag.errors import ArticleTooLarge, IngestError
from rag.ingest.cleaning import clean_article
from rag.ingest.encodings import decode_article_bytes
from rag.ingest.feeds import FEED_SUFFIXES, read_feed
from rag.ingest.html import looks_like_html
from rag.ingest.page import extract_page
from rag.ingest.records import RECORD_SUFFIXES, read_records
from rag.text.sentences import split_sentences
from rag.types import Document, DocumentMeta

SEEDS_MANIFEST = "manifest.json"
_WORD = re.compile(r"\w\w")
ARTICLE_SUFFIXES = (".txt", ".html", ".htm")
# Files that hold many articles: one a line (.jsonl), one an entry (feeds).
MULTI_SUFFIXES = RECORD_SUFFIXES + FEED_SUFFIXES
INPUT_SUFFIXES = ARTICLE_SUFFIXES + MULTI_SUFFIXES
DEFAULT_MAX_BYTES = limits.ARTICLE_FILE_BYTES


class SeedEntry(BaseModel):
    """One line of seeds/manifest.json: metadata stated by the article's own text."""

    id: str
    file: str
    title: str | None = None
    outlet: str | None = None
    published: str | None = None
    url: str | None = None
    evidence: dict[str, str] = {}  # field -> the article's words that state it


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def document_from_text(
    raw: str,
    meta: DocumentMeta,
    *,
    document_id: str | None = None,
    origin: str = "added",
    source_file: str | None = None,
    source_sha256: str | None = None,
    name: str = "article",
) -> Document:
    """Clean an article and wrap it as a Document; ids of added articles come from content."""
    if looks_like_html(raw):
        page = extract_page(raw)
        raw = page.text
        meta = DocumentMeta(**{**page.meta.model_dump(), **meta.model_dump(exclude_none=True)})
    clean = clean_article(raw)
    sentences = split_sentences(clean.text)
    if len(sentences) > limits.ARTICLE_SENTENCES:
        raise ArticleTooLarge(
            f"{name} has {len(sentences):,} sentences; one article may have at most "
            f"{limits.ARTICLE_SENTENCES:,} (split it into several articles)"
        )
    if not any(_WORD.search(clean.text[a:b]) for a, b in sentences):
        raise IngestError(f"{name} has no text to index (no sentence with a word in it)")
    content_sha = sha256_bytes(clean.text.encode("utf-8"))
    return Document(
        id=document_id or f"doc-{content_sha[:16]}",
        title=meta.title or clean.title,
        outlet=meta.outlet,
        published=meta.published,
        url=meta.url,
        author=meta.author,
        text=clean.text,
        content_sha256=content_sha,
        origin=origin,  # type: ignore[arg-type]
        source_file=source_file,
        source_sha256=source_sha256,
    )


def load_article_file(
    path: Path, meta: DocumentMeta, *, max_bytes: int = DEFAULT_MAX_BYTES
) -> Document:
    """Read one article given by the user (`rag add`)."""
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise IngestError(f"{path} is {size:,} bytes; the limit is {max_bytes:,}")
        data = path.read_bytes()
    except OSError as exc:
        raise IngestError(f"cannot read {path}: {exc.strerror}") from None
    return article_from_bytes(data, str(path), meta, source_file=path.name)[0]


def article_from_bytes(
    data: bytes,
    name: str,
    meta: DocumentMeta,
    *,
    origin: str = "added",
    document_id: str | None = None,
    source_file: str | None = None,
) -> tuple[Document, str]:
    """One article file's bytes -> (Document, the encoding it was read in): the one parse
    behind `rag add`, the seeds and `POST /api/documents` uploads.

    Raises:
        IngestError: not a text or HTML article, or nothing to index in it.
    """
    text, encoding = decode_article_bytes(data, name)
    document = document_from_text(
        text,
        meta,
        document_id=document_id,
        origin=origin,
        source_file=source_file or name,
        source_sha256=sha256_bytes(data),
        name=name,
    )
    return document, encoding


def read_seed_manifest(seeds_dir: Path) -> dict[str, SeedEntry]:
    path = seeds_dir / SEEDS_MANIFEST
    if not path.exists():
        return {}
    try:
        entries = [SeedEntry.model_validate(item) for item in json.loads(path.read_text("utf-8"))]
    except (ValueError, ValidationError) as exc:
        raise IngestError(f"{path} is not a valid seeds manifest: {exc}") from None
    return {entry.file: entry for entry in entries}


def seed_files(seeds_dir: Path) -> list[Path]:
    """Article, .jsonl and feed files in the folder and its sub-folders (hidden ones
    skipped), in order."""
    if not seeds_dir.is_dir():
        raise IngestError(f"seeds folder {seeds_dir} does not exist")
    return sorted(
        p
        for p in seeds_dir.rglob("*")
        if p.suffix.lower() in INPUT_SUFFIXES
        and p.is_file()
        and not any(part.startswith(".") for part in p.relative_to(seeds_dir).parts)
    )


def seed_name(seeds_dir: Path, path: Path) -> str:
    """The file's name in the index: its path under the seeds folder ("sport/199.txt")."""
    return path.relative_to(seeds_dir).as_posix()


@dataclass(frozen=True)
class Skipped:
    file: str
    reason: str


@dataclass(frozen=True)
class SeedLoad:
    """What a folder of articles gave: the documents, the files left out and why, files
    decoded from a legacy encoding, and the sha256 of every file seen."""

    documents: list[Document]
    skipped: list[Skipped]
    decoded: list[tuple[str, str]]  # (file, encoding) for files that were not UTF-8
    files: dict[str, str]


@dataclass(frozen=True)
class FileLoad:
    """The articles of one file, the parts of it left out (lines, entries), its encoding."""

    documents: list[Document]
    skipped: list[Skipped]
    encoding: str


def documents_from_file(
    data: bytes, name: str, meta: DocumentMeta, *, origin: str, document_id: str | None = None
) -> FileLoad:
    """One file's articles: a .jsonl gives one a line, a feed one an entry, any other file
    one article. A bad line or entry is left out with its reason; for seeds, articles
    without an id of their own get `document_id` and their line or entry number.

    Raises:
        IngestError: the file as a whole cannot be read (or, for one article, refused).
    """
    suffix = Path(name).suffix.lower()
    if suffix not in MULTI_SUFFIXES:
        document, encoding = article_from_bytes(
            data, name, meta, origin=origin, document_id=document_id
        )
        return FileLoad([document], [], encoding)
    common = {"origin": origin, "source_file": name, "source_sha256": sha256_bytes(data)}
    documents: list[Document] = []
    skipped: list[Skipped] = []
    parts: list[tuple[str, int, str, DocumentMeta, str | None]] = []  # where, n, text, meta, id
    if suffix in FEED_SUFFIXES:
        entries, left_out = read_feed(data, name)
        skipped += [Skipped(f"{name} entry {n}", reason) for n, reason in left_out]
        parts += [(f"{name} entry {e.number}", e.number, e.text, e.meta, None) for e in entries]
        encoding = "utf-8"  # feedparser follows the feed's own declaration
    else:
        text, encoding = decode_article_bytes(data, name)
        for line in read_records(text):
            if line.record is None:
                skipped.append(Skipped(f"{name} line {line.line}", line.problem or "invalid"))
                continue
            record = line.record
            where = f"{name} line {line.line}"
            parts.append((where, line.line, record.text, record.meta, record.id))
    for where, number, text, stated, own_id in parts:
        part_id = own_id or (f"{document_id}-{number}" if document_id else None)
        try:
            documents.append(
                document_from_text(text, stated, document_id=part_id, name=where, **common)
            )
        except IngestError as exc:
            skipped.append(Skipped(where, str(exc)))
    return FileLoad(documents, skipped, encoding)


@dataclass(frozen=True)
class SeedFile:
    """One file of a seeds folder, read on its own: its sha256 (None when it could not be
    read), its articles, what was left out of it and why, the encoding it was read in."""

    name: str
    sha256: str | None
    documents: list[Document]
    skipped: list[Skipped]
    encoding: str | None = None


def read_seed_file(seeds_dir: Path, path: Path, manifest: dict[str, SeedEntry]) -> SeedFile:
    """One file of the seeds folder, with the manifest's metadata where it has an entry.
    Independent of the other files, so files may be read in any order or place."""
    name = seed_name(seeds_dir, path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        return SeedFile(name, None, [], [Skipped(name, f"cannot read it: {exc.strerror}")])
    sha256 = sha256_bytes(data)
    entry = manifest.get(name)
    try:
        meta = DocumentMeta.model_validate(entry, from_attributes=True) if entry else DocumentMeta()
        document_id = entry.id if entry else _seed_id(name)
        loaded = documents_from_file(data, name, meta, origin="seed", document_id=document_id)
    except IngestError as exc:
        return SeedFile(name, sha256, [], [Skipped(name, str(exc))])
    return SeedFile(name, sha256, loaded.documents, loaded.skipped, loaded.encoding)


def merged_seed_files(read: Iterable[SeedFile]) -> SeedLoad:
    """The files of a seeds folder, read, in folder order -> what the folder gave; an id
    already used by an earlier file is left out with its reason."""
    documents: dict[str, Document] = {}
    skipped: list[Skipped] = []
    decoded: list[tuple[str, str]] = []
    files: dict[str, str] = {}
    for seed_file in read:
        if seed_file.sha256 is not None:
            files[seed_file.name] = seed_file.sha256
        if seed_file.encoding not in (None, "utf-8", "utf-16"):
            decoded.append((seed_file.name, seed_file.encoding))
        skipped += seed_file.skipped
        for document in seed_file.documents:
            if document.id in documents:
                skipped.append(Skipped(seed_file.name, f"id {document.id!r} is already used"))
            else:
                documents[document.id] = document
    return SeedLoad(
        documents=list(documents.values()), skipped=skipped, decoded=decoded, files=files
    )


def load_seeds(seeds_dir: Path) -> SeedLoad:
    """Every article in the seeds folder, with the manifest's metadata where it has an entry.
    A file, line or entry that cannot be read is skipped with its reason; the rest load."""
    manifest = read_seed_manifest(seeds_dir)
    return merged_seed_files(read_seed_file(seeds_dir, p, manifest) for p in seed_files(seeds_dir))


def _seed_id(name: str) -> str:
    """ "000.txt" -> "000"; "sport/199.txt" -> "sport-199" (ids are unique across folders)."""
    return name.rsplit(".", 1)[0].replace("/", "-")
