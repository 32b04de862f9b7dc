"""Rules about dates: ranges, order, age."""

from __future__ import annotations

import datetime

from apps.obds.dates import EARLIEST, LATEST
from apps.obds.plausibility.engine import (
    Context,
    Located,
    Severity,
    age_at,
    as_date,
    german,
    get,
    report_type,
    rule,
)

# An OP or biopsy often comes before the histology that fixes the diagnosis date; up to 30 days earlier is a
# Hinweis, more is a Fehler (registry practice; neoadjuvant therapy starts after diagnosis and is not affected).
THERAPY_BEFORE_DIAGNOSIS = datetime.timedelta(days=30)
CHILD_AGE = 18  # the Deutsches Kinderkrebsregister takes patients diagnosed before their 18th birthday


@rule("DATUM_ZUKUNFT", Severity.FEHLER, "Datum")
def no_future_dates(context: Context) -> Located | None:
    if context.within(context.meldung, latest=context.today):
        return None
    for path, day in context.dates_where(context.meldung, lambda day: day > context.today):
        return Located(f"Das Datum {german(day)} ({path.rsplit('/', 1)[-1]}) liegt in der Zukunft.", path)
    return None


@rule("DATUM_BEREICH", Severity.FEHLER, "Datum")
def dates_in_obds_range(context: Context) -> Located | None:
    if context.within(context.meldung, EARLIEST, LATEST):
        return None
    for path, day in context.dates_where(context.meldung, lambda day: not EARLIEST <= day <= LATEST):
        message = f"Das Datum {german(day)} ({path.rsplit('/', 1)[-1]}) liegt nicht zwischen 1900 und 2029."
        return Located(message, path)
    return None


@rule("DATUM_VOR_GEBURT", Severity.FEHLER, "Datum", "Geburtsdatum")
def no_date_before_birth(context: Context) -> Located | None:
    born = context.born
    if born is None or context.within(context.meldung, earliest=born):
        return None
    for path, day in context.dates_where(context.meldung, lambda day: day < born):
        return Located(f"Das Datum {german(day)} ({path.rsplit('/', 1)[-1]}) liegt vor dem Geburtsdatum.", path)
    return None


@rule("ALTER_BEREICH", Severity.FEHLER, "Tumorzuordnung/Diagnosedatum", "Geburtsdatum")
def age_at_diagnosis(context: Context) -> str | None:
    day = context.diagnosed
    if day is None or context.born is None:
        return None
    age = age_at(day, context.born)
    if not 0 <= age <= 120:
        return f"Das Alter bei Diagnose wäre {age} Jahre; erlaubt sind 0 bis 120."
    return None


@rule("ALTER_KIND", Severity.HINWEIS, "Tumorzuordnung/Diagnosedatum", "Geburtsdatum")
def child_at_diagnosis(context: Context) -> str | None:
    day = context.diagnosed
    if day is None or context.born is None or age_at(day, context.born) >= CHILD_AGE:
        return None
    return "Der Patient war bei Diagnose minderjährig: Bitte an das Deutsche Kinderkrebsregister denken (Modul DKKR)."


def _therapy_start(context: Context) -> tuple[str, datetime.date | None]:
    body = context.body
    kind = context.kind
    if kind == "OP":
        return "OP-Datum", as_date(body.get("Datum"))
    if kind == "SYST":
        return "Beginn der systemischen Therapie", as_date(body.get("Beginn"))
    if kind == "ST":
        starts = [as_date(get(item, "Beginn")) for item in body.get("Menge_Bestrahlung", {}).get("Bestrahlung", [])]
        found = [start for start in starts if start is not None]
        return "Beginn der Bestrahlung", min(found) if found else None
    return "", None


