import json
from pathlib import Path

import pytest

from rag.errors import IngestError
from rag.ingest.loaders import (
    decode_article_bytes,
    load_article_file,
    load_seeds,
    read_seed_manifest,
)
from rag.types import DocumentMeta
from tests.support import SEEDS


def test_seed_manifest_covers_every_seed_and_states_only_what_the_text_states():
    manifest = read_seed_manifest(SEEDS)
    files = sorted(p.name for p in SEEDS.glob("*.txt"))
    assert sorted(manifest) == files
    for entry in manifest.values():
        raw = (SEEDS / entry.file).read_text("utf-8")
        if entry.title:
            assert entry.title in raw
        if entry.outlet:
            assert entry.outlet in raw and entry.evidence["outlet"] in raw
        assert entry.published is None and entry.url is None  # no seed states them


def test_seeds_load_with_manifest_metadata():
    documents = {d.id: d for d in load_seeds(SEEDS).documents}
    assert len(documents) == 5
    assert documents["000_9333b7dd7e7da588"].outlet == "Kurdistan 24"
    assert documents["002_c02815b7b97e770d"].outlet == "Al-Monitor"
    assert documents["004_e552daac84679f61"].title is None
    assert documents["004_e552daac84679f61"].label.startswith("The Biden administration")
    assert all(d.origin == "seed" for d in documents.values())


def test_html_article_keeps_text_and_declared_metadata_only(tmp_path: Path):
    page = tmp_path / "story.html"
    page.write_text(
        "<html><head><title>Page</title><meta property='og:site_name' content='The Daily'>"
        "<style>p{color:red}</style><script>alert(1)</script></head><body><nav>Home | World</nav>"
        "<article><h1>Talks stall in Baghdad</h1><p>Officials met on Monday. They did not agree.</p>"
        "<p>Read More: another story</p></article><footer>© Daily</footer></body></html>",
        encoding="utf-8",
    )
    document = load_article_file(page, DocumentMeta())
    assert document.outlet == "The Daily"
    # The page's one <h1> is its headline; the <title> ("Page") is the site's tab label.
    assert document.title == "Talks stall in Baghdad"
    assert "alert" not in document.text and "color" not in document.text
    assert "Home | World" not in document.text and "© Daily" not in document.text
    assert "Officials met on Monday. They did not agree." in document.text
    assert "Read More" not in document.text


def test_given_metadata_wins_over_the_first_line(tmp_path: Path):
    path = tmp_path / "a.txt"
    path.write_text("Headline of the story\n\nSomething happened today. More happened later.")
    document = load_article_file(path, DocumentMeta(title="Given", outlet="Wire"))
    assert (document.title, document.outlet) == ("Given", "Wire")
    assert document.id.startswith("doc-") and document.origin == "added"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "is empty"),
        (b"   \n\n  ", "is empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
        # Cyrillic in its own code page is not Western text read as cp1252: refused.
        ("Привет, как дела? Всё хорошо, спасибо.".encode("cp1251"), "not UTF-8"),
        (b"<html><script>x()</script></html>", "no text"),
    ],
)
def test_unreadable_articles_are_refused_with_a_reason(
    tmp_path: Path, content: bytes, message: str
):
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    with pytest.raises(IngestError, match=message):
        load_article_file(path, DocumentMeta())


def test_a_latin1_article_is_read_as_windows_1252(tmp_path: Path):
    """The BBC archive's one non-UTF-8 file: a Latin-1 "£" among ASCII (sport/199.txt)."""
    path = tmp_path / "old.txt"
    text = "Transfer row\n\nChelsea paid a \u00a315.8m fee. The caf\u00e9 owner was \u00e9mu."
    path.write_bytes(text.encode("latin-1"))
    assert decode_article_bytes(path.read_bytes(), "old.txt") == (text, "cp1252")
    assert "\u00a315.8m" in load_article_file(path, DocumentMeta()).text


def test_a_seed_folder_is_read_recursively_and_bad_files_are_skipped_with_reasons(
    tmp_path: Path,
):
    (tmp_path / "sport").mkdir()
    (tmp_path / "tech").mkdir()
    (tmp_path / "sport" / "001.txt").write_text("Win\n\nThe team won the cup final.")
    (tmp_path / "tech" / "001.txt").write_text("Chips\n\nA new chip was shown today.")
    (tmp_path / "tech" / "002.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00")
    (tmp_path / "sport" / "002.txt").write_bytes("Fee\n\nHe cost \u00a35m.".encode("latin-1"))
    loaded = load_seeds(tmp_path)
    assert sorted(d.id for d in loaded.documents) == ["sport-001", "sport-002", "tech-001"]
    assert [(s.file, "binary" in s.reason) for s in loaded.skipped] == [("tech/002.txt", True)]
    assert loaded.decoded == [("sport/002.txt", "cp1252")]
    assert set(loaded.files) == {"sport/001.txt", "sport/002.txt", "tech/001.txt", "tech/002.txt"}


def test_oversized_file_is_refused_before_reading(tmp_path: Path):
    path = tmp_path / "big.txt"
    path.write_bytes(b"Word. " * 1000)
    with pytest.raises(IngestError, match="limit"):
        load_article_file(path, DocumentMeta(), max_bytes=100)


def test_bad_seed_manifest_is_reported(tmp_path: Path):
    (tmp_path / "manifest.json").write_text(json.dumps([{"file": "x.txt"}]))
    with pytest.raises(IngestError, match="not a valid seeds manifest"):
        read_seed_manifest(tmp_path)
