"""The generative Answerer: a chat model writes from numbered passages, then every
sentence is checked against the passages it cites; what is unsupported is dropped, and
if nothing supported is left the extractive answer is given instead."""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence

from rag.answer.chat_models import Generator
from rag.answer.checker import CheckedClaim, check_claims, split_claims
from rag.answer.evidence import Evidence, stated_answers
from rag.answer.extractive import ExtractiveAnswerer
from rag.answer.prompt import (
    NOT_IN_SOURCES,
    Candidate,
    Source,
    load_system_prompt,
    names_candidate,
    sanitize,
    user_message,
)
from rag.answer.scoring import CandidateSpan
from rag.answer.typed import expected_answer
from rag.retrieval.filters import NO_FILTERS, Filters
from rag.wire.answers import (
    Answer,
    AnswerEvent,
    AnswerSentence,
    Citation,
    DeltaEvent,
    SourcePassage,
    SourcesEvent,
    StreamEvent,
    Turn,
    answer_text,
)


class GenerativeAnswerer:
    """Composes from the same evidence as the extractive answerer (its `engine`), with a
    chat model writing the sentences; falls back to the extractive composition."""

    def __init__(
        self,
        extractive: ExtractiveAnswerer,
        generator: Generator,
        *,
        max_sources: int = 5,
        max_sentences: int = 3,
        support_threshold: float = 0.5,
        max_candidates: int = 5,
        system_prompt: str | None = None,
    ) -> None:
        self.extractive = extractive
        self.engine = extractive.engine
        self.generator = generator
        self._system = system_prompt or load_system_prompt()
        self._max_sources = max_sources
        self._threshold = support_threshold
        self._max_sentences = max_sentences
        self._max_candidates = max_candidates

    def answer(
        self,
        question: str,
        history: Sequence[Turn] = (),
        *,
        top_k: int | None = None,
        filters: Filters = NO_FILTERS,
    ) -> Answer:
        for event in self.stream(question, history, top_k=top_k, filters=filters):
            if isinstance(event, AnswerEvent):
                return event.answer
        raise AssertionError("stream ended without an answer")  # stream() always ends with one

    def stream(
        self,
        question: str,
        history: Sequence[Turn] = (),
        *,
        top_k: int | None = None,
        filters: Filters = NO_FILTERS,
    ) -> Iterator[StreamEvent]:
        """Sources first, then the model's text as it comes, then the checked answer."""
        evidence = self.engine.find(question, history, top_k=top_k, filters=filters)
        if evidence.ranked_abstention:
            # Nothing in the articles answers: no reason to ask the model.
            yield AnswerEvent(answer=self.extractive.compose(evidence, [])[0])
            return
        bank = self.engine.bank
        rows = evidence.passage_rows(self._max_sources)
        listed = self.engine.sources(rows)
        yield SourcesEvent(sources=listed)
        wanted = expected_answer(evidence.standalone.question)
        candidates = self._candidates(evidence, wanted, rows)
        prompt = user_message(
            evidence.standalone.question,
            self._prompt_sources(listed, rows),
            history,
            wanted=wanted,
            candidates=candidates,
        )
        timings = evidence.timings
        clock = time.perf_counter()
        pieces: list[str] = []
        for delta in self.generator.stream(self._system, prompt):
            if not pieces:
                timings["first_token"] = (time.perf_counter() - clock) * 1000
            pieces.append(delta)
            yield DeltaEvent(text=delta)
        timings["generate"] = (time.perf_counter() - clock) * 1000
        clock = time.perf_counter()
        text = "".join(pieces).strip()
        checked = (
            []
            if NOT_IN_SOURCES in text.upper()
            else check_claims(
                split_claims(text),
                rows,
                bank=bank,
                embedder=self.engine.embedder,
                threshold=self._threshold,
            )
        )
        timings["check"] = (time.perf_counter() - clock) * 1000
        supported = [c for c in checked if c.supported][: self._max_sentences]
        if candidates and not any(names_candidate(c.text, candidates) for c in supported):
            # The model's answer is none of the checked candidates of the asked kind.
            supported = []
        if supported:
            answer = self._compose(evidence, supported)
        else:
            # Nothing checkable (or the model declined although the evidence passed the
            # abstention check): the extractive answer, which is right by construction.
            answer = self.extractive.compose(evidence, evidence.ranked)[0]
        yield AnswerEvent(answer=answer)

    def _candidates(
        self, evidence: Evidence, wanted: str | None, rows: Sequence[int]
    ) -> list[Candidate]:
        """What the checked spans state of the asked kind, each with the number of the
        prompt source it is in (spans outside the prompt's sources are left out)."""
        numbers = {row: n for n, row in enumerate(rows, 1)}
        found: dict[str, Candidate] = {}
        for scored in evidence.answering:
            n = numbers.get(scored.span.passage_row)
            if n is None:
                continue
            stated = stated_answers(
                self.engine.bank, scored.span, wanted, evidence.standalone.question
            )
            for key, text in stated.items():
                found.setdefault(key, Candidate(text=text, n=n))
        return list(found.values())[: self._max_candidates]

    def _prompt_sources(self, listed: Sequence[SourcePassage], rows: Sequence[int]) -> list[Source]:
        """The numbered sources of the prompt; sentences addressed to a model withheld."""
        bank = self.engine.bank
        return [
            Source(
                n=s.n,
                title=s.title,
                outlet=s.outlet,
                text=sanitize([r.text for r in bank.of_passage(row)]),
            )
            for s, row in zip(listed, rows, strict=True)
        ]

    def _compose(self, evidence: Evidence, claims: Sequence[CheckedClaim]) -> Answer:
        numbers: dict[int, int] = {}  # sentence row -> citation number
        citations: list[Citation] = []
        sentences = []
        for claim in claims:
            cited = []
            for ref in claim.evidence:
                if ref.row not in numbers:
                    numbers[ref.row] = len(numbers) + 1
                    citations.append(self.engine.cite(numbers[ref.row], CandidateSpan((ref,))))
                cited.append(numbers[ref.row])
            sentences.append(AnswerSentence(text=claim.text, citations=cited))
        timings = evidence.timings
        timings["total"] = (time.perf_counter() - evidence.started) * 1000
        return Answer(
            question=evidence.question,
            standalone_question=evidence.standalone.question,
            answer=answer_text(sentences),
            abstained=False,
            mode="generative",
            sentences=sentences,
            citations=citations,
            timings_ms={k: round(v, 2) for k, v in timings.items()},
        )
