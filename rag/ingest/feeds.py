"""RSS and Atom feed files -> one article per entry, with what each entry states.

feedparser (BSD-2-Clause) reads RSS 0.9x-2.0, RDF and Atom, tolerates common breakage, and
removes scripts and event handlers from entry HTML. Nothing is fetched: it is given bytes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from rag.errors import IngestError
from rag.ingest.dates import iso_date
from rag.ingest.html import html_to_text
from rag.ingest.urls import web_url
from rag.types import DocumentMeta

FEED_SUFFIXES = (".xml", ".rss", ".atom")
_FEED_ROOT = re.compile(rb"\s*(<\?xml[^>]*>\s*)?(<!--.*?-->\s*)*<(rss|feed|rdf:RDF)[\s>]", re.S)


@dataclass(frozen=True)
class FeedEntry:
    """One entry: its text (title first, then content or summary) and stated metadata."""

    number: int  # 1-based position in the feed, for messages and ids
    text: str
    meta: DocumentMeta


def looks_like_feed(data: bytes) -> bool:
    return bool(_FEED_ROOT.match(data[:4096].lstrip(b"\xef\xbb\xbf")))


def read_feed(data: bytes, name: str) -> tuple[list[FeedEntry], list[tuple[int, str]]]:
    """Entries with text, and (entry number, reason) for those left out.

    Raises:
        IngestError: the file is not a feed, or holds no entries.
    """
    import feedparser  # loaded when a feed is read

    if not looks_like_feed(data):
        raise IngestError(f"{name} is not an RSS or Atom feed")
    parsed = feedparser.parse(data, resolve_relative_uris=False, sanitize_html=True)
    if not parsed.entries:
        problem = f" ({parsed.bozo_exception})" if parsed.get("bozo") else ""
        raise IngestError(f"{name} has no feed entries{problem}")
    outlet = _plain(parsed.feed.get("title"))
    entries: list[FeedEntry] = []
    left_out: list[tuple[int, str]] = []
    for number, entry in enumerate(parsed.entries, start=1):
        title = _plain(entry.get("title"))
        body = _body(entry)
        if not body:
            left_out.append((number, "the entry has no summary or content"))
            continue
        meta = DocumentMeta(
            title=title,
            outlet=_plain(entry.get("source", {}).get("title")) or outlet,
            # Only the publication date: Atom's <updated> is when the entry last changed.
            published=iso_date(entry.get("published")),
            url=web_url(entry.get("link")),
            author=_plain(entry.get("author")),
        )
        text = f"{title}\n\n{body}" if title and not body.startswith(title) else body
        entries.append(FeedEntry(number=number, text=text, meta=meta))
    return entries, left_out


def _body(entry: Any) -> str:
    """The entry's full content when it has one, else its summary, as plain text."""
    parts = entry.get("content") or []
    detail = parts[0] if parts else entry.get("summary_detail")
    if not detail or not detail.get("value"):
        return ""
    value = str(detail["value"])
    if "html" in str(detail.get("type", "")):
        value = html_to_text(value)[0]
    return value.strip()


def _plain(value: str | None) -> str | None:
    """Feed titles may carry markup ("<b>Live</b>"); the title is its text."""
    if not value:
        return None
    text = " ".join(html_to_text(value)[0].split()) if "<" in value else " ".join(value.split())
    return text or None
