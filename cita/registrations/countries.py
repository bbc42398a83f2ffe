"""ISO 3166-1 countries with their names in each applicant language (from pycountry's translations)."""

from __future__ import annotations

import gettext
from functools import cache

import pycountry


@cache
def country_codes() -> frozenset[str]:
    """Every ISO 3166-1 alpha-2 code."""
    return frozenset(c.alpha_2 for c in pycountry.countries)


@cache
def country_choices(language: str) -> tuple[tuple[str, str], ...]:
    """(code, name) pairs in `language`, sorted by name."""
    translation = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[language], fallback=True)
    names = [
        (c.alpha_2, translation.gettext(getattr(c, "common_name", None) or c.name))
        for c in pycountry.countries
    ]
    return tuple(sorted(names, key=lambda pair: pair[1].casefold()))


def country_name(code: str, language: str) -> str:
    """The name of a country in `language`."""
    return dict(country_choices(language)).get(code, code)
