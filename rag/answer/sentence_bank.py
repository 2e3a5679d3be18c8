"""The sentence bank: every indexed sentence of one store snapshot with its vector, its
lexical terms, its typed spans (from the index's annotations) and whether it can be cited;
built once per snapshot and shared by scoring, citing and checking."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from rag.answer.coref import speaker_names
from rag.answer.prompt import is_instruction
from rag.answer.typed import ages, normalise
from rag.index.store import IndexStore
from rag.ingest.entities import whole_amount
from rag.text.tokens import lexical_tokens

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
        # Read in place: a write's snapshot must not copy every vector of the index.
        self.matrix = store.sentence_vectors.rows()
        self.passage_matrix = store.vectors.rows()
        self.live = store.per_sentence(store.live)
        self.frequency = Counter(old.frequency) if old else Counter()
        self.frequency.update(term for sentence in terms for term in sentence)
        self._sentences = max(len(self.refs), 1)

    def for_store(self, store: IndexStore) -> SentenceBank:
        return SentenceBank(store, previous=self)

    def of_passage(self, passage_row: int) -> list[SentenceRef]:
        first = self.store.first_sentence_row(passage_row)
        return self.refs[first : first + len(self.store.passages[passage_row].sentences)]

    def document_rows(self, row: int) -> range:
        """The rows of the article sentence `row` belongs to (one contiguous run)."""
        document = self.refs[row].document_id
        start = end = row
        while start > 0 and self.refs[start - 1].document_id == document:
            start -= 1
        while end + 1 < len(self.refs) and self.refs[end + 1].document_id == document:
            end += 1
        return range(start, end + 1)

    def weight(self, term: str) -> float:
        """idf of a term over the bank's sentences (a term never used weighs the most)."""
        return math.log(1 + self._sentences / max(self.frequency.get(term, 1), 1))

    def coverage(self, question_terms: Sequence[str], sentence_terms: frozenset[str]) -> float:
        total = sum(self.weight(t) for t in question_terms)
        if total == 0:
            return 0.0
        return sum(self.weight(t) for t in question_terms if t in sentence_terms) / total

    def kinds(self, rows: Sequence[int]) -> dict[str, str]:
        """Text -> annotated type of the typed spans of these sentences."""
        return {text: kind for row in rows for kind, text in self.entities[row]}

    def answer_keys(self, ref: SentenceRef) -> set[str]:
        """Normalised typed spans and ages a sentence states: what it could answer with."""
        return {normalise(text) for _, text in self.entities[ref.row]} | {
            normalise(m) for m in ages(ref.text)
        }


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
        # Indexes annotated before amounts were widened get them widened here.
        spans = (whole_amount(text, *span) for span in passage.entities)
        found.append(
            tuple((kind, text[a:b]) for a, b, kind in spans if ref.start <= a and b <= ref.end)
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
