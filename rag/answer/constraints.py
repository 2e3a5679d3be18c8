"""What the asked thing must be tied to, beyond its type; pure functions over text.

A span of the asked type is not yet an answer: "How many caps has Robinson won?" is not
answered by "beaten 11-9 by Wales" (a number, but not of caps), "How old is Bryan Ferry?"
not by "Otis Ferry, the 22-year-old son of Bryan Ferry" (an age, but Otis's), "Who heads
the bank?" not by a sentence naming someone in no role, "How much did they pay?" not by a
bare count. Each check below says what ties the asked type to the question; a span that
fails it does not answer, so a question no span ties to is declined.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from rag.answer.questions import FRAME_WORDS
from rag.text.tokens import STOPWORDS, fold

_WORD = re.compile(r"[A-Za-z][\w'’-]*|\d[\d,.]*\w*|[^\w\s]")
_FIGURE = re.compile(
    r"^\d|^(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty"
    r"|forty|fifty|hundreds?|thousands?|millions?|billions?|dozens?)$",
    re.I,
)

# --- "how many X": a figure stated of X -------------------------------------------------

_HOW_MANY = re.compile(r"\bhow many\s+(.*)$", re.I)
COUNTED_WORDS = 2  # the head noun of "how many mobile TV users" is among its first words


def counted_words(question: str) -> list[str]:
    """The words naming what a "how many" question counts ("how many England caps has
    he won" -> ["caps"]): its first lower-case words before a function word. Capitalised
    words name whose ("England"), not what."""
    match = _HOW_MANY.search(question)
    if not match:
        return []
    found: list[str] = []
    for token in re.findall(r"[A-Za-z][\w'’]*", match.group(1).replace("-", " ")):
        if fold(token) in STOPWORDS or len(found) == COUNTED_WORDS:
            break
        if not token[0].isupper() and fold(token) not in FRAME_WORDS:
            found.append(fold(token))  # "how many times": two visits are two times
    return found


# Words between a figure and what it counts ("11m voters", "ships had grown to 45").
COUNT_WINDOW = 4
_PLAIN_TOKEN = re.compile(r"\d[\d,.]*[a-z]*|[a-z]+")


def counts(text: str, words: Sequence[str]) -> bool:
    """A figure of the text is stated of what is counted ("nearly 4,000 listeners"), not
    of something else in the same sentence ("a top 10")."""
    if not words:
        return True
    tokens = _PLAIN_TOKEN.findall(fold(text).replace("-", " "))
    # "arrests" finds "arrest", "fire-bombings" finds "fire-bombing incidents".
    prefixes = tuple(w[: max(4, len(w) - 2)] for w in words)
    near = {
        at + offset
        for at, token in enumerate(tokens)
        if token.startswith(prefixes)
        for offset in range(-COUNT_WINDOW, COUNT_WINDOW + 1)
    }
    return any(_FIGURE.match(tokens[at]) for at in near if 0 <= at < len(tokens))


# --- "how old is X": an age stated of X --------------------------------------------------

_AGE_AT = re.compile(r"\b\d{1,3}(?:-year-old|\s+years?\s+old)\b|\baged\s+\d{1,3}\b", re.I)
_LINKS = frozenset({",", "the", "a", "an", "who", "is", "was", "now", "aged"})
_TITLES = frozenset({"mr", "mrs", "ms", "miss", "dr", "sir", "lord", "lady", "dame"})


def _name_run(tokens: Sequence[str]) -> set[str]:
    """The capitalised words at the start of `tokens` (titles dropped), folded."""
    run = set()
    for token in tokens:
        if not token[0].isupper():
            break
        if fold(token) not in _TITLES:
            run.add(fold(re.sub(r"['’]s$", "", token)))
    return run


def aged_names(text: str) -> list[set[str]]:
    """For each age the text states, the name it is stated of: "Otis Ferry, the
    22-year-old" -> {"otis", "ferry"}, "the 31-year-old Matt Dawson" -> {"matt",
    "dawson"}; an empty set for an age of no one named ("the 31-year-old scrum-half")."""
    found = []
    for match in _AGE_AT.finditer(text):
        before = _WORD.findall(text[: match.start()])
        while before and fold(before[-1]) in _LINKS:
            before.pop()
        names = _name_run(list(reversed(before)))
        found.append(names or _name_run(_WORD.findall(text[match.end() :])))
    return found


def states_age_of(text: str, names: Sequence[Sequence[str]]) -> bool:
    """An age in the text is stated of one of the question's names (all its words in that
    name: "Otis Ferry" is not "Bryan Ferry")."""
    groups = [{fold(re.sub(r"['’]s$", "", w)) for w in group} for group in names]
    return any(aged and any(aged <= g for g in groups) for aged in aged_names(text))


# --- "who heads X", "who is the governor of X": someone named in that role ----------------

# Leading a body, however it is worded: "who runs Jarvis?" is answered by "chief
# executive Alan Lovell", "who chairs the inquiry?" by "Lord Faulkner, who chaired it".
_LEADING = frozenset(
    """head heads headed run runs ran chair chairs chaired chairman chairwoman chairperson
    lead leads leader boss chief executive director president manager ceo""".split()
)
# Offices named as such: "who is the US ambassador?" is not answered by a minister.
_OFFICES = frozenset(
    """governor ambassador minister secretary chancellor bishop mayor spokesman spokeswoman
    spokesperson commissioner judge mp senator commander editor founder owner captain coach
    presenter producer treasurer""".split()
)
_ROLE_WORD = re.compile(r"[a-z]+")


def _role_words(text: str) -> set[str]:
    words = set(_ROLE_WORD.findall(fold(text)))
    return words | {w[:-1] for w in words if w.endswith("s")}  # "ministers", "chairs"


# A role someone held and holds no more: "former President Donald Trump" does not answer
# "who is the president?".
_PAST = r"(?:former|ex|late|then|one-time|erstwhile|previous)"
_PAST_ROLE = re.compile(rf"\b{_PAST}[\s-]+(?:[\w.]+\s+)?({'|'.join(_LEADING | _OFFICES)})\b", re.I)
_ASKS_PAST = re.compile(rf"\b{_PAST}\b|\b(?:was|were|did|had)\b", re.I)


def names_role(question: str, text: str) -> bool:
    """The text names someone in the role the question asks about: any leading role for
    a question about leading, the same office for one about an office; not a role held
    before ("former chairman") when the question asks who holds it. True when the
    question names no role."""
    asked = _role_words(question)
    if not _ASKS_PAST.search(question):
        text = _PAST_ROLE.sub(" ", text)
    said = _role_words(text)
    offices = asked & _OFFICES
    if offices:
        return bool(offices & said)
    return not asked & _LEADING or bool(said & _LEADING)


# --- "how long": a duration, not a day -----------------------------------------------------

_HOW_LONG = re.compile(r"\bhow long\b(?! ago)", re.I)
_DURATION = re.compile(
    r"\b(?:seconds?|minutes?|hours?|days?|weeks?|fortnights?|months?|years?|decades?"
    r"|centur(?:y|ies)|seasons?)\b",
    re.I,
)


def asks_duration(question: str) -> bool:
    return bool(_HOW_LONG.search(question))


def is_duration(date: str) -> bool:
    """ "six months", "two years" are durations; "Thursday", "2003" are not."""
    return bool(_DURATION.search(date))


# --- "how much did they pay": an amount of money -----------------------------------------

_CURRENCY = re.compile(
    r"[£$€¥]|\b(?:euros?|pounds?|dollars?|yen|yuan|rupees?|francs?|pence|cents?|roubles?"
    r"|rubles?|sterling)\b",
    re.I,
)


def names_currency(text: str) -> bool:
    """A figure is money only in a currency: "13 wins" is a count, "475m euros" money."""
    return bool(_CURRENCY.search(text))


def tied(
    question: str,
    expected: str | None,
    text: str,
    answers: Sequence[tuple[str, str]],
    names: Sequence[Sequence[str]],
    before: str = "",
) -> bool:
    """Is the asked thing of the span's typed answers (`answers`: type, text) tied to what
    the question asks about? `names` are the question's name groups (typed.distinctive_words),
    `before` the sentence before the span (a role is often named there: "A Tory MP has
    criticised…"). True for questions with nothing further to tie."""
    if expected == "age":
        return states_age_of(text, names)
    if expected == "money" and all(kind != "money" for kind, _ in answers):
        return names_currency(text)
    if expected == "date" and asks_duration(question):
        return any(is_duration(answer) for _, answer in answers)
    if expected == "number":
        return counts(text, counted_words(question))
    if expected == "person":
        return names_role(question, f"{before} {text}")
    return True
