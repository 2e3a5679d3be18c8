"""Services: the loaded model and index that the API and CLI work with.

The current index is one immutable snapshot (store + retriever) behind a reference that
writers replace in one assignment, so readers never wait for or see a half-made change.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from rag.answer.chat_models import Generator, make_generator
from rag.answer.evidence import EvidenceEngine
from rag.answer.extractive import ExtractiveAnswerer
from rag.answer.generative import GenerativeAnswerer
from rag.answer.prompt import load_system_prompt
from rag.config import Settings
from rag.embedding import Embedder, make_embedder
from rag.errors import GenerativeDisabled, IndexNotReady, WriteCancelled
from rag.index.build import AddResult, compacted, embed_documents, worth_compacting
from rag.index.maintain import (
    IndexTarget,
    add_documents,
    follow,
    install_compacted,
    needs_compaction,
    only_rebased,
    rebased,
    remove_documents,
)
from rag.index.store import IndexStore, WrittenState, written_by, written_state
from rag.ingest.chunking import ChunkerParams
from rag.ingest.entities import Annotator, SpacyAnnotator
from rag.retrieval.backend import SearchBackend
from rag.retrieval.retriever import HybridRetriever
from rag.types import Document
from rag.wire.answers import AnswerMode

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


def open_search_backend(settings: Settings, store: IndexStore) -> SearchBackend | None:
    """The search backend the settings ask for, in step with `store` (None: the default,
    FAISS and our BM25 over the store itself). Qdrant is imported only here."""
    if settings.index_backend == "faiss":
        return None
    from rag.retrieval.qdrant_backend import QdrantBackend, QdrantOptions

    path = settings.qdrant_path
    if path and path != ":memory:" and not settings.qdrant_url:
        index_dir = settings.index_dir.resolve()
        folder = Path(path).resolve()
        if folder == index_dir or index_dir in folder.parents:
            raise IndexNotReady(
                f"RAG_QDRANT_PATH={path} is inside the index directory {settings.index_dir}, "
                "which rebuilds and compactions replace whole; choose a folder beside it"
            )
    options = QdrantOptions(
        url=settings.qdrant_url,
        path=path,
        api_key=settings.qdrant_api_key.get_secret_value() if settings.qdrant_api_key else None,
        prefix=settings.qdrant_collection,
        shards=settings.qdrant_shards,
        replicas=settings.qdrant_replicas,
    )
    return QdrantBackend.open(options, store)


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
        self._compacting = threading.Lock()
        self._rebasing = threading.Lock()
        self._unreadable: object = None  # the state on disk that failed to load, not retried
        self._rebase_failed: object = None  # likewise for taking a base compacted elsewhere
        self._generator_lock = threading.Lock()
        self._search_backend: SearchBackend | None = None  # opened with the first snapshot
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
                cache_dir=settings.model_cache_dir,
            ),
            generator=generator,
            annotator=annotator or make_annotator(settings),
        )
        state = written_state(services.target.directory)  # before: a swap may come between
        try:
            services._install(services.target.load())
        except IndexNotReady as exc:
            services._load_failure = exc
            services._unreadable = state
            logger.error("index not loaded: %s", exc)
        return services

    def _snapshot_for(self, store: IndexStore, previous: Snapshot | None) -> Snapshot:
        """Search structures over `store`; after a write, grown from the previous ones by
        the appended rows rather than rebuilt (see HybridRetriever.for_store)."""
        if previous is None:
            retriever = HybridRetriever(
                store,
                self.embedder,
                candidates=self.settings.candidates,
                rrf_k=self.settings.rrf_k,
                sentence_weight=self.settings.sentence_weight,
                backend=self._backend_for(store),
            )
            bank = None
        else:
            retriever = previous.retriever.for_store(store)
            bank = previous.answerer.engine.bank.for_store(store)
        engine = EvidenceEngine(
            retriever, self.embedder, top_k=self.settings.answer_passages, bank=bank
        )
        answerer = ExtractiveAnswerer(engine)
        return Snapshot(store=store, retriever=retriever, answerer=answerer)

    def _backend_for(self, store: IndexStore) -> SearchBackend | None:
        """An external backend (Qdrant) is opened once and brought in step with each new
        snapshot; the default one is made per snapshot by the retriever."""
        if self._search_backend is None:
            self._search_backend = open_search_backend(self.settings, store)
            return self._search_backend
        return self._search_backend.for_store(store)

    def _install(self, store: IndexStore) -> None:
        self._snapshot = self._snapshot_for(store, self._snapshot)
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

    def current(self) -> Snapshot:
        """The snapshot, first brought up to the index on disk when another process (a CLI
        command, another worker of this server) wrote to it: every request sees every
        acknowledged write, whichever worker took it. Costs a stat and a directory
        listing when nothing changed; the writes' own segments when something did. An
        index that was missing or broken is loaded once one is there."""
        state = written_state(self.target.directory)
        snapshot = self._snapshot
        if state is None or state == self._unreadable:
            return self.snapshot
        if snapshot is not None:
            if state == written_by(snapshot.store):
                return snapshot
            if only_rebased(state, snapshot.store):  # no lock: nothing to apply
                self._rebase_if_compacted_elsewhere(state)
                return snapshot
        with self._write_lock:
            store = None if self._snapshot is None else self._snapshot.store
            try:
                newer = follow(self.target, store)  # re-read: a thread may have caught up
                if newer is not store:
                    self._install(newer)
            except IndexNotReady as exc:
                self._unreadable = state  # tried again once the directory changes
                if self._snapshot is None:
                    self._load_failure = exc
                logger.error("the index on disk changed but does not load: %s", exc)
        if self._snapshot is not None:
            self._rebase_if_compacted_elsewhere(written_state(self.target.directory))
        return self.snapshot

    def _rebase_if_compacted_elsewhere(self, state: WrittenState | None) -> None:
        """Another process compacted the index (`state`): the rows here are the same, over
        the old base. Take the new one in the background (loading and the search
        structures take seconds on a large archive), or this process's compactions would
        keep finding the index replaced under them."""
        if (
            self._rebasing.locked()
            or state == self._rebase_failed
            or not rebased(state, self.snapshot.store)
        ):
            return
        threading.Thread(
            target=self._rebase_quietly, args=(state,), name="rebase", daemon=True
        ).start()

    def _rebase_quietly(self, state: object) -> None:
        try:
            self.rebase()
        except Exception:  # a background job has no caller to tell; the snapshot stands
            self._rebase_failed = state  # tried again once the directory changes
            logger.exception("taking the index compacted elsewhere failed")

    def rebase(self) -> bool:
        """Swap in the base on disk, its search structures made with no lock held; writes
        made meanwhile are applied from their segments. False when already on it."""
        with self._rebasing:
            if not rebased(written_state(self.target.directory), self.snapshot.store):
                return False
            loaded = follow(self.target, None)
            prepared = self._snapshot_for(loaded, None)
            with self._write_lock:
                store = follow(self.target, loaded)  # writes made while preparing
                self._snapshot = self._snapshot_for(store, prepared)
            logger.info("took the index compacted elsewhere: %d passages", len(store.passages))
            return True

    def ensure_ready(self) -> None:
        """Raise IndexNotReady (503) when no index is loaded (nor loads now)."""
        self.current()

    @property
    def ready(self) -> bool:
        """An index is loaded (one that appeared on disk since is loaded first)."""
        try:
            self.current()
        except IndexNotReady:
            return False
        return True

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
        extractive = self.current().answerer
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
        store = self.current().store
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
            current = self.snapshot.store  # a write may have landed while embedding
            result = add_documents(self.target, documents, embedded=embedded, current=current)
            if result.added:
                self._install(result.store)
        self._compact_if_due()
        return result

    def remove(self, document_ids: Sequence[str]) -> IndexStore:
        with self._write_lock:
            store = remove_documents(self.target, document_ids, current=self.snapshot.store)
            self._install(store)
        self._compact_if_due()
        return store

    def _compact_if_due(self) -> None:
        """Fold the writes into a new base in the background once they are many."""
        if not needs_compaction(self.snapshot.store) or self._compacting.locked():
            return
        threading.Thread(target=self._compact_quietly, name="compaction", daemon=True).start()

    def _compact_quietly(self) -> None:
        try:
            self.compact()
        except Exception:  # a background job has no caller to tell; the index is unchanged
            logger.exception("background compaction failed; the index is as it was")

    def compact(self) -> bool:
        """Rebuild the index from its live rows, then swap it in. The rebuild (vector
        indexes, lexical index, sentence bank) runs with no lock held: readers and writers
        go on meanwhile, and writes made during it are carried over. False when there was
        nothing to do or another writer rebuilt the index meanwhile."""
        with self._compacting:
            snapshot = self.snapshot
            if not worth_compacting(snapshot.store, self.target.index_type):
                return False
            folded = compacted(snapshot.store, index_type=self.target.index_type)
            prepared = self._snapshot_for(folded, None)
            with self._write_lock:
                installed = install_compacted(self.target, snapshot.store, folded)
                if installed is None:
                    return False
                self._snapshot = self._snapshot_for(installed, prepared)
            logger.info("index compacted: %d passages", len(installed.passages))
            return True
