"""Typed answers: what kind of thing a question asks for, and whether a sentence states
one that the question does not already contain; pure functions.

A sentence that restates the question ("…, a government minister has said.") names the
topic but not the asked fact; the sentence that answers holds a span of the asked type
(the minister's name). Spans come from the index's annotations (spaCy at index time).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from rag.answer.countries import is_country
from rag.text.tokens import fold

# Answer types that are spans of text, checkable against the index's annotations.
ENTITY_TYPES = frozenset(
    {"person", "organisation", "place", "date", "number", "money", "percentage", "age", "measure"}
)
# Which annotation types satisfy each expected type ("who bought X?" may be a firm).
ACCEPTS = {
    "person": frozenset({"person", "organisation", "group"}),
    "organisation": frozenset({"organisation", "group", "person"}),
    "place": frozenset({"place", "organisation"}),
    "date": frozenset({"date"}),
    "number": frozenset({"number", "money", "percentage", "date"}),
    "money": frozenset({"money", "number"}),
    "measure": frozenset({"number"}),  # with a unit: see `measures`
    # "By how much will taxes be cut?" is answered in euros as often as in per cent.
    "percentage": frozenset({"percentage", "number", "money"}),
}

# Up to three words between the wh-word and its noun, none an auxiliary: in "what did
# the carmaker blame?" the carmaker is the subject, not the thing asked for.
_W = r"(?:(?!(?:did|does|do|is|was|were|are|has|have|had|will|would|can|could)\b)\w+\s+){0,3}"
_ORG_NOUNS = (
    r"compan(?:y|ies)|firms?|clubs?|teams?|groups?|bands?|part(?:y|ies)|banks?|"
    r"organi[sz]ations?|airlines?|networks?|channels?|newspapers?|studios?|labels?|"
    r"broadcasters?|carmakers?|retailers?|manufacturers?|makers?|sides?|brands?|"
    r"operators?|regulators?|agenc(?:y|ies)|bod(?:y|ies)|institutions?|universit(?:y|ies)"
)
_PLACE_NOUNS = (
    r"countr(?:y|ies)|cit(?:y|ies)|towns?|places?|grounds?|stadiums?|venues?|regions?|"
    r"states?|nations?|markets?|continents?|locations?|capitals?|islands?|areas?|"
    r"constituenc(?:y|ies)|seats?|count(?:y|ies)|districts?|provinces?|villages?"
)
_PERSON_NOUNS = (
    r"ministers?|players?|actors?|actress(?:es)?|singers?|directors?|chiefs?|boss(?:es)?|"
    r"managers?|coach(?:es)?|persons?|people|man|men|woman|women|executives?|officials?|"
    r"leaders?|spokes(?:man|woman|person)|chairman|chairwoman|founders?|presidents?|"
    r"politicians?|MPs?|MEPs?|stars?|judges?|analysts?|economists?|captains?|strikers?|"
    r"winners?|members?|secretar(?:y|ies)|commissioners?|governors?|candidates?|"
    r"writers?|authors?|opponents?|referees?|drivers?|athletes?|bishops?|officers?|"
    r"detectives?|lawyers?|doctors?|scientists?|comedians?|presenters?|hosts?|"
    r"journalists?|reporters?|editors?|producers?|designers?|artists?|musicians?|"
    r"goalkeepers?|keepers?|defenders?|midfielders?|batsm[ae]n|bowlers?|jockeys?|"
    r"chancellors?|mayors?|senators?|peers?|novelists?|rappers?|DJs?|campaigners?"
)
# Nouns for someone who may as well be a firm ("which partner pulled out?"): a person is
# asked for, a firm accepted as readily.
_AGENT_NOUNS = (
    r"owners?|rivals?|partners?|investors?|buyers?|bidders?|sponsors?|suppliers?|"
    r"shareholders?|backers?|creditors?|clients?|customers?"
)
_MONEY_CUES = (
    r"cost|costs|pay|paid|pays|price|priced|worth|fee|fees|raise|raised|spend|spent|"
    r"earn|earned|sell|sold|buy|bought|invest|invested|fine|fined|bid|offer|offered|"
    r"profits?|loss(?:es)?|sales|revenues?|turnover|budget|deal|debt|valued?|charge"
)
_RULES_TEXT = {
    "percentage": [
        r"\bwhat (?:percentage|proportion|share|per ?cent)\b",
        r"\bby how much\b",
        r"\bhow much (?:did|has|have|had|will|was|were|is|are)\b.*\b(?:rise|rose|fall|fell"
        r"|grow|grew|increase|decrease|drop|dropped|climb|climbed|jump|jumped|shrink|shrank)\b",
        r"\bwhat (?:\w+ )?(?:rate|growth)\b",
    ],
    "money": [
        rf"\bhow much\b.*\b(?:{_MONEY_CUES})\b",
        r"\bwhat (?:\w+ )?(?:price|fee|sum|amount)\b",
        r"\bwhat (?:(?:was|were|is|are|will be)\s+)?(?:the\s+|its\s+)?(?:\w+\s+)?"
        r"(?:budget|profits?|loss|losses|revenues?|salary|turnover|valuation)\b",
        r"\bhow much (?:money|cash)\b",
    ],
    # Not an age set by a rule ("to what age would the pension age rise?"): a number.
    "age": [r"\bhow old\b", r"(?<!\bto )\bwhat age\b(?!.*\b(?:pension|retirement) age\b)"],
    # A measure asked for by its name: "from what distance", "over what range" (not "what
    # range of products", a set).
    "measure": [
        r"\b(?:what|which) (?:\w+ )?(?:distance|range|height|length|speed|weight|temperature"
        r"|depth|altitude)\b(?!\s+of\b)"
    ],
    "number": [
        r"\bhow (?:many|much)\b|\bwhat number\b|\bto what age\b",
        r"\bwhat (?:is|was|will be|would be) the (?:\w+ )?(?:pension|retirement) age\b",
        # "How often have Arsenal won the Cup?" counts ("nine times"); "how often will …" is
        # a frequency, below.
        r"\bhow often (?:have|has|had|did)\b",
        r"\bhow (?:far|big|tall|high|deep|heavy|fast|large|wide)\b",  # a measure, or a rise
        r"\b(?:what|which|by what) (?:\w+ )?margin\b",
    ],
    "date": [
        # "when" asks for a date unless another wh-word comes first: in "What was the
        # score when Ireland beat England?" it joins a clause.
        r"^(?:(?!\b(?:what|which|who|whom|whose|how|where|why)\b).)*\bwhen\b",
        r"\b(?:what|which|in what) (?:year|date|day|month|time|season|decade)\b",
        r"\bhow long ago\b|\bsince when\b|\bby when\b",
        r"\bhow long\b",  # a duration ("six months") is annotated as a date
        r"\bhow often\b",  # so is a frequency ("every two years")
    ],
    "organisation": [rf"\b(?:which|what) {_W}(?:{_ORG_NOUNS})\b"],
    "place": [r"\bwhere\b", rf"\b(?:which|what) {_W}(?:{_PLACE_NOUNS})\b"],
    "person": [
        r"\bwho(?:m|se)?\b",
        rf"\b(?:which|what) {_W}(?:{_PERSON_NOUNS}|{_AGENT_NOUNS})\b",
        r"\bname of\b",
    ],
    "reason": [
        r"\bwhy\b|\bfor what reason\b",
        r"\bwhat (?:was|is|were|are) the reasons?\b",
        r"\bwhat (?:caused|prompted|led to|explains)\b",
        # A purpose asked for: "What is the rule meant to prevent?"
        r"\b(?:meant|designed|intended|aimed) to (?:do|achieve|prevent|stop|avoid|encourage"
        r"|discourage|protect|address|tackle|help|curb|reduce|boost|improve|ensure|deter)\b",
        r"\bwhat (?:was|is|were|are) the (?:aim|purpose|goal|point|motive)\b",
    ],
    "method": [
        r"^\s*(?:and\s+)?how (?:did|does|do|will|would|can|could|was|were|is|are|has|have)\b"
    ],
}
# In this order: "how much did profits rise" asks for a percentage before an amount.
_RULES = [(kind, re.compile("|".join(parts), re.I)) for kind, parts in _RULES_TEXT.items()]


# The question names the class of what it asks for ("which newspaper", "what town"):
# a span stating that class itself answers before one stating only what is accepted (a
# person for "which newspaper"). Not "who", which a firm answers as well as a person.
_NAMED_KINDS = {
    "organisation": re.compile(rf"\b(?:which|what) {_W}(?:{_ORG_NOUNS})\b", re.I),
    "place": re.compile(rf"\b(?:which|what) {_W}(?:{_PLACE_NOUNS})\b", re.I),
    "person": re.compile(rf"\b(?:which|what) {_W}(?:{_PERSON_NOUNS})\b", re.I),
}


# A place of a kind smaller than a country: no country answers "which city?".
# Not "which states / regions": "which EU member states", "which region grew fastest?".
_BELOW_COUNTRY = re.compile(
    rf"\b(?:which|what) {_W}(?:cit(?:y|ies)|towns?|villages?|constituenc(?:y|ies)|count(?:y|ies)"
    r"|districts?|suburbs?|boroughs?|provinces?|neighbou?rhoods?|streets?|seats?|capitals?)\b",
    re.I,
)


def names_kind(question: str, expected: str | None) -> bool:
    """Does the question name the kind of thing it asks for, as `expected`?"""
    pattern = _NAMED_KINDS.get(expected or "")
    return bool(pattern and pattern.search(_CONTEXT_NOTE.sub("", question)))


def expected_answer(question: str) -> str | None:
    """The kind of answer a question asks for, or None when its wording does not say."""
    own = _CONTEXT_NOTE.sub("", question)  # not the previous question a follow-up carries
    for kind, pattern in _RULES:
        if pattern.search(own):
            return kind
    return None


@dataclass(frozen=True)
class TypedAnswer:
    type: str
    text: str

    @property
    def key(self) -> str:
        """Normalised for grouping: "£15.8m" and "15.8m" state the same amount."""
        return normalise(self.text)


# A question about a role ("who heads…", "the chief executive of…") asks for a person.
_ROLE = re.compile(
    r"\b(?:heads?|headed|runs?|ran|chairs?|chaired|leads?|led|boss|chief|executive|director"
    r"|manager|coach|minister|president|chairman|chairwoman|captain|founder|spokes\w+"
    r"|editor|owner|presenter|player|actor|actress|singer|star|striker|goalkeeper)\b",
    re.I,
)
_NOT_KEY = re.compile(r"[^\w.%]+")
_LEADING_THE = re.compile(r"^the\s+")


def normalise(text: str) -> str:
    folded = _LEADING_THE.sub("", fold(text))
    return _NOT_KEY.sub(" ", folded).strip()


# An age is stated as one ("the 28-year-old", "aged 45", "45 years old"); any other number
# near a name ("in six years", "July") is not one.
_AGE = re.compile(r"\b\d{1,3}(?:-year-old|\s+years?\s+old)\b|\baged\s+\d{1,3}\b", re.I)


def fresh_answers(
    spans: Sequence[tuple[str, str]], expected: str, question: str, text: str = ""
) -> list[TypedAnswer]:
    """Typed spans (type, text) of a sentence that could answer: of an accepted type, and
    not already in the question (the question's own names are not its answer)."""
    if expected == "age":
        return [TypedAnswer("age", m.group()) for m in _AGE.finditer(text)]
    if expected == "measure":
        return [TypedAnswer("measure", m) for m in measures(spans, text, question)]
    accepted = ACCEPTS.get(expected, frozenset())
    if expected == "person" and _ROLE.search(question):
        accepted = frozenset({"person"})  # "who heads X?" is answered by a person
    asked = name_words(question)
    named = _question_names(question)
    smaller = expected == "place" and bool(_BELOW_COUNTRY.search(question))
    found = []
    for kind, text in spans:
        if (
            kind in accepted
            and name_words(text) - asked
            and not _asked_person(kind, text, asked, named)
            and not abbreviates(text, question, kind)
            and not (smaller and is_country(text))
        ):
            found.append(TypedAnswer(kind, text))
    # The asked type first: a person for "who", then what else is accepted.
    return sorted(found, key=lambda a: a.type != expected)


_ACRONYM = re.compile(r"\b([A-Z]{2,6})s?\b")
_INITIAL_WORDS = re.compile(r"[A-Za-z][\w’'-]*")
_LINK_WORDS = frozenset("of and the for de du la".split())


def initials_of(text: str) -> str:
    words = [w for w in _INITIAL_WORDS.findall(text) if w.lower() not in _LINK_WORDS]
    return "".join(w[0] for w in words).upper()


_CAPITALISED_RUN = re.compile(r"[A-Z][\w’'-]*(?:\s+(?:(?:of|and|for|the)\s+)*[A-Z][\w’'-]*)*")


def abbreviates(text: str, question: str, kind: str = "") -> bool:
    """One is the other's acronym: "International Association of Athletics Federations"
    is the question's "IAAF", "CSO" its "Community Support Officers". Not an answer. A
    person's initials are no acronym ("Frank Arnesen" is not "the FA")."""
    if kind != "person" and len(text.split()) > 1:
        if initials_of(text) in set(_ACRONYM.findall(question)):
            return True
    match = _ACRONYM.fullmatch(text.strip())
    if not match:
        return False
    # A whole run of capitalised words, its question word aside: "Community Support
    # Officers"; not a part of one ("Unionist Kenneth" in "Ulster Unionist Kenneth
    # Maginnis"), nor of lower-case words ("until Sunday").
    for run in _CAPITALISED_RUN.findall(question):
        words = run.split()
        if words and words[0].lower() in _WH:
            words = words[1:]
        if words and initials_of(" ".join(words)) == match.group(1):
            return True
    return False


def _asked_person(
    kind: str, text: str, asked: frozenset[str], named: frozenset[str] = frozenset()
) -> bool:
    """A person the question already names by surname ("Frederic Michalak" is the
    question's "Michalak") or by first name, written as a name ("Ozzy Osbourne" is its
    "Ozzy"; `named`: the question's names, folded)."""
    if kind != "person":
        return False
    words = _NAME_WORD.findall(fold(_POSSESSIVE_S.sub("", text)))
    given = _ordered_name_words(text)  # not a title: "Mr Jones" is not the question's "Mr Smith"
    return (len(words) > 1 and words[-1] in asked) or (len(given) > 1 and given[0] in named)


# Words that name no one in particular: "Mrs Blair" names Blair, "the US" the US.
_TITLES = frozenset(
    "mr mrs ms miss dr sir lord lady dame rev revd rt hon prof st the of and".split()
)
_NAME_WORD = re.compile(r"[a-z0-9]+(?:[.,][0-9]+)*")
_POSSESSIVE_S = re.compile(r"['’]s\b")


@lru_cache(maxsize=1 << 16)  # spans and questions recur across questions
def name_words(text: str) -> frozenset[str]:
    """The words a span names something by, folded, without possessives, titles or a
    plural "s" ("Mrs Blair's" -> {"blair"}, "Lib Dems" -> {"lib", "dem"}): a span whose
    words are all in the question names only what the question already names."""
    folded = fold(_POSSESSIVE_S.sub("", text))
    found = set()
    for word in _NAME_WORD.findall(folded):
        if word not in _TITLES:
            found.add(word[:-1] if len(word) > 3 and word.endswith("s") else word)
    return frozenset(found)


@lru_cache(maxsize=4096)  # asked for every candidate span of a question
def _question_names(question: str) -> frozenset[str]:
    """Names the question gives as one word ("Ozzy"): a first name there may be someone's
    whole name; in "Michael Howard" it is not ("Michael Ancram" is another man)."""
    return frozenset(fold(g[0]) for g in distinctive_words(question) if len(g) == 1)


def _ordered_name_words(text: str) -> list[str]:
    folded = fold(_POSSESSIVE_S.sub("", text))
    return [w for w in _NAME_WORD.findall(folded) if w not in _TITLES]


_FEMALE_TITLE = r"\b(?:Mrs|Ms|Miss|Lady|Dame)\.?\s+"


def _surname_token(name: str) -> str:
    """The last word of a name as written, folded: "Zeta-Jones" stays one word."""
    tokens = fold(_POSSESSIVE_S.sub("", name)).split()
    return tokens[-1] if tokens else ""


def in_full(name: str, people: Sequence[str], context: str = "") -> str:
    """A person named by surname alone ("Mr Jacobsen") as `people` (the persons their
    article names) name them in full ("Nicholas Lee Jacobsen"), when they name exactly one
    such person: with "Tony Blair" and "Cherie Blair" in the article, "Mrs Blair" stays.
    Nor when `context` (the sentence) calls them Mrs, Ms, Miss, Lady or Dame: a woman is
    often named by her husband's surname, and he in full ("Tony Blair")."""
    if len(_ordered_name_words(name)) != 1:
        return name
    surname = _surname_token(name)
    if re.search(_FEMALE_TITLE + re.escape(name.split()[-1]) + r"\b", f"{name} {context}"):
        return name
    full = {
        tuple(_ordered_name_words(person)): _POSSESSIVE_S.sub("", person).strip()
        for person in people
    }
    matches = {k: v for k, v in full.items() if len(k) > 1 and _surname_token(v) == surname}
    # One person however often named; "Nicholas Jacobsen" is "Nicholas Lee Jacobsen" too.
    if len({(k[0], k[-1]) for k in matches}) != 1:
        return name
    return max(matches.values(), key=len)


# Units of a measure, after its number ("10 metres", "a 20-yard drive", "300mph"); the
# longer first where one starts another ("km/h" before "km").
_UNIT = (
    r"(?:km/h|m/s|mph|kph|knots|(?:kilo|centi|milli)?met(?:re|er)s?|km|cm|mm|miles?|yards?|yds"
    r"|feet|foot|ft|inch(?:es)?|kilo(?:gram)?s?|kg|grams?|tonnes?|tons?|lbs?|stones?"
    r"|degrees?|°[CF]?|litres?|liters?|gallons?|barrels?|acres?|hectares?"
    r"|(?:square|cubic)\s+(?:met(?:re|er)s?|miles?|feet|yards?|kilomet(?:re|er)s?|km)"
    r"|(?:kilo|mega|giga|tera)?(?:bytes?|bits?)|[kmgt]b|[kmg]bps|[kmg]?hz|(?:kilo|mega|giga)?watts?"
    r"|[kmg]w|volts?|decibels?|light[- ]years?|storeys?|m)"
)
_NUMBER_AND_UNIT = re.compile(
    rf"(?<![\w.,])(?P<number>\d[\d,.]*|[a-z]+)(?:\s*-\s*|\s*)(?:{_UNIT})(?![\w/])", re.I
)
_ENDS_IN_UNIT = re.compile(rf"(?<=[\d\s-])(?:{_UNIT})$", re.I)


def measures(spans: Sequence[tuple[str, str]], text: str, question: str = "") -> list[str]:
    """The numbers of `text` (its typed `spans`) that state a measure, each with its unit
    as written ("10 metres", "20-yard", "61km/h"), of the kind the question asks (a speed
    for "what speed", not a height); a bare count ("three goals") is none."""
    numbers = [number for kind, number in spans if kind == "number"]
    found = [(text.find(number), number) for number in numbers if _ENDS_IN_UNIT.search(number)]
    for match in _NUMBER_AND_UNIT.finditer(text):
        value = match.group("number")
        if any(n == value or n.endswith(f" {value}") for n in numbers):
            found.append((match.start(), match.group()))
    asked = _MEASURE_ASKED.search(question)
    units = _UNITS_OF.get(fold(asked.group(1))) if asked else None
    return list(
        dict.fromkeys(
            measure for _, measure in sorted(found) if units is None or _in_units(measure, units)
        )
    )


def _in_units(measure: str, units: re.Pattern[str]) -> bool:
    unit = _ENDS_IN_UNIT.search(measure)
    return bool(unit and units.search(unit.group()))


_LENGTH = re.compile(
    r"^(?:(?:kilo|centi|milli)?met(?:re|er)s?|km|cm|mm|miles?|yards?|yds|feet|foot|ft|inch(?:es)?"
    r"|light[- ]years?|storeys?|m)$",
    re.I,
)
_UNITS_OF = {
    "distance": _LENGTH, "range": _LENGTH, "height": _LENGTH, "length": _LENGTH,
    "depth": _LENGTH, "altitude": _LENGTH,
    "speed": re.compile(r"^(?:km/h|m/s|mph|kph|knots|[kmg]bps)$", re.I),
    "weight": re.compile(r"^(?:kilo(?:gram)?s?|kg|grams?|tonnes?|tons?|lbs?|stones?)$", re.I),
    "temperature": re.compile(r"^(?:degrees?|°[CF]?)$", re.I),
}  # fmt: skip
_MEASURE_ASKED = re.compile(rf"\b({'|'.join(_UNITS_OF)})\b", re.I)


def ages(text: str) -> list[str]:
    return [m.group() for m in _AGE.finditer(text)]


# Qualifiers that pick one thing among several ("the second test", "the women's final"):
# the answering sentence, or what it stands in, must say them too.
QUALIFIERS = frozenset(
    """first second third fourth fifth sixth seventh eighth ninth tenth women's men's
    women men junior quarterly annual monthly parliamentary presidential legislative
    municipal mayoral""".split()
)
_QUESTION_TOKEN = re.compile(r"[A-Za-z][\w'’-]*|\d[\d.,]*\d|\d")
_WH = frozenset("who whom whose what which when where why how whats".split())
_CONTEXT_NOTE = re.compile(r"\s\([^()]*\)$")
_NAME_LINKS = frozenset("of the de la von van al bin".split())


def distinctive_words(question: str) -> list[list[str]]:
    """What an answer must be about, not just near: each name of the question ("Biogen
    Idec", "Republic of Ireland": found if any of its words is), each number ("2004") and
    each qualifier ("second", "women's"). Groups of alternative words."""
    groups: list[list[str]] = []
    name: list[str] = []
    # A follow-up resolved by appending the previous question ("And Washington? (Who did
    # Baghdad ask …?)") must be about its own names, not every name of the previous one.
    own = _CONTEXT_NOTE.sub("", question)
    for i, token in enumerate(_QUESTION_TOKEN.findall(own)):
        lowered = token.lower()
        if token[0].isupper() and i > 0 and lowered not in _WH:
            name.append(token)
            continue
        if name and lowered in _NAME_LINKS:
            continue
        if name:
            groups.append(name)
            name = []
        if token[0].isdigit() or lowered in QUALIFIERS:
            groups.append([token])
    if name:
        groups.append(name)
    return groups


_MONTHS = {
    m: m[:3]
    for m in "january february march april june july august september october november "
    "december".split()
}
_PUNCTUATION = re.compile(r"[^\w\s]")
_JOINERS = re.compile(r"[-‐‑–—/]")
_POSSESSIVE = re.compile(r"['’]s?$")


@lru_cache(maxsize=1 << 17)  # the same sentences are read again for every question
def plain(text: str) -> str:
    """Lower case, punctuation dropped ("U.S." -> "us", "12,575" -> "12575"), hyphens
    and slashes as spaces ("post-Saddam" -> "post saddam")."""
    return " " + _PUNCTUATION.sub("", _JOINERS.sub(" ", fold(text))) + " "


def alternatives(group: Sequence[str]) -> list[str]:
    return list(_alternatives(tuple(group)))


@lru_cache(maxsize=4096)  # asked for every candidate span of a question
def _alternatives(group: tuple[str, ...]) -> tuple[str, ...]:
    """Word starts that find a distinctive word in plain text: a name by any of its words,
    a word's stem-like prefix ("Nigerian" -> "nigeri", "Iraqi" -> "iraq"), a month by its
    abbreviation, a multi-word name by its initials ("United States" -> "us")."""
    found = []
    for word in group:
        token = plain(_POSSESSIVE.sub("", word)).strip()
        if not token:
            continue
        if token.isdigit():
            found.append(f" {token} ")
            continue
        found.append(" " + token[: max(4, len(token) - 2)])
        if token in _MONTHS:
            found.append(f" {_MONTHS[token]}")
    if len(group) > 1:
        found.append(" " + "".join(plain(w).strip()[:1] for w in group) + " ")
    return tuple(found)


def says_all(text: str, groups: Sequence[Sequence[str]]) -> bool:
    """Every group is in the (plain) text (see `satisfied`)."""
    return satisfied(groups, lambda needle: needle in text)


def needles(groups: Sequence[Sequence[str]]) -> set[str]:
    """Every plain-text alternative `satisfied` may look for."""
    return {a for group in groups for a in alternatives(group)}


def satisfied(groups: Sequence[Sequence[str]], found: Callable[[str], bool]) -> bool:
    """Every group is found, by `found` over its alternatives: by its initials ("us"), or
    by at least half of its words ("Biogen" for "Biogen Idec"; "Iraq" alone is not
    "Central Bank of Iraq")."""
    for group in groups:
        words = sum(any(found(a) for a in alternatives([word])) for word in group)
        if 2 * words < len(group) and not (len(group) > 1 and found(alternatives(group)[-1])):
            return False
    return True


_FACT_TOKEN = re.compile(r"[£$€]?\d[\d,.]*\w*%?|[A-Z][\w'’-]*")
_WORD = re.compile(r"\w+")


def same_telling_but(a: str, b: str, answers_a: Sequence[str], answers_b: Sequence[str]) -> bool:
    """Are `a` and `b` one telling that differs only in its answers ("…especially Frank
    Lampard." / "…especially John Terry.")? In a short sentence the names outweigh the
    rest of it in the embeddings, so the words around the answers are compared instead."""
    a, b = a[:TELLING_CHARS], b[:TELLING_CHARS]
    named = set().union(*(_WORD.findall(plain(x)) for x in (*answers_a, *answers_b)))
    words_a = set(_WORD.findall(plain(a))) - named
    words_b = set(_WORD.findall(plain(b))) - named
    # A word or two in common ("scored") is no telling.
    return min(len(words_a), len(words_b)) >= TELLING_MIN_WORDS and len(
        words_a & words_b
    ) >= SAME_TELLING * max(len(words_a), len(words_b))


def fact_words(text: str) -> list[str]:
    """Names and figures of a sentence as written ("Coventry-born", "£109.45", "27.5%"),
    not its first word (capitalised because it starts the sentence)."""
    tokens = _FACT_TOKEN.findall(text)
    first = _WORD.search(text)
    if tokens and first and tokens[0] == first.group():
        tokens = tokens[1:]
    return [t.rstrip(".,") for t in tokens]


def differing_facts(
    a: str,
    b: str,
    kinds_a: dict[str, str] | None = None,
    kinds_b: dict[str, str] | None = None,
) -> tuple[list[str], list[str]] | None:
    """When two tellings of one fact each state a name or figure the other lacks ("born
    in Birmingham" / "born in Coventry", "£105.45" / "£109.45"): what each says instead;
    None when neither contradicts the other. Sentences are compared on their first
    TELLING_CHARS characters, which keeps the attribution pattern's work bounded."""
    a, b = a[:TELLING_CHARS], b[:TELLING_CHARS]
    words_a, words_b = set(_WORD.findall(plain(a))), set(_WORD.findall(plain(b)))
    if len(words_a & words_b) < SAME_TELLING * max(len(words_a), len(words_b), 1):
        return None  # not the same telling: other words, not other facts
    facts_a, facts_b = fact_words(_unattributed(a)), fact_words(_unattributed(b))
    keys_a, keys_b = {plain(f) for f in facts_a}, {plain(f) for f in facts_b}
    only_a = [f for f in facts_a if plain(f) not in keys_b]  # "Shi’ite" is "Shiite"
    only_b = [f for f in facts_b if plain(f) not in keys_a]
    # Only facts of one kind contradict: "£105.45" / "£109.45", a place for a place; a
    # source named in one telling ("said Ahmed Kenani" / "told Reuters") does not.
    pairs = [
        (fa, fb)
        for fa in only_a
        for fb in only_b
        if _same_kind(_kind(fa, kinds_a or {}), _kind(fb, kinds_b or {}))
    ]
    if not pairs:
        return None
    return list(dict.fromkeys(a for a, _ in pairs)), list(dict.fromkeys(b for _, b in pairs))


def _same_kind(a: str, b: str) -> bool:
    """Figures contradict figures, names names (the annotated types of names in two
    tellings are not reliable enough to tell them apart: AOL an organisation, Tiscali a
    person)."""
    return (a == "figure") == (b == "figure")


_NAME = r"[A-Z][\w’'-]*(?:\s+(?:of\s+|al-|de\s+)?[A-Z][\w’'-]*)*"
# Who says a thing is not the thing said: "said Ahmed Kenani" / "told Reuters".
_SAID_BY = re.compile(
    rf"\b(?:said|says|told|according to|reported by|quoted by)\s+(?:the\s+)?{_NAME}"
)
_NAME_SAID = re.compile(rf"{_NAME},?\s+(?:a|an|the)?\s*[\w\s’'-]{{0,40}}?\b(?:said|says|told)\b")


def _unattributed(text: str) -> str:
    """The text without who said it: "said X" first, then "X, a lawmaker, said"."""
    return _NAME_SAID.sub(" ", _SAID_BY.sub(" ", text))


def _kind(fact: str, kinds: dict[str, str]) -> str:
    if any(c.isdigit() for c in fact):
        return "figure"
    key = plain(fact).strip()
    return next((kind for text, kind in kinds.items() if key in plain(text)), "name")


# Share of words two sentences share when they are one telling (a wire copy, a republished
# story); two outlets' own wordings of a fact share fewer.
SAME_TELLING = 0.8
TELLING_CHARS = 600
TELLING_MIN_WORDS = 3  # words beside the answers for two sentences to be one telling
