"""Follow-up questions -> standalone questions, by resolving references to the last turn.

"When was the first one founded?" after an answer naming two groups becomes "When was
Kata’ib Hizbollah founded?": pronouns, ordinals ("the first one") and ellipsis ("And
al-Nujaba?", "Why?") are resolved against the entities of the previous question and
answer. Pure functions over text.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from rag import limits
from rag.answer.questions import QuestionType, classify
from rag.answer.typed import expected_answer
from rag.text.tokens import STOPWORDS, fold, skeleton, words
from rag.wire.answers import Turn

# Only from the start of a whitespace run: `\s*\[\d+\]` retried at every space of a long run
# that ends in no marker was quadratic (250,000 spaces took 53 s).
_MARKERS = re.compile(r"(?<!\s)\s*+\[\d++\]")
_ENTITY = re.compile(
    r"(?:(?:al|el)-)?[A-Z][\w’'\-]*(?:\.(?=[A-Z]))?"
    r"(?:\s+(?:(?:al|el)-[A-Z][\w’'\-]*|(?:al|el|bin|ibn|of|de)\b|(?:of the)\b|[A-Z][\w’'\-]*))*"
)
_NOT_ENTITIES = frozenset(
    """the a an it its he she they this that these those there what when where which who whom
    whose why how did does do is was were are and but or if in on at after before according
    also monday tuesday wednesday thursday friday saturday sunday january february march april
    may june july august september october november december i we you his her their
    iraqi iranian israeli american kurdish lebanese syrian palestinian shiite shi’ite sunni arab
    yemeni us u.s. one two three four five six seven eight nine ten several many some all
    both most other another senior top four""".split()
) | frozenset(
    # Nationalities describe ("Which Japanese company …?"); "they" is not "Japanese".
    """afghan african argentine argentinian asian australian austrian belgian brazilian
    british canadian chinese czech danish dutch egyptian english european finnish french
    german greek hungarian indian indonesian irish italian japanese kenyan korean mexican
    nigerian norwegian pakistani polish portuguese russian saudi scottish spanish swedish
    swiss thai turkish ukrainian vietnamese welsh""".split()
)
# Whole words that are no name ("Yes - Calisto Tanzi …"), but may start one ("Yes Minister").
_NOT_NAMES = frozenset({"yes", "no"})
# Auxiliaries that open a yes/no question ("Has Parmalat's founder …?") and are no part of
# a name there; elsewhere they may be one ("Will Young").
_OPENING_AUXILIARIES = frozenset("has have had can will would should could".split())
_QUESTION_WORDS = re.compile(
    r"\b(what|who|whom|why|how|when|where|which|did|does|do|is|was|are)\b", re.I
)
# Words that cannot end a name ("Bank of", "Abu Bakr al"); dropped from its end one token
# at a time, since `(\s+(of|...))+$` searched on "A of of ... of B" was quadratic.
_TRAILING_CONNECTORS = frozenset({"of", "the", "al", "bin", "ibn", "de"})
_ORDINAL = re.compile(r"\bthe (first|second|third|former|latter|last)(?: one)?\b", re.I)
_PRONOUN = re.compile(
    r"\b(its|their|his|her|it|they|them|he|him|she|this group|that group|the group"
    r"|these groups|those groups|the groups)\b",
    re.I,
)
_POSSESSIVES = frozenset({"its", "their", "his", "her"})
_THINGS = frozenset({"it", "its"})
_PERSONS = frozenset({"he", "him", "his", "she", "her"})
_ASKS_WHAT = re.compile(r"^\s*(what|which)\b", re.I)
_PLURALS = frozenset({"they", "them", "their", "these groups", "those groups", "the groups"})
# `_ELLIPSIS` and `_WHO_IS` end in a lazy `.+?` before `\s*$`: linear on the whitespace-
# collapsed text contextualize() gives them, quadratic in a long run of spaces otherwise.
_ELLIPSIS = re.compile(
    r"^\s*(and|what about|how about|and what about)\s+(?P<rest>.+?)\??\s*$", re.I
)
_BARE_WH = re.compile(r"^\s*+(why|how|when|where|who|how so|in what way)\s*+\??\s*+$", re.I)
_WHO_IS = re.compile(r"^\s*who (is|was|are|were)\s+(?P<name>.+?)\??\s*$", re.I)
_HOW_MANY = re.compile(r"\bhow many\s+(?P<rest>[^?]+)", re.I)
_PARENTHESES = re.compile(r"[()]")
# "Which year's Budget was that?", "How much did that cost?": "that" stands for what the
# last turn told, so the question keeps the previous one as context.
_DEMONSTRATIVE = re.compile(r"\b(?:that|this)\b(?!\s+[A-Z])", re.I)
_NAME_OF = re.compile(r"\bname of\b", re.I)
_POSSESSIVE_END = re.compile(r"['’]s\b")
_LETTERS = re.compile(r"[^\W\d_]")
_ORDINALS = {"first": 0, "former": 0, "second": 1, "third": 2, "latter": -1, "last": -1}


@dataclass(frozen=True)
class Standalone:
    question: str  # what retrieval and scoring use
    is_followup: bool
    previous_answer: str  # the last assistant turn, markers removed ("" if none)


def strip_markers(text: str) -> str:
    return _MARKERS.sub("", text).strip()


def _key(entity: str) -> str:
    return " ".join(skeleton(w) for w in words(entity)) or fold(entity)


def entities(text: str) -> list[str]:
    """Capitalised names in order of appearance (weekdays, months, question words dropped)."""
    found: list[str] = []
    seen: set[str] = set()
    question = text.rstrip().endswith("?")
    for match in _ENTITY.finditer(text):
        tokens = match.group().split()
        first = 0
        if question and not text[: match.start()].strip() and len(tokens) > 1:
            first = int(fold(tokens[0]) in _OPENING_AUXILIARIES)
        while first < len(tokens) and fold(tokens[first]) in _NOT_ENTITIES:
            first += 1
        last = len(tokens)
        while last - first > 1 and tokens[last - 1] in _TRAILING_CONNECTORS:
            last -= 1
        entity = " ".join(tokens[first:last]).strip(" ’'-")
        if len(_LETTERS.findall(entity)) < 2 or fold(entity) in _NOT_ENTITIES | _NOT_NAMES:
            continue  # "U." of "U.S.", a lone "Yes"
        key = _key(entity)
        if key and key not in seen:
            seen.add(key)
            found.append(entity)
    return found


def _new_entities(previous_question: str, previous_answer: str) -> list[str]:
    asked = {_key(e) for e in entities(previous_question)}
    asked_words = {skeleton(w) for w in words(previous_question)}
    # A longer name of someone the question named ("Iraqi Prime Minister Mohammed Shia
    # al-Sudani" for "al-Sudani") is not a new one: it holds all of the asked name's words
    # ("Newcastle United" is not "Manchester United", nor Prescott "Prime Minister Blair").
    asked_names = [set(_name_words(e)) for e in entities(previous_question)]
    return [
        e
        for e in entities(previous_answer)
        if _key(e) not in asked
        and not {skeleton(w) for w in words(e)} <= asked_words
        and not any(name and name <= set(_name_words(e)) for name in asked_names)
    ]


def _name_words(entity: str) -> list[str]:
    """ "Schumacher's" -> ["schumacher"]: folded words of a name, possessive dropped."""
    return [w for w in words(_POSSESSIVE_END.sub("", entity)) if len(w) > 2]


def _short_name(entity: str) -> str:
    """ "Secretary of State Antony Blinken" -> "Antony Blinken": titles would outweigh the
    rest of the question in retrieval and scoring."""
    tokens = entity.split()
    return (
        " ".join(tokens[-2:]) if len(tokens) > 2 and " of " not in " ".join(tokens[-2:]) else entity
    )


def _counted(question: str) -> str | None:
    """The noun phrase a "how many" question counts ("Iraqi factions" in "How many Iraqi
    factions joined …?"): up to a function word or a past-tense verb."""
    match = _HOW_MANY.search(question)
    if not match:
        return None
    noun = []
    for token in match.group("rest").split()[:3]:
        if fold(token) in STOPWORDS or token.endswith("ed"):
            break
        noun.append(token)
    return " ".join(noun) or None


def _antecedent(
    previous_question: str,
    previous_answer: str,
    *,
    plural: bool,
    thing: bool = False,
    person: bool = False,
) -> str | None:
    """What "it"/"they"/"he" most likely refers to in the next question. `thing`: the
    pronoun is "it"/"its", which names the thing a "what"/"which" question was answered
    with ("its first conference" after "What is Galloway's new party?" -> "Respect").
    `person`: "he"/"she", which names someone: the answer to a question asking for a
    person ("Which referee …?"), else the first full name ("Calisto Tanzi", not
    "Parmalat" or "England" of "England coach Andy Robinson")."""
    counted = _counted(previous_question)
    if plural and counted:
        # "Which of them …?" after "How many factions …?" asks about those factions.
        return f"the {counted}"
    who_is = _WHO_IS.match(previous_question)
    if who_is and entities(who_is.group("name")) == [who_is.group("name").strip()]:
        return who_is.group("name").strip()
    # "Deputy Prime Minister John Prescott" and a later "John Prescott" are one person.
    new = list(
        dict.fromkeys(_short_name(e) for e in _new_entities(previous_question, previous_answer))
    )
    # "Which referee …?" asks for a person too; "What is the name of his party?" need not.
    asks_person = classify(previous_question) == QuestionType.WHO or (
        expected_answer(previous_question) == "person" and not _NAME_OF.search(previous_question)
    )
    if asks_person and new:
        if thing:
            return None  # "When does it take effect?" is not about the minister named
        # People are named in full ("John Prescott"); a lone capitalised word beside them
        # is more often a party or a place ("Labour", "Gateshead") than "they" or "he".
        named = [e for e in new if len(e.split()) > 1] or new
        if plural:
            return " and ".join(named[:3])
        return named[0] if person else new[0]
    if thing and new and _ASKS_WHAT.match(previous_question):
        return new[0]
    asked = entities(previous_question)
    full_names = [e for e in [*asked, *new] if len(e.split()) > 1]
    if person and full_names:
        return _short_name(full_names[0])
    return asked[0] if asked else (new[0] if new else None)


def _noted(question: str, context: str) -> str:
    """The question with its context as a trailing note, "Who came second? (Which band
    won …?)": `typed` reads a question's own part without it. The note holds no
    parentheses of its own, or its start would not be found, and is cut to fit the
    question limit here, so that its closing one is kept."""
    note = " ".join(_PARENTHESES.sub(" ", context).split())
    room = limits.QUESTION_CHARS - len(question) - 3
    if room < 1:
        return question
    if len(note) > room:
        note = note[: room + 1].rsplit(" ", 1)[0][:room]
    return f"{question} ({note})"


def _replace(question: str, match: re.Match[str], replacement: str) -> str:
    word = match.group().lower()
    if word in _POSSESSIVES:
        replacement = f"{replacement}’s"
    return question[: match.start()] + replacement + question[match.end() :]


def contextualize(question: str, history: Sequence[Turn]) -> Standalone:
    """Resolve a follow-up against the last user question and the answer to it.

    A rewrite can borrow long text from the history (a bare "Why?" takes the previous
    answer's first sentence); it is cut at a word boundary to the question limit, since
    it only steers retrieval and scoring."""
    standalone = _resolve(question, history)
    if len(standalone.question) <= limits.QUESTION_CHARS:
        return standalone
    cut = standalone.question[: limits.QUESTION_CHARS + 1].rsplit(" ", 1)[0]
    return replace(standalone, question=cut[: limits.QUESTION_CHARS])


def _resolve(question: str, history: Sequence[Turn]) -> Standalone:
    question = " ".join(question.split())
    users = [t.content for t in history if t.role == "user"]
    answers = [t.content for t in history if t.role == "assistant"]
    if not users:
        return Standalone(question=question, is_followup=False, previous_answer="")
    previous_question = " ".join(users[-1].split())
    previous_answer = strip_markers(answers[-1]) if answers else ""

    if ordinal := _ORDINAL.search(question):
        listed = _new_entities(previous_question, previous_answer) or entities(previous_question)
        index = _ORDINALS[ordinal.group(1).lower()]
        if listed and (index < 0 or index < len(listed)):
            return Standalone(_replace(question, ordinal, listed[index]), True, previous_answer)
    if ellipsis := _ELLIPSIS.match(question):
        rest = ellipsis.group("rest")
        named = entities(rest)
        asked = entities(previous_question)
        if named and asked and len(words(rest)) <= 4 and not _QUESTION_WORDS.search(rest):
            standalone = previous_question.replace(asked[0], named[0], 1)
            return Standalone(standalone, True, previous_answer)
    if _BARE_WH.match(question):
        # "Why?" asks about what the last turn said: the question and the start of its
        # answer, as a note (scored and searched, but not required of the answer).
        statement = previous_answer.split(". ")[0].rstrip(".")
        return Standalone(
            _noted(question, f"{previous_question} {statement}"), True, previous_answer
        )
    if pronoun := _PRONOUN.search(question):
        plural = pronoun.group().lower() in _PLURALS
        thing = pronoun.group().lower() in _THINGS
        antecedent = _antecedent(
            previous_question,
            previous_answer,
            plural=plural,
            thing=thing,
            person=pronoun.group().lower() in _PERSONS,
        )
        if antecedent:  # "Ricky Gervais's sitcom" names Ricky Gervais
            antecedent = re.sub(r"['’]s$", "", antecedent)
        if antecedent:
            return Standalone(_replace(question, pronoun, antecedent), True, previous_answer)
    if (
        len(words(question)) <= 1
        or ellipsis
        or not entities(question)
        or _DEMONSTRATIVE.search(question)
    ):
        # Too little to stand alone, or naming nothing ("Who got the second?", "Which
        # partner pulled out?"), and nothing to resolve: keep the previous subject.
        return Standalone(_noted(question, previous_question), True, previous_answer)
    return Standalone(question=question, is_followup=False, previous_answer=previous_answer)
