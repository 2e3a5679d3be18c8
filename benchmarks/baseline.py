"""The pipeline a user would assemble instead of ours, from LangChain's own parts and
defaults, with the same embedding model:

RecursiveCharacterTextSplitter (chunk_size=1000, chunk_overlap=200, as in LangChain's RAG
tutorial) -> HuggingFaceEmbeddings (the packaged all-MiniLM-L6-v2 folder) -> LangChain's FAISS
vector store -> similarity_search(query, k).

No answer step: the baseline returns chunks, so it is compared on retrieval and speed.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

CHUNK_SIZE = 1000
CHUNK_OVERLAP = 200


@dataclass(frozen=True)
class BaselineChunk:
    document_id: str
    text: str


class LangChainBaseline:
    def __init__(self, model_folder: str) -> None:
        from langchain_huggingface import HuggingFaceEmbeddings

        self.embeddings = HuggingFaceEmbeddings(model_name=model_folder)
        self.store = None
        self.chunks = 0
        self.index_seconds = 0.0

    def index(self, documents: Sequence[tuple[str, str]]) -> None:
        """documents: (id, text) pairs."""
        from langchain_community.vectorstores import FAISS
        from langchain_core.documents import Document
        from langchain_text_splitters import RecursiveCharacterTextSplitter

        started = time.perf_counter()
        splitter = RecursiveCharacterTextSplitter(
            chunk_size=CHUNK_SIZE, chunk_overlap=CHUNK_OVERLAP
        )
        chunks = splitter.split_documents(
            [Document(page_content=text, metadata={"id": doc_id}) for doc_id, text in documents]
        )
        self.store = FAISS.from_documents(chunks, self.embeddings)
        self.chunks = len(chunks)
        self.index_seconds = time.perf_counter() - started

    def search(self, query: str, k: int) -> list[BaselineChunk]:
        assert self.store is not None, "index() first"
        return [
            BaselineChunk(document_id=d.metadata["id"], text=d.page_content)
            for d in self.store.similarity_search(query, k=k)
        ]


def packaged_model_folder() -> str:
    from rag.embedding import resolve_model

    return str(resolve_model("all-MiniLM-L6-v2")[1])
