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
from functools import lru_cache

from rag.answer.questions import FRAME_WORDS
from rag.answer.typed import distinctive_words, initials_of, plain
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
    presenter producer treasurer adviser advisor lawyer solicitor barrister envoy""".split()
)
_ROLE_WORD = re.compile(r"[a-z]+")


@lru_cache(maxsize=1 << 14)  # questions and sentences recur for every candidate span
def _role_words(text: str) -> frozenset[str]:
    words = set(_ROLE_WORD.findall(fold(text)))
    words |= {w[:-1] for w in words if w.endswith("s")}  # "ministers", "chairs"
    if words & {"adviser", "advisor"}:  # one office, two spellings
        words |= {"adviser", "advisor"}
    return frozenset(words)


# A role someone held and holds no more: "former President Donald Trump", "the late
# chairman", "his predecessor as CEO" do not answer "who is the president?". Not "then"
# or "late" alone ("the board then appointed…", "a late penalty").
_PAST = (
    r"(?:(?:former|ex|one-time|erstwhile|previous|the\s+then|the\s+late|predecessor\s+as)"
    r"[\s-]+|then-)"
)
_ROLES = "|".join(sorted(_LEADING | _OFFICES))
_PAST_ROLE = re.compile(rf"\b{_PAST}(?:\w+\s+)?({_ROLES})\b", re.I)
_ASKS_PAST = re.compile(rf"\b{_PAST}|\b(?:former|was|were|did|had)\b", re.I)
# Someone's role ("his lawyer", "their manager"): mentioned, not who the next sentence names.
_OWNED_ROLE = re.compile(rf"\b(?:his|her|its|their|whose)\s+(?:\w+\s+)?(?:{_ROLES})s?\b", re.I)
_ROLE_IN_TEXT = re.compile(rf"\b(?:{_ROLES})s?\b", re.I)
# Words that make an office another one: the foreign minister is not the finance minister.
_OFFICE_KINDS = frozenset(
    """foreign finance home prime defence defense interior justice health education culture
    sport trade transport environment energy economy agriculture industry deputy shadow
    junior""".split()
)
_OFFICE_NAMES = "|".join(sorted(_OFFICES))
_KIND_THEN_OFFICE = re.compile(rf"\b([a-z]+)\s+({_OFFICE_NAMES})s?\b", re.I)


# Words before a role that may say whose it is ("Iraq's first post-Saddam Foreign
# Minister"): up to this many, within the clause.
QUALIFIER_WORDS = 5
_CLAUSE_BREAK = re.compile(r"[,;:()\[\]\"“”–—]|[.!?]\s")
# Names of one country that share no first letters ("British" is "UK"); others compare by
# their first four letters ("Iranian" is "Iran's", "Syrian" is not "Iraqi").
_SAME_COUNTRY = (
    frozenset({"uk", "brit", "engl", "unit kingdom"}),
    frozenset({"us", "usa", "amer", "unit states"}),
)


def _name_keys(text: str) -> set[str]:
    """How a place or people is compared: each word's first four letters ("iran" for
    "Iranian"), "unit states" for "United States", and the other names of its country."""
    words = [w for w in _ROLE_WORD.findall(fold(text)) if w not in STOPWORDS or w == "us"]
    keys = {w[:4] for w in words}
    keys |= {f"{a[:4]} {b}" for a, b in zip(words, words[1:], strict=False)}
    for same in _SAME_COUNTRY:
        if keys & same:
            keys |= same
    return keys


def _others_roles_removed(question: str, text: str, places: Sequence[str]) -> str:
    """The text without the role words that a place or people the question does not name
    qualifies: for "who is Iran's foreign minister?", "Iraq's Foreign Minister" and
    "Syrian President" are others' offices. `places`: the text's places and peoples (its
    annotated spans)."""
    groups = distinctive_words(question)
    asked = {k for group in groups for k in _name_keys(" ".join(group))}
    if not places or not asked:
        return text
    # "the MDA's chairman" is the "Mobile Data Association"'s.
    initials = {initials_of(" ".join(group)) for group in groups if len(group) > 1}
    foreign = [
        p
        for p, keys in ((p, _name_keys(p)) for p in places)
        if keys and not keys & asked and _POSSESSIVE_END.sub("", p).upper() not in initials
    ]
    if not foreign:
        return text
    foreign_plain = [plain(p).rstrip() for p in foreign]

    def unless_ours(match: re.Match[str]) -> str:
        clause = _CLAUSE_BREAK.split(text[: match.start()])[-1]
        window = " ".join(clause.split()[-QUALIFIER_WORDS:])
        if _name_keys(window) & asked or not any(k in plain(window) for k in foreign_plain):
            return match.group()  # "Iraq's first post-Saddam Foreign Minister" is Iraq's
        return " "

    return _ROLE_IN_TEXT.sub(unless_ours, text)


def _office_kind(word: str) -> str | None:
    kind = fold(word)
    kind = kind[:-1] if kind == "sports" else kind
    return kind if kind in _OFFICE_KINDS else None


def _other_offices_removed(question: str, text: str) -> str:
    """The text without offices of another kind than the asked one: for "who is the
    foreign minister?", "Finance Minister" and "Prime Minister" are other offices."""
    asked = {
        fold(m.group(2)).removesuffix("s"): kind
        for m in _KIND_THEN_OFFICE.finditer(question)
        if (kind := _office_kind(m.group(1)))
    }
    if not asked:
        return text

    def unless_asked(match: re.Match[str]) -> str:
        wanted = asked.get(fold(match.group(2)).removesuffix("s"))
        said = _office_kind(match.group(1))
        return " " if wanted and said and said != wanted else match.group()

    return _KIND_THEN_OFFICE.sub(unless_asked, text)


