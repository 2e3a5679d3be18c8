"""Retrieval on the seed articles, ours against the LangChain baseline, on our question files:
support@1/@5 on the answer evaluation file (a supporting quote inside a top-k passage) and
hit@1/3/5 on the retrieval file (the expected text inside a top-k passage).

Ours resolves follow-ups into a standalone question first (that is part of the product); the
baseline gets the question as asked, as a plain LangChain pipeline would.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path

from rag.answer.followup import contextualize
from rag.evaluation import read_questions, supports
from rag.ingest.cleaning import fold_for_matching

EVAL_QUESTIONS = Path("tests/data/eval_questions.jsonl")
RETRIEVAL_QUESTIONS = Path("tests/data/retrieval_questions.jsonl")

Search = Callable[[str, int], list[str]]  # query, k -> passage texts, best first


def support_at(search: Search, questions_file: Path, *, standalone: bool) -> dict[str, float]:
    questions = [q for q in read_questions(questions_file) if q.answerable]
    ranks = []
    for question in questions:
        query = (
            contextualize(question.question, question.history).question
            if standalone
            else question.question
        )
        texts = search(query, 5)
        found = [i for i, t in enumerate(texts, 1) if supports(t, question.supporting_quotes)]
        ranks.append(found[0] if found else None)
    return {
        "questions": len(questions),
        "support_at_1": _share(ranks, 1),
        "support_at_5": _share(ranks, 5),
    }


def hit_at(search: Search, questions_file: Path, depths: Sequence[int] = (1, 3, 5)) -> dict:
    rows = [json.loads(line) for line in questions_file.read_text("utf-8").splitlines() if line]
    ranks = []
    for row in rows:
        expected = fold_for_matching(row["expect"])
        texts = search(row["question"], max(depths))
        found = [i for i, t in enumerate(texts, 1) if expected in fold_for_matching(t)]
        ranks.append(found[0] if found else None)
    return {"questions": len(rows)} | {f"hit_at_{k}": _share(ranks, k) for k in depths}


def _share(ranks: Sequence[int | None], k: int) -> float:
    return round(sum(r is not None and r <= k for r in ranks) / max(len(ranks), 1), 4)


def compare(ours: Search, baseline: Search) -> dict:
    return {
        "ours": {
            "eval_file": support_at(ours, EVAL_QUESTIONS, standalone=True),
            "retrieval_file": hit_at(ours, RETRIEVAL_QUESTIONS),
        },
        "langchain": {
            "eval_file": support_at(baseline, EVAL_QUESTIONS, standalone=False),
            "retrieval_file": hit_at(baseline, RETRIEVAL_QUESTIONS),
        },
    }
