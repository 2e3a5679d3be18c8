"""Article bytes -> text: UTF-8 or UTF-16 with a byte-order mark, else Windows-1252 when
the result reads as Western European text; anything else is refused with the fix."""

from __future__ import annotations

import re

from rag.errors import IngestError

_ACCENT_RUN = re.compile(r"[^\x00-\x7f]{4}")


def decode_article_bytes(data: bytes, name: str) -> tuple[str, str]:
    """(text, encoding). UTF-8 (or UTF-16 with a byte-order mark); failing that, Windows-1252
    when the result reads as Western European text: older news archives hold such files
    (the BBC archive has one, a Latin-1 "£"). Statistical detection is not used: on that
    file charset-normalizer guesses cp932 and turns "£15.8m" into "｣15.8m"."""
    if not data.strip():
        raise IngestError(f"{name} is empty")
    if b"\x00" in data[:8192] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise IngestError(f"{name} looks like a binary file, not a text or HTML article")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            pass
    else:
        try:
            return data.decode("utf-8-sig"), "utf-8"
        except UnicodeDecodeError:
            pass
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        text = ""
    if text and _reads_as_western(text):
        return text, "cp1252"
    raise IngestError(f"{name} is not UTF-8 text; convert it first (e.g. `iconv -t UTF-8`)")


def _reads_as_western(text: str) -> bool:
    """Text in another single-byte code page (Cyrillic, Greek…) read as cp1252 becomes runs
    of accented letters ("Ïðèâåò"); Western text has a few isolated ones."""
    letters = [c for c in text if c.isalpha()]
    foreign = sum(1 for c in letters if not c.isascii())
    return bool(letters) and foreign <= 0.15 * len(letters) and not _ACCENT_RUN.search(text)
