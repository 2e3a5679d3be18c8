"""Raw article text -> canonical text: whitespace normalised, boilerplate and repeats dropped.

The canonical text keeps the article's own characters (curly quotes, dashes) so it reads as
published; `fold_for_matching` gives the quote- and case-insensitive form used for matching.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_INVISIBLE = re.compile(r"[\u200b-\u200d\u2060\ufeff\u00ad]")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
# Lines that announce the end of the article and the start of links to other stories.
_TRAILER = re.compile(
    r"^(check also|related( articles| posts| stories)?|you may also like|more from .{0,40}"
    r"|recommended|most read|trending( now)?|read also)\s*:?$",
    re.IGNORECASE,
)
# One-line teasers for other stories inside the body.
_TEASER = re.compile(
    r"^(read more|read also|also read|see also|related|watch|listen)\s*:", re.IGNORECASE
)
_CAPTION_OPEN = r"\((?:photo|image|picture|credit|file photo|photograph)\s*:"
# "(Photo: AP)" closing the line. The credit stops at the next "(Photo:" as well as at ")":
# with `[^)]*` every "(Photo:" of a long line without ")" scanned to its end (quadratic),
# and the last "(Photo:" before the closing ")" matches whenever an earlier one would.
_CAPTION = re.compile(
    rf"{_CAPTION_OPEN}(?:(?!{_CAPTION_OPEN})[^)])*\)\s*$|^(photo|image)\s*:",
    re.IGNORECASE,
)
_SENTENCE_END = re.compile(r"[.!?…:;\"”’)]$")

_QUOTE_FOLD = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "`": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u2033": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\u2212": "-",
    }
)


@dataclass(frozen=True)
class CleanArticle:
    title: str | None
    text: str


def fold_for_matching(text: str) -> str:
    """Lower-case text with straight quotes and plain hyphens, for comparisons only."""
    return " ".join(text.translate(_QUOTE_FOLD).lower().split())


def normalize_line(line: str) -> str:
    line = _INVISIBLE.sub("", _CONTROL.sub(" ", line))
    return _SPACES.sub(" ", line).strip()


def looks_like_headline(line: str) -> bool:
    """A title or section heading: short and without sentence-final punctuation."""
    return 0 < len(line.split()) <= 20 and not _SENTENCE_END.search(line)


def _drop_boilerplate(lines: list[str]) -> list[str]:
    kept: list[str] = []
    seen: set[str] = set()
    for line in lines:
        if _TRAILER.match(line) and kept:
            break  # everything after "Check Also" and the like is other stories
        if _TEASER.match(line) or _CAPTION.search(line):
            continue
        key = fold_for_matching(line)
        if key in seen:
            continue  # repeated titles and captions
        seen.add(key)
        kept.append(line)
    return kept


def _drop_header_labels(lines: list[str]) -> list[str]:
    """Drop section labels ("Middle East") between the title and the first body line."""
    kept = lines[:1]
    in_header = True
    for line in lines[1:]:
        if in_header and len(line.split()) <= 3 and not _SENTENCE_END.search(line):
            continue
        in_header = False
        kept.append(line)
    return kept


def clean_article(raw: str) -> CleanArticle:
    """Clean raw article text into canonical paragraphs separated by blank lines.

    The first line is taken as the title when it reads like a headline; the title stays
    in the text, as the article's first paragraph.
    """
    raw = unicodedata.normalize("NFC", raw).replace("\r\n", "\n").replace("\r", "\n")
    lines = [normalize_line(line) for line in raw.split("\n")]
    lines = _drop_header_labels(_drop_boilerplate([line for line in lines if line]))
    title = lines[0] if lines and looks_like_headline(lines[0]) else None
    return CleanArticle(title=title, text="\n\n".join(lines))
