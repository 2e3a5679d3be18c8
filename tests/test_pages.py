"""Saved pages of several layouts -> text and the metadata each page states (issue 14).

The expected values are what a reader sees on each page; docs/ingest.md compares the old
hand-written extractor (rag.ingest.html) with trafilatura on the same table."""

from __future__ import annotations

from pathlib import Path

import pytest

from rag.ingest.html import html_to_text
from rag.ingest.loaders import load_article_file
from rag.ingest.page import extract_page
from rag.types import DocumentMeta

PAGES = Path(__file__).parent / "data" / "pages"

# file: (title, outlet, published, url, author, text contains, text excludes)
EXPECTED = {
    "jsonld_news.html": (
        "Iraq reopens Umm Qasr port after sandstorm",
        "Gulf Wire",
        "2024-03-14T09:30:00+03:00",
        "https://www.gulfwire.example/business/2024/03/umm-qasr-reopens",
        "Layla Hassan",
        ["reopened on Thursday after a sandstorm", "clear the backlog by the end of the week"],
        ["dataLayer", "font-size", "All rights reserved", "Privacy policy", "Business Sport"],
    ),
    "meta_date_time.html": (
        "Kirkuk council approves new water budget",
        None,
        "2023-11-02",  # the page states a day, so no time is made up
        None,
        None,
        ["twelve billion dinars", "Lesser Zab river"],
        [],
    ),
    "noisy_layout.html": (
        "Drought pushes farmers off the land in Diyala",
        "Tigris Times",
        "2022-08-09T07:00:00+00:00",
        "https://tigristimes.example/news/diyala-drought",
        None,
        ["third dry year in a row", "switch to drip irrigation"],
        [
            "cookies",
            "Share on Facebook",
            "Most read",
            "Zawraa",
            "Abu Ali",
            "orchard",
            "newsletter",
            "Politics",
            "fetch(",
        ],
    ),
    "no_date.html": (
        "Explainer: how the Iraqi dinar is set",
        None,
        None,
        None,
        None,
        ["official exchange rate", "confidence in the currency"],
        [],
    ),
    "javascript_canonical.html": (
        "Mosul library reopens its doors",
        "Nineveh Daily",
        "2021-05-20T16:45:00+03:00",
        None,  # canonical and og:url are javascript: links
        None,
        ["central library of Mosul University", "reading rooms were full by noon"],
        ["alert"],
    ),
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_page_text_and_stated_metadata(name: str) -> None:
    title, outlet, published, url, author, contains, excludes = EXPECTED[name]
    page = extract_page((PAGES / name).read_text("utf-8"))
    assert (page.meta.title, page.meta.outlet, page.meta.published, page.meta.url) == (
        title,
        outlet,
        published,
        url,
    )
    assert page.meta.author == author
    for words in contains:
        assert words in page.text
    for words in excludes:
        assert words not in page.text


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_a_saved_page_added_as_a_file_keeps_its_metadata(name: str) -> None:
    title, outlet, published, url, _, contains, excludes = EXPECTED[name]
    document = load_article_file(PAGES / name, DocumentMeta())
    assert (document.title, document.outlet, document.published, document.url) == (
        title,
        outlet,
        published,
        url,
    )
    assert all(words in document.text for words in contains)
    assert not any(words in document.text for words in excludes)


def test_given_metadata_wins_over_what_the_page_states() -> None:
    document = load_article_file(
        PAGES / "jsonld_news.html", DocumentMeta(outlet="Wire copy", published="2024-03-15")
    )
    assert (document.outlet, document.published) == ("Wire copy", "2024-03-15")
    assert document.title == "Iraq reopens Umm Qasr port after sandstorm"


def score(extract, name: str) -> dict[str, bool]:
    """Which fields an extractor gets right on one page (for the comparison in the docs)."""
    title, outlet, published, url, _, contains, excludes = EXPECTED[name]
    text, meta = extract((PAGES / name).read_text("utf-8"))
    return {
        "title": meta.title == title,
        "outlet": meta.outlet == outlet,
        "published": meta.published == published,
        "url": meta.url == url,
        "text": all(w in text for w in contains) and not any(w in text for w in excludes),
    }


def _trafilatura(html: str) -> tuple[str, DocumentMeta]:
    page = extract_page(html)
    return page.text, page.meta


def test_trafilatura_gets_every_field_the_old_extractor_got() -> None:
    for name in EXPECTED:
        old, new = score(html_to_text, name), score(_trafilatura, name)
        assert all(new.values()), (name, new)
        assert all(new[field] for field, right in old.items() if right)
