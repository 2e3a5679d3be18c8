"""Is a place a country, or larger? ISO 3166 names (pycountry), the short names news uses
for them, and continents and regions made of countries; pure, the names loaded on first
use.

"Which city is the band from?" is not answered by "Poland", nor "which constituency?" by
"the UK": a country is no place of a smaller kind. pycountry is LGPL-2.1-only, used
unmodified as an installed library.
"""

from __future__ import annotations

import re
from functools import lru_cache

from rag.text.tokens import fold

# What news calls countries that ISO 3166 names otherwise ("United Kingdom of Great
# Britain and Northern Ireland", "Russian Federation"), or not as countries at all.
_NEWS_NAMES = (
    "UK", "Britain", "Great Britain", "England", "Scotland", "Wales", "Northern Ireland",
    "US", "USA", "America", "United States", "Russia", "Holland", "Burma", "Ivory Coast",
    "Czech Republic", "Macedonia", "Vatican", "Syria", "Laos", "Vietnam", "Tanzania",
    "Venezuela", "Bolivia", "Moldova", "Taiwan", "Palestine", "Kosovo", "Turkey", "Bosnia",
    "UAE", "DR Congo", "Congo", "Cape Verde", "Swaziland", "East Timor", "Brunei",
    "Serbia and Montenegro", "Yugoslavia", "Republic of Ireland", "Korea",
    # Larger than a country.
    "Europe", "Asia", "Africa", "North America", "South America", "Latin America",
    "Oceania", "Australasia", "Antarctica", "Middle East", "Far East", "European Union",
    "EU", "Scandinavia", "Caribbean", "Balkans", "Gulf", "West",
)  # fmt: skip
# Countries that are cities too: "which city?" may be answered by them.
_CITY_STATES = ("Singapore", "Hong Kong", "Macau", "Macao", "Monaco", "Luxembourg", "Kuwait",
                "Panama", "Gibraltar", "Vatican", "San Marino", "Djibouti")  # fmt: skip
_NOT_A_NAME = re.compile(r"[^\w\s]")
_LEADING_THE = re.compile(r"^the\s+")
_POSSESSIVE = re.compile(r"['’]s$")


def _key(name: str) -> str:
    name = _POSSESSIVE.sub("", name.strip())
    return " ".join(_LEADING_THE.sub("", _NOT_A_NAME.sub("", fold(name))).split())


@lru_cache(maxsize=1)
def _country_keys() -> frozenset[str]:
    import pycountry  # its data is read on first use

    keys = {_key(name) for name in _NEWS_NAMES}
    for country in pycountry.countries:
        for attribute in ("name", "common_name", "official_name"):
            name = getattr(country, attribute, None)
            if name:  # "Korea, Republic of" is also "Korea"
                keys.update({_key(name), _key(name.split(",")[0])})
    return frozenset(keys)


def is_country(place: str) -> bool:
    """Does the text name a country ("Poland", "the UK", "U.S.", "Britain's") or a larger
    place ("Europe"), and not a city as well ("Singapore")?"""
    key = _key(place)
    return key in _country_keys() and key not in _city_state_keys()


@lru_cache(maxsize=1)
def _city_state_keys() -> frozenset[str]:
    return frozenset(_key(name) for name in _CITY_STATES)
