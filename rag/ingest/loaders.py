"""Article files (plain text or HTML) and the seeds manifest -> canonical Documents."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

from pydantic import BaseModel, ValidationError

from rag.errors import IngestError
from rag.ingest.cleaning import clean_article
from rag.ingest.html import html_to_text, looks_like_html
from rag.ingest.sentences import split_sentences
from rag.types import Document, DocumentMeta

SEEDS_MANIFEST = "manifest.json"
_WORD = re.compile(r"\w\w")
ARTICLE_SUFFIXES = (".txt", ".html", ".htm")
DEFAULT_MAX_BYTES = 10 * 1024 * 1024


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


def decode_article(data: bytes, name: str) -> str:
    """Bytes -> text, refusing what is not a text article."""
    if not data.strip():
        raise IngestError(f"{name} is empty")
    if b"\x00" in data[:8192] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise IngestError(f"{name} looks like a binary file, not a text or HTML article")
    for encoding in ("utf-8-sig", "utf-16"):
        try:
            if encoding == "utf-16" and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
                continue
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise IngestError(f"{name} is not UTF-8 text; convert it first (e.g. `iconv -t UTF-8`)")


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
        raw, declared = html_to_text(raw)
        meta = DocumentMeta(**{**declared.model_dump(), **meta.model_dump(exclude_none=True)})
    clean = clean_article(raw)
    if not any(_WORD.search(clean.text[a:b]) for a, b in split_sentences(clean.text)):
        raise IngestError(f"{name} has no text to index (no sentence with a word in it)")
    content_sha = sha256_bytes(clean.text.encode("utf-8"))
    return Document(
        id=document_id or f"doc-{content_sha[:16]}",
        title=meta.title or clean.title,
        outlet=meta.outlet,
        published=meta.published,
        url=meta.url,
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
    return document_from_text(
        decode_article(data, str(path)),
        meta,
        source_file=path.name,
        source_sha256=sha256_bytes(data),
        name=str(path),
    )


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
    if not seeds_dir.is_dir():
        raise IngestError(f"seeds folder {seeds_dir} does not exist")
    return sorted(p for p in seeds_dir.iterdir() if p.suffix.lower() in ARTICLE_SUFFIXES)


def load_seeds(seeds_dir: Path) -> list[Document]:
    """Every article in the seeds folder, with the manifest's metadata where it has an entry."""
    manifest = read_seed_manifest(seeds_dir)
    documents = []
    for path in seed_files(seeds_dir):
        entry = manifest.get(path.name)
        data = path.read_bytes()
        meta = DocumentMeta(
            title=entry.title if entry else None,
            outlet=entry.outlet if entry else None,
            published=entry.published if entry else None,
            url=entry.url if entry else None,
        )
        documents.append(
            document_from_text(
                decode_article(data, str(path)),
                meta,
                document_id=entry.id if entry else path.stem,
                origin="seed",
                source_file=path.name,
                source_sha256=sha256_bytes(data),
                name=str(path),
            )
        )
    return documents
