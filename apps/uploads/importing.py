"""Storing the accepted Meldungen of a package: patients matched by Patient_ID (their Stammdaten brought up to
date, or created from them), tumours by Tumor_ID, one encrypted report per Meldung, linked to the package.

Work goes in batches of patients, a few queries each, inside the caller's transaction: a package is imported
whole or not at all.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson
from django.utils import timezone

from apps.core.bulk import copy_objects, copy_rows, update_objects
from apps.patients.actions import do_update_patient
from apps.patients.lookups import index_field
from apps.patients.models import Patient
from apps.patients.obds import patient_fields
from apps.reports.actions import IMPLIED_MELDEANLASS
from apps.reports.models import Report, Tumor
from apps.uploads.models import Package


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
    updated: bool = False  # the stored patient took this package's Stammdaten

    def accepted(self) -> list[MeldungEntry]:
        return [meldung for meldung in self.meldungen if not meldung.blocking]

    def refuse_all(self, message: str) -> None:
        for meldung in self.accepted():
            meldung.note("Fehler", message)


def refuse_sent(institution_id: int, batch: list[PatientEntry]) -> None:
    """Flag Meldung_IDs this institution sent before (within one file the XSD's unique key already holds)."""
    wanted = [meldung.meldung_id for entry in batch for meldung in entry.meldungen]
    sent = set(
        Report.objects.filter(institution_id=institution_id, meldung_id__in=wanted).values_list("meldung_id", flat=True)
    )
    for entry in batch:
        for meldung in entry.meldungen:
            if meldung.meldung_id in sent and not meldung.repeated:
                meldung.note("Fehler", "Diese Meldung_ID wurde bereits gesendet (Duplikat).")


def store(package: Package, batch: list[PatientEntry]) -> None:
    """Reports for every accepted Meldung of ``batch``; refuses the Meldungen of a patient it cannot match."""
    patients = _patients(package, [entry for entry in batch if entry.accepted()])
    tumors = _tumors(patients.values())
    placed: list[tuple[MeldungEntry, Patient, Tumor]] = []
    touched: set[Tumor] = set()
    for entry in batch:
        for meldung in entry.accepted():
            patient = patients[entry.patient_id]
            zuordnung = meldung.data["Tumorzuordnung"]
            tumor = tumors.get((patient.pk, zuordnung["@Tumor_ID"])) or _new_tumor(patient, zuordnung, tumors)
            tumor.zuordnung = zuordnung
            if tumor.pk is not None:
                touched.add(tumor)
            placed.append((meldung, patient, tumor))
    copy_objects([tumor for tumor in tumors.values() if tumor.pk is None])
    update_objects(list(touched), ["zuordnung"])
    now = timezone.now()
    copy_rows(Report, [_report_row(package, meldung, patient.pk, tumor.pk, now) for meldung, patient, tumor in placed])


def _report_row(package: Package, meldung: MeldungEntry, patient: int, tumor: int, now: datetime) -> dict[str, Any]:
    content = meldung.data.get(meldung.report_type) or {}
    return {
        "uuid": uuid.uuid4(),
        "meldung_id": meldung.meldung_id,
        "institution_id": package.institution_id,
        "patient_id": patient,
        "tumor_id": tumor,
        "report_type": meldung.report_type,
        "meldeanlass": content.get("Meldeanlass") or IMPLIED_MELDEANLASS.get(meldung.report_type, ""),
        "data": orjson.Fragment(meldung.text),
        "draft_uuid": uuid.uuid4(),
        "package_id": package.pk,
        "sent_by_id": package.uploaded_by_id,
        "sent_at": now,
    }


def _patients(package: Package, batch: list[PatientEntry]) -> dict[str, Patient]:
    known = {
        patient.patient_id: patient
        for patient in Patient.objects.filter(
            institution_id=package.institution_id, patient_id__in=[entry.patient_id for entry in batch]
        )
    }
    index = index_field("insurance_index")
    new: dict[str, tuple[PatientEntry, Patient]] = {}
    for entry in batch:
        fields = patient_fields(entry.stammdaten)
        if entry.patient_id in known:
            if known[entry.patient_id].geburtsdatum != fields["geburtsdatum"]:
                entry.refuse_all(
                    f"Die Patient_ID {entry.patient_id} gehört in Ihrer Einrichtung zu einer Person mit anderem "
                    "Geburtsdatum. Bitte prüfen Sie die Patient_ID."
                )
            else:
                _update(package, entry, known[entry.patient_id], fields)
            continue
        patient = Patient(
            institution_id=package.institution_id,
            patient_id=entry.patient_id,
            created_by_id=package.uploaded_by_id,
            **fields,
        )
        key = index.compute(patient) or f"ohne:{entry.patient_id}"  # without a number nobody can collide
        if key in new:
            entry.refuse_all(f"Dieselbe Versichertennummer hat im Paket schon Patient_ID {new[key][1].patient_id}.")
            continue
        new[key] = (entry, patient)
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


def _update(package: Package, entry: PatientEntry, stored: Patient, fields: dict[str, Any]) -> None:
    """The package's Stammdaten of a known patient replace the stored ones (a new address, name or insurance): the
    newest package a hospital sends carries its current data. A new insurance number that another patient of the
    institution holds refuses the patient's Meldungen instead, and nothing changes."""
    changed = {name: value for name, value in fields.items() if (getattr(stored, name) or None) != (value or None)}
    if not changed:
        return
    holder = _holder(package, stored, changed["insurance_number"]) if "insurance_number" in changed else None
    if holder is not None:
        entry.refuse_all(
            f"Die neue Versichertennummer von Patient_ID {entry.patient_id} gehört in Ihrer Einrichtung zu Patient_ID "
            f"{holder.patient_id}. Bitte prüfen Sie die Stammdaten."
        )
        return
    details = {"paket": str(package.uuid)}
    do_update_patient(stored, acting_user=None, actor_label="system:worker", details=details, **changed)
    entry.updated = True


def _holder(package: Package, patient: Patient, insurance_number: str) -> Patient | None:
    """Another patient of the institution with this insurance number and ``patient``'s birth date."""
    key = index_field("insurance_index").compute(
        Patient(insurance_number=insurance_number, geburtsdatum=patient.geburtsdatum)
    )
    others = Patient.objects.filter(institution_id=package.institution_id, insurance_index=key).exclude(pk=patient.pk)
    return others.first() if key else None


def _tumors(patients: Any) -> dict[tuple[int, str], Tumor]:
    return {(tumor.patient_id, tumor.tumor_id): tumor for tumor in Tumor.objects.filter(patient__in=list(patients))}


def _new_tumor(patient: Patient, zuordnung: dict[str, Any], tumors: dict[tuple[int, str], Tumor]) -> Tumor:
    """The patient's next number; ``tumors`` holds every tumour of the batch's patients, stored or new."""
    numbers = [tumor.number for (owner, _), tumor in tumors.items() if owner == patient.pk]
    tumor = Tumor(patient=patient, number=max(numbers, default=0) + 1, tumor_id=zuordnung["@Tumor_ID"])
    tumors[(patient.pk, tumor.tumor_id)] = tumor
    return tumor
