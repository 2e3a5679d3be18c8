"""Domain errors. Each carries the HTTP status and error code the API renders it with."""

from __future__ import annotations


class RagError(Exception):
    """Base class: a failure the user can understand and act on."""

    status = 500
    code = "internal"


class InvalidInput(RagError):
    status, code = 422, "invalid_input"


class NotFound(RagError):
    status, code = 404, "not_found"


class IndexNotReady(RagError):
    """No usable index: missing, built for other settings, or failing its checks."""

    status, code = 503, "index_not_ready"


class IndexMissing(IndexNotReady):
    code = "index_missing"


class IndexMismatch(IndexNotReady):
    code = "index_mismatch"


class IndexCorrupt(IndexNotReady):
    code = "index_corrupt"


class IngestError(RagError):
    """An article that cannot be indexed (empty, binary, unreadable)."""

    status, code = 422, "unreadable_article"


class ModelUnavailable(RagError):
    status, code = 503, "model_unavailable"


class GenerativeDisabled(InvalidInput):
    """The generative mode was asked for, but this server has no chat model configured."""

    code = "generative_disabled"
