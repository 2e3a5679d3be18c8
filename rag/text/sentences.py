"""Sentence boundaries with exact character offsets; pure functions.

Rules: a line break always ends a sentence (headings and paragraphs stand alone); inside a
line a sentence ends at . ! or ? (plus closing quotes and brackets) followed by a space and
a capital, digit or opening quote, unless the word before is an abbreviation or initial
("U.S.", "U..S.", "Oct.", "Gen.", "Donald J. Trump").
"""

from __future__ import annotations

import re

from rag.types import Span

ABBREVIATIONS = frozenset(
    """
    mr mrs ms dr prof gen lt col maj capt cmdr adm sgt cpl pvt rep sen gov pres amb rev fr
    st jr sr vol vols fig figs inc ltd co corp dept est approx vs etc al ft mt
    jan feb mar apr jun jul aug sep sept oct nov dec mon tue tues wed thu thur thurs fri sat sun
    """.split()
)
# Words that, after an acronym such as "U.S.", show that a new sentence has begun.
_SENTENCE_STARTERS = frozenset(
    "the a an he she it they we i but however in on at this that these those his her their "
    "its our there then meanwhile still yet".split()
)
# A candidate starts only where a run of . ! ? starts: a later start in the same run ends
# at the same place and would fail the same way, so trying it would make a long run of
# dots quadratic. Possessive quantifiers: giving back a character cannot help either.
_CANDIDATE = re.compile(r"(?<![.!?])[.!?]++[\"'”’)\]]*+(?=\s++[\"'“‘(\[]?[A-Z0-9])")
_ACRONYM = re.compile(r"^(?:[A-Za-z]\.+)+[A-Za-z]?\.?$")
_NEXT_WORD = re.compile(r"\s+[\"'“‘(\[]?([A-Za-z]+)")
# The spaces after a candidate and the character after them: all that `_is_abbreviation`
# looks at, without copying the rest of the line for every candidate.
_AHEAD = re.compile(r"\s*+\S?")


_NUMBERED = frozenset({"no", "nos"})  # "No. 5", but "said no. It ..." ends a sentence


def _is_abbreviation(token: str, following: str = "") -> bool:
    stripped = token.lstrip("\"'“‘([").rstrip(".")
    if stripped.lower() in ABBREVIATIONS:
        return True
    if stripped.lower() in _NUMBERED:
        return following.lstrip()[:1].isdigit()
    return bool(_ACRONYM.match(token.lstrip("\"'“‘([")))


def _token_before(line: str, end: int) -> str:
    """The whitespace-free run of `line` that ends at `end`, found by scanning back from
    `end` only: a regex search from the start of the line for every candidate boundary
    made a long line quadratic. The runs of successive candidates do not overlap."""
    start = end
    while start > 0 and not line[start - 1].isspace():
        start -= 1
    return line[start:end]


def _is_boundary(line: str, match: re.Match[str]) -> bool:
    if not match.group().startswith("."):
        return True  # ! and ? are never abbreviations
    token = _token_before(line, match.start() + 1)
    ahead = _AHEAD.match(line, match.end())
    if not _is_abbreviation(token, ahead.group() if ahead else ""):
        return True
    stem = token.lstrip("\"'“‘([").rstrip(".")
    if len(stem.replace(".", "")) >= 2 and "." in stem:  # "U.S." may end a sentence
        following = _NEXT_WORD.match(line, match.end())
        return bool(following and following.group(1).lower() in _SENTENCE_STARTERS)
    return False


def _split_line(line: str, offset: int) -> list[Span]:
    spans: list[Span] = []
    start = 0
    for match in _CANDIDATE.finditer(line):
        if _is_boundary(line, match):
            spans.append((start, match.end()))
            start = match.end()
    spans.append((start, len(line)))
    result = []
    for begin, end in spans:
        piece = line[begin:end]
        lead = len(piece) - len(piece.lstrip())
        trail = len(piece) - len(piece.rstrip())
        if end - trail > begin + lead:
            result.append((offset + begin + lead, offset + end - trail))
    return result


def split_sentences(text: str) -> list[Span]:
    """Return (start, end) offsets of every sentence in `text`, in order, trimmed."""
    spans: list[Span] = []
    offset = 0
    for line in text.split("\n"):
        spans.extend(_split_line(line, offset))
        offset += len(line) + 1
    return spans
