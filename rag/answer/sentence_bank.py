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
from rag.index.vectors import all_vectors
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
    """All sentences of one store snapshot, ready for scoring; built once per snapshot."""

    def __init__(self, store: IndexStore) -> None:
        self.store = store
        self.refs: list[SentenceRef] = []
        for passage_row, passage in enumerate(store.passages):
            text = store.documents[passage.document_id].text
            first = store.first_sentence_row(passage_row)
            for offset, (start, end) in enumerate(passage.sentences):
                self.refs.append(
                    SentenceRef(
                        row=first + offset,
                        passage_row=passage_row,
                        document_id=passage.document_id,
                        start=start,
                        end=end,
                        text=text[start:end],
                        citable=_is_citable(text, start, end),
                    )
                )
        # Typed spans (type, text) of each sentence, from the index's annotations.
        self.entities: list[tuple[tuple[str, str], ...]] = [()] * len(self.refs)
        for passage_row, passage in enumerate(store.passages):
            if not passage.entities:
                continue
            text = store.documents[passage.document_id].text
            for ref in self.of_passage(passage_row):
                self.entities[ref.row] = tuple(
                    (kind, text[a:b])
                    for a, b, kind in passage.entities
                    if ref.start <= a and b <= ref.end
                )
        self.annotated = any(p.entities for p in store.passages)
        self.matrix = all_vectors(store.sentence_vectors)
        self.passage_matrix = all_vectors(store.vectors)
        self.terms = [frozenset(lexical_tokens(ref.text)) for ref in self.refs]
        self.speaker_terms = self._speaker_terms()
        frequency = Counter(term for terms in self.terms for term in terms)
        total = max(len(self.refs), 1)
        self.idf = {term: math.log(1 + total / count) for term, count in frequency.items()}
        self.unseen_idf = math.log(1 + total)  # a term the corpus never uses

    def _speaker_terms(self) -> list[frozenset[str]]:
        """Per sentence, the terms of the speaker a "…,” he said." sentence refers to."""
        by_document: dict[str, list[SentenceRef]] = {}
        for ref in self.refs:
            by_document.setdefault(ref.document_id, []).append(ref)
        found: list[frozenset[str]] = [frozenset()] * len(self.refs)
        for refs in by_document.values():
            refs.sort(key=lambda r: r.start)
            for ref, speaker in zip(refs, speaker_names([r.text for r in refs]), strict=True):
                found[ref.row] = frozenset(lexical_tokens(speaker))
        return found

    def of_passage(self, passage_row: int) -> list[SentenceRef]:
        first = self.store.first_sentence_row(passage_row)
        return self.refs[first : first + len(self.store.passages[passage_row].sentences)]

    def weight(self, term: str) -> float:
        return self.idf.get(term, self.unseen_idf)

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
