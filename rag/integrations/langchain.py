"""Our hybrid retriever as a LangChain BaseRetriever, for use in any LangChain chain."""

from __future__ import annotations

from collections.abc import Callable

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from rag.retrieval.filters import NO_FILTERS, Filters
from rag.retrieval.retriever import HybridRetriever
from rag.types import Hit


class RagRetriever(BaseRetriever):
    """Passages from hybrid retrieval, as LangChain Documents whose metadata carries the
    passage id, document id, title, outlet and exact offsets into the article.

    `source` returns the retriever to use at call time, so a long-lived chain follows the
    index as documents are added or removed (e.g. `lambda: services.current().retriever`).
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    source: Callable[[], HybridRetriever]
    k: int = 5
    filters: Filters = NO_FILTERS  # which articles may be drawn on

    @classmethod
    def of(
        cls, retriever: HybridRetriever, *, k: int = 5, filters: Filters = NO_FILTERS
    ) -> RagRetriever:
        return cls(source=lambda: retriever, k=k, filters=filters)

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun
    ) -> list[Document]:
        return [
            Document(
                page_content=hit.passage.text,
                metadata={
                    "passage_id": hit.passage.passage_id,
                    "document_id": hit.passage.document_id,
                    "title": hit.document.title,
                    "outlet": hit.document.outlet,
                    "published": hit.document.published,
                    "start": hit.passage.start,
                    "end": hit.passage.end,
                    "score": hit.score,
                    "dense_rank": hit.dense_rank,
                    "lexical_rank": hit.lexical_rank,
                },
            )
            for hit in self._search(query)
        ]

    def _search(self, query: str) -> list[Hit]:
        retriever = self.source()
        return retriever.search(query, self.k, filters=self.filters)