def _asked_roles_only(question: str, text: str, places: Sequence[str]) -> str:
    """The text without the role words that are not the asked role: held before ("former
    chairman") when the question asks who holds it, another country's or body's, another
    office."""
    if not _ASKS_PAST.search(question):
        text = _PAST_ROLE.sub(" ", text)
    return _other_offices_removed(question, _others_roles_removed(question, text, places))


def _wanted_roles(question: str, *, exact: bool = False) -> frozenset[str]:
    """The role words that answer the question's role: the same office for one about an
    office, any leading role for one about leading (`exact`: the same one); none when it
    names no role."""
    asked = _role_words(question)
    offices = asked & _OFFICES
    if offices:
        return frozenset(offices)
    if exact:
        return frozenset(asked & _LEADING)
    return _LEADING if asked & _LEADING else frozenset()


# Leading roles that stand as a title before a name ("Chairman Mao"); not the verbs
# ("heads Standard Trust Bank").
_TITLED_LEADING = "|".join(sorted(_LEADING - {"head", "heads", "headed", "run", "runs", "ran"}))
# A role the question gives with its holder's name ("spoke to Prime Minister al-Sudani")
# is not the role it asks about.
_NAMED_ROLE = re.compile(
    rf"\b(?:{_OFFICE_NAMES}|{_TITLED_LEADING})s?\s+"
    r"(?=(?:(?:al|el|ad|bin|ibn|de|van|von|da|di|du|le|la)[-\s])?(?-i:[A-Z]))",
    re.I,
)


