"""Rules about the patient's address."""

from __future__ import annotations

from apps.obds.countries import is_country
from apps.obds.plausibility.engine import Context, Severity, rule


@rule("LAND_UNBEKANNT", Severity.HINWEIS, "Adresse/Land")
def country_known(context: Context) -> str | None:
    """The XSD asks only for two capital letters; ``XX`` or ``XK`` pass it but name no country of ISO 3166-1."""
    code = context.country
    if code and not is_country(code):
        return f"Den Ländercode {code} gibt es in der ISO-Länderliste nicht; bitte prüfen Sie das Land der Adresse."
    return None
