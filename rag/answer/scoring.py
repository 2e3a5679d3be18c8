"""Candidate spans and their scores: each citable sentence of the candidate passages, and
each pair of adjacent ones, scored against the question; pure arithmetic over the bank."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from rag.answer.questions import QuestionType, QuestionWord, answers_type
from rag.answer.relations import Possessive, expresses
from rag.answer.sentence_bank import SentenceBank, SentenceRef


@dataclass(frozen=True)
class CandidateSpan:
    """One sentence, or two adjacent ones of a passage ("He said ..." needs its lead-in)."""

    refs: tuple[SentenceRef, ...]

    @property
    def first(self) -> SentenceRef:
        return self.refs[0]

    @property
    def start(self) -> int:
        return self.refs[0].start

    @property
    def end(self) -> int:
        return self.refs[-1].end

    @property
    def document_id(self) -> str:
        return self.refs[0].document_id

    @property
    def passage_row(self) -> int:
        return self.refs[0].passage_row

    @property
    def rows(self) -> list[int]:
        return [r.row for r in self.refs]

    @property
    def text(self) -> str:
        return " ".join(r.text for r in self.refs)

    @property
    def words(self) -> int:
        return sum(len(r.text.split()) for r in self.refs)


FEATURES = (
    "similarity",
    "coverage",
    "passage_similarity",
    "answer_type",
    "reciprocal_rank",
    "pair",
    "relation",
)


@dataclass(frozen=True)
class Weights:
    """Linear weights of the span features (in FEATURES order). Set by hand and kept after
    measuring alternatives on both question files with `rag eval`: weights fitted by
    logistic regression on the calibration file did better there and worse on the
    evaluation file (overfitting 30 questions)."""

    similarity: float = 0.45
    coverage: float = 0.35
    passage_similarity: float = 0.10
    answer_type: float = 0.07
    reciprocal_rank: float = 0.03
    pair: float = -0.05
    relation: float = 0.12  # states the question's "X's Y" relation, not just X and Y
    max_pair_words: int = 70

    def vector(self) -> np.ndarray:
        return np.array([getattr(self, name) for name in FEATURES], dtype=np.float64)


@dataclass(frozen=True)
class ScoredSpan:
    span: CandidateSpan
    score: float
    similarity: float  # question . span
    coverage: float  # idf-weighted share of the question's terms the span contains
    type_match: bool
    found: frozenset[QuestionWord] = frozenset()  # the question words the span contains
    relation: bool = False  # states the question's "X's Y" relation


def candidate_spans(
    bank: SentenceBank, passage_rows: Sequence[int], weights: Weights
) -> list[CandidateSpan]:
    """Every citable sentence of the passages, and every pair of adjacent ones."""
    spans: list[CandidateSpan] = []
    for row in passage_rows:
        refs = [r for r in bank.of_passage(row) if r.citable]
        spans.extend(CandidateSpan((r,)) for r in refs)
        for a, b in zip(refs, refs[1:], strict=False):
            pair = CandidateSpan((a, b))
            if b.row == a.row + 1 and pair.words <= weights.max_pair_words:
                spans.append(pair)
    return spans


def _discriminative_weights(
    bank: SentenceBank, candidates: Sequence[CandidateSpan], units: Sequence[QuestionWord]
) -> dict[QuestionWord, float]:
    """Weight of each question word: rare in the corpus (global idf, of its most tolerant
    form) and rare among the candidates (local idf). A name every candidate shares says
    little about which one answers; the relation asked about ("founded") says much."""
    rows = {r for span in candidates for r in span.rows}
    total = max(len(rows), 1)
    weights = {}
    for unit in units:
        local = sum(unit.found_in(bank.terms[r]) for r in rows)
        weights[unit] = sum(bank.weight(t) for t in unit.terms) * math.log(1 + total / (1 + local))
    return weights


def span_terms(bank: SentenceBank, span: CandidateSpan) -> frozenset[str]:
    # A "he said" sentence also counts the names of the speaker it refers to.
    return frozenset().union(*(bank.terms[r] | bank.speaker_terms[r] for r in span.rows))


def _span_similarities(
    bank: SentenceBank, candidates: Sequence[CandidateSpan], question_vector: np.ndarray
) -> np.ndarray:
    """Cosine of each span's summed sentence vectors with the question, in one gather.
    Element-wise sums rather than matrix products: a threaded BLAS call here would spin
    against the embedder's threads on a small machine (it doubled the query's embedding)."""
    if not candidates:
        return np.zeros(0, dtype=np.float32)
    lengths = np.array([len(span.refs) for span in candidates])
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    stacked = bank.matrix[[r for span in candidates for r in span.rows]]
    sums = np.add.reduceat(stacked, starts, axis=0)
    return (sums * question_vector).sum(axis=1) / np.maximum(
        np.sqrt((sums * sums).sum(axis=1)), 1e-9
    )


def span_features(
    bank: SentenceBank,
    candidates: Sequence[CandidateSpan],
    *,
    question_vector: np.ndarray,
    question_terms: Sequence[QuestionWord],
    kind: QuestionType,
    passage_ranks: dict[int, int],
    relations: Sequence[Possessive] = (),
) -> np.ndarray:
    """One row of FEATURES per candidate span."""
    rows = []
    weigh = _discriminative_weights(bank, candidates, question_terms)
    similarities = _span_similarities(bank, candidates, question_vector)
    passage_similarities = (
        bank.passage_matrix[[s.passage_row for s in candidates]] * question_vector
    ).sum(axis=1)
    for i, span in enumerate(candidates):
        terms = span_terms(bank, span)
        rank = passage_ranks.get(span.passage_row, len(passage_ranks) + 1)
        covered = sum(weight * unit.degree(terms) for unit, weight in weigh.items())
        rows.append(
            (
                float(similarities[i]),
                covered / max(sum(weigh.values()), 1e-9),
                float(passage_similarities[i]),
                float(answers_type(kind, span.text)),
                1.0 / rank,
                # Why/how answers need their lead-in ("They were told ... Tehran claimed ...").
                0.0 if kind in (QuestionType.WHY, QuestionType.HOW) else float(len(span.refs) - 1),
                float(expresses(relations, span.text)),
            )
        )
    return np.array(rows, dtype=np.float64).reshape(len(rows), len(FEATURES))


def score_spans(
    bank: SentenceBank,
    candidates: Sequence[CandidateSpan],
    *,
    question_vector: np.ndarray,
    question_terms: Sequence[QuestionWord],
    kind: QuestionType,
    passage_ranks: dict[int, int],
    relations: Sequence[Possessive] = (),
    weights: Weights = Weights(),
) -> list[ScoredSpan]:
    """Score candidate spans, best first."""
    features = span_features(
        bank,
        candidates,
        question_vector=question_vector,
        question_terms=question_terms,
        kind=kind,
        passage_ranks=passage_ranks,
        relations=relations,
    )
    scores = features @ weights.vector()
    rows = {r for span in candidates for r in span.rows}
    found = {
        r: frozenset(u for u in question_terms if u.found_in(bank.terms[r] | bank.speaker_terms[r]))
        for r in rows
    }
    scored = [
        ScoredSpan(
            span,
            float(scores[i]),
            float(features[i, 0]),
            float(features[i, 1]),
            bool(features[i, 3]),
            frozenset().union(*(found[r] for r in span.rows)),
            bool(features[i, FEATURES.index("relation")]),
        )
        for i, span in enumerate(candidates)
    ]
    return sorted(scored, key=lambda s: -s.score)
