"""The patients of a batch: matched by Patient_ID (their Stammdaten brought up to date) or created from their
Stammdaten, never two Patient_IDs for one person (insurance number and birth date).
"""

from __future__ import annotations

import datetime
from typing import Any

from apps.core.audit import audit_event, record_events
from apps.core.bulk import copy_objects, update_objects
from apps.patients.lookups import index_field
from apps.patients.models import Patient
from apps.patients.obds import patient_fields
from apps.uploads.entries import PatientEntry
from apps.uploads.models import Package


def stored_patients(institution_id: int, batch: list[PatientEntry]) -> dict[str, Patient]:
    """The batch's patients that the institution has stored before, by Patient_ID: one query, which the check
    against stored reports and the matching share."""
    wanted = [entry.patient_id for entry in batch]
    return {
        patient.patient_id: patient
        for patient in Patient.objects.filter(institution_id=institution_id, patient_id__in=wanted)
    }


def match_patients(package: Package, batch: list[PatientEntry], stored: dict[str, Patient]) -> dict[str, Patient]:
    """Each Patient_ID of ``batch`` with its stored patient (from ``stored``), known or new; refuses the Meldungen
    of a patient it cannot match."""
    known = {entry.patient_id: stored[entry.patient_id] for entry in batch if entry.patient_id in stored}
    index = index_field("insurance_index")
    new: dict[str, tuple[PatientEntry, Patient]] = {}
    changes = Changes(package)
    read = [(entry, patient_fields(entry.stammdaten)) for entry in batch]
    changes.look_up([(known[entry.patient_id], fields) for entry, fields in read if entry.patient_id in known])
    for entry, fields in read:
        if entry.patient_id in known:
            if known[entry.patient_id].geburtsdatum != fields["geburtsdatum"]:
                entry.refuse_all(
                    f"Die Patient_ID {entry.patient_id} gehört in Ihrer Einrichtung zu einer Person mit anderem "
                    "Geburtsdatum. Bitte prüfen Sie die Patient_ID."
                )
            else:
                changes.take(entry, known[entry.patient_id], fields)
            continue
        patient = Patient(
            institution_id=package.institution_id,
            patient_id=entry.patient_id,
            created_by_id=package.uploaded_by_id,
            stammdaten_stand=entry.stand,
            **fields,
        )
        key = index.compute(patient) or f"ohne:{entry.patient_id}"  # without a number nobody can collide
        if key in new:
            entry.refuse_all(f"Dieselbe Versichertennummer hat im Paket schon Patient_ID {new[key][1].patient_id}.")
            continue
        new[key] = (entry, patient)
    changes.save()  # first: a new patient must not take a number that a changed one now holds
    indexes = [key for key in new if not key.startswith("ohne:")]
    holders = Patient.objects.filter(institution_id=package.institution_id, insurance_index__in=indexes)
    for holder in holders:
        entry, _ = new.pop(str(holder.insurance_index))
        entry.refuse_all(
            f"Diese Versichertennummer mit diesem Geburtsdatum gehört in Ihrer Einrichtung zu Patient_ID "
            f"{holder.patient_id}. Bitte prüfen Sie die Patient_ID."
        )
    copy_objects([patient for _, patient in new.values()])
    known.update({patient.patient_id: patient for _, patient in new.values()})
    return known


