"""Possessive relations: "Sudani's national security adviser" asks for the adviser OF Sudani,
so a sentence naming Sudani and some other adviser ("US adviser Sullivan spoke to Sudani")
does not answer it. Evidence states the relation as "Sudani’s … adviser" or "adviser to …
Sudani". Pure functions over text."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

from rag.text.tokens import STOPWORDS, fold, skeleton, stem

_TOKEN = re.compile(r"([A-Za-z0-9]+)(['’]s\b)?")
_LINKS = frozenset({"to", "of", "for", "by"})
WINDOW = 5  # tokens between owner and possession ("Sudani’s National Security Adviser")


class Possessive(NamedTuple):
    owner: str  # key of the owner's last word ("sudani")
    possessed: frozenset[str]  # keys of the possessed noun phrase's content words


class _Token(NamedTuple):
    key: str
    possessive: bool


@lru_cache(maxsize=1 << 16)  # a news vocabulary: the same words recur in every span
def _key(word: str) -> str:
    return stem(fold(word))


def _same(a: str, b: str) -> bool:
    # Transliterations vary ("Sudani"/"Soudani"); long keys may match by skeleton.
    return a == b or (len(a) >= 5 and len(b) >= 5 and skeleton(a) == skeleton(b))


@lru_cache(maxsize=4096)  # the same sentences are scored for question after question
def _tokens(text: str) -> tuple[_Token, ...]:
    return tuple(_Token(_key(m.group(1)), bool(m.group(2))) for m in _TOKEN.finditer(text))


def possessives(question: str) -> list[Possessive]:
    """Each "X's Y Z" of the question: owner X and the content words that follow it, up to
    the first function word ("adviser Thuaiban" in "Sudani's adviser Thuaiban say")."""
    found = []
    tokens = list(_TOKEN.finditer(question))
    for i, match in enumerate(tokens):
        if not match.group(2):
            continue
        possessed = []
        for later in tokens[i + 1 : i + 4]:
            if fold(later.group(1)) in STOPWORDS:
                break
            possessed.append(_key(later.group(1)))
            if later.group(2):
                break
        if possessed:
            found.append(Possessive(_key(match.group(1)), frozenset(possessed)))
    return found


def expresses(relations: list[Possessive], text: str) -> bool:
    """Does the text state one of the relations, as "X’s … Y" or "Y to/of … X"?"""
    if not relations:
        return False
    tokens = _tokens(text)
    for owner, possessed in relations:
        for i, token in enumerate(tokens):
            after = tokens[i + 1 : i + 1 + WINDOW]
            if token.possessive and _same(token.key, owner):
                if any(t.key in possessed for t in after):
                    return True
            elif token.key in possessed and after and after[0].key in _LINKS:
                if any(_same(t.key, owner) for t in after[1:]):
                    return True
    return False
