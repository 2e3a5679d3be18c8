"""The extractive Answerer: the one to three sentences that best answer the question,
quoted from the articles and cited, or an honest "the articles don't say"."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace

import numpy as np

from rag.answer.abstain import AbstentionPolicy, abstention_reason
from rag.answer.corroborate import CorroborationPolicy, corroborating
from rag.answer.evidence import (
    ScoredSpan,
    SentenceBank,
    SentenceRef,
    Span,
    Weights,
    candidate_spans,
    score_spans,
)
from rag.answer.followup import Standalone, contextualize
from rag.answer.models import (
    Answer,
    AnswerEvent,
    AnswerMode,
    AnswerSentence,
    Citation,
    Conflict,
    Corroboration,
    DeltaEvent,
    SourcePassage,
    SourcesEvent,
    StreamEvent,
    Turn,
    answer_deltas,
    answer_text,
)
from rag.answer.questions import Unit, classify, content_terms
from rag.answer.relations import possessives
from rag.answer.typed import (
    ENTITY_TYPES,
    TypedAnswer,
    differing_facts,
    distinctive_words,
    expected_answer,
    fresh_answers,
    normalise,
    plain,
    says_all,
)
from rag.answer.typed import ages as _ages
from rag.embedding import Embedder
from rag.index.store import IndexStore
from rag.retrieval.retriever import HybridRetriever
from rag.retrieval.tokens import lexical_tokens
from rag.types import Passage

CONTEXT_BEFORE = 3  # sentences before a span that can carry what it refers to
NOT_COVERED = "The articles don't cover this: no passage in them answers the question."
_LEADING_CONNECTIVE = re.compile(
    r"^(But|And|However|Nonetheless|Nevertheless|Meanwhile|Still|Yet|Also|In turn|Internally)"
    r",?\s+(?=\S)"
)


@dataclass(frozen=True)
class SelectionPolicy:
    max_sentences: int = 3
    max_words: int = 80
    relative_score: float = 0.95  # extra sentences must score this close to the best
    distinct_below: float = 0.80  # more similar than this to a chosen one: the same fact
    repeat_above: float = 0.80  # this similar to the previous answer: already said
    rival_score: float = 0.85  # a disagreeing source must score this close to the best
    same_fact_above: float = 0.80  # and tell the same fact: this similar to the best


def source_passage(store: IndexStore, n: int, passage: Passage) -> SourcePassage:
    """Passage `n` of an answer, with its document's metadata."""
    document = store.documents[passage.document_id]
    return SourcePassage(
        n=n,
        passage_id=passage.passage_id,
        document_id=document.id,
        title=document.label,
        outlet=document.outlet,
        published=document.published,
        start=passage.start,
        end=passage.end,
        text=passage.text,
    )


def _answer_text(quote: str) -> str:
    text = _LEADING_CONNECTIVE.sub("", quote)
    return text[:1].upper() + text[1:]


def _another_answer(candidate: ScoredSpan, best: ScoredSpan, found: set[Unit]) -> bool:
    """An extra span finds a question word the chosen ones lack (the speaker's sentence of
    a quote adds none: it is context) and, if the best states the asked relation ("Sudani's
    adviser"), states it too (another adviser is not a second answer)."""
    return not candidate.found <= found and (candidate.relation or not best.relation)


