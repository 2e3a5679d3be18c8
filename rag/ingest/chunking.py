"""Document -> passages of whole sentences with exact offsets; pure functions."""

from __future__ import annotations

from dataclasses import dataclass

from rag.ingest.cleaning import looks_like_headline
from rag.text.sentences import split_sentences
from rag.types import Passage, Span


@dataclass(frozen=True)
class ChunkerParams:
    """Passage size in words. A passage never cuts a sentence, so a single long sentence
    may exceed `max_words`; a short last passage is merged into the previous one when the
    two fit together."""

    min_words: int = 40
    max_words: int = 120

    def __post_init__(self) -> None:
        if not 1 <= self.min_words <= self.max_words:
            raise ValueError("chunk sizes need 1 <= min_words <= max_words")

    @property
    def target_words(self) -> int:
        return (self.min_words + self.max_words) // 2


@dataclass(frozen=True)
class _Sentence:
    span: Span
    words: int
    is_heading: bool
    ends_paragraph: bool


def _sentences(text: str) -> list[_Sentence]:
    spans = split_sentences(text)
    result = []
    for i, (start, end) in enumerate(spans):
        whole_line = (start == 0 or text[start - 1] == "\n") and (
            end == len(text) or text[end] == "\n"
        )
        next_start = spans[i + 1][0] if i + 1 < len(spans) else len(text)
        result.append(
            _Sentence(
                span=(start, end),
                words=len(text[start:end].split()),
                is_heading=whole_line and looks_like_headline(text[start:end]),
                ends_paragraph="\n" in text[end:next_start] or i + 1 == len(spans),
            )
        )
    return result


def _group(sentences: list[_Sentence], params: ChunkerParams) -> list[list[_Sentence]]:
    groups: list[list[_Sentence]] = []
    current: list[_Sentence] = []
    words = 0
    for sentence in sentences:
        full = words + sentence.words > params.max_words
        heading_break = sentence.is_heading and words >= params.min_words
        paragraph_break = (
            words >= params.min_words
            and current[-1].ends_paragraph
            and words + sentence.words > params.target_words
        )
        if current and (full or heading_break or paragraph_break):
            carried = [current.pop()] if current[-1].is_heading and len(current) > 1 else []
            groups.append(current)
            current, words = carried, sum(s.words for s in carried)
        current.append(sentence)
        words += sentence.words
    if current:
        last_words = sum(s.words for s in current)
        if groups and last_words < params.min_words:
            if sum(s.words for s in groups[-1]) + last_words <= params.max_words:
                groups[-1].extend(current)
                return groups
        groups.append(current)
    return groups


def passage_id(document_id: str, ordinal: int) -> str:
    return f"{document_id}-p{ordinal:03d}"


def chunk_text(document_id: str, text: str, params: ChunkerParams) -> list[Passage]:
    """Split a document's canonical text into passages; `text[p.start:p.end] == p.text`."""
    passages = []
    for ordinal, group in enumerate(_group(_sentences(text), params)):
        start, end = group[0].span[0], group[-1].span[1]
        passages.append(
            Passage(
                passage_id=passage_id(document_id, ordinal),
                document_id=document_id,
                ordinal=ordinal,
                start=start,
                end=end,
                text=text[start:end],
                sentences=[s.span for s in group],
            )
        )
    return passages
