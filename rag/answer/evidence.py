"""Sentence-level evidence: every indexed sentence with its vector and terms, and the
scores that say how well a sentence answers a question; scoring is pure arithmetic."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from rag.answer.coref import speaker_names
from rag.answer.prompt import is_instruction
from rag.answer.questions import QuestionType, Unit, answers_type
from rag.answer.relations import Possessive, expresses
from rag.index.store import IndexStore
from rag.retrieval.tokens import lexical_tokens

_SENTENCE_END = re.compile(r"[.!?…][\"”’)\]]*$|[\"”’]$")
_QUESTION_END = re.compile(r"\?[\"”’)\]]*$")


@dataclass(frozen=True)
class SentenceRef:
    row: int  # row in the store's sentence vectors
    passage_row: int
    document_id: str
    start: int
    end: int
    text: str
    citable: bool  # headings and fragments are context, not answers


@dataclass(frozen=True)
class Span:
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
    span: Span
    score: float
    similarity: float  # question . span
    coverage: float  # idf-weighted share of the question's terms the span contains
    type_match: bool
    found: frozenset[Unit] = frozenset()  # the question words the span contains
    relation: bool = False  # states the question's "X's Y" relation


def _is_citable(document_text: str, start: int, end: int) -> bool:
    """Sentences are citable; headings, standfirsts, fragments, questions (a rhetorical
    "how many Iraqis support them?" asks, it does not answer) and sentences addressed to a
    language model ("ignore previous instructions…") are not."""
    text = document_text[start:end]
    whole_line = (start == 0 or document_text[start - 1] == "\n") and (
        end == len(document_text) or document_text[end] == "\n"
    )
    unpunctuated = not _SENTENCE_END.search(text)
    return (
        len(text.split()) >= 4
        and not (whole_line and unpunctuated)
        and not _QUESTION_END.search(text)
        and not is_instruction(text)
    )


class SentenceBank:
    """All sentences of one store snapshot, ready for scoring. Built once per snapshot;
    `for_store` extends it by the rows a write appended, at the cost of those rows."""

    def __init__(self, store: IndexStore, previous: SentenceBank | None = None) -> None:
        self.store = store
        start = 0
        if previous is not None and _appended_to(store, previous.store):
            start = len(previous.store.passages)
        old = previous if start else None
        new_rows = range(start, len(store.passages))
        refs = _sentence_refs(store, new_rows)
        terms = [frozenset(lexical_tokens(ref.text)) for ref in refs]
        self.refs: list[SentenceRef] = [*(old.refs if old else []), *refs]
        self.terms = [*(old.terms if old else []), *terms]
        # Typed spans (type, text) of each sentence, from the index's annotations.
        self.entities = [*(old.entities if old else []), *_typed_spans(store, new_rows, refs)]
        self.speaker_terms = [*(old.speaker_terms if old else []), *_speaker_terms(refs)]
        self.annotated = (old is not None and old.annotated) or any(
            store.passages[row].entities for row in new_rows
        )
        self.matrix = store.sentence_vectors.all()
        self.passage_matrix = store.vectors.all()
        self.live = store.per_sentence(store.live)
        self.frequency = Counter(old.frequency) if old else Counter()
        self.frequency.update(term for sentence in terms for term in sentence)
        self._sentences = max(len(self.refs), 1)

    def for_store(self, store: IndexStore) -> SentenceBank:
        return SentenceBank(store, previous=self)

    def of_passage(self, passage_row: int) -> list[SentenceRef]:
        first = self.store.first_sentence_row(passage_row)
        return self.refs[first : first + len(self.store.passages[passage_row].sentences)]

    def weight(self, term: str) -> float:
        """idf of a term over the bank's sentences (a term never used weighs the most)."""
        return math.log(1 + self._sentences / max(self.frequency.get(term, 1), 1))

    def coverage(self, question_terms: Sequence[str], sentence_terms: frozenset[str]) -> float:
        total = sum(self.weight(t) for t in question_terms)
        if total == 0:
            return 0.0
        return sum(self.weight(t) for t in question_terms if t in sentence_terms) / total


def _appended_to(store: IndexStore, older: IndexStore) -> bool:
    """`store` holds `older`'s rows unchanged, with more after them (an add, a removal)."""
    return store.vectors.base is older.vectors.base and len(store.passages) >= len(older.passages)


