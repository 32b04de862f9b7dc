"""Valid oBDS 3.0.4 packages of any size: many patients, each with one Meldung of every report type (or, in a
follow-up package, the same patients again, with a new address and a new Meldung of every type but Diagnose and
Tod).

The Meldungen are the XSD-generated specimens (every element filled, free text with markup) without the
organ modules and TNM entries that do not fit the tumour, so the plausibility rules accept them. One patient
is rendered once as a template; each further patient is that text with its own ids, names and numbers,
so a 100 MB package is written in seconds without holding it in memory.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator
from typing import IO, Any

from django.core.files.uploadedfile import SimpleUploadedFile

from apps.accounts.models import User
from apps.institutions.models import Institution
from apps.obds.export import PatientEntry, package, to_xml
from apps.obds.identifiers import kvnr_is_valid
from apps.obds.schema_model import load
from apps.reports.export import absender, melder
from apps.reports.models import ReportType
from apps.uploads.actions import do_receive_package
from apps.uploads.models import Package
from apps.uploads.processing import process
from tests.reports.specimens import meldung as specimen_meldung

PATIENT_OPEN = b"<Patient "
SURNAMES = ["Mustermann", "Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker"]


def upload(content: bytes, institution: Institution, user: User, name: str = "paket.xml") -> Package:
    """Receive the file as the upload page does, then run the worker's processing in this process."""
    package = do_receive_package(SimpleUploadedFile(name, content), institution=institution, acting_user=user)
    process(str(package.uuid))
    package.refresh_from_db()
    return package


def kvnr(number: int) -> str:
    body = f"{chr(ord('A') + number % 26)}{number:08d}"[:9]
    return next(body + str(digit) for digit in range(10) if kvnr_is_valid(body + str(digit)))


def _fitting(data: Any) -> Any:
    if isinstance(data, dict):
        return {key: _fitting(value) for key, value in data.items() if _keeps(key)}
    if isinstance(data, list):
        return [_fitting(value) for value in data]
    return data


def _keeps(key: str) -> bool:
    return not (key.startswith("Modul_") and key != "Modul_Mamma") and "TNM" not in key


def meldungen(melder_id: str, prefix: str, types: list[str] | None = None, suffix: str = "") -> list[dict[str, Any]]:
    """One Meldung of each type (or of ``types``), ids ``<prefix>-<type><suffix>``, all about Tumor_ID 1."""
    spec = load().root.child("Menge_Patient").child("Patient").child("Menge_Meldung").child("Meldung")
    made = []
    for kind in types or list(ReportType.values):
        data = _fitting(specimen_meldung(spec, kind, 0, ids=True))
        data.update({"@Meldung_ID": f"{prefix}-{kind}{suffix}", "@Melder_ID": melder_id})
        data["Tumorzuordnung"]["@Tumor_ID"] = "1"
        content = data[kind]
        for attribute in [name for name, value in content.items() if name.startswith("@") and value == "X1"]:
            content[attribute] = f"{prefix}-{kind}{suffix}"
        made.append(data)
    return made


def stammdaten(number: int) -> dict[str, Any]:
    born = datetime.date(1930, 1, 1) + datetime.timedelta(days=number % 25000)
    return {
        "Versichertendaten_GKV": {"IKNR": "101575519", "GKV_Versichertennummer": kvnr(number)},
        "Nachname": SURNAMES[number % len(SURNAMES)],
        "Vornamen": "Erika",
        "Geschlecht": "W",
        "Geburtsdatum": {"#text": born.isoformat(), "@Datumsgenauigkeit": "E"},
        "Adresse": {"Strasse": "Heidestraße", "Hausnummer": "17", "Land": "DE", "PLZ": "51147", "Ort": "Köln"},
    }


def patient(number: int, melder_id: str, types: list[str] | None = None, suffix: str = "") -> PatientEntry:
    return PatientEntry(f"UP{number:07d}", stammdaten(number), meldungen(melder_id, f"UP{number:07d}", types, suffix))


