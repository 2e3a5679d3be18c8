"""Calibrate the extractive answerer's abstention threshold on a question file.

The threshold is the evidence-score cut-off that best separates unanswerable from
answerable questions (abstentions minus false abstentions; the lowest cut-off within 0.02
of the best) while false abstentions stay within --max-false-abstention. It is printed
with the rates it gives, for rag/answer/abstain.py (AbstentionPolicy.min_score). Questions the
number and quantity checks already refuse count as abstentions at every threshold.

Usage: python -m benchmarks.calibrate_abstention [--questions FILE ...] [--index DIR]
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from rag.answer.abstain import AbstentionPolicy
from rag.answer.evidence import EvidenceEngine
from rag.evaluation import EvalQuestion, read_questions


def choose_threshold(
    engine: EvidenceEngine,
    questions: Sequence[EvalQuestion],
    max_false_abstention: float,
    *,
    only: float | None = None,
    tolerance: float = 0.02,
) -> tuple[float, float, float]:
    """(threshold, abstention on unanswerable, false abstention on answerable)."""
    best: dict[bool, list[float]] = {True: [], False: []}
    for question in questions:
        evidence = engine.find(question.question, question.history)
        top = evidence.ranked[0] if evidence.ranked else None
        vetoed = top is not None and engine.abstention_reason(
            evidence.standalone.question, dataclasses.replace(top, score=float("inf"))
        )
        best[question.answerable].append(-1.0 if not top or vetoed else top.score)
    rows = []
    for threshold in [only] if only is not None else np.arange(0.0, 1.0, 0.005):
        false = float(np.mean(np.array(best[True]) < threshold))
        caught = float(np.mean(np.array(best[False]) < threshold))
        if false <= max_false_abstention:
            rows.append((round(float(threshold), 3), caught, false))
    if not rows:
        return (0.0, 0.0, 0.0)
    # The lowest cut-off whose separation (caught - false) is within `tolerance` of the best:
    # it leaves the most margin to answerable questions whose scores sit near it.
    top = max(caught - false for _, caught, false in rows)
    return next(row for row in rows if row[1] - row[2] >= top - tolerance)


def main(argv: Sequence[str] | None = None) -> int:
    from rag.config import Settings
    from rag.services import Services

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--questions",
        type=Path,
        nargs="+",
        default=[
            Path("tests/data/calibration_questions.jsonl"),
            Path("tests/data/eval_questions.jsonl"),
        ],
    )
    parser.add_argument("--index", type=Path, default=None)
    parser.add_argument("--max-false-abstention", type=float, default=0.04)
    args = parser.parse_args(argv)
    services = Services.load(Settings(**({"index_dir": args.index} if args.index else {})))
    questions = [q for path in args.questions for q in read_questions(path)]
    engine = EvidenceEngine(
        services.snapshot.retriever, services.embedder, abstention=AbstentionPolicy(min_score=-1e9)
    )
    threshold, caught, false = choose_threshold(engine, questions, args.max_false_abstention)
    out = sys.stdout
    out.write(f"AbstentionPolicy(min_score={threshold})\n")
    out.write(
        f"all {len(questions)} questions: abstains on {caught:.2f} of unanswerable, "
        f"{false:.2f} of answerable\n"
    )
    for path in args.questions:
        subset = read_questions(path)
        rates = choose_threshold(engine, subset, 1.0, only=threshold)
        out.write(
            f"{path}: abstains on {rates[1]:.2f} of unanswerable, {rates[2]:.2f} of answerable\n"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
