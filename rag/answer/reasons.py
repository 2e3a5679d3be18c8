"""Does a sentence give a reason or a method, or only restate what happened? Pure.

"Why is the lab closing?" is not answered by "The lab is to shut down." (the sentence most
like the question) but by "…the decision to close was taken because…". News states a
reason with a causal or purpose connective and a method with "by …ing", "using", "with";
a sentence that has none restates.
"""

from __future__ import annotations

import re

# Connectives that state a cause or purpose outright. Not "after" or "to …" alone: "met
# after the talks", "working to avoid a war" are what happened, not why.
_REASON = re.compile(
    r"\b(?:because|due to|owing to|thanks to|as a result|in order to|so that|so as to"
    r"|in response to|in protest|in retaliation|for fear|caused?|causing|led to|blamed?"
    r"|blames|reasons?|the aim|aim (?:was|is) to|purpose|intended to|designed to|meant to"
    r"|in a bid to|for (?:\w+ ){0,2}\w+ing)\b",
    re.I,
)
_METHOD = re.compile(
    r"\b(?:by (?:\w+ )?\w+ing|by means of|using|used|with (?:a|an|the)|through|via)\b",
    re.I,
)


def gives_reason(text: str) -> bool:
    """Does the text state a cause or a purpose ("because", "due to", "to avoid")?"""
    return bool(_REASON.search(text))


def gives_method(text: str) -> bool:
    """Does the text state a means ("by …ing", "using", "through", "with a ladder")?"""
    return bool(_METHOD.search(text))


def explains(expected: str | None, text: str) -> bool:
    """Does the text give what a why/how question asks for (True for other questions)?"""
    if expected == "reason":
        return gives_reason(text)
    if expected == "method":
        return gives_method(text) or gives_reason(text)
    return True
