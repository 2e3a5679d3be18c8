"""Our retriever inside LangChain: BaseRetriever documents and a small LCEL chain."""

from langchain_core.documents import Document
from langchain_core.runnables import RunnableLambda, RunnablePassthrough

from rag.integrations.langchain import RagRetriever
from rag.retrieval.retriever import HybridRetriever


def test_retriever_returns_documents_with_citation_metadata(seed_store, embedder):
    retriever = RagRetriever.of(HybridRetriever(seed_store, embedder), k=3)
    documents = retriever.invoke("why did Tehran rebuff Baghdad")
    assert len(documents) == 3 and all(isinstance(d, Document) for d in documents)
    for document in documents:
        meta = document.metadata
        text = seed_store.documents[meta["document_id"]].text
        assert text[meta["start"] : meta["end"]] == document.page_content
        assert meta["passage_id"].startswith(meta["document_id"])
        assert {"title", "outlet", "score", "dense_rank", "lexical_rank"} <= set(meta)
    assert any("their own decision" in d.page_content for d in documents)


def test_retriever_composes_into_an_lcel_chain(seed_store, embedder):
    retriever = RagRetriever.of(HybridRetriever(seed_store, embedder), k=2)

    def numbered(documents: list[Document]) -> str:
        return "\n".join(f"[{i}] {d.page_content}" for i, d in enumerate(documents, 1))

    chain = {
        "sources": retriever | RunnableLambda(numbered),
        "question": RunnablePassthrough(),
    } | RunnableLambda(lambda x: f"Question: {x['question']}\n{x['sources']}")
    prompt = chain.invoke("When was Al-Nujaba established?")
    assert prompt.startswith("Question: When was Al-Nujaba established?")
    assert "[1]" in prompt and "2013" in prompt
