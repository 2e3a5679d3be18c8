"""The evidence engine behind both answer modes, with one entry point:
`EvidenceEngine.find(question, history)` -> `Evidence`: the follow-up made standalone, every
candidate span of the retrieved passages scored against it, those that state the asked
kind of thing, and whether the articles answer at all (the abstention reason).

Steps: `followup.contextualize` -> embed the question -> `HybridRetriever.search` (plus
passages that share the question's rare words, and for a follow-up those the previous
answer drew on) -> `scoring.score_spans` -> `typed` keeps spans that state the asked
type and the question's names, `constraints` those tied to what is asked (why/how:
`reasons` puts a reason first) -> `abstain.abstention_reason`. The answerers
(`extractive.py`, `generative.py`) only compose from what this returns.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from rag.answer.abstain import AbstentionPolicy, abstention_reason
from rag.answer.cite import citation, source_passages
from rag.answer.constraints import holds_role, tied
from rag.answer.corroborate import CorroborationPolicy
from rag.answer.followup import Standalone, contextualize
from rag.answer.questions import classify, content_terms
from rag.answer.reasons import explains
from rag.answer.relations import possessives
from rag.answer.scoring import CandidateSpan, ScoredSpan, Weights, candidate_spans, score_spans
from rag.answer.sentence_bank import SentenceBank
from rag.answer.typed import (
    ENTITY_TYPES,
    TypedAnswer,
    distinctive_words,
    expected_answer,
    fresh_answers,
    names_kind,
    needles,
    plain,
    satisfied,
)
from rag.embedding import Embedder
from rag.retrieval.filters import NO_FILTERS, Filters, asks_for_latest, newest_first
from rag.retrieval.retriever import HybridRetriever
from rag.text.tokens import lexical_tokens
from rag.wire.answers import Citation, SourcePassage, Turn

EXPLAIN_MARGIN = 0.8  # share of the best score within which a reason beats a restatement
# Annotated kinds that say whose a role is ("Iraq's", "Syrian", "US"). Not organisations:
# they name departments within roles ("Commerce and Industry Minister").
_QUALIFIERS = frozenset({"place", "group"})
KIND_MARGIN = 0.8  # share of the best score within which the named kind beats an accepted one
RECENCY_MARGIN = 0.15  # score distance within which a newer article's answer comes first


@dataclass(frozen=True)
class Evidence:
    """What the articles offer for one question. `timings` (ms per stage) and `started`
    (perf_counter) let the answerer add its own stages and the total."""

    question: str  # as asked
    standalone: Standalone  # with a follow-up's context resolved
    ranked: list[ScoredSpan]  # every candidate span, best first
    answering: list[ScoredSpan]  # those stating the asked kind of thing, best first
    abstention: str | None  # why `answering` does not answer; None when it does
    ranked_abstention: str | None  # the same check on the best span of any kind
    timings: dict[str, float] = field(default_factory=dict)
    started: float = 0.0
    nothing_admitted: bool = False  # the filters admit no indexed article

    def passage_rows(self, limit: int) -> list[int]:
        """The passages of the ranked spans, best first, at most `limit`."""
        return list(dict.fromkeys(s.span.passage_row for s in self.ranked))[:limit]


def typed_answers(
    bank: SentenceBank, span: CandidateSpan, expected: str | None, question: str
) -> list[TypedAnswer]:
    """The span's typed spans that could answer a question asking for `expected`."""
    if expected not in ENTITY_TYPES:
        return []
    spans = [e for row in span.rows for e in bank.entities[row]]
    return fresh_answers(spans, expected, question, span.text)


