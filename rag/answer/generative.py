"""The generative Answerer: a chat model writes from numbered passages, then every
sentence is checked against the passages it cites; what is unsupported is dropped, and
if nothing supported is left the extractive answer is given instead."""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence

from rag.answer.chat_models import Generator
from rag.answer.checker import CheckedClaim, check_claims, split_claims
from rag.answer.evidence import SentenceRef, Span
from rag.answer.extractive import ExtractiveAnswerer, source_passage
from rag.answer.followup import contextualize
from rag.answer.prompt import NOT_IN_SOURCES, Source, load_system_prompt, sanitize, user_message
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
    def __init__(
        self,
        extractive: ExtractiveAnswerer,
        generator: Generator,
        *,
        max_sources: int = 5,
        max_sentences: int = 3,
        support_threshold: float = 0.5,
        system_prompt: str | None = None,
    ) -> None:
        self.extractive = extractive
        self.generator = generator
        self._system = system_prompt or load_system_prompt()
        self._max_sources = max_sources
        self._threshold = support_threshold
        self._max_sentences = max_sentences

    def answer(
        self, question: str, history: Sequence[Turn] = (), *, top_k: int | None = None
    ) -> Answer:
        for event in self.stream(question, history, top_k=top_k):
            if isinstance(event, AnswerEvent):
                return event.answer
        raise AssertionError("stream ended without an answer")  # stream() always ends with one

    def sources(self, rows: Sequence[int]) -> list[SourcePassage]:
        store = self.extractive.bank.store
        return [source_passage(store, n, store.passages[row]) for n, row in enumerate(rows, 1)]

    def stream(
        self, question: str, history: Sequence[Turn] = (), *, top_k: int | None = None
    ) -> Iterator[StreamEvent]:
        """Sources first, then the model's text as it comes, then the checked answer."""
        started = time.perf_counter()
        timings: dict[str, float] = {}
        standalone = contextualize(question, history)
        vector = self.extractive.embed_question(standalone.question, timings)
        scored = self.extractive.rank_spans(
            standalone, vector, top_k or self.extractive.top_k, timings
        )
        best = scored[0] if scored else None
        if self.extractive.abstention_reason(standalone.question, best):
            # Nothing in the articles answers: no reason to ask the model.
            yield AnswerEvent(
                answer=self.extractive.compose(question, standalone.question, [], timings, started)
            )
            return
        rows = list(dict.fromkeys(s.span.passage_row for s in scored))[: self._max_sources]
        listed = self.sources(rows)
        yield SourcesEvent(sources=listed)
        prompt_sources = [
            Source(
                n=s.n,
                title=s.title,
                outlet=s.outlet,
                text=sanitize([r.text for r in self.extractive.bank.of_passage(row)]),
            )
            for s, row in zip(listed, rows, strict=True)
        ]
        clock = time.perf_counter()
        pieces: list[str] = []
        for delta in self.generator.stream(
            self._system, user_message(standalone.question, prompt_sources, history)
        ):
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
                bank=self.extractive.bank,
                embedder=self.extractive.embedder,
                threshold=self._threshold,
            )
        )
        timings["check"] = (time.perf_counter() - clock) * 1000
        supported = [c for c in checked if c.supported][: self._max_sentences]
        if supported:
            answer = self._compose(question, standalone.question, supported, timings, started)
        else:
            # Nothing checkable (or the model declined although the evidence passed the
            # abstention check): the extractive answer, which is right by construction.
            answer = self.extractive.compose(
                question, standalone.question, scored, timings, started
            )
        yield AnswerEvent(answer=answer)

    def _compose(
        self,
        question: str,
        standalone: str,
        claims: Sequence[CheckedClaim],
        timings: dict[str, float],
        started: float,
    ) -> Answer:
        numbers: dict[int, int] = {}  # sentence row -> citation number
        citations: list[Citation] = []
        sentences = []
        for claim in claims:
            cited = []
            for ref in claim.evidence:
                if ref.row not in numbers:
                    numbers[ref.row] = len(numbers) + 1
                    citations.append(self._citation(numbers[ref.row], ref))
                cited.append(numbers[ref.row])
            sentences.append(AnswerSentence(text=claim.text, citations=cited))
        timings["total"] = (time.perf_counter() - started) * 1000
        return Answer(
            question=question,
            standalone_question=standalone,
            answer=answer_text(sentences),
            abstained=False,
            mode="generative",
            sentences=sentences,
            citations=citations,
            timings_ms={k: round(v, 2) for k, v in timings.items()},
        )

    def _citation(self, n: int, ref: SentenceRef) -> Citation:
        return self.extractive.citation(n, Span((ref,)))
