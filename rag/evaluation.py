"""`rag eval`: answer accuracy, retrieval support, citation precision, abstention,
disagreement and latency on a question file, overall and per question type.

Question file (JSONL): {"id", "type", "question", "history": [{"role", "content"}],
"supporting_quotes": [str], "answerable": bool, "gold_answers"?: [str], "kind"?: str}.
A disagreement item (type "disagreement") instead names the fact as the original article
states it and as an altered copy states it: {"true_answers", "altered_answers",
"true_quotes", "altered_quotes"}; both copies must be in the index.
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from rag.errors import InvalidInput
from rag.ingest.cleaning import fold_for_matching
from rag.retrieval.retriever import HybridRetriever
from rag.wire.answers import Answer, Turn


class EvalQuestion(BaseModel):
    model_config = ConfigDict(extra="ignore")  # provenance notes ("document", "checked")

    id: str
    type: str = "factual"
    kind: str | None = None  # the answer's type: person, money, reason…
    question: str
    history: list[Turn] = []
    supporting_quotes: list[str] = []
    gold_answers: list[str] = []  # short answers; one must appear in the answer's text
    answerable: bool = True
    true_answers: list[str] = []  # disagreement items only
    altered_answers: list[str] = []
    true_quotes: list[str] = []
    altered_quotes: list[str] = []

    @model_validator(mode="after")
    def _disagreement_is_answerable(self) -> EvalQuestion:
        if self.type == "disagreement":
            self.gold_answers = self.gold_answers or self.true_answers
            self.supporting_quotes = self.supporting_quotes or self.true_quotes
            self.answerable = True
        return self


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
    correct_answer: bool | None = None  # a gold answer is in the answer (None: no gold)
    short_answer: str | None = None  # the answer's lead ("Jane Doe [1]: …"), if it has one
    correct_short_answer: bool | None = None  # the lead is a gold answer (None: no lead/gold)
    conflict_reported: bool | None = None  # disagreement items: both sides shown
    false_corroboration: bool | None = None  # a different answer listed as "also reported"


class EvalReport(BaseModel):
    label: str = "all"
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
    answer_accuracy: float | None = None  # share of answerable questions with a gold answer
    short_answers: int | None = None  # answered, gradable questions whose answer has a lead
    short_answer_precision: float | None = None  # share of those leads that are a gold answer
    disagreement_reported: float | None = None
    false_corroborations: int | None = None
    by_type: list[EvalReport] = []
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


def contains_answer(text: str, answers: Sequence[str]) -> bool:
    """A gold short answer appears in the text (case, quote marks and spacing folded; a
    short answer must match whole words: "5%" is not in "15%")."""
    folded = f" {fold_for_matching(text)} "
    for answer in answers:
        wanted = fold_for_matching(answer)
        if not wanted:
            continue
        at = folded.find(wanted)
        while at >= 0:
            before, after = folded[at - 1], folded[at + len(wanted) : at + len(wanted) + 1]
            if not (before.isalnum() or after.isalnum()):
                return True
            at = folded.find(wanted, at + 1)
    return False


def same_answer(short: str, answers: Sequence[str]) -> bool:
    """A short answer names a gold answer: one holds the other as whole words ("Doe" for
    "Jane Doe", "£6m" for "£6m")."""
    return contains_answer(short, answers) or any(contains_answer(a, [short]) for a in answers)


def _short_answer(answer: Answer) -> str | None:
    return next((s.text for s in answer.sentences if s.role == "short_answer"), None)


def _disagreement(question: EvalQuestion, answer: Answer) -> tuple[bool, bool]:
    """(both versions shown as a conflict, a different version listed as corroboration)."""
    conflicts = getattr(answer, "conflicts", None) or []
    quotes = {c.n: c.quote for c in answer.citations}
    sides = " ".join(
        f"{conflict.answer} " + " ".join(quotes.get(n, "") for n in conflict.citations)
        for conflict in conflicts
    )
    reported = contains_answer(sides, question.true_answers) and contains_answer(
        sides, question.altered_answers
    )
    false = False
    versions = (question.true_answers, question.altered_answers)
    for citation in answer.citations:
        for stated, other in (versions, versions[::-1]):
            if contains_answer(citation.quote, stated) and any(
                contains_answer(c.quote, other) for c in citation.also_reported_by
            ):
                false = True
    return reported, false


def _share(values: Sequence[bool]) -> float:
    return round(sum(values) / len(values), 4) if values else 0.0


def _percentile(values: Sequence[float], share: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(share * len(ordered)))], 2)


def replayed(history: Sequence[Turn], ask: Callable[[str, Sequence[Turn]], Answer]) -> list[Turn]:
    """The history as a user of the system has it: each user turn asked again and answered
    by `ask`, with that answer's text (what the page sends) instead of the written one.
    A follow-up then has to resolve "it" against the system's own full sentences. The
    written assistant turns are dropped, however many; every user turn gets an answer."""
    turns: list[Turn] = []
    for turn in history:
        if turn.role == "user":
            answer = ask(turn.content, tuple(turns))
            turns = [*turns, turn, Turn(role="assistant", content=answer.answer)]
    return turns


def evaluate(
    questions: Sequence[EvalQuestion],
    ask: Callable[[str, Sequence[Turn]], Answer],
    retriever: HybridRetriever,
    *,
    warmup: int = 3,
    replay_history: bool = False,
) -> EvalReport:
    """Every question asked with its history (`replay_history`: the history's questions
    answered by `ask` itself, see `replayed`), scored against its gold quotes and answers."""
    for question in questions[:warmup]:
        ask(question.question, question.history)
    results = []
    for question in questions:
        history = replayed(question.history, ask) if replay_history else question.history
        clock = time.perf_counter()
        answer = ask(question.question, history)
        latency = (time.perf_counter() - clock) * 1000
        hits = retriever.search(answer.standalone_question, 5)
        ranks = [
            i for i, h in enumerate(hits, 1) if supports(h.passage.text, question.supporting_quotes)
        ]
        correct = sum(
            supports(c.quote, question.supporting_quotes + question.altered_quotes)
            for c in answer.citations
        )
        reported, false = (
            _disagreement(question, answer) if question.type == "disagreement" else (None, None)
        )
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
                correct_answer=contains_answer(answer.answer, question.gold_answers)
                and not answer.abstained
                if question.gold_answers
                else None,
                short_answer=(short := _short_answer(answer)),
                correct_short_answer=same_answer(short, question.gold_answers)
                if short and question.gold_answers
                else None,
                conflict_reported=reported,
                false_corroboration=false,
            )
        )
    report = _report(results, "all")
    types = sorted({r.type for r in results})
    by_type = [_report([r for r in results if r.type == t], t) for t in types]
    return report.model_copy(update={"by_type": by_type if len(types) > 1 else []})


def _report(results: list[QuestionResult], label: str) -> EvalReport:
    answerable = [r for r in results if r.answerable]
    unanswerable = [r for r in results if not r.answerable]
    cited = sum(r.citations for r in answerable)
    latencies = [r.latency_ms for r in results]
    first_tokens = [r.first_token_ms for r in results if r.first_token_ms is not None]
    graded = [r.correct_answer for r in answerable if r.correct_answer is not None]
    disagreements = [r for r in results if r.conflict_reported is not None]
    leads = [r.correct_short_answer for r in answerable if r.correct_short_answer is not None]
    return EvalReport(
        label=label,
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
        answer_accuracy=_share(graded) if graded else None,
        short_answers=len(leads) if graded else None,
        short_answer_precision=_share(leads) if leads else None,
        disagreement_reported=_share([bool(r.conflict_reported) for r in disagreements])
        if disagreements
        else None,
        false_corroborations=sum(bool(r.false_corroboration) for r in disagreements)
        if disagreements
        else None,
        results=results,
    )


def summary_lines(report: EvalReport) -> list[str]:
    lines = _figures(report)
    if report.by_type:
        lines += ["", _TABLE_HEAD, "-" * len(_TABLE_HEAD)]
        lines += [_table_row(r) for r in [*report.by_type, report]]
    return lines


_TABLE_HEAD = (
    f"{'type':<13} {'n':>4} {'accuracy':>8} {'support':>8} {'precision':>9} {'abstain':>8} "
    f"{'false abst':>10} {'disagree':>8} {'p50 ms':>7}"
)


def _table_row(r: EvalReport) -> str:
    def cell(value: float | None, width: int, answerable: bool = True) -> str:
        return f"{'-':>{width}}" if value is None or not answerable else f"{value:>{width}.3f}"

    return (
        f"{r.label:<13} {r.questions:>4} {cell(r.answer_accuracy, 8)} "
        f"{cell(r.answer_support_recall, 8, r.answerable > 0)} "
        f"{cell(r.citation_precision, 9, r.answerable > 0)} "
        f"{cell(r.abstention_accuracy, 8, r.unanswerable > 0)} "
        f"{cell(r.false_abstention_rate, 10, r.answerable > 0)} "
        f"{cell(r.disagreement_reported, 8)} {r.latency_p50_ms:>7.1f}"
    )


def _figures(report: EvalReport) -> list[str]:
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
    ] + [
        line
        for line, value in (
            (f"first token p50      {report.first_token_p50_ms} ms", report.first_token_p50_ms),
            (f"answer accuracy      {report.answer_accuracy}", report.answer_accuracy),
            (
                f"short answers        {report.short_answers}, "
                f"{report.short_answer_precision} of them a gold answer",
                report.short_answers or None,
            ),
            (
                f"disagreement shown   {report.disagreement_reported}",
                report.disagreement_reported,
            ),
            (
                f"false corroborations {report.false_corroborations}",
                report.false_corroborations,
            ),
        )
        if value is not None
    ]


def dump(report: EvalReport) -> str:
    return json.dumps(report.model_dump(), ensure_ascii=False, indent=2)
