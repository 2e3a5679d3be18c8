"""Lexical tokens: folded, stemmed, and with a spelling-tolerant key for names.

Transliterated names vary between outlets ("Kata'ib Hizbollah", "Kataib Hezbollah",
"Kataeb Hezbollah"). Besides its stem, each longer word also yields a consonant skeleton
("~ktb", "~hzblh") so the variants meet in the index.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import Stemmer

STOPWORDS = frozenset(
    """
    a about above after again against all am an and any are as at be because been before being
    below between both but by can could did do does doing down during each few for from further
    had has have having he her here hers herself him himself his how i if in into is it its
    itself just me more most my myself no nor not now of off on once only or other our ours
    ourselves out over own same she should so some such than that the their theirs them
    themselves then there these they this those through to too under until up very was we were
    what when where which while who whom why will with would you your yours yourself
    yourselves also said says say according did does tell told many much whose s t
    """.split()
)
_APOSTROPHES = re.compile(r"(?<=\w)['’‘`ʼ](?=\w)")
_WORD = re.compile(r"[a-z0-9]+")
_VOWELS = re.compile(r"[aeiouy]")
_REPEATS = re.compile(r"(.)\1+")


@lru_cache(maxsize=1)
def _stemmer() -> Stemmer.Stemmer:
    return Stemmer.Stemmer("english")


def fold(text: str) -> str:
    """Lower case, accents and in-word apostrophes removed."""
    if text.isascii():  # nothing to decompose (most English text): skip the per-letter pass
        return _APOSTROPHES.sub("", text).lower()
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _APOSTROPHES.sub("", stripped).lower()


def words(text: str) -> list[str]:
    """Folded content words (stop words dropped), unstemmed."""
    return [w for w in _WORD.findall(fold(text)) if w not in STOPWORDS]


def skeleton(word: str) -> str:
    """First letter plus the remaining consonants, doubled letters collapsed."""
    return _REPEATS.sub(r"\1", word[0] + _VOWELS.sub("", word[1:]))


def stem(word: str) -> str:
    return str(_stemmer().stemWord(word))


def lexical_tokens(text: str) -> list[str]:
    """Tokens for BM25: stems of content words, plus skeletons of words of 5+ letters."""
    content = words(text)
    tokens = _stemmer().stemWords(content)
    tokens.extend("~" + skeleton(w) for w in content if len(w) >= 5 and w.isalpha())
    return tokens
