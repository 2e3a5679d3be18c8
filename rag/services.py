"""Services: the loaded model and index that the API and CLI work with.

The current index is one immutable snapshot (store + retriever) behind a reference that
writers replace in one assignment, so readers never wait for or see a half-made change.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass

from rag.answer.extractive import ExtractiveAnswerer
from rag.config import Settings
from rag.embedding import Embedder, SentenceTransformerEmbedder
from rag.errors import IndexNotReady
from rag.index.build import AddResult
from rag.index.maintain import IndexTarget, add_documents, remove_documents
from rag.index.store import IndexStore
from rag.ingest.chunking import ChunkerParams
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


def index_target(settings: Settings, embedder: Embedder) -> IndexTarget:
    return IndexTarget(settings.index_dir, embedder, chunker_params(settings))


class Services:
    def __init__(self, settings: Settings, *, embedder: Embedder) -> None:
        self.settings = settings
        self.embedder = embedder
        self.target = index_target(settings, embedder)
        self._snapshot: Snapshot | None = None
        self._load_failure: IndexNotReady | None = None
        self._write_lock = threading.Lock()

    @classmethod
    def load(cls, settings: Settings, *, embedder: Embedder | None = None) -> Services:
        """Load the model and the index. An unusable index is recorded, not raised, so the
        server still starts and explains the problem (503) until it is rebuilt."""
        services = cls(settings, embedder=embedder or SentenceTransformerEmbedder(settings.embed_model))
        try:
            services._install(services.target.load())
        except IndexNotReady as exc:
            services._load_failure = exc
            logger.error("index not loaded: %s", exc)
        return services

    def _install(self, store: IndexStore) -> None:
        retriever = HybridRetriever(
            store, self.embedder, candidates=self.settings.candidates, rrf_k=self.settings.rrf_k,
            sentence_weight=self.settings.sentence_weight,
        )
        answerer = ExtractiveAnswerer(retriever, self.embedder, top_k=self.settings.answer_passages)
        self._snapshot = Snapshot(store=store, retriever=retriever, answerer=answerer)
        self._load_failure = None

    @property
    def load_error(self) -> str | None:
        return None if self._load_failure is None else str(self._load_failure)

    @property
    def snapshot(self) -> Snapshot:
        if self._snapshot is None:
            failure = self._load_failure or IndexNotReady("the index is not loaded")
            raise type(failure)(str(failure))
        return self._snapshot

    @property
    def ready(self) -> bool:
        return self._snapshot is not None

    def add(self, documents: Sequence[Document]) -> AddResult:
        with self._write_lock:
            result = add_documents(self.target, documents)
            if result.added:
                self._install(result.store)
            return result

    def remove(self, document_ids: Sequence[str]) -> IndexStore:
        with self._write_lock:
            store = remove_documents(self.target, document_ids)
            self._install(store)
            return store
