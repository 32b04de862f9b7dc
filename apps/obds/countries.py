"""The countries of oBDS ``Adresse/Land`` (ISO 3166-1 alpha-2) with their German names, from pycountry (the Debian
iso-codes data), in their plain form where there is one (Südkorea, not „Korea, Republik“). The XSD asks only for two
capital letters, so a package may bring a code that names no country (``XK``)."""

from __future__ import annotations

import functools
import gettext

import pycountry


@functools.cache
def country_names() -> dict[str, str]:
    """Every ISO 3166-1 alpha-2 code with its German name."""
    german = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["de"])
    return {
        country.alpha_2: german.gettext(getattr(country, "common_name", None) or country.name)
        for country in pycountry.countries
    }


def is_country(code: str) -> bool:
    return code in country_names()