# Someone named right after their role ("Prime Minister Mohammed al-Sudani", "the chief
# executive, Alan Lovell"), a few words that qualify the role between ("Bishop of Durham,
# the Rt Rev Dr", "ambassador to the WTO,"), none that starts another clause ("the
# minister said Smith"); or right before it, set off ("Lord Faulkner, who chaired it",
# "Simon Jones, the Labs' managing director", "Smith is the chairman"), not by a clause of
# its own ("Mr Blair, speaking after talks with the Iraqi prime minister").
_ROLE_THEN_NAME = re.compile(
    r"^[\s,—–-]*+(?:(?!(?:said|says|told|met|and|but|with|by|from|in|on|that|who|which|whose"
    r"|after|before|while|when|than|as|his|her|its|their)\b)"
    r"[\w’'.]++(?:-[\w’'.]++)*+[\s,—–-]++){0,6}$",
    re.I,
)
_NAME_THEN_ROLE = re.compile(
    r"^(?:\s*[,(–—]\s*+(?!(?!managing\b)\w+ing\b|said\b|says\b|told\b|added\b)"
    r"|\s+(?:is|was|has been|had been|became|becomes|has become|had become|remains|as)\s)"
    r"[^.;:!?]*$",
    re.I,
)
APPOSITION_WORDS = 16
# A role used as the title of the name after it ("UN Secretary General Kofi Annan"): not
# the role of the name before it ("Condoleezza Rice, UN Secretary General Kofi Annan").
# Matched at the role's end, so no "^".
_TITLE_OF_NEXT = re.compile(r"\s+(?:General\s+|of\s+State\s+)?(?:[A-Z][\w’'.-]*)")
# A capitalised word right before the found name, no title: the name is longer than the
# annotated span ("Jamal Ja'far Muhammad Ali al Ibrahim" found as "Muhammad Ali al Ibrahim").
_NAME_GOES_ON = re.compile(
    r"(?<![\w’'.-])(?!(?:Mr|Mrs|Ms|Miss|Dr|Sir|Lord|Lady|Dame|Rev|Revd|Rt|Hon|Prof|St|General)\b)"
    r"(?-i:[A-Z])[\w’'.-]*\s+$"
)


def holds_role(
    question: str,
    text: str,
    people: Sequence[str],
    before: str = "",
    places: Sequence[str] = (),
    *,
    beside: bool = False,
    exact: bool = False,
) -> bool:
    """One of `people` is named in the text in the role the question asks about, beside
    it: "Sullivan and Blinken pressed the Iraqi prime minister" names the prime minister
    but not as either of them. A role only stated in the sentence before ("A Tory MP has
    criticised…" before "Mr Smith said…") is the span's person's, unless `beside` (the
    role must be named beside them). `exact`: the asked leading role itself ("manager"),
    not any ("chairman"). True when the question names no role."""
    cleaned = _asked_roles_only(question, text, places)
    cleaned_before = _asked_roles_only(question, before, places)
    # Any role the question names, one given with a name included ("spoke to Prime
    # Minister al-Sudani"), must be in the span or the sentence before.
    named = _wanted_roles(question)
    if named and not named & (_role_words(cleaned) | _role_words(cleaned_before)):
        return False
    wanted = _wanted_roles(_NAMED_ROLE.sub(" ", question), exact=exact)
    if not wanted:
        return not exact
    roles = [
        m
        for m in _ROLE_IN_TEXT.finditer(cleaned)
        if _role_words(m.group()) & wanted and not _POSSESSIVE.match(cleaned, m.end())
    ]
    if not roles:  # stated in the sentence before, see above; not "through his lawyer"
        said_before = _role_words(_OWNED_ROLE.sub(" ", cleaned_before))
        return not beside and bool(wanted & said_before)
    return any(
        _in_role(cleaned, found, role, whole_name=beside)
        for person in people
        if person.strip()
        for found in re.finditer(re.escape(person), cleaned)
        for role in roles
    )


_POSSESSIVE = re.compile(r"['’]s\b")  # "the chancellor's adviser": another's role
_POSSESSIVE_END = re.compile(r"['’]s$")


def _in_role(text: str, name: re.Match[str], role: re.Match[str], *, whole_name: bool) -> bool:
    """Is `name` given in `role`, right after it or set off right before it? `whole_name`:
    not when the name goes on before the found one (a short answer would cut it)."""
    if role.end() <= name.start():
        between = text[role.end() : name.start()]
        cut = whole_name and _NAME_GOES_ON.search(between)
        return bool(_ROLE_THEN_NAME.match(between)) and not cut
    between = text[name.end() : role.start()]
    return (
        role.start() >= name.end()
        and len(between.split()) <= APPOSITION_WORDS
        and bool(_NAME_THEN_ROLE.match(between))
        and not _TITLE_OF_NEXT.match(text, role.end())
    )


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
    places: Sequence[str] = (),
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
        return holds_role(question, text, [a for _, a in answers], before, places)
    return True