class ExtractiveAnswerer:
    def __init__(
        self,
        retriever: HybridRetriever,
        embedder: Embedder,
        *,
        top_k: int = 8,
        lexical_extra: int = 2,
        weights: Weights = Weights(),
        abstention: AbstentionPolicy = AbstentionPolicy(),
        selection: SelectionPolicy = SelectionPolicy(),
        corroboration: CorroborationPolicy = CorroborationPolicy(),
        bank: SentenceBank | None = None,
    ) -> None:
        """`bank` is the sentence bank of the retriever's store when already made."""
        self.retriever = retriever
        self.bank = bank or SentenceBank(retriever.store)
        self._embedder = embedder
        self._top_k = top_k
        self._lexical_extra = lexical_extra
        self._weights = weights
        self._abstention = abstention
        self._selection = selection
        self._corroboration = corroboration

    def gather(
        self, standalone: Standalone, question_vector: np.ndarray, top_k: int
    ) -> tuple[list[Span], dict[int, int]]:
        """Candidate spans from the retrieved passages and, for a follow-up, from the
        passages the previous answer drew on; with each passage's rank."""
        hits = self.retriever.search(standalone.question, top_k, query_vector=question_vector)
        store = self.retriever.store
        rows = [store.row_of(h.passage.passage_id) for h in hits]  # hits come from this store
        ranks = {row: i for i, row in enumerate(rows, 1) if row is not None}
        # A passage that shares the question's rare words ("presidential election") can lose
        # the fused ranking to passages on the general topic; the answer may be there.
        searchable = self.retriever.searchable()
        for row, _ in self.retriever.lexical(standalone.question, self._lexical_extra, searchable):
            ranks.setdefault(row, len(ranks) + 1)
        if not (standalone.is_followup and standalone.previous_answer):
            return candidate_spans(self.bank, list(ranks), self._weights), ranks
        previous = self._embedder.embed([standalone.previous_answer])[0]
        similarity = np.where(self.bank.live, self.bank.matrix @ previous, -1.0)
        for row in np.argsort(-similarity)[:2]:
            ranks.setdefault(self.bank.refs[int(row)].passage_row, len(ranks) + 1)
        # What the previous answer already said is not an answer to the follow-up.
        repeated = set(np.flatnonzero(similarity >= self._selection.repeat_above).tolist())
        spans = candidate_spans(self.bank, list(ranks), self._weights)
        return [s for s in spans if not repeated & set(s.rows)], ranks

    def rank_spans(
        self,
        standalone: Standalone,
        question_vector: np.ndarray,
        top_k: int,
        timings: dict[str, float],
    ) -> list[ScoredSpan]:
        """Candidate spans scored against the question, best first."""
        clock = time.perf_counter()
        candidates, ranks = self.gather(standalone, question_vector, top_k)
        timings["retrieve"] = (time.perf_counter() - clock) * 1000
        clock = time.perf_counter()
        scored = score_spans(
            self.bank,
            candidates,
            question_vector=question_vector,
            question_terms=content_terms(standalone.question),
            kind=classify(standalone.question),
            passage_ranks=ranks,
            relations=possessives(standalone.question),
            weights=self._weights,
        )
        timings["score"] = (time.perf_counter() - clock) * 1000
        if not standalone.is_followup:
            return scored
        # Words the previous answer already gave ("Jake Sullivan" for "they") are not what
        # a follow-up asks about: finding them does not make a span another answer.
        given = frozenset(lexical_tokens(standalone.previous_answer))
        return [
            replace(s, found=frozenset(u for u in s.found if not u.found_in(given))) for s in scored
        ]

    def abstention_reason(self, question: str, best: ScoredSpan | None) -> str | None:
        """Why the articles don't answer `question`, or None when the best span does."""
        if best is None:
            return "nothing retrieved"
        return abstention_reason(
            question,
            classify(question),
            score=best.score,
            sentence=best.span.text,
            passage=self.bank.store.passages[best.span.passage_row].text,
            policy=self._abstention,
        )

    def select(self, scored: Sequence[ScoredSpan]) -> list[ScoredSpan]:
        """The best span, plus up to two more that score nearly as well, say something
        else (not a near-duplicate), find a question word the others lack and fit the
        word budget."""
        policy = self._selection
        chosen = [scored[0]]
        words = scored[0].span.words
        used = set(scored[0].span.rows)
        found = set(scored[0].found)
        for candidate in scored[1:]:
            if (
                len(chosen) == policy.max_sentences
                or candidate.score < policy.relative_score * scored[0].score
            ):
                break
            if used & set(candidate.span.rows) or words + candidate.span.words > policy.max_words:
                continue
            if not _another_answer(candidate, scored[0], found):
                continue
            similar = max(
                float(self.bank.matrix[a] @ self.bank.matrix[b])
                for a in candidate.span.rows
                for c in chosen
                for b in c.span.rows
            )
            if similar < policy.distinct_below:
                chosen.append(candidate)
                words += candidate.span.words
                used.update(candidate.span.rows)
                found.update(candidate.found)
        # Spans of one article read best in the article's order.
        lead = chosen[0].span.document_id
        return sorted(
            chosen, key=lambda s: (s.span.document_id != lead, s.span.document_id, s.span.start)
        )

    @property
    def top_k(self) -> int:
        return self._top_k

    @property
    def embedder(self) -> Embedder:
        return self._embedder

    def embed_question(self, question: str, timings: dict[str, float]) -> np.ndarray:
        clock = time.perf_counter()
        vector = self._embedder.embed([question])[0]
        timings["embed"] = (time.perf_counter() - clock) * 1000
        return vector

    def answering(self, question: str, scored: Sequence[ScoredSpan]) -> list[ScoredSpan]:
        """The spans that state the kind of thing the question asks for (a name for "who",
        an amount for "how much") beyond what the question already says, best first. On
        an index without annotations, or for questions whose wording names no such type,
        every span."""
        expected = expected_answer(question)
        required = distinctive_words(question)
        scored = [s for s in scored if self._says(s.span, required)]
        if not (self.bank.annotated and expected in ENTITY_TYPES):
            return scored
        return [s for s in scored if self.typed_answers(s.span, expected, question)]

    def _says(self, span: Span, required: Sequence[Sequence[str]]) -> bool:
        """Every distinctive word is in the span or its immediate context: the three
        sentences before it in its article, or the article's title."""
        if not required:
            return True
        first = span.refs[0].row
        context = [
            self.bank.refs[row].text
            for row in range(max(first - CONTEXT_BEFORE, 0), first)
            if self.bank.refs[row].document_id == span.document_id
        ]
        title = self.bank.store.documents[span.document_id].label
        return says_all(plain(" ".join([title, *context, span.text])), required)

    def typed_answers(self, span: Span, expected: str | None, question: str) -> list[TypedAnswer]:
        if expected not in ENTITY_TYPES:
            return []
        spans = [e for row in span.rows for e in self.bank.entities[row]]
        return fresh_answers(spans, expected, question, span.text)

    def answer(
        self, question: str, history: Sequence[Turn] = (), *, top_k: int | None = None
    ) -> Answer:
        started = time.perf_counter()
        timings: dict[str, float] = {}
        standalone = contextualize(question, history)
        vector = self.embed_question(standalone.question, timings)
        scored = self.answering(
            standalone.question,
            self.rank_spans(standalone, vector, top_k or self._top_k, timings),
        )
        if self.abstention_reason(standalone.question, scored[0] if scored else None):
            scored = []
        return self.compose(question, standalone.question, scored, timings, started)

    def stream(
        self, question: str, history: Sequence[Turn] = (), *, top_k: int | None = None
    ) -> Iterator[StreamEvent]:
        """The same answer as events: its sources, its sentences, then the whole answer."""
        answer = self.answer(question, history, top_k=top_k)
        store = self.retriever.store
        sources = []
        for citation in answer.citations:
            passage = store.passage(citation.passage_id)
            assert passage is not None
            sources.append(source_passage(store, citation.n, passage))
        yield SourcesEvent(sources=sources)
        for delta in answer_deltas(answer.sentences):
            yield DeltaEvent(text=delta)
        yield AnswerEvent(answer=answer)

    def compose(
        self,
        question: str,
        standalone: str,
        scored: Sequence[ScoredSpan],
        timings: dict[str, float],
        started: float,
        *,
        mode: AnswerMode = "extractive",
    ) -> Answer:
        """The answer from the best spans; with none, the "articles don't cover this" answer.
        When another credible source states a different answer, both are given as such."""
        clock = time.perf_counter()
        expected = expected_answer(standalone)
        chosen = self.select(scored) if scored else []
        rival = self.disagreeing(scored, expected, standalone) if chosen else None
        if rival is not None:
            chosen = [scored[0], rival[0]]
        citations = [
            self.citation(n, s.span, same_answer=set(self.stated(s.span, expected, standalone)))
            for n, s in enumerate(chosen, 1)
        ]
        sentences = [
            AnswerSentence(text=_answer_text(s.span.text), citations=[n])
            for n, s in enumerate(chosen, 1)
        ] or [AnswerSentence(text=NOT_COVERED, citations=[])]
        conflicts = []
        if rival is not None:
            versions = list(rival[1:])
            conflicts = [Conflict(answer=v, citations=[n]) for n, v in enumerate(versions, 1)]
            sentences.insert(
                0,
                AnswerSentence(
                    text=f"Sources disagree: {versions[0]} [1]; {versions[1]} [2].", citations=[]
                ),
            )
        timings["compose"] = (time.perf_counter() - clock) * 1000
        timings["total"] = (time.perf_counter() - started) * 1000
        return Answer(
            question=question,
            standalone_question=standalone,
            answer=answer_text(sentences) if chosen else NOT_COVERED,
            abstained=not chosen,
            mode=mode,
            sentences=sentences,
            citations=citations,
            conflicts=conflicts,
            timings_ms={k: round(v, 2) for k, v in timings.items()},
        )

    def _keys_of(self, ref: SentenceRef) -> set[str]:
        return {normalise(text) for _, text in self.bank.entities[ref.row]} | {
            normalise(m) for m in _ages(ref.text)
        }

    def disagreeing(
        self, scored: Sequence[ScoredSpan], expected: str | None, question: str
    ) -> tuple[ScoredSpan, str, str] | None:
        """A credible span of another article that tells the same fact (near-identical
        wording) with a different answer of the asked type: (that span, the best span's
        version, its version), or None."""
        best = scored[0]
        mine = self.stated(best.span, expected, question)
        policy = self._selection
        if not mine:
            return self._retold_differently(scored)
        for other in scored[1:]:
            if other.score < policy.rival_score * best.score:
                break
            if other.span.document_id == best.span.document_id:
                continue
            theirs = self.stated(other.span, expected, question)
            only_mine = [k for k in mine if k not in self._span_keys(other.span)]
            only_theirs = [k for k in theirs if k not in self._span_keys(best.span)]
            if not (only_mine and only_theirs):
                continue
            similar = max(
                float(self.bank.matrix[a] @ self.bank.matrix[b])
                for a in best.span.rows
                for b in other.span.rows
            )
            if similar >= policy.same_fact_above:
                return other, mine[only_mine[0]], theirs[only_theirs[0]]
        return None

    def _kinds(self, rows: Sequence[int]) -> dict[str, str]:
        """Text -> annotated type of the typed spans of these sentences."""
        return {text: kind for row in rows for kind, text in self.bank.entities[row]}

    def _retold_differently(
        self, scored: Sequence[ScoredSpan]
    ) -> tuple[ScoredSpan, str, str] | None:
        """Without an asked type: another article's near-identical telling of the best
        span that states another name or figure in its place."""
        best = scored[0]
        for other in scored[1:]:
            if other.score < self._selection.rival_score * best.score:
                break
            if other.span.document_id == best.span.document_id:
                continue
            differ = differing_facts(
                best.span.text,
                other.span.text,
                self._kinds(best.span.rows),
                self._kinds(other.span.rows),
            )
            if differ is not None:
                return other, " ".join(differ[0]), " ".join(differ[1])
        return None

    def stated(self, span: Span, expected: str | None, question: str) -> dict[str, str]:
        """The span's answers of the asked type itself (key -> text as written)."""
        answers = self.typed_answers(span, expected, question)
        # The asked type itself (a person for "who"), not what is merely accepted.
        return {a.key: a.text for a in answers if a.type == expected}

    def _span_keys(self, span: Span) -> set[str]:
        return set().union(*(self._keys_of(ref) for ref in span.refs))

    def citation(self, n: int, span: Span, *, same_answer: set[str] | None = None) -> Citation:
        """Citation `n` of a span. With `same_answer` (the span's typed answers), another
        article corroborates only if it states one of them: a source that tells the same
        story with another name or number is not "also reported by"."""
        store = self.retriever.store
        passage = store.passages[span.passage_row]
        document = store.documents[span.document_id]
        others = [
            o
            for o in corroborating(self.bank, span, policy=self._corroboration)
            if differing_facts(span.text, o.text, self._kinds(span.rows), self._kinds([o.row]))
            is None
        ]
        if same_answer and self.bank.annotated:
            others = [o for o in others if same_answer <= self._keys_of(o)]
        also = [
            Corroboration(
                document_id=other.document_id,
                outlet=store.documents[other.document_id].outlet,
                title=store.documents[other.document_id].label,
                quote=other.text,
                start=other.start,
                end=other.end,
            )
            for other in others
        ]
        return Citation(
            n=n,
            passage_id=passage.passage_id,
            document_id=document.id,
            title=document.label,
            outlet=document.outlet,
            published=document.published,
            quote=document.text[span.start : span.end],
            start=span.start,
            end=span.end,
            passage_text=passage.text,
            also_reported_by=also,
        )