def package_bytes(
    institution: Institution,
    patients: list[PatientEntry],
    meldedatum: datetime.date = datetime.date(2026, 11, 23),
    others: tuple[Institution, ...] = (),
) -> bytes:
    """The package of ``institution``; ``others``: institutions whose Melder the Melder list names too."""
    data = package(
        absender=absender(institution),
        meldedatum=meldedatum,
        patients=patients,
        melder=[melder(each) for each in (institution, *others)],
    )
    return to_xml(data)


FOLLOW_UP_TYPES = [kind for kind in ReportType.values if kind not in ("Diagnose", "Tod")]


def write_package(target: IO[bytes], institution: Institution, size: int) -> tuple[int, int]:
    """About ``size`` bytes of valid package; returns (patients, Meldungen)."""
    first = patient(0, institution.melder_id)
    return _write(target, institution, first, lambda written, count: written >= size)


def write_follow_up(target: IO[bytes], institution: Institution, patients: int) -> int:
    """The first ``patients`` patients of ``write_package`` again, each with a new address and a new Meldung of
    every type but Diagnose and Tod about the same tumour (new Meldung_IDs): the daily case of known patients, with
    every patient's Stammdaten changed; returns the number of Meldungen."""
    first = patient(0, institution.melder_id, FOLLOW_UP_TYPES, suffix="-2")
    first.stammdaten["Adresse"]["Strasse"] = "Rheinstraße"
    _, meldungen = _write(target, institution, first, lambda written, count: count >= patients)
    return meldungen


def _write(
    target: IO[bytes], institution: Institution, first_patient: PatientEntry, full: Callable[[int, int], bool]
) -> tuple[int, int]:
    """The package with ``first_patient``, then copies of it with each further patient's own ids and numbers."""
    template = package_bytes(institution, [first_patient])
    start = template.index(PATIENT_OPEN)
    end = template.index(b"</Patient>") + len(b"</Patient>")
    head, one, tail = template[:start], template[start:end], template[end:]
    first = stammdaten(0)
    fixed = [b"UP0000000", first["Versichertendaten_GKV"]["GKV_Versichertennummer"].encode(),
             first["Geburtsdatum"]["#text"].encode()]  # fmt: skip
    target.write(head)
    written, count = len(head) + len(tail), 0
    for number, text in _patients(one, fixed):
        target.write(text)
        written += len(text)
        count = number + 1
        if full(written, count):
            break
    target.write(tail)
    return count, count * len(first_patient.meldungen)


def _patients(one: bytes, fixed: list[bytes]) -> Iterator[tuple[int, bytes]]:
    number = 0
    while True:
        own = stammdaten(number)
        values = [f"UP{number:07d}".encode(), own["Versichertendaten_GKV"]["GKV_Versichertennummer"].encode(),
                  own["Geburtsdatum"]["#text"].encode()]  # fmt: skip
        text = one
        for old, new in zip(fixed, values, strict=True):
            text = text.replace(old, new)
        yield number, text
        number += 1


def with_findings_in_second_patient(institution: Institution) -> tuple[bytes, dict[str, int]]:
    """Two patients; the second's insurance number has a wrong check digit, and its Diagnose names a male organ for
    a woman. Also the lines of both fields in the file."""
    second = patient(1, institution.melder_id, ["Verlauf", "Diagnose"])
    insurance = second.stammdaten["Versichertendaten_GKV"]
    number = insurance["GKV_Versichertennummer"]
    insurance["GKV_Versichertennummer"] = wrong = number[:-1] + str((int(number[-1]) + 1) % 10)
    second.meldungen[1]["Tumorzuordnung"]["Primaertumor_ICD"]["Code"] = "C61"
    content = package_bytes(institution, [patient(0, institution.melder_id, ["Diagnose"]), second])
    lines = content.splitlines()
    return content, {
        "kvnr": next(n for n, text in enumerate(lines, start=1) if f">{wrong}<".encode() in text),
        "code": next(n for n, text in enumerate(lines, start=1) if b">C61<" in text),
    }
