"""Settings: the only code that reads the environment (variables prefixed RAG_)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

PACKAGED_MODEL = "all-MiniLM-L6-v2"


class Settings(BaseSettings):
    """Runtime configuration. Every field is documented in README.md#settings."""

    model_config = SettingsConfigDict(env_prefix="RAG_", extra="ignore")

    index_dir: Path = Field(default=Path("index"), description="Where the built index lives.")
    seeds_dir: Path = Field(default=Path("seeds"), description="Articles indexed by `rag index`.")
    web_dir: Path | None = Field(
        default=None,
        description="Static files of the chat page (default: the page shipped in the package).",
    )
    embed_model: str = Field(
        default=PACKAGED_MODEL,
        description="`all-MiniLM-L6-v2` (packaged) or a local sentence-transformers folder.",
    )
    embed_backend: Literal["onnx", "torch"] = Field(
        default="onnx",
        description="`onnx`: the packaged int8 ONNX copy of all-MiniLM-L6-v2 (about 3x faster, "
        "same answers on our evaluation files); `torch`: the same model in sentence-transformers.",
    )
    vector_index: Literal["auto", "flat", "hnsw", "ivf"] = Field(
        default="auto",
        description="FAISS index type; `auto` picks exact search for small indexes and HNSW "
        "above 50,000 vectors (README#vector-index-type).",
    )
    annotate_entities: bool = Field(
        default=True,
        description="Find people, organisations, places, dates and amounts in articles at "
        "index time (spaCy), so answers must state the kind of thing a question asks for.",
    )
    host: str = Field(default="127.0.0.1", description="Address `rag serve` binds to.")
    port: int = Field(default=8000, ge=1, le=65535, description="Port `rag serve` listens on.")
    top_k: int = Field(default=5, ge=1, le=50, description="Passages returned by default.")
    candidates: int = Field(
        default=50, ge=1, le=1000, description="Hits each retriever hands to fusion."
    )
    rrf_k: int = Field(default=60, ge=1, description="Reciprocal rank fusion constant.")
    sentence_weight: float = Field(
        default=0.7, ge=0, le=1, description="Fusion weight of the best-sentence dense ranking."
    )
    answer_passages: int = Field(
        default=8, ge=1, le=50, description="Passages whose sentences compete to answer."
    )
    chunk_min_words: int = Field(default=40, ge=1, description="Smallest passage, in words.")
    chunk_max_words: int = Field(default=120, ge=10, description="Largest passage, in words.")
    generator: Literal["none", "llamacpp", "openai"] = Field(
        default="none", description="Chat model for the generative mode (none: extractive only)."
    )
    generator_model: Path | None = Field(
        default=None, description="GGUF file for `llamacpp`, e.g. models/qwen1.5b.gguf."
    )
    generator_base_url: str | None = Field(
        default=None, description="`/v1` address of an OpenAI-compatible server for `openai`."
    )
    generator_api_key: str | None = Field(default=None, description="API key for `openai`.")
    generator_model_name: str | None = Field(default=None, description="Model name for `openai`.")
    generator_max_tokens: int = Field(default=200, ge=16, le=2048, description="Reply length cap.")
    generator_threads: int | None = Field(
        default=None, ge=1, description="llama.cpp threads (default: half the cores)."
    )
    api_token: SecretStr | None = Field(
        default=None, description="Bearer token for adding/deleting documents (unset: disabled)."
    )
    max_body_bytes: int = Field(
        default=1_048_576, ge=1024, description="Largest request body, except uploads."
    )
    max_upload_bytes: int = Field(
        default=10_485_760, ge=1024, description="Largest article upload (POST /api/documents)."
    )
    cors_origins: list[str] = Field(
        default_factory=list,
        description="Origins allowed to call the API from a browser (JSON list).",
    )
    log_level: str = Field(default="INFO", description="Python logging level.")
