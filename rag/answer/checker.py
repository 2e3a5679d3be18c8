"""Checks a generated answer against its sources, sentence by sentence.

Markers that point at no source are removed. Each sentence's support by the sources it
cites is scored: the best, over the cited passages' sentences, of
    0.6 * cosine(sentence, source sentence) + 0.4 * share of the sentence's content terms
    found in the source sentence,
and a sentence below the threshold, citing nothing, or with fewer than MIN_CLAIM_WORDS
content words is unsupported: a bare word ("ZEBRA.") matches any source that contains it
and states nothing checkable, and it is what an obeyed injected instruction looks like.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from rag.answer.sentence_bank import SentenceBank, SentenceRef
from rag.embedding import Embedder
from rag.text.sentences import split_sentences
from rag.text.tokens import lexical_tokens, words

_MARKERS = re.compile(r"\[(\d+(?:\s*,\s*\d+)*)\]")
# "... Gaza. [1] Next" -> "... Gaza [1]. Next": a marker after the full stop belongs before it.
_TRAILING = re.compile(r"([.!?][\"”’)]*)\s*((?:\[\d+(?:\s*,\s*\d+)*\]\s*)+)")
SIMILARITY_SHARE = 0.6
MIN_CLAIM_WORDS = 3


@dataclass(frozen=True)
class Claim:
    text: str  # the sentence without its markers
    cited: list[int]  # source numbers it cites, as written (valid or not)


@dataclass(frozen=True)
class CheckedClaim:
    text: str
    sources: list[int]  # cited numbers that exist
    evidence: list[SentenceRef]  # the best supporting sentence in each cited source
    support: float
    supported: bool


def split_claims(text: str) -> list[Claim]:
    """Sentences of a generated answer with the [n] markers each carries."""
    text = _TRAILING.sub(lambda m: f" {m.group(2).strip()}{m.group(1)} ", text.strip())
    claims = []
    for start, end in split_sentences(text):
        sentence = text[start:end]
        cited = [int(n) for group in _MARKERS.findall(sentence) for n in group.split(",")]
        clean = " ".join(_MARKERS.sub("", sentence).split())
        clean = re.sub(r"\s+([.!?,;:])", r"\1", clean)
        if clean:
            claims.append(Claim(text=clean, cited=list(dict.fromkeys(cited))))
    # Models often cite once at the end of a run of sentences: an uncited sentence takes the
    # markers of the next cited one (each sentence is still checked against them).
    following: list[int] = []
    for i in range(len(claims) - 1, -1, -1):
        if claims[i].cited:
            following = claims[i].cited
        elif following:
            claims[i] = Claim(text=claims[i].text, cited=following)
    return claims


def _support(
    bank: SentenceBank, vector: np.ndarray, terms: Sequence[str], ref: SentenceRef
) -> float:
    similarity = float(bank.matrix[ref.row] @ vector)
    coverage = bank.coverage(terms, bank.terms[ref.row]) if terms else 0.0
    return SIMILARITY_SHARE * similarity + (1 - SIMILARITY_SHARE) * coverage


def check_claims(
    claims: Sequence[Claim],
    sources: Sequence[int],
    *,
    bank: SentenceBank,
    embedder: Embedder,
    threshold: float,
) -> list[CheckedClaim]:
    """Score each claim against the passages (rows in `sources`, numbered from 1) it cites."""
    if not claims:
        return []
    vectors = embedder.embed([c.text for c in claims])
    checked = []
    for claim, vector in zip(claims, vectors, strict=True):
        valid = [n for n in claim.cited if 1 <= n <= len(sources)]
        terms = lexical_tokens(claim.text)
        evidence, best = [], 0.0
        checkable = len(set(words(claim.text))) >= MIN_CLAIM_WORDS
        for n in valid if checkable else []:
            refs = [r for r in bank.of_passage(sources[n - 1]) if r.citable]
            if not refs:
                continue
            scores = [_support(bank, vector, terms, r) for r in refs]
            best = max(best, max(scores))
            if max(scores) >= threshold:  # a cited source that does not support is dropped
                evidence.append(refs[int(np.argmax(scores))])
        checked.append(
            CheckedClaim(
                text=claim.text,
                sources=valid,
                evidence=evidence,
                support=round(best, 4),
                supported=bool(evidence),
            )
        )
    return checked
