"""Domain errors. Each carries the HTTP status and error code the API renders it with."""

from __future__ import annotations


class RagError(Exception):
    """Base class: a failure the user can understand and act on."""

    status = 500
    code = "internal"
    # What an API client is told when the message names server paths or settings; the
    # full message goes to the server log (the CLI, run by the operator, prints it whole).
    public: str | None = None

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field  # the request field at fault, when there is one

    def client_message(self) -> str:
        return self.public or str(self)


class InvalidInput(RagError):
    status, code = 422, "invalid_input"


class NotFound(RagError):
    status, code = 404, "not_found"


class IndexNotReady(RagError):
    """No usable index: missing, built for other settings, or failing its checks."""

    status, code = 503, "index_not_ready"

    public = "the index is not loaded; run `rag index` on the server"


class IndexMissing(IndexNotReady):
    code = "index_missing"
    public = "no index has been built yet; run `rag index` on the server"


class IndexMismatch(IndexNotReady):
    code = "index_mismatch"
    public = (
        "the index was built with other settings (embedding model or passage size); "
        "run `rag index` on the server to rebuild it"
    )


class IndexCorrupt(IndexNotReady):
    code = "index_corrupt"
    public = (
        "the index is damaged (a file fails its checks); run `rag index` on the server to "
        "rebuild it"
    )


class IngestError(RagError):
    """An article that cannot be indexed (empty, binary, unreadable)."""

    status, code = 422, "unreadable_article"


class ArticleTooLarge(IngestError):
    """More sentences than one article may have (each sentence is embedded)."""

    status, code = 413, "article_too_large"


class WriteCancelled(RagError):
    """A write given up before it changed the index (its client disconnected)."""

    status, code = 499, "cancelled"


class ModelUnavailable(RagError):
    status, code = 503, "model_unavailable"
    public = (
        "the chat model is unavailable (not installed, or it failed to load): the server's "
        "operator can install one with `scripts/install_models.sh`; the server log says why"
    )


class GenerativeDisabled(InvalidInput):
    """The generative mode was asked for, but this server has no chat model configured."""

    code = "generative_disabled"


class EngineUnavailable(RagError):
    """An optional engine (Ray, pyarrow for Parquet) is not installed, or cannot be reached."""

    status, code = 503, "engine_unavailable"
