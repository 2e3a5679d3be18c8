"""What a question asks for: its type and the evidence patterns that answer it; pure."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from rag.text.tokens import fold, lexical_tokens, stem, words


class QuestionType(StrEnum):
    WHO = "who"
    WHEN = "when"
    WHERE = "where"
    QUANTITY = "quantity"
    WHY = "why"
    HOW = "how"
    OTHER = "other"


_TYPE_PATTERNS: list[tuple[QuestionType, re.Pattern[str]]] = [
    (
        QuestionType.QUANTITY,
        re.compile(r"\bhow (many|much|long|old|often)\b|\bwhat (number|percentage|share)\b", re.I),
    ),
    (
        QuestionType.WHEN,
        re.compile(
            r"\bwhen\b|\bwhat (year|date|day|month|time)\b|\bin what year\b"
            r"|\bhow long ago\b|\bsince when\b",
            re.I,
        ),
    ),
    (
        QuestionType.WHO,
        re.compile(
            r"\bwho(m|se)?\b|\bwhich (\w+ )?(officials?|leaders?|groups?|factions?|person|people"
            r"|countries|outlets?|militias?|advisers?|aides?|generals?|ministers?|figures?"
            r"|commanders?)\b",
            re.I,
        ),
    ),
    (QuestionType.WHERE, re.compile(r"\bwhere\b|\bwhich (city|place|base|region|country)\b", re.I)),
    (
        QuestionType.WHY,
        re.compile(
            r"\bwhy\b|\bwhat (was|is) the reason\b|\bfor what reason\b|\bwhat (caused|explains)\b",
            re.I,
        ),
    ),
    (QuestionType.HOW, re.compile(r"^\s*how\b", re.I)),
]

_MONTHS = (
    "January|February|March|April|May|June|July|August|September|October|November|December"
    "|Jan\\.|Feb\\.|Mar\\.|Apr\\.|Jun\\.|Jul\\.|Aug\\.|Sept?\\.|Oct\\.|Nov\\.|Dec\\."
)
_WHEN_EVIDENCE = re.compile(
    rf"\b(1[89]\d\d|20\d\d)\b|\b({_MONTHS})|\b(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday"
    r"|Sunday|yesterday|today|last (week|month|year)|ago|earlier|decades?|years?)\b"
)
_QUANTITY_EVIDENCE = re.compile(
    r"\b\d[\d,.]*\b|\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty"
    r"|dozens?|hundreds?|thousands?|millions?|billions?|several|both|twice|half)\b",
    re.I,
)
_WHO_EVIDENCE = re.compile(
    r"(?<!^)(?<![.!?] )\b[A-Z][a-z’'\-]+(?: (?:al-|Al-|bin |ibn |de |[A-Z])[\w’'\-]+)+"
    r"|\b(leader|spokes(person|man|woman)|adviser|advisor|minister|commander|official|president"
    r"|chairman|secretary|head|founder|lawmaker|general)\b"
)
_WHERE_EVIDENCE = re.compile(r"\b(in|at|from|near|to) (the )?[A-Z][\w’'\-]+")
_WHY_EVIDENCE = re.compile(
    r"\b(because|due to|in order to|so that|as a result|since|aimed?|seeking|hoped|fear(ed|s)?"
    r"|concern(ed|s)?|risk|decision|claimed|said|stance|reason|given|after|to avoid|to prevent"
    r"|in retaliation|in response)\b",
    re.I,
)
_EVIDENCE = {
    QuestionType.WHEN: _WHEN_EVIDENCE,
    QuestionType.QUANTITY: _QUANTITY_EVIDENCE,
    QuestionType.WHO: _WHO_EVIDENCE,
    QuestionType.WHERE: _WHERE_EVIDENCE,
    QuestionType.WHY: _WHY_EVIDENCE,
}


# Words that frame what kind of answer is wanted ("what is the name of", "on what date")
# rather than what it is about; the answering sentence need not contain them.
FRAME_WORDS = frozenset(
    """name named names date dates year years day days month months time times role number
    kind type event reportedly according coverage article articles exactly specifically
    currently""".split()
)

# News prose says "established", questions say "set up": a phrasal verb is also found by
# its one-word equivalents. A general table, keyed by (verb stem, particle).
_PHRASAL = {
    ("set", "up"): "established founded formed created",
    ("set", "off"): "triggered sparked erupted started began",
    ("break", "out"): "erupted started began",
    ("carri", "out"): "conducted staged",
    ("step", "down"): "resigned",
    ("stand", "down"): "halted stopped ceased",
    ("rein", "in"): "control restrain curb",
    ("head", "off"): "prevent avert avoid",
    ("call", "for"): "demanded urged",
    ("pull", "out"): "withdrew withdrawal",
    ("take", "part"): "participated joined involved",
    ("hold", "off"): "delayed postponed refrained",
}
_TOKEN = re.compile(r"[a-z]+")
EQUIVALENT_CREDIT = 0.5


@dataclass(frozen=True)
class QuestionWord:
    """One question word: the lexical terms that count as finding it."""

    terms: tuple[str, ...]  # its stem and skeleton; its weight is theirs
    equivalents: tuple[str, ...] = ()  # "established" for "set up": also find it

    def found_in(self, terms: frozenset[str]) -> bool:
        return any(t in terms for t in self.terms + self.equivalents)

    def degree(self, terms: frozenset[str]) -> float:
        """1 for the word itself, less for an equivalent: a paraphrase is weaker evidence."""
        if any(t in terms for t in self.terms):
            return 1.0
        return EQUIVALENT_CREDIT if any(t in terms for t in self.equivalents) else 0.0


def content_terms(question: str) -> list[QuestionWord]:
    """The question's content words without its framing words, each as the lexical terms
    that count as finding it: its stem, and for longer words its spelling-tolerant skeleton
    ("Kataeb" is found in "Kata’ib")."""
    tokens = _TOKEN.findall(fold(question))
    equivalents = {
        verb: _PHRASAL.get((stem(verb), particle), "")
        for verb, particle in zip(tokens, tokens[1:], strict=False)
    }
    units = []
    for word in words(question):
        if word in FRAME_WORDS:
            continue
        terms = tuple(lexical_tokens(word))
        if terms:
            units.append(QuestionWord(terms, tuple(lexical_tokens(equivalents.get(word, "")))))
    return list(dict.fromkeys(units))


def classify(question: str) -> QuestionType:
    for kind, pattern in _TYPE_PATTERNS:
        if pattern.search(question):
            return kind
    return QuestionType.OTHER


def answers_type(kind: QuestionType, sentence: str) -> bool:
    """Does the sentence contain the kind of thing the question asks for (a date for
    "when", a number for "how many", a name or role for "who", ...)?"""
    pattern = _EVIDENCE.get(kind)
    return True if pattern is None else bool(pattern.search(sentence))