class Changes:
    """The package's Stammdaten of the batch's known patients replace the stored ones (a new address, name or
    insurance): a package carries the data of its Meldedatum. Unless the stored ones are newer (a later package, or
    a change online after the package's Meldedatum): then the package's are left out, with a Hinweis, and its
    Meldungen are taken all the same. All changed patients of a batch are written in one UPDATE, with one audit
    event each in one INSERT (naming the fields and the package, never values), not one save and one event at a
    time. A new insurance number that another patient of the institution holds, or takes earlier in the batch,
    refuses the patient's Meldungen instead, and nothing changes."""

    def __init__(self, package: Package) -> None:
        self.package = package
        self.changed: list[tuple[Patient, list[str]]] = []
        self.confirmed: list[Patient] = []  # the same Stammdaten, now as of a later date
        self.numbers: dict[str, str] = {}  # insurance index a changed patient takes → its Patient_ID
        self.holders: dict[str, list[tuple[int, str]]] = {}  # insurance index → (pk, Patient_ID) of stored patients

    def look_up(self, known: list[tuple[Patient, dict[str, Any]]]) -> None:
        """Who in the institution holds the new insurance numbers of the batch's known patients: one query for the
        batch, before ``take`` (nothing of the batch is written until ``save``)."""
        numbers = [number for stored, fields in known if (number := _new_number(stored, fields))]
        if not numbers:  # the usual batch: no query
            return
        holders = Patient.objects.filter(institution_id=self.package.institution_id, insurance_index__in=numbers)
        for pk, patient_id, number in holders.order_by("pk").values_list("pk", "patient_id", "insurance_index"):
            self.holders.setdefault(str(number), []).append((pk, patient_id))

    def take(self, entry: PatientEntry, stored: Patient, fields: dict[str, Any]) -> None:
        changed = {name: value for name, value in fields.items() if (getattr(stored, name) or None) != (value or None)}
        number = _new_number(stored, fields)
        holder = self._holder(stored, number) if number else None
        if holder is not None:  # even in an older package: a sign of two people mixed up
            entry.refuse_all(
                f"Die neue Versichertennummer von Patient_ID {entry.patient_id} gehört in Ihrer Einrichtung zu "
                f"Patient_ID {holder}. Bitte prüfen Sie die Stammdaten."
            )
            return
        if entry.stand is not None and stored.stammdaten_stand is not None and entry.stand < stored.stammdaten_stand:
            if changed:
                entry.outdated = True
                entry.accepted()[0].note("Hinweis", _outdated(entry.patient_id, entry.stand, stored.stammdaten_stand))
            return
        if not changed:
            if entry.stand is not None and entry.stand != stored.stammdaten_stand:
                stored.stammdaten_stand = entry.stand
                self.confirmed.append(stored)
            return
        for name, value in changed.items():
            setattr(stored, name, value)
        stored.stammdaten_stand = entry.stand or stored.stammdaten_stand
        self.changed.append((stored, sorted(changed)))
        entry.updated = True
        if number:  # taken now: no later patient of the batch may take it too
            self.numbers[number] = stored.patient_id

    def _holder(self, patient: Patient, number: str) -> str | None:
        """The Patient_ID of another patient of the institution with this insurance ``number`` (an index, with
        ``patient``'s birth date), stored or taken earlier in the batch."""
        if number in self.numbers:
            return self.numbers[number]
        return next((patient_id for pk, patient_id in self.holders.get(number, []) if pk != patient.pk), None)

    def save(self) -> None:
        update_objects(self.confirmed, ["stammdaten_stand"])
        if not self.changed:
            return
        names = sorted({name for _, changed in self.changed for name in changed})
        update_objects([patient for patient, _ in self.changed], [*names, "stammdaten_stand", *COMPUTED])
        details = {"paket": str(self.package.uuid)}
        record_events(
            [
                audit_event("patient.changed", actor=None, actor_label="system:worker", target=patient,
                            details={"felder": ", ".join(changed), **details})
                for patient, changed in self.changed
            ]
        )  # fmt: skip


COMPUTED = ["insurance_index", "name_index", "updated_at"]  # what save() works out from the changed fields


def _new_number(stored: Patient, fields: dict[str, Any]) -> str:
    """The insurance index of the number in ``fields`` where it is not ``stored``'s ("" where it is the same)."""
    number = fields["insurance_number"]
    return _insurance_key(stored, number) if (stored.insurance_number or None) != (number or None) else ""


def _insurance_key(patient: Patient, insurance_number: str) -> str:
    """The blind index of ``insurance_number`` with ``patient``'s birth date ("" when there is nothing to index)."""
    index = index_field("insurance_index")
    return index.compute(Patient(insurance_number=insurance_number, geburtsdatum=patient.geburtsdatum)) or ""


def _outdated(patient_id: str, stand: datetime.date, stored: datetime.date) -> str:
    return (
        f"Die Stammdaten von Patient_ID {patient_id} wurden nicht übernommen: Das Paket (Meldedatum "
        f"{stand:%d.%m.%Y}) ist älter als die gespeicherten Stammdaten (Stand {stored:%d.%m.%Y}). "
        "Die Meldungen sind davon nicht betroffen."
    )
