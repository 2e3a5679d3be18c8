"""Citations and source passages of an answer, built straight from its spans: the quoted
sentences with their article's metadata and the other articles that report the same fact
(`corroborate.py`), minus those that tell it with another name or figure."""

from __future__ import annotations

from collections.abc import Iterable

from rag.answer.corroborate import CorroborationPolicy, Nearest, corroborating
from rag.answer.scoring import CandidateSpan
from rag.answer.sentence_bank import SentenceBank
from rag.answer.typed import differing_facts
from rag.index.store import IndexStore
from rag.wire.answers import Citation, Corroboration, SourcePassage
from rag.wire.documents import document_fields


def source_passages(store: IndexStore, passage_rows: Iterable[int]) -> list[SourcePassage]:
    """The passages at these store rows, numbered from 1, with their documents' metadata."""
    sources = []
    for n, row in enumerate(passage_rows, 1):
        passage = store.passages[row]
        sources.append(
            SourcePassage(
                n=n,
                passage_id=passage.passage_id,
                **document_fields(store.documents[passage.document_id]),
                start=passage.start,
                end=passage.end,
                text=passage.text,
            )
        )
    return sources


def citation(
    bank: SentenceBank,
    n: int,
    span: CandidateSpan,
    *,
    same_answer: set[str] | None = None,
    policy: CorroborationPolicy = CorroborationPolicy(),
    nearest: Nearest | None = None,
) -> Citation:
    """Citation `n` of a span. With `same_answer` (the span's typed answers), another
    article corroborates only if it states one of them: a source that tells the same
    story with another name or number is not "also reported by". `nearest` finds a
    sentence's neighbours (the search backend's; default: the store's sentence index)."""
    store = bank.store
    passage = store.passages[span.passage_row]
    document = store.documents[span.document_id]
    others = [
        o
        for o in corroborating(bank, span, policy=policy, nearest=nearest)
        if differing_facts(span.text, o.text, bank.kinds(span.rows), bank.kinds([o.row])) is None
    ]
    if same_answer and bank.annotated:
        others = [o for o in others if same_answer <= bank.answer_keys(o)]
    also = [
        Corroboration(
            **document_fields(store.documents[other.document_id]),
            quote=other.text,
            start=other.start,
            end=other.end,
        )
        for other in others
    ]
    return Citation(
        n=n,
        passage_id=passage.passage_id,
        **document_fields(document),
        quote=document.text[span.start : span.end],
        start=span.start,
        end=span.end,
        passage_text=passage.text,
        also_reported_by=also,
    )
