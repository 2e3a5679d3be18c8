"""Who "he" is: a sentence attributed to a pronoun ("…,” he said.") names its speaker in
an earlier sentence, often across a passage boundary. Pure functions over sentence text."""

from __future__ import annotations

import re
from collections.abc import Sequence

_PRONOUN_SPEAKER = re.compile(
    r"(^[“\"]?(He|She)\b)|[,”\"]\s*(he|she)\s+(said|says|told|added|noted|warned|explained"
    r"|argued|stressed|continued|wrote|asked)\b"
)
# Capitalised words: names (and a sentence's first word, usually its subject).
_NAME = re.compile(r"(?<![\w’'\-])(?:(?:al|el)-)?[A-Z][\w’'\-]+")
LOOKBACK = 3  # sentences; a speaker named further back is a new paragraph's topic


def pronoun_speaker(text: str) -> bool:
    """Is the sentence's speaker or subject a bare "he" or "she"?"""
    return bool(_PRONOUN_SPEAKER.search(text))


def names(text: str) -> str:
    return " ".join(_NAME.findall(text))


def speaker_names(texts: Sequence[str]) -> list[str]:
    """For each sentence of one document (in order), the names of the sentence its pronoun
    speaker refers to: the nearest earlier one that is not itself pronoun-attributed and
    names someone. "" for a sentence that names its own speaker."""
    found = []
    for i, text in enumerate(texts):
        antecedent = ""
        if pronoun_speaker(text):
            for earlier in reversed(texts[max(0, i - LOOKBACK) : i]):
                if not pronoun_speaker(earlier) and (antecedent := names(earlier)):
                    break
        found.append(antecedent)
    return found
