"""Dates as users type them (01.02.1970 or 1970-02-01) and as oBDS allows them (1900-01-01 to 2029-12-31)."""

from __future__ import annotations

import datetime
import re

EARLIEST = datetime.date(1900, 1, 1)
LATEST = datetime.date(2029, 12, 31)  # the oBDS 3.0.4 XSD's Zulaessiger_Datumsbereich_Typ
GERMAN = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})")
ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


class DateProblem(ValueError):
    """The text is not a possible date; the message is German and fit to show next to the field."""


def parse_date(text: str) -> datetime.date:
    text = text.strip()
    if german := GERMAN.fullmatch(text):
        day, month, year = (int(part) for part in german.groups())
    elif iso := ISO.fullmatch(text):
        year, month, day = (int(part) for part in iso.groups())
    else:
        raise DateProblem("Bitte geben Sie das Datum als TT.MM.JJJJ ein, z. B. 01.02.1970.")
    try:
        parsed = datetime.date(year, month, day)
    except ValueError:
        raise DateProblem(f"Den {day:02d}.{month:02d}.{year} gibt es nicht.") from None
    if not EARLIEST <= parsed <= LATEST:
        raise DateProblem("Das Datum muss zwischen dem 01.01.1900 und dem 31.12.2029 liegen.")
    return parsed
