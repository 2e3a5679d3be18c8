"""A web page -> its main text and the metadata the page itself states, by trafilatura.

trafilatura (Apache-2.0) finds the article body among navigation, sidebars, comments and
banners, and reads title, author, date (via htmldate), site name and canonical URL from
JSON-LD, OpenGraph and meta tags. It parses with lxml (C, linear): the 1 MB adversarial
inputs of tests/test_linear_text.py take well under a second.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rag import limits
from rag.errors import IngestError
from rag.ingest.dates import iso_from_extractor
from rag.ingest.urls import web_url
from rag.types import DocumentMeta

# Only dates the page declares (meta tags, JSON-LD, <time>), not ones guessed from its text;
# the publication date rather than the last change; full precision (see iso_from_extractor).
_ELEMENT = re.compile(r"<[A-Za-z]")
_HOST = re.compile(r"https?://(?:www\.|w[0-9]+\.)?([^/]+)")
_DATE_PARAMS = {
    "extensive_search": False,
    "original_date": True,
    "outputformat": "%Y-%m-%dT%H:%M:%S%z",
}


@dataclass(frozen=True)
class Page:
    text: str
    meta: DocumentMeta


def extract_page(html: str) -> Page:
    """Main text (scripts, styles, navigation, comments dropped) and declared metadata.

    A page with no main text gives text "" (the caller refuses it as having nothing to index).

    Raises:
        IngestError: the page has more than limits.PAGE_ELEMENTS elements (it would hold
            a worker for minutes; no news article needs that many).
    """
    elements = sum(1 for _ in _ELEMENT.finditer(html))
    if elements > limits.PAGE_ELEMENTS:
        raise IngestError(
            f"the page has {elements:,} HTML elements; at most {limits.PAGE_ELEMENTS:,} "
            "are read (save the article's text, or the article alone, instead)"
        )
    from trafilatura import bare_extraction  # heavy (lxml, dateparser): loaded when needed

    found = bare_extraction(
        html,
        with_metadata=True,
        include_comments=False,
        include_images=False,
        favor_precision=True,  # short pages otherwise fall back to all text, menus included
        date_extraction_params=_DATE_PARAMS,
    )
    if found is None:
        return Page(text="", meta=DocumentMeta())
    url = web_url(found.url)
    meta = DocumentMeta(
        title=_stated(found.title),
        outlet=_outlet(_stated(found.sitename), url),
        published=iso_from_extractor(found.date),
        url=url,
        author=_stated(found.author),
    )
    return Page(text=found.text or "", meta=meta)


def _stated(value: str | None) -> str | None:
    value = " ".join(value.split()) if value else ""
    return value or None


def _outlet(sitename: str | None, url: str | None) -> str | None:
    """trafilatura names a page without a stated site name after its URL's host
    ("gulfwire.example"): an address, not an outlet the page states, so None."""
    host = _HOST.match(url) if url else None
    return None if host and sitename == host[1] else sitename
