"""`rag eval`: retrieval support, citation precision, abstention and latency on a question file.

Question file (JSONL): {"id", "type", "question", "history": [{"role", "content"}],
"supporting_quotes": [str], "answerable": bool}.
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from pydantic import BaseModel, ValidationError

from rag.answer.models import Answer, Turn
from rag.errors import InvalidInput
from rag.ingest.cleaning import fold_for_matching
from rag.retrieval.retriever import HybridRetriever


class EvalQuestion(BaseModel):
    id: str
    type: str = "factual"
    question: str
    history: list[Turn] = []
    supporting_quotes: list[str] = []
    answerable: bool = True


class QuestionResult(BaseModel):
    id: str
    type: str
    answerable: bool
    abstained: bool
    support_rank: int | None  # first retrieved passage holding a supporting quote
    citations: int
    correct_citations: int
    latency_ms: float
    first_token_ms: float | None = None  # generative mode only
    answer: str


class EvalReport(BaseModel):
    questions: int
    answerable: int
    unanswerable: int
    support_at_1: float
    support_at_5: float
    citation_precision: float
    answer_support_recall: float
    abstention_accuracy: float
    false_abstention_rate: float
    latency_p50_ms: float
    latency_p95_ms: float
    first_token_p50_ms: float | None = None
    results: list[QuestionResult]


def read_questions(path: Path) -> list[EvalQuestion]:
    try:
        lines = [line for line in path.read_text("utf-8").splitlines() if line.strip()]
        return [EvalQuestion.model_validate_json(line) for line in lines]
    except OSError as exc:
        raise InvalidInput(f"cannot read {path}: {exc.strerror}") from None
    except ValidationError as exc:
        raise InvalidInput(
            f"{path} is not a valid question file: {exc.errors()[0]['msg']}"
        ) from None


def supports(text: str, quotes: Sequence[str]) -> bool:
    """A quote supports when one contains the other (case and quote marks folded)."""
    folded = fold_for_matching(text)
    return any(
        (q := fold_for_matching(quote)) in folded or (folded and folded in q) for quote in quotes
    )


def _share(values: Sequence[bool]) -> float:
    return round(sum(values) / len(values), 4) if values else 0.0


def _percentile(values: Sequence[float], share: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(share * len(ordered)))], 2)


def evaluate(
    questions: Sequence[EvalQuestion],
    ask: Callable[[str, Sequence[Turn]], Answer],
    retriever: HybridRetriever,
    *,
    warmup: int = 3,
) -> EvalReport:
    for question in questions[:warmup]:
        ask(question.question, question.history)
    results = []
    for question in questions:
        clock = time.perf_counter()
        answer = ask(question.question, question.history)
        latency = (time.perf_counter() - clock) * 1000
        hits = retriever.search(answer.standalone_question, 5)
        ranks = [
            i for i, h in enumerate(hits, 1) if supports(h.passage.text, question.supporting_quotes)
        ]
        correct = sum(supports(c.quote, question.supporting_quotes) for c in answer.citations)
        results.append(
            QuestionResult(
                id=question.id,
                type=question.type,
                answerable=question.answerable,
                abstained=answer.abstained,
                support_rank=ranks[0] if ranks else None,
                citations=len(answer.citations),
                correct_citations=correct,
                latency_ms=round(latency, 2),
                first_token_ms=answer.timings_ms.get("first_token"),
                answer=answer.answer,
            )
        )
    answerable = [r for r in results if r.answerable]
    unanswerable = [r for r in results if not r.answerable]
    cited = sum(r.citations for r in answerable)
    latencies = [r.latency_ms for r in results]
    first_tokens = [r.first_token_ms for r in results if r.first_token_ms is not None]
    return EvalReport(
        questions=len(results),
        answerable=len(answerable),
        unanswerable=len(unanswerable),
        support_at_1=_share([r.support_rank == 1 for r in answerable]),
        support_at_5=_share([r.support_rank is not None for r in answerable]),
        citation_precision=round(sum(r.correct_citations for r in answerable) / cited, 4)
        if cited
        else 0.0,
        answer_support_recall=_share([r.correct_citations > 0 for r in answerable]),
        abstention_accuracy=_share([r.abstained for r in unanswerable]),
        false_abstention_rate=_share([r.abstained for r in answerable]),
        latency_p50_ms=round(statistics.median(latencies), 2) if latencies else 0.0,
        latency_p95_ms=_percentile(latencies, 0.95),
        first_token_p50_ms=round(statistics.median(first_tokens), 1) if first_tokens else None,
        results=results,
    )


def summary_lines(report: EvalReport) -> list[str]:
    return [
        f"questions            {report.questions} ({report.answerable} answerable, "
        f"{report.unanswerable} unanswerable)",
        f"support@1            {report.support_at_1:.3f}",
        f"support@5            {report.support_at_5:.3f}",
        f"citation precision   {report.citation_precision:.3f}",
        f"answer support recall {report.answer_support_recall:.3f}",
        f"abstention accuracy  {report.abstention_accuracy:.3f}",
        f"false abstention     {report.false_abstention_rate:.3f}",
        f"latency p50 / p95    {report.latency_p50_ms:.1f} / {report.latency_p95_ms:.1f} ms",
    ] + (
        [f"first token p50      {report.first_token_p50_ms:.0f} ms"]
        if report.first_token_p50_ms is not None
        else []
    )


def dump(report: EvalReport) -> str:
    return json.dumps(report.model_dump(), ensure_ascii=False, indent=2)
