"""The extractive Answerer: the one to three sentences that best answer the question,
quoted from the articles and cited, or an honest "the articles don't say". It composes
from the evidence engine's spans (`evidence.py`); it retrieves and scores nothing itself."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from rag.answer.evidence import Evidence, EvidenceEngine, stated_answers
from rag.answer.questions import QuestionWord
from rag.answer.scoring import CandidateSpan, ScoredSpan
from rag.answer.typed import (
    differing_facts,
    expected_answer,
    in_full,
    normalise,
    same_telling_but,
)
from rag.retrieval.filters import NO_FILTERS, Filters
from rag.retrieval.retriever import HybridRetriever
from rag.wire.answers import (
    Answer,
    AnswerEvent,
    AnswerSentence,
    Conflict,
    DeltaEvent,
    SourcePassage,
    SourcesEvent,
    StreamEvent,
    Turn,
    answer_deltas,
    answer_text,
)

NOT_COVERED = "The articles don't cover this: no passage in them answers the question."
NONE_ADMITTED = "No indexed article matches the filters, so there is nothing to answer from."
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
    rival_score: float = 0.85  # a disagreeing source must score this close to the best
    same_fact_above: float = 0.80  # and tell the same fact: this similar to the best


_FIGURE_TYPES = frozenset({"number", "money", "percentage", "date", "age", "measure"})


def _is_figure(fact: str) -> bool:
    return any(c.isdigit() for c in fact)


def _answer_text(quote: str) -> str:
    text = _LEADING_CONNECTIVE.sub("", quote)
    return text[:1].upper() + text[1:]


def _sentences(
    chosen: Sequence[ScoredSpan],
    rival: tuple[ScoredSpan, str, str] | None,
    declined: str = NOT_COVERED,
    short: tuple[str, int] | None = None,
) -> tuple[list[AnswerSentence], list[Conflict]]:
    """The answer's sentences, each citing its span (`declined` when there is none); with a
    short answer (text, citation), that first; with a rival, "Sources disagree: …" first
    and the two versions as conflicts."""
    sentences = [
        AnswerSentence(text=_answer_text(s.span.text), citations=[n])
        for n, s in enumerate(chosen, 1)
    ] or [AnswerSentence(text=declined, citations=[])]
    if short is not None:
        text, n = short
        sentences.insert(0, AnswerSentence(text=text, citations=[n], role="short_answer"))
    if rival is None:
        return sentences, []
    versions = list(rival[1:])
    disagree = f"Sources disagree: {versions[0]} [1]; {versions[1]} [2]."
    sentences.insert(0, AnswerSentence(text=disagree, citations=[], role="disagreement"))
    return sentences, [Conflict(answer=v, citations=[n]) for n, v in enumerate(versions, 1)]


def short_answer(
    stated: dict[str, str], chosen: Sequence[ScoredSpan], best: ScoredSpan
) -> tuple[str, int] | None:
    """The asked name, date or amount alone (from `stated`, what the best span states of the
    asked type) with its citation: only when it states exactly one; two names in the span
    leave the quote to tell."""
    if len(stated) != 1:
        return None
    return next(iter(stated.values())), [s.span for s in chosen].index(best.span) + 1


def _another_answer(candidate: ScoredSpan, best: ScoredSpan, found: set[QuestionWord]) -> bool:
    """An extra span finds a question word the chosen ones lack (the speaker's sentence of
    a quote adds none: it is context) and, if the best states the asked relation ("Sudani's
    adviser"), states it too (another adviser is not a second answer)."""
    return not candidate.found <= found and (candidate.relation or not best.relation)


class ExtractiveAnswerer:
    """Answers with the evidence's best spans, quoted and cited."""

    def __init__(
        self, engine: EvidenceEngine, *, selection: SelectionPolicy = SelectionPolicy()
    ) -> None:
        self.engine = engine
        self._selection = selection

    @property
    def retriever(self) -> HybridRetriever:
        return self.engine.retriever

    def answer(
        self,
        question: str,
        history: Sequence[Turn] = (),
        *,
        top_k: int | None = None,
        filters: Filters = NO_FILTERS,
    ) -> Answer:
        answer, _ = self.compose(self.engine.find(question, history, top_k=top_k, filters=filters))
        return answer

    def stream(
        self,
        question: str,
        history: Sequence[Turn] = (),
        *,
        top_k: int | None = None,
        filters: Filters = NO_FILTERS,
    ) -> Iterator[StreamEvent]:
        """The same answer as events: its sources, its sentences, then the whole answer."""
        answer, sources = self.compose(
            self.engine.find(question, history, top_k=top_k, filters=filters)
        )
        yield SourcesEvent(sources=sources)
        for delta in answer_deltas(answer.sentences):
            yield DeltaEvent(text=delta)
        yield AnswerEvent(answer=answer)

    def compose(
        self, evidence: Evidence, spans: Sequence[ScoredSpan] | None = None
    ) -> tuple[Answer, list[SourcePassage]]:
        """The answer from the best of `spans` (default: the evidence's answering spans,
        none when it abstains) with the passages it cites; with no spans, the "articles
        don't cover this" answer. When another credible source states a different answer,
        both are given as such."""
        if spans is None:
            spans = [] if evidence.abstention else evidence.answering
        clock = time.perf_counter()
        standalone = evidence.standalone.question
        expected = expected_answer(standalone)
        chosen = self.select(spans) if spans else []
        rival = self.disagreeing(spans, expected, standalone) if chosen else None
        if rival is not None:
            chosen = [spans[0], rival[0]]
        bank = self.engine.bank
        citations = [
            self.engine.cite(
                n, s.span, same_answer=set(stated_answers(bank, s.span, expected, standalone))
            )
            for n, s in enumerate(chosen, 1)
        ]
        declined = NONE_ADMITTED if evidence.nothing_admitted else NOT_COVERED
        short = None
        if chosen and rival is None:
            stated = stated_answers(bank, spans[0].span, expected, standalone)
            if expected == "person":  # "Mr Jacobsen" is the article's Nicholas Lee Jacobsen
                people = self._people_of(spans[0].span)
                named = (in_full(n, people, spans[0].span.text) for n in stated.values())
                stated = {normalise(name): name for name in named}
            short = short_answer(stated, chosen, spans[0])
        sentences, conflicts = _sentences(chosen, rival, declined, short)
        timings = evidence.timings
        timings["compose"] = (time.perf_counter() - clock) * 1000
        timings["total"] = (time.perf_counter() - evidence.started) * 1000
        answer = Answer(
            question=evidence.question,
            standalone_question=standalone,
            answer=answer_text(sentences) if chosen else declined,
            abstained=not chosen,
            mode="extractive",
            sentences=sentences,
            citations=citations,
            conflicts=conflicts,
            timings_ms={k: round(v, 2) for k, v in timings.items()},
        )
        return answer, self.engine.sources([s.span.passage_row for s in chosen])

    def select(self, scored: Sequence[ScoredSpan]) -> list[ScoredSpan]:
        """The best span, plus up to two more that score nearly as well, say something
        else (not a near-duplicate), find a question word the others lack and fit the
        word budget."""
        policy = self._selection
        matrix = self.engine.bank.matrix
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
                float(matrix[a] @ matrix[b])
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

    def disagreeing(
        self, scored: Sequence[ScoredSpan], expected: str | None, question: str
    ) -> tuple[ScoredSpan, str, str] | None:
        """A credible span of another article that tells the same fact (near-identical
        wording) with a different answer of the asked type, or failing that another name
        or figure in the same place of a near-identical telling: (that span, the best
        span's version, its version), or None."""
        bank = self.engine.bank
        best = scored[0]
        mine = stated_answers(bank, best.span, expected, question)
        policy = self._selection
        if not mine:
            return self._retold_differently(scored)
        for other in scored[1:]:
            if other.score < policy.rival_score * best.score:
                break
            if other.span.document_id == best.span.document_id:
                continue
            theirs = stated_answers(bank, other.span, expected, question)
            only_mine = [k for k in mine if k not in self._span_keys(other.span)]
            only_theirs = [k for k in theirs if k not in self._span_keys(best.span)]
            if not (only_mine and only_theirs):
                continue
            similar = max(
                float(bank.matrix[a] @ bank.matrix[b])
                for a in best.span.rows
                for b in other.span.rows
            )
            if similar >= policy.same_fact_above or same_telling_but(
                best.span.text, other.span.text, list(mine.values()), list(theirs.values())
            ):
                return other, mine[only_mine[0]], theirs[only_theirs[0]]
        # The other telling's name may have gone unannotated ("Coventry-born"); a figure
        # that differs is no rival answer to "who bought it?", nor a name to "how much?".
        return self._retold_differently(scored, figures=expected in _FIGURE_TYPES)

    def _retold_differently(
        self, scored: Sequence[ScoredSpan], figures: bool | None = None
    ) -> tuple[ScoredSpan, str, str] | None:
        """Another article's near-identical telling of the best span that states another
        name or figure in its place (`figures`: only figures, only names; None: either)."""
        bank = self.engine.bank
        best = scored[0]
        for other in scored[1:]:
            if other.score < self._selection.rival_score * best.score:
                break
            if other.span.document_id == best.span.document_id:
                continue
            differ = differing_facts(
                best.span.text,
                other.span.text,
                bank.kinds(best.span.rows),
                bank.kinds(other.span.rows),
            )
            if differ is not None and figures in (None, _is_figure(differ[0][0])):
                return other, " ".join(differ[0]), " ".join(differ[1])
        return None

    def _people_of(self, span: CandidateSpan) -> list[str]:
        """The persons the span's article names."""
        bank = self.engine.bank
        return [
            text
            for row in bank.document_rows(span.refs[0].row)
            if bank.live[row]
            for kind, text in bank.entities[row]
            if kind == "person"
        ]

    def _span_keys(self, span: CandidateSpan) -> set[str]:
        return set().union(*(self.engine.bank.answer_keys(ref) for ref in span.refs))
