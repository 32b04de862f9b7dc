"""The line of the field a plausibility finding is about, for the validation report.

The pass that checks a package knows the line of each Meldung, not of its fields: the schema-check child sends
plain values, not the tree. So a file in which a rule found something about a field is read once more, without the
schema (it has passed it), up to the last Meldung with such a finding, and each such finding gets the line of its
field's start tag. A file without such findings is not read again.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import IO, Any

from lxml import etree  # type: ignore[import-untyped]  # lxml-stubs 0.5 lags lxml 6

from apps.obds.safe_xml import events, forget
from apps.obds.schemas import OBDS_NS
from apps.uploads.entries import MELDUNG_PATH
from apps.uploads.reading import MELDUNG

PATIENT = f"{{{OBDS_NS}}}Patient"
PATIENT_PATH = "/oBDS/Menge_Patient/Patient/"


def place(open_file: Callable[[], AbstractContextManager[IO[bytes]]], problems: list[dict[str, Any]]) -> None:
    """Give each finding of ``problems`` (one oBDS file's, schema-valid) that names a field that field's line."""
    wanted: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for found in problems:
        if found.get("regel") and found.get("pfad", MELDUNG_PATH) != MELDUNG_PATH and found.get("meldung_id"):
            wanted[(found.get("patient_id") or "", found["meldung_id"])].append(found)
    if not wanted:
        return
    try:
        with open_file() as source:
            for _, patient in events(source, None, [PATIENT]):
                for meldung in patient.iterfind(MELDUNG):
                    for found in wanted.pop((patient.get("Patient_ID", ""), meldung.get("Meldung_ID", "")), ()):
                        found["zeile"] = _line(found["pfad"], patient, meldung) or found["zeile"]
                forget(patient)
                if not wanted:
                    return
    except etree.Error:  # the file passed the schema a moment ago; should it not parse now, the Meldung's line stays
        return


def _line(path: str, patient: Any, meldung: Any) -> int:
    if path.startswith(MELDUNG_PATH + "/"):
        element, below = meldung, path[len(MELDUNG_PATH) + 1 :]
    elif path.startswith(PATIENT_PATH):  # the Stammdaten
        element, below = patient, path[len(PATIENT_PATH) :]
    else:
        return 0
    field = element.find("/".join(f"{{{OBDS_NS}}}{name}" for name in below.split("/")))
    return 0 if field is None else field.sourceline or 0