def stated_answers(
    bank: SentenceBank, span: CandidateSpan, expected: str | None, question: str
) -> dict[str, str]:
    """The span's answers of the asked type itself (key -> text as written): a person for
    "who", not what is merely accepted."""
    answers = typed_answers(bank, span, expected, question)
    stated = {a.key: a.text for a in answers if a.type == expected}
    if expected == "person" and len(stated) > 1:
        # "Who is the Iraqi prime minister?": of "Sullivan spoke to Iraqi Prime Minister
        # al-Sudani", the one named in the asked role, when one is.
        # The asked role itself first ("manager"), then any leading one ("chairman").
        before, places = role_context(bank, span)
        for exact in (True, False):
            holders = {
                key: name
                for key, name in stated.items()
                if holds_role(question, span.text, [name], before, places, beside=True, exact=exact)
            }
            if holders:
                return holders
        return stated
    return stated


def role_context(bank: SentenceBank, span: CandidateSpan) -> tuple[str, list[str]]:
    """What says whose a role in the span is: the sentence before it in its article, and
    the places and peoples of both."""
    row = span.refs[0].row - 1
    same = row >= 0 and bank.refs[row].document_id == span.document_id
    rows = [row, *span.rows] if same else span.rows
    places = [t for r in rows for kind, t in bank.entities[r] if kind in _QUALIFIERS]
    return (bank.refs[row].text if same else ""), places


def _first_within(
    spans: Sequence[ScoredSpan], margin: float, wanted: Callable[[ScoredSpan], bool]
) -> list[ScoredSpan]:
    """The `wanted` spans scoring within `margin` of the best, then the others, each in
    their order."""
    if not spans:
        return []
    floor = margin * spans[0].score
    first = [s for s in spans if s.score >= floor and wanted(s)]
    return [*first, *(s for s in spans if s not in first)]