def _sentence_refs(store: IndexStore, passage_rows: range) -> list[SentenceRef]:
    refs = []
    for passage_row in passage_rows:
        passage = store.passages[passage_row]
        document = store.document_of_row(passage_row)
        text = document.text if document else ""  # a removed document's rows say nothing
        first = store.first_sentence_row(passage_row)
        for offset, (start, end) in enumerate(passage.sentences):
            refs.append(
                SentenceRef(
                    row=first + offset,
                    passage_row=passage_row,
                    document_id=passage.document_id,
                    start=start,
                    end=end,
                    text=text[start:end],
                    citable=bool(text) and _is_citable(text, start, end),
                )
            )
    return refs


def _typed_spans(
    store: IndexStore, passage_rows: range, refs: list[SentenceRef]
) -> list[tuple[tuple[str, str], ...]]:
    """Per sentence of `refs`, the typed spans (type, text) annotated inside it."""
    found: list[tuple[tuple[str, str], ...]] = []
    by_row = {row: store.passages[row] for row in passage_rows}
    for ref in refs:
        passage = by_row[ref.passage_row]
        document = store.document_of_row(ref.passage_row)
        if document is None:
            found.append(())
            continue
        text = document.text
        found.append(
            tuple(
                (kind, text[a:b])
                for a, b, kind in passage.entities
                if ref.start <= a and b <= ref.end
            )
        )
    return found


def _speaker_terms(refs: list[SentenceRef]) -> list[frozenset[str]]:
    """Per sentence, the terms of the speaker a "…,” he said." sentence refers to."""
    by_document: dict[str, list[int]] = {}
    for at, ref in enumerate(refs):
        by_document.setdefault(ref.document_id, []).append(at)
    found: list[frozenset[str]] = [frozenset()] * len(refs)
    for positions in by_document.values():
        positions.sort(key=lambda at: refs[at].start)
        speakers = speaker_names([refs[at].text for at in positions])
        for at, speaker in zip(positions, speakers, strict=True):
            found[at] = frozenset(lexical_tokens(speaker))
    return found


def candidate_spans(
    bank: SentenceBank, passage_rows: Sequence[int], weights: Weights
) -> list[Span]:
    """Every citable sentence of the passages, and every pair of adjacent ones."""
    spans: list[Span] = []
    for row in passage_rows:
        refs = [r for r in bank.of_passage(row) if r.citable]
        spans.extend(Span((r,)) for r in refs)
        for a, b in zip(refs, refs[1:], strict=False):
            pair = Span((a, b))
            if b.row == a.row + 1 and pair.words <= weights.max_pair_words:
                spans.append(pair)
    return spans


def _discriminative_weights(
    bank: SentenceBank, candidates: Sequence[Span], units: Sequence[Unit]
) -> dict[Unit, float]:
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


def span_terms(bank: SentenceBank, span: Span) -> frozenset[str]:
    # A "he said" sentence also counts the names of the speaker it refers to.
    return frozenset().union(*(bank.terms[r] | bank.speaker_terms[r] for r in span.rows))


def span_features(
    bank: SentenceBank,
    candidates: Sequence[Span],
    *,
    question_vector: np.ndarray,
    question_terms: Sequence[Unit],
    kind: QuestionType,
    passage_ranks: dict[int, int],
    relations: Sequence[Possessive] = (),
) -> np.ndarray:
    """One row of FEATURES per candidate span."""
    rows = []
    weigh = _discriminative_weights(bank, candidates, question_terms)
    for span in candidates:
        vector = bank.matrix[span.rows].sum(axis=0)
        similarity = float(vector @ question_vector) / max(float(np.linalg.norm(vector)), 1e-9)
        terms = span_terms(bank, span)
        rank = passage_ranks.get(span.passage_row, len(passage_ranks) + 1)
        covered = sum(weight * unit.degree(terms) for unit, weight in weigh.items())
        rows.append(
            (
                similarity,
                covered / max(sum(weigh.values()), 1e-9),
                float(bank.passage_matrix[span.passage_row] @ question_vector),
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
    candidates: Sequence[Span],
    *,
    question_vector: np.ndarray,
    question_terms: Sequence[Unit],
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