@rule("THERAPIE_VOR_DIAGNOSE", Severity.FEHLER, "Therapiebeginn", "Tumorzuordnung/Diagnosedatum")
def therapy_long_before_diagnosis(context: Context) -> str | None:
    label, start = _therapy_start(context)
    day = context.diagnosed
    if start is None or day is None or start >= day - THERAPY_BEFORE_DIAGNOSIS:
        return None
    return f"{label} ({german(start)}) liegt mehr als 30 Tage vor dem Diagnosedatum ({german(day)})."


@rule("THERAPIE_KURZ_VOR_DIAGNOSE", Severity.HINWEIS, "Therapiebeginn", "Tumorzuordnung/Diagnosedatum")
def therapy_shortly_before_diagnosis(context: Context) -> str | None:
    label, start = _therapy_start(context)
    day = context.diagnosed
    if start is None or day is None or not day - THERAPY_BEFORE_DIAGNOSIS <= start < day:
        return None
    return f"{label} ({german(start)}) liegt vor dem Diagnosedatum ({german(day)}). Bitte prüfen."


@rule("ENDE_VOR_BEGINN", Severity.FEHLER, "Beginn", "Ende")
def end_not_before_start(context: Context) -> str | None:
    body = context.body
    pairs = [(as_date(body.get("Beginn")), as_date(body.get("Ende")))]
    pairs += [
        (as_date(item.get("Beginn")), as_date(item.get("Ende")))
        for item in body.get("Menge_Bestrahlung", {}).get("Bestrahlung", [])
        if isinstance(item, dict)
    ]
    for start, end in pairs:
        if start and end and end < start:
            return f"Das Ende ({german(end)}) liegt vor dem Beginn ({german(start)})."
    return None


@rule("VERLAUF_VOR_DIAGNOSE", Severity.FEHLER, "Verlauf/Untersuchungsdatum_Verlauf")
def follow_up_after_diagnosis(context: Context) -> str | None:
    examined = as_date(get(context.meldung, "Verlauf/Untersuchungsdatum_Verlauf"))
    day = context.diagnosed
    if examined and day and examined < day:
        return f"Die Verlaufsuntersuchung ({german(examined)}) liegt vor dem Diagnosedatum ({german(day)})."
    return None


@rule("FM_VOR_DIAGNOSE", Severity.HINWEIS, "Menge_FM/Fernmetastase/Diagnosedatum")
def metastasis_dates(context: Context) -> str | None:
    day = context.diagnosed
    metastases = get(context.body, "Menge_FM/Fernmetastase")
    for item in metastases if isinstance(metastases, list) else []:
        found = as_date(item.get("Diagnosedatum")) if isinstance(item, dict) else None
        if found and day and found < day:
            return f"Eine Fernmetastase ist vor dem Diagnosedatum des Primärtumors ({german(day)}) datiert."
    return None


@rule("TOD_VOR_ANDEREN_DATEN", Severity.FEHLER, "Tod/Sterbedatum", across_reports=True)
def death_after_everything(context: Context) -> str | None:
    died = as_date(get(context.meldung, "Tod/Sterbedatum"))
    if died is None:
        return None

    def after(day: datetime.date) -> bool:
        return day > died

    later = [
        day
        for report in context.earlier
        if not context.within(report, latest=died)
        for _, day in context.dates_where(report, after)
    ]
    if not context.within(context.meldung, latest=died):
        later += [day for path, day in context.dates_where(context.meldung, after) if not path.endswith("Sterbedatum")]
    if later:
        return f"Das Sterbedatum ({german(died)}) liegt vor einem anderen Datum des Patienten ({german(max(later))})."
    return None


@rule("TOD_NUR_EINMAL", Severity.FEHLER, "Tod", across_reports=True)
def death_reported_once(context: Context) -> str | None:
    if context.kind == "Tod" and any(report_type(report) == "Tod" for report in context.earlier):
        return (
            "Für diesen Patienten wurde der Tod bereits gemeldet; "
            "bitte eine Korrektur melden statt einer neuen Meldung."
        )
    return None
