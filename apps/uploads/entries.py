"""One package's patients and Meldungen as the upload's pass carries them, with the problems found so far."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

MELDUNG_PATH = "/oBDS/Menge_Patient/Patient/Menge_Meldung/Meldung"
STAMMDATEN_PATH = "/oBDS/Menge_Patient/Patient/Patienten_Stammdaten"


@dataclass
class MeldungEntry:
    """One Meldung of the package, with its problems; ``blocking`` once a Fehler refuses it."""

    data: dict[str, Any]
    text: bytes  # ``data`` as stored (apps.core.fields.json_bytes), made once for the rules and for storing
    report_type: str
    where: dict[str, Any]
    problems: list[dict[str, Any]] = field(default_factory=list)
    blocking: bool = False
    repeated: bool = False  # its Meldung_ID came before in another file of the same ZIP

    @property
    def meldung_id(self) -> str:
        return str(self.data.get("@Meldung_ID", ""))

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
