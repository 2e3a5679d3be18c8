"""The numbered-sources prompt for generative answers; pure functions over plain data.

Sources are data, never instructions: sentences that address a language model ("ignore
previous instructions", "you are now ...") are withheld from the prompt, and what is left
is fenced in <source> tags that the system prompt tells the model to treat as quotes.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources

from rag.text.tokens import words
from rag.wire.answers import Turn

NOT_IN_SOURCES = "NOT IN SOURCES"
_INSTRUCTION = re.compile(
    r"\b(ignore|disregard|forget|override)\b.{0,40}\b(instructions?|prompts?|rules|above|previous)\b"
    r"|\byou are (now|no longer)\b|\bsystem prompt\b|\bas an ai\b|\bnew instructions?\b"
    r"|\b(respond|reply|answer|say) (only )?(with|that)\b.{0,60}\b(instead|always|from now)\b"
    # Text addressed to a model reading it ("Assistants summarising this report must…"), a
    # role label opening a sentence or following a fence, and our own fences.
    r"|\b(ai (assistants?|models?)|assistants?|chatbots?|language models?|llms?)\s+"
    r"(reading|summari[sz]ing|processing|answering|quoting)\s+(this|these|the following)\b"
    # A fence's attributes stop at the next "<source" as well as at ">": with `[^>]*` every
    # "<source" of a long text without ">" scanned to its end (quadratic), and the last
    # "<source" before a ">" matches whenever an earlier one would.
    r"|(^|</?\s*source(?:(?!</?\s*source)[^>])*>\s*)[\"“]?(system|assistant)\s*:"
    r"|</?\s*source\b",
    re.IGNORECASE,
)
_FENCE = re.compile(r"</?\s*source[^>]*>", re.IGNORECASE)


@dataclass(frozen=True)
class Source:
    n: int
    title: str
    outlet: str | None
    text: str


def load_system_prompt() -> str:
    return resources.files("rag.answer").joinpath("prompts/system.txt").read_text("utf-8")


def is_instruction(sentence: str) -> bool:
    """Does the sentence address a language model rather than report news?"""
    return bool(_INSTRUCTION.search(sentence))


def sanitize(sentences: Sequence[str]) -> str:
    """Source text for the prompt: instruction-like sentences withheld, fences defused."""
    kept = [_defuse(s) for s in sentences if not is_instruction(s)]
    return " ".join(kept)


def _defuse(text: str) -> str:
    """`text` without <source> fences. Only the part up to the last ">" can hold one: a
    fence runs to the next ">", and searching the rest retried every "<source" in it to the
    end of the text (quadratic)."""
    cut = text.rfind(">") + 1
    return _FENCE.sub("", text[:cut]) + text[cut:]


@dataclass(frozen=True)
class Candidate:
    """A typed span of the asked kind that a source states ("Jane Doe" in source 2)."""

    text: str
    n: int


_WANTED = {
    "person": "a person",
    "organisation": "an organisation",
    "place": "a place",
    "date": "a date",
    "number": "a number",
    "money": "an amount of money",
    "percentage": "a percentage",
    "age": "an age",
    "measure": "a measurement with its unit",
}


def names_candidate(sentence: str, candidates: Sequence[Candidate]) -> bool:
    """Does a generated sentence name one of the candidates (names folded, whole words)?"""
    said = f" {' '.join(words(sentence))} "
    named = (" ".join(words(c.text)) for c in candidates)
    return any(name and f" {name} " in said for name in named)


def user_message(
    question: str,
    sources: Sequence[Source],
    history: Sequence[Turn] = (),
    *,
    wanted: str | None = None,
    candidates: Sequence[Candidate] = (),
) -> str:
    """The sources, then (for a question asking for `wanted`, a person, a date…) the
    candidates the sources state of that kind, then the question."""
    parts = []
    if history:
        recent = history[-4:]
        parts.append("Conversation so far:\n" + "\n".join(f"{t.role}: {t.content}" for t in recent))
    for source in sources:
        header = " — ".join(filter(None, [source.outlet, source.title]))
        parts.append(f'<source id="{source.n}" title="{header}">\n{source.text}\n</source>')
    if wanted in _WANTED and candidates:
        listed = "; ".join(f"{c.text} [{c.n}]" for c in candidates)
        parts.append(
            f"The question asks for {_WANTED[wanted]}. Stated in the sources: {listed}. "
            "Answer with the one the sources say answers the question, or NOT IN SOURCES."
        )
    parts.append(f"Question: {question}\nAnswer with [n] citations:")
    return "\n\n".join(parts)
