"""Services: the loaded model and index that the API and CLI work with.

The current index is one immutable snapshot (store + retriever) behind a reference that
writers replace in one assignment, so readers never wait for or see a half-made change.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from rag.answer.extractive import ExtractiveAnswerer
from rag.answer.generative import GenerativeAnswerer
from rag.answer.generator import Generator, make_generator
from rag.answer.models import AnswerMode
from rag.answer.prompt import load_system_prompt
from rag.config import Settings
from rag.embedding import Embedder, make_embedder
from rag.errors import GenerativeDisabled, IndexNotReady, WriteCancelled
from rag.index.build import AddResult, embed_documents
from rag.index.maintain import IndexTarget, add_documents, remove_documents
from rag.index.store import IndexStore
from rag.ingest.chunking import ChunkerParams
from rag.ingest.entities import Annotator, SpacyAnnotator
from rag.retrieval.retriever import HybridRetriever
from rag.types import Document

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Snapshot:
    store: IndexStore
    retriever: HybridRetriever
    answerer: ExtractiveAnswerer


def chunker_params(settings: Settings) -> ChunkerParams:
    return ChunkerParams(min_words=settings.chunk_min_words, max_words=settings.chunk_max_words)


def index_target(
    settings: Settings, embedder: Embedder, annotator: Annotator | None = None
) -> IndexTarget:
    return IndexTarget(
        settings.index_dir,
        embedder,
        chunker_params(settings),
        settings.vector_index,
        annotator=annotator,
    )


def make_annotator(settings: Settings) -> Annotator | None:
    """The typed-span annotator new articles go through (loads spaCy on first use)."""
    return SpacyAnnotator() if settings.annotate_entities else None


class Services:
    def __init__(
        self,
        settings: Settings,
        *,
        embedder: Embedder,
        generator: Generator | None = None,
        annotator: Annotator | None = None,
    ) -> None:
        self.settings = settings
        self.embedder = embedder
        self.target = index_target(settings, embedder, annotator)
        self._snapshot: Snapshot | None = None
        self._load_failure: IndexNotReady | None = None
        self._write_lock = threading.Lock()
        self._generator_lock = threading.Lock()
        self._generator: Generator | None = generator
        self._system_prompt: str | None = None

    @classmethod
    def load(
        cls,
        settings: Settings,
        *,
        embedder: Embedder | None = None,
        generator: Generator | None = None,
        annotator: Annotator | None = None,
    ) -> Services:
        """Load the model and the index. An unusable index is recorded, not raised, so the
        server still starts and explains the problem (503) until it is rebuilt."""
        services = cls(
            settings,
            embedder=embedder
            or make_embedder(
                settings.embed_model,
                settings.embed_backend,
                threads=settings.embed_threads,
                sentence_vectors=settings.sentence_vectors,
            ),
            generator=generator,
            annotator=annotator or make_annotator(settings),
        )
        try:
            services._install(services.target.load())
        except IndexNotReady as exc:
            services._load_failure = exc
            logger.error("index not loaded: %s", exc)
        return services

    def _install(self, store: IndexStore) -> None:
        retriever = HybridRetriever(
            store,
            self.embedder,
            candidates=self.settings.candidates,
            rrf_k=self.settings.rrf_k,
            sentence_weight=self.settings.sentence_weight,
        )
        answerer = ExtractiveAnswerer(retriever, self.embedder, top_k=self.settings.answer_passages)
        self._snapshot = Snapshot(store=store, retriever=retriever, answerer=answerer)
        self._load_failure = None

    @property
    def load_error(self) -> str | None:
        """Why no index is loaded, in words for a client (the log has the paths)."""
        return None if self._load_failure is None else self._load_failure.client_message()

    @property
    def snapshot(self) -> Snapshot:
        if self._snapshot is None:
            failure = self._load_failure or IndexNotReady("the index is not loaded")
            raise type(failure)(str(failure))
        return self._snapshot

    def ensure_ready(self) -> None:
        """Raise IndexNotReady (503) when no index is loaded."""
        _ = self.snapshot

    @property
    def ready(self) -> bool:
        return self._snapshot is not None

    def generator(self) -> Generator:
        """The chat model, loaded on first use (seconds for a local GGUF)."""
        with self._generator_lock:
            if self._generator is None:
                s = self.settings
                if s.generator == "none":
                    raise GenerativeDisabled(
                        "the generative mode is off: set RAG_GENERATOR=llamacpp with "
                        "RAG_GENERATOR_MODEL=models/qwen1.5b.gguf (scripts/install_models.sh), "
                        "or RAG_GENERATOR=openai with RAG_GENERATOR_BASE_URL"
                    )
                self._generator = make_generator(
                    s.generator,
                    model_path=s.generator_model,
                    base_url=s.generator_base_url,
                    api_key=s.generator_api_key,
                    model=s.generator_model_name,
                    max_tokens=s.generator_max_tokens,
                    n_threads=s.generator_threads,
                )
            if self._system_prompt is None:
                self._system_prompt = load_system_prompt()
            return self._generator

    def answerer(self, mode: AnswerMode = "extractive") -> ExtractiveAnswerer | GenerativeAnswerer:
        extractive = self.snapshot.answerer
        if mode == "extractive":
            return extractive
        generator = self.generator()
        return GenerativeAnswerer(extractive, generator, system_prompt=self._system_prompt)

    def add(
        self, documents: Sequence[Document], *, cancelled: Callable[[], bool] | None = None
    ) -> AddResult:
        """Embed new documents outside the write lock (a long article never makes other
        writes wait for its embedding), then merge and save under it. `cancelled()` is
        asked while embedding; WriteCancelled leaves the index as it was."""
        store = self.snapshot.store
        known = set(store.documents) | {d.content_sha256 for d in store.documents.values()}
        fresh = [d for d in documents if d.id not in known and d.content_sha256 not in known]
        embedded = (
            embed_documents(
                fresh,
                self.embedder,
                self.target.params,
                cancelled=cancelled,
                annotator=self.target.annotator,
            )
            if fresh
            else None
        )
        with self._write_lock:
            if cancelled is not None and cancelled():
                raise WriteCancelled("the write was cancelled before it was indexed")
            result = add_documents(self.target, documents, embedded=embedded)
            if result.added:
                self._install(result.store)
            return result

    def remove(self, document_ids: Sequence[str]) -> IndexStore:
        with self._write_lock:
            store = remove_documents(self.target, document_ids)
            self._install(store)
            return store
