"""HTML article -> plain text lines and the metadata the page itself declares."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from rag.errors import IngestError
from rag.ingest.urls import web_url
from rag.types import DocumentMeta

_SKIP = frozenset(
    {
        "script",
        "style",
        "noscript",
        "template",
        "nav",
        "header",
        "footer",
        "aside",
        "form",
        "svg",
        "iframe",
        "button",
        "select",
        "figure",
        "figcaption",
    }
)
_VOID = frozenset({"br", "hr", "img", "meta", "link", "input", "source", "wbr", "area", "col"})
_BLOCK = frozenset(
    {
        "p",
        "div",
        "section",
        "article",
        "main",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "li",
        "ul",
        "ol",
        "blockquote",
        "pre",
        "table",
        "tr",
        "td",
        "th",
        "dd",
        "dt",
        "br",
        "hr",
        "title",
    }
)
_META_FIELDS = {
    "og:title": "title",
    "twitter:title": "title",
    "og:site_name": "outlet",
    "article:published_time": "published",
    "og:url": "url",
}


class _ArticleParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.meta: dict[str, str] = {}
        self._skip_depth = 0
        self._in_title = False
        self.page_title = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "meta":
            field = _META_FIELDS.get(values.get("property") or values.get("name") or "")
            if field and values.get("content") and field not in self.meta:
                self._declare(field, values["content"])
        elif tag == "link" and values.get("rel") == "canonical" and values.get("href"):
            self._declare("url", values["href"])
        if tag in _VOID:
            if tag in _BLOCK and not self._skip_depth:
                self.parts.append("\n")
            return
        if tag in _SKIP:
            self._skip_depth += 1
        if tag == "title":
            self._in_title = True
        if tag in _BLOCK and not self._skip_depth:
            self.parts.append("\n")

    def _declare(self, field: str, value: str) -> None:
        if field == "url":  # a page may declare javascript: or relative links: skip those
            url = web_url(value)
            if url is not None:
                self.meta.setdefault("url", url)
            return
        self.meta[field] = value.strip()

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP and self._skip_depth:
            self._skip_depth -= 1
        if tag == "title":
            self._in_title = False
        if tag in _BLOCK and not self._skip_depth:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.page_title += data
        elif not self._skip_depth:
            self.parts.append(data)

    def finish(self) -> None:
        """End of input. A tag, comment or declaration still open at the end holds no text
        (HTML5 drops it). The stdlib before 3.11.13 (CVE-2025-6069) re-parses it at
        close() from every later "<" to the end, so "<x" * 100_000 took minutes: drop it."""
        if len(self.rawdata) > 1 and self.rawdata.startswith("<"):
            self.rawdata = ""
        self.close()


def looks_like_html(text: str) -> bool:
    return bool(
        re.match(r"\s*(<!doctype html|<html|<head|<body|<article|<p[\s>]|<div)", text, re.I)
    )


def html_to_text(html: str) -> tuple[str, DocumentMeta]:
    """Visible article text (scripts, styles, navigation dropped) and declared metadata."""
    parser = _ArticleParser()
    try:
        parser.feed(html)
        parser.finish()
    except AssertionError:  # the stdlib parser asserts on some markup ("<![x"), old Pythons
        raise IngestError("the HTML could not be parsed (malformed markup)") from None
    lines = "".join(parser.parts).split("\n")
    text = "\n".join(line for line in (" ".join(raw.split()) for raw in lines) if line)
    title = parser.meta.get("title") or " ".join(parser.page_title.split()) or None
    meta = DocumentMeta(
        title=title,
        outlet=parser.meta.get("outlet"),
        published=parser.meta.get("published"),
        url=parser.meta.get("url"),
    )
    return text, meta