class EvidenceEngine:
    """Finds and scores the evidence for a question over one store snapshot."""

    def __init__(
        self,
        retriever: HybridRetriever,
        embedder: Embedder,
        *,
        top_k: int = 8,
        lexical_extra: int = 2,
        weights: Weights = Weights(),
        abstention: AbstentionPolicy = AbstentionPolicy(),
        repeat_above: float = 0.80,  # this similar to the previous answer: already said
        corroboration: CorroborationPolicy = CorroborationPolicy(),
        bank: SentenceBank | None = None,
    ) -> None:
        """`bank` is the sentence bank of the retriever's store when already made (grown
        from the previous snapshot's after a write)."""
        self.retriever = retriever
        self.embedder = embedder
        self.bank = bank or SentenceBank(retriever.store)
        self.top_k = top_k
        self._lexical_extra = lexical_extra
        self._weights = weights
        self._abstention = abstention
        self._repeat_above = repeat_above
        self._corroboration = corroboration

    def find(
        self,
        question: str,
        history: Sequence[Turn] = (),
        *,
        top_k: int | None = None,
        filters: Filters = NO_FILTERS,
    ) -> Evidence:
        """The one entry point: question and history -> scored, typed candidate spans with
        the abstention decision. `filters` limit the articles drawn on; a question asking
        for the latest news puts the newest dated article's answer first."""
        started = time.perf_counter()
        timings: dict[str, float] = {}
        standalone = contextualize(question, history)
        clock = time.perf_counter()
        vector = self.embedder.embed([standalone.question])[0]
        timings["embed"] = (time.perf_counter() - clock) * 1000
        admitted = self.retriever.searchable(self.retriever.rows_for(filters))
        nothing_admitted = admitted is not None and not admitted.any()
        ranked = self.rank(standalone, vector, top_k or self.top_k, timings, filters=filters)
        answering = self.answering(standalone.question, ranked)
        if asks_for_latest(standalone.question):
            answering = self.newest_first(answering)
        return Evidence(
            question=question,
            standalone=standalone,
            ranked=ranked,
            answering=answering,
            abstention=self.abstention_reason(
                standalone.question,
                answering[0] if answering else None,
                checked=self.checks_type(standalone.question),
            ),
            ranked_abstention=self.abstention_reason(
                standalone.question, ranked[0] if ranked else None
            ),
            timings=timings,
            started=started,
            nothing_admitted=nothing_admitted,
        )

    def gather(
        self,
        standalone: Standalone,
        question_vector: np.ndarray,
        top_k: int,
        allowed: np.ndarray | None = None,
        *,
        filters: Filters = NO_FILTERS,
    ) -> tuple[list[CandidateSpan], dict[int, int]]:
        """Candidate spans from the retrieved passages and, for a follow-up, from the
        passages the previous answer drew on; with each passage's rank (bank rows). Only
        live rows of the articles `filters` admit (and only rows `allowed`, a mask over
        passage rows, when given: the default backend only)."""
        retriever = self.retriever
        if allowed is not None:  # one mask for both
            filtered = retriever.rows_for(filters)
            allowed, filters = (allowed if filtered is None else allowed & filtered), NO_FILTERS
        hits = retriever.search(
            standalone.question,
            top_k,
            query_vector=question_vector,
            allowed=allowed,
            filters=filters,
        )
        ranks = {hit.row: i for i, hit in enumerate(hits, 1)}  # the bank's rows are the store's
        # A passage that shares the question's rare words ("presidential election") can lose
        # the fused ranking to passages on the general topic; the answer may be there.
        rows = None if allowed is None else retriever.searchable(allowed)
        extra = retriever.lexical(standalone.question, self._lexical_extra, rows, filters=filters)
        for row, _ in extra:
            ranks.setdefault(row, len(ranks) + 1)
        if not (standalone.is_followup and standalone.previous_answer):
            return candidate_spans(self.bank, list(ranks), self._weights), ranks
        previous = self.embedder.embed([standalone.previous_answer])[0]
        searchable = retriever.searchable(
            retriever.rows_for(filters) if allowed is None else allowed
        )
        usable = self.bank.live if searchable is None else retriever.store.per_sentence(searchable)
        similarity = np.where(usable, self.bank.matrix @ previous, -1.0)
        for row in np.argsort(-similarity)[:2]:
            ranks.setdefault(self.bank.refs[int(row)].passage_row, len(ranks) + 1)
        # What the previous answer already said is not an answer to the follow-up.
        repeated = set(np.flatnonzero(similarity >= self._repeat_above).tolist())
        spans = candidate_spans(self.bank, list(ranks), self._weights)
        return [s for s in spans if not repeated & set(s.rows)], ranks

    def rank(
        self,
        standalone: Standalone,
        question_vector: np.ndarray,
        top_k: int,
        timings: dict[str, float],
        allowed: np.ndarray | None = None,
        *,
        filters: Filters = NO_FILTERS,
    ) -> list[ScoredSpan]:
        """Candidate spans scored against the question, best first."""
        clock = time.perf_counter()
        candidates, ranks = self.gather(
            standalone, question_vector, top_k, allowed, filters=filters
        )
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

    def newest_first(self, spans: Sequence[ScoredSpan]) -> list[ScoredSpan]:
        """For "latest" questions: among spans scoring within RECENCY_MARGIN of the best,
        those of newer articles first (undated ones after dated ones); the rest keep
        their order after them."""
        if not spans:
            return list(spans)
        close = [s for s in spans if s.score >= spans[0].score - RECENCY_MARGIN]
        rows = newest_first(self.retriever.store, dict.fromkeys(s.span.passage_row for s in close))
        order = {row: at for at, row in enumerate(rows)}
        close.sort(key=lambda s: order[s.span.passage_row])
        return [*close, *spans[len(close) :]]

    def answering(self, question: str, scored: Sequence[ScoredSpan]) -> list[ScoredSpan]:
        """The spans that state the kind of thing the question asks for (a name for "who",
        an amount for "how much") beyond what the question already says, best first. On
        an index without annotations, or for questions whose wording names no such type,
        every span."""
        expected = expected_answer(question)
        required = distinctive_words(question)
        firsts: dict[str, dict[str, int]] = {}
        kept = [s for s in scored if self._says(s.span, required, firsts)]
        if expected in ("reason", "method"):
            return self._explaining_first(kept, expected)
        if not self.checks_type(question):
            return kept
        answering = [s for s in kept if self._answers(s.span, expected, question, required)]
        if names_kind(question, expected):
            return self._named_kind_first(answering, expected, question)
        return answering

    def _named_kind_first(
        self, spans: Sequence[ScoredSpan], expected: str | None, question: str
    ) -> list[ScoredSpan]:
        """ "Which newspaper …?": spans that state a newspaper's name, scoring within
        KIND_MARGIN of the best, before those that state only a person."""

        def states_kind(span: ScoredSpan) -> bool:
            return bool(stated_answers(self.bank, span.span, expected, question))

        return _first_within(spans, KIND_MARGIN, states_kind)

    def _explaining_first(
        self, spans: Sequence[ScoredSpan], expected: str | None
    ) -> list[ScoredSpan]:
        """Why/how: spans that give a reason or method, scoring within EXPLAIN_MARGIN of
        the best, before those that only restate what happened."""
        return _first_within(spans, EXPLAIN_MARGIN, lambda s: explains(expected, s.span.text))

    def _answers(
        self,
        span: CandidateSpan,
        expected: str | None,
        question: str,
        required: Sequence[Sequence[str]],
    ) -> bool:
        """The span states a fresh answer of the asked type, tied to what is asked."""
        answers = typed_answers(self.bank, span, expected, question)
        if not answers:
            return False
        before, places = role_context(self.bank, span)
        typed = [(a.type, a.text) for a in answers]
        return tied(question, expected, span.text, typed, required, before, places)

    def _says(
        self,
        span: CandidateSpan,
        required: Sequence[Sequence[str]],
        firsts: dict[str, dict[str, int]],
    ) -> bool:
        """Every distinctive word is in the span or in what it is read after: its article
        up to the span, title included. A news article names its subject once, at the top,
        and then says "the club", "the firm"; what comes after the span is not its context
        ("the second leg" mentioned further down does not make a score the second leg's).
        `firsts` caches, per article, the row where each word is first found."""
        if not required:
            return True
        if span.document_id not in firsts:
            firsts[span.document_id] = self._first_rows(span, needles(required))
        first = firsts[span.document_id]
        last = span.refs[-1].row
        return satisfied(required, lambda needle: first.get(needle, last + 1) <= last)

    def _first_rows(self, span: CandidateSpan, wanted: set[str]) -> dict[str, int]:
        """For each wanted needle, the first live row of the span's article whose plain
        text holds it (-1: the title); needles found nowhere are left out."""
        bank = self.bank
        rows = bank.document_rows(span.refs[0].row)
        texts = [(-1, plain(bank.store.documents[span.document_id].label))]
        # Not an earlier, removed copy of the same article; plain() is cached across questions.
        texts += [(r, plain(bank.refs[r].text)) for r in rows if bank.live[r]]
        first: dict[str, int] = {}
        for needle in wanted:
            first[needle] = next((r for r, text in texts if needle in text), rows.stop)
        return first

    def checks_type(self, question: str) -> bool:
        """Are the answering spans of `question` checked for a typed answer tied to it?"""
        return self.bank.annotated and expected_answer(question) in ENTITY_TYPES

    def abstention_reason(
        self, question: str, best: ScoredSpan | None, *, checked: bool = False
    ) -> str | None:
        """Why the articles don't answer `question`, or None when the best span does;
        `checked`: the span was checked for a typed answer tied to the question."""
        if best is None:
            return "nothing retrieved"
        return abstention_reason(
            question,
            classify(question),
            score=best.score,
            sentence=best.span.text,
            passage=self.bank.store.passages[best.span.passage_row].text,
            policy=self._abstention,
            checked=checked,
        )

    def cite(self, n: int, span: CandidateSpan, *, same_answer: set[str] | None = None) -> Citation:
        """Citation `n` of a span, with the other articles that report the same fact."""
        return citation(
            self.bank,
            n,
            span,
            same_answer=same_answer,
            policy=self._corroboration,
            nearest=self.retriever.nearest_sentences,
        )

    def sources(self, passage_rows: Sequence[int]) -> list[SourcePassage]:
        """The passages at these rows, numbered from 1, as an answer lists its sources."""
        return source_passages(self.bank.store, passage_rows)
