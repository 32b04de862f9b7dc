"""The patient's address: the choice of its country by German names (apps.obds.countries), and the address as one
line, as a letter would show it.
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Mapping

from apps.obds.countries import country_names, is_country

HOME = "DE"


def country_name(code: str) -> str:
    """The German name of a country code; a code that names no country is shown as it is."""
    return country_names().get(code, code)


def _alphabetical(name: str) -> str:
    """Sorts as a German list does: Österreich under O (DIN 5007, variant 1)."""
    letters = unicodedata.normalize("NFKD", name)
    return "".join(char for char in letters if not unicodedata.combining(char)).casefold()


@functools.cache
def _sorted_countries() -> tuple[tuple[str, str], ...]:
    others = sorted(
        ((code, name) for code, name in country_names().items() if code != HOME), key=lambda c: _alphabetical(c[1])
    )
    return ((HOME, country_name(HOME)), *others)


def country_choices(keep: str = "") -> list[tuple[str, str]]:
    """Deutschland first, then the others by name. ``keep`` is a stored code that names no country (a package may
    have brought one; the XSD only asks for two capital letters): it stays selectable, so saving does not lose it."""
    choices = [("", "– keine Angabe –"), *_sorted_countries()]
    if keep and not is_country(keep):
        choices.insert(1, (keep, f"{keep} (unbekannter Ländercode)"))
    return choices


def one_line(address: Mapping[str, str] | None) -> str:
    """``Heidestraße 17, 51147 Köln``; the country is named when it is not Germany."""
    if not address:
        return ""
    street = " ".join(filter(None, (address.get("strasse"), address.get("hausnummer"))))
    town = " ".join(filter(None, (address.get("plz"), address.get("ort"))))
    land = address.get("land") or HOME
    country = "" if land == HOME else country_name(land)
    return ", ".join(filter(None, (street, town, country)))
