"""Bulk inputs (issue 14): folders, .jsonl exports and RSS/Atom feeds, through `rag add`,
`rag index --seeds` and the loaders, on real files. Bad files and lines are skipped with
their reason and the rest is added; the exit status is then 3 (rag.cli.PARTIAL_EXIT)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from rag import limits
from rag.cli import PARTIAL_EXIT
from rag.ingest.bulk import load_inputs
from rag.ingest.feeds import read_feed
from rag.ingest.loaders import load_seeds
from rag.ingest.records import read_records
from rag.types import DocumentMeta

DATA = Path(__file__).parent / "data"
FEEDS = DATA / "feeds"
PAGES = DATA / "pages"

GOOD = {
    "text": "Flights resumed at Erbil airport on Monday after fog lifted. Airlines cleared the backlog by noon.",
    "title": "Erbil flights resume",
    "outlet": "Kurdistan Wire",
    "published": "2024-01-08T14:00:00+03:00",
    "url": "https://kurdistanwire.example/erbil-flights",
    "id": "kw-2024-0108",
}


def write_jsonl(path: Path, rows: list[object]) -> Path:
    lines = [row if isinstance(row, str) else json.dumps(row) for row in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# --- feeds ---------------------------------------------------------------------------------


def test_each_rss_item_is_an_article_with_its_date_and_link():
    entries, left_out = read_feed((FEEDS / "gulf_wire.rss").read_bytes(), "gulf_wire.rss")
    first, second = entries
    assert first.meta == DocumentMeta(
        title="Basra oil exports rise in May",
        outlet="Gulf Wire",
        published="2024-06-02T08:15:00+03:00",
        url="https://www.gulfwire.example/energy/basra-exports-may",
    )
    assert "3.4 million barrels" in first.text and "alert" not in first.text
    # Only a summary: still an article, with what it states (no date; a javascript: link dropped).
    assert second.meta.published is None and second.meta.url is None
    assert "resumed on Saturday" in second.text
    assert left_out == [(3, "the entry has no summary or content")]


def test_atom_entries_use_their_published_date_never_updated():
    entries, left_out = read_feed((FEEDS / "tigris_times.atom").read_bytes(), "t.atom")
    assert [e.meta.published for e in entries] == ["2024-06-03T09:00:00+03:00", None]
    assert entries[1].meta.url == "https://tigristimes.example/news/palms"
    assert "replanted thousands of date palms" in entries[1].text
    assert left_out == []


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"<html><body><p>Not a feed</p></body></html>", "not an RSS or Atom feed"),
        (
            b"<?xml version='1.0'?><rss version='2.0'><channel><title>x</title></channel></rss>",
            "no feed entries",
        ),
    ],
)
def test_what_is_not_a_usable_feed_is_refused_with_a_reason(content, message):
    from rag.errors import IngestError

    with pytest.raises(IngestError, match=message):
        read_feed(content, "bad.xml")


def test_a_truncated_feed_gives_what_it_states_and_no_more():
    cut = b"<?xml version='1.0'?><rss><channel><item><title>Cut off</title><description>Half"
    assert read_feed(cut, "cut.xml") == ([], [(1, "the entry has no summary or content")])


# --- JSON Lines ------------------------------------------------------------------------------


def test_jsonl_lines_are_validated_with_the_api_limits():
    rows = [
        GOOD,
        "{not json",
        "[1, 2]",
        {"title": "No text"},
        {"text": "x" * (limits.ARTICLE_CHARS + 1)},
        {**GOOD, "title": "t" * (limits.TITLE_CHARS + 1)},
        {**GOOD, "url": "javascript:alert(1)"},
        {**GOOD, "published": "last Tuesday"},
        {**GOOD, "id": "../../etc"},
        {**GOOD, "byline": "unknown key"},
        {"text": "Only text. Nothing else is stated here."},
        {**GOOD, "published": "Mon, 08 Jan 2024 11:00:00 GMT"},
    ]
    text = "\n".join(r if isinstance(r, str) else json.dumps(r) for r in rows) + "\n\n"
    lines = list(read_records(text))
    assert [line.line for line in lines] == list(range(1, 13))
    problems = {line.line: line.problem for line in lines if line.problem}
    assert sorted(problems) == list(range(2, 11))
    assert "not JSON" in problems[2] and problems[3] == "not a JSON object"
    assert problems[4].startswith("text:") and problems[5].startswith("text:")
    assert problems[6].startswith("title:") and problems[7].startswith("url:")
    assert problems[8].startswith("published:") and problems[9].startswith("id:")
    assert problems[10].startswith("byline:")
    assert lines[10].record is not None and lines[10].record.meta == DocumentMeta()
    assert lines[11].record is not None
    assert lines[11].record.published == "2024-01-08T11:00:00+00:00"


# --- loaders ---------------------------------------------------------------------------------


def test_load_inputs_recurses_reads_every_kind_and_lists_what_it_skipped(tmp_path: Path):
    (tmp_path / "archive" / "2024").mkdir(parents=True)
    (tmp_path / "archive" / ".hidden").mkdir()
    shutil.copy(FEEDS / "gulf_wire.rss", tmp_path / "archive" / "gulf_wire.rss")
    shutil.copy(PAGES / "jsonld_news.html", tmp_path / "archive" / "2024" / "port.html")
    (tmp_path / "archive" / "2024" / "empty.txt").write_bytes(b"")
    (tmp_path / "archive" / "latin1.txt").write_bytes(
        "Caf\u00e9 prices rise. Tea costs \u00a32.".encode("latin-1")
    )
    (tmp_path / "archive" / ".hidden" / "x.txt").write_text("Hidden. Not read at all.")
    (tmp_path / "archive" / "notes.md").write_text("Not an article suffix. Not read.")
    export = write_jsonl(tmp_path / "export.jsonl", [GOOD, "{broken"])
    loaded = load_inputs([tmp_path / "archive", export, tmp_path / "missing.txt"], DocumentMeta())
    titles = sorted(d.title or "" for d in loaded.documents)
    assert titles == [
        "",
        "Basra oil exports rise in May",
        "Erbil flights resume",
        "Ferry service to Kuwait resumes",
        "Iraq reopens Umm Qasr port after sandstorm",
    ]
    assert loaded.files == 5
    assert loaded.decoded == [(str(tmp_path / "archive" / "latin1.txt"), "cp1252")]
    reasons = {s.file: s.reason for s in loaded.skipped}
    assert reasons[str(tmp_path / "missing.txt")] == "cannot read it: no such file or folder"
    assert "is empty" in reasons[str(tmp_path / "archive" / "2024" / "empty.txt")]
    assert "no summary or content" in reasons["gulf_wire.rss entry 3"]
    assert "not JSON" in reasons["export.jsonl line 2"]
    by_title = {d.title: d for d in loaded.documents}
    assert by_title["Erbil flights resume"].id == "kw-2024-0108"
    assert by_title["Iraq reopens Umm Qasr port after sandstorm"].source_file == "2024/port.html"
    assert all(d.origin == "added" for d in loaded.documents)


def test_seeds_folder_may_hold_jsonl_exports_and_feeds(tmp_path: Path):
    (tmp_path / "wire").mkdir()
    (tmp_path / "wire" / "001.txt").write_text("Win\n\nThe team won the cup final.")
    no_id = {k: v for k, v in GOOD.items() if k != "id"}
    write_jsonl(
        tmp_path / "wire" / "export.jsonl",
        [GOOD, no_id, {**GOOD, "text": "Other text. Same id."}, "{"],
    )
    shutil.copy(FEEDS / "tigris_times.atom", tmp_path / "feed.atom")
    (tmp_path / "sitemap.xml").write_text("<?xml version='1.0'?><urlset></urlset>")
    loaded = load_seeds(tmp_path)
    ids = sorted(d.id for d in loaded.documents)
    assert ids == ["feed-1", "feed-2", "kw-2024-0108", "wire-001", "wire-export-2"]
    reasons = {s.file: s.reason for s in loaded.skipped}
    assert "already used" in reasons["wire/export.jsonl"]
    assert "not JSON" in reasons["wire/export.jsonl line 4"]
    assert "not an RSS or Atom feed" in reasons["sitemap.xml"]
    assert set(loaded.files) == {"wire/001.txt", "wire/export.jsonl", "feed.atom", "sitemap.xml"}


# --- the CLI ---------------------------------------------------------------------------------


def test_rag_add_takes_a_folder_a_jsonl_and_a_feed_and_reports_a_partial_run(run, tmp_path):
    folder = tmp_path / "pages"
    shutil.copytree(PAGES, folder)
    (folder / "broken.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00")
    export = write_jsonl(tmp_path / "export.jsonl", [GOOD, {"title": "no text"}])
    result = run("add", str(folder), str(export), str(FEEDS / "tigris_times.atom"))
    assert result.exit_code == PARTIAL_EXIT, result.output
    assert result.stdout.count("added ") == 5 + 1 + 2
    assert "added kw-2024-0108: Erbil flights resume" in result.stdout
    assert "read 8/8 files: 8 articles, 2 skipped" in result.stderr
    assert "skipped 2:" in result.stderr
    assert "broken.txt: " in result.stderr and "binary" in result.stderr
    assert "export.jsonl line 2: text: Field required" in result.stderr
    listed = {d["id"]: d for d in json.loads(run("documents", "--json").stdout)}
    assert listed["kw-2024-0108"]["published"] == "2024-01-08T14:00:00+03:00"
    by_title = {d["title"]: d for d in listed.values()}
    assert by_title["Mosul bridge reopens to traffic"]["outlet"] == "Tigris Times"
    assert by_title["Iraq reopens Umm Qasr port after sandstorm"]["published"] == (
        "2024-03-14T09:30:00+03:00"
    )


def test_rag_add_of_only_bad_input_fails_and_adds_nothing(run, tmp_path):
    export = write_jsonl(tmp_path / "export.jsonl", ["{", {"text": ""}])
    result = run("add", str(export))
    assert result.exit_code == 1 and "nothing to add" in result.output
    assert "export.jsonl line 1" in result.output and "export.jsonl line 2" in result.output


def test_metadata_flags_apply_to_one_article_file_only(run, tmp_path):
    export = write_jsonl(tmp_path / "export.jsonl", [GOOD])
    result = run("add", str(export), "--outlet", "Wire")
    assert result.exit_code == 2 and "one file at a time" in result.output


def test_rag_index_reads_jsonl_and_feeds_in_the_seeds_folder(run, tmp_path):
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    write_jsonl(seeds / "export.jsonl", [GOOD, "{"])
    shutil.copy(FEEDS / "gulf_wire.rss", seeds / "gulf_wire.rss")
    result = run("index", "--seeds", str(seeds), "--out", str(tmp_path / "index"))
    assert result.exit_code == PARTIAL_EXIT, result.output
    assert "indexed 3 documents" in result.stdout
    assert "export.jsonl line 1" not in result.stderr and "export.jsonl line 2" in result.stderr
    assert "gulf_wire.rss entry 3" in result.stderr


def test_the_byline_is_kept_from_pages_feeds_and_exports(tmp_path: Path):
    page = tmp_path / "page.html"
    page.write_text(
        "<html><head><title>Port reopens</title><meta name='author' content='Jane Doe'>"
        "</head><body><article><p>The port of Umm Qasr reopened on Monday after a week of "
        "repairs, officials said. Ships queued offshore overnight.</p></article></body></html>"
    )
    feed = tmp_path / "feed.rss"
    feed.write_text(
        "<?xml version='1.0'?><rss version='2.0' xmlns:dc='http://purl.org/dc/elements/1.1/'>"
        "<channel><title>Gulf Wire</title><item><title>Dock strike</title>"
        "<dc:creator>Omar Ali</dc:creator><description>Dock workers in Basra began a strike on "
        "Tuesday over pay, their union said.</description></item></channel></rss>"
    )
    export = tmp_path / "export.jsonl"
    export.write_text(json.dumps({**GOOD, "author": "Sam Lee"}) + "\n")
    loaded = load_inputs([page, feed, export], DocumentMeta())
    assert loaded.skipped == []
    assert sorted(d.author for d in loaded.documents) == ["Jane Doe", "Omar Ali", "Sam Lee"]
