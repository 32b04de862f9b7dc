"""One package's patients and Meldungen as the upload's pass carries them, with the problems found so far."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import orjson

MELDUNG_PATH = "/oBDS/Menge_Patient/Patient/Menge_Meldung/Meldung"
STAMMDATEN_PATH = "/oBDS/Menge_Patient/Patient/Patienten_Stammdaten"


class About(NamedTuple):
    """What the upload's pass needs of a Meldung besides its JSON, to sort and store it: made where the file is
    read (apps.uploads.reading), so that the worker need not parse the Meldung where the rules ran there."""

    meldung_id: str
    melder_id: str | None
    report_type: str  # "unbekannt" where the Meldung holds none of the eight
    zuordnung: Any  # its Tumorzuordnung
    meldeanlass: str | None  # as given (not the one a report type implies)


@dataclass
class MeldungEntry:
    """One Meldung of the package, with its problems; ``blocking`` once a Fehler refuses it."""

    text: bytes  # the Meldung as stored (apps.core.fields.json_bytes), made once for the rules and for storing
    about: About
    where: dict[str, Any]
    parsed: dict[str, Any] | None = None  # ``text`` parsed, where that was done already (for the rules)
    problems: list[dict[str, Any]] = field(default_factory=list)
    blocking: bool = False
    repeated: bool = False  # its Meldung_ID came before in another file of the same ZIP

    @property
    def data(self) -> dict[str, Any]:
        """The Meldung as schema_model.to_data reads it, parsed from ``text`` when first asked for."""
        if self.parsed is None:
            self.parsed = orjson.loads(self.text)
        return self.parsed

    @property
    def meldung_id(self) -> str:
        return self.about.meldung_id

    @property
    def report_type(self) -> str:
        return self.about.report_type

    def note(self, severity: str, message: str, **extra: Any) -> None:
        self.problems.append({"art": severity, "meldung": message, **self.where, **extra})
        self.blocking = self.blocking or severity == "Fehler"


@dataclass
class PatientEntry:
    patient_id: str
    stammdaten: dict[str, Any]
    meldungen: list[MeldungEntry]
    stand: datetime.date | None = None  # the package's Meldedatum: how current its Stammdaten are
    updated: bool = False  # the stored patient took this package's Stammdaten
    outdated: bool = False  # they differ from the stored ones, which are newer, so they were not taken

    def accepted(self) -> list[MeldungEntry]:
        return [meldung for meldung in self.meldungen if not meldung.blocking]

    def refuse_all(self, message: str) -> None:
        for meldung in self.accepted():
            meldung.note("Fehler", message)
