"""Which URLs an article may carry: only http(s) links a reader can safely open."""

from __future__ import annotations

from urllib.parse import urlsplit

_SAFE_SCHEMES = frozenset({"http", "https"})


def web_url(value: str | None) -> str | None:
    """The URL stripped, or None unless it is an absolute http(s) URL with a host.

    `javascript:`, `data:` and relative links stated by a page or a client would otherwise
    reach every API client as a document's link."""
    if value is None:
        return None
    url = value.strip()
    if any(ord(c) < 0x20 or c.isspace() for c in url):  # "java\\tscript:" tricks, line breaks
        return None
    try:
        parts = urlsplit(url)
    except ValueError:  # e.g. an unbalanced "[" in the host
        return None
    return url if parts.scheme.lower() in _SAFE_SCHEMES and parts.hostname else None
