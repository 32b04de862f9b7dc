"""State changes of Personenstammdaten; each one transaction with an audit event (no patient data in it)."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone

from apps.accounts.models import User
from apps.core.audit import record_event
from apps.core.ids import random_id
from apps.institutions.models import Institution
from apps.obds.identifiers import normalise_kvnr
from apps.patients.models import Patient


class DuplicatePatient(Exception):
    """The institution already has this person (same insurance number and birth date) or this Patient_ID."""


@transaction.atomic
def do_update_patient(
    patient: Patient, *, acting_user: User, request: HttpRequest | None = None, **fields: Any
) -> None:
    """Change master data; the audit event names the changed fields, never their values."""
    if fields.get("insurance_number"):
        fields["insurance_number"] = normalise_kvnr(fields["insurance_number"])
    fields["patient_id"] = str(fields.get("patient_id") or patient.patient_id).strip().upper()
    changed = sorted(name for name, value in fields.items() if getattr(patient, name) != value)
    for name, value in fields.items():
        setattr(patient, name, value)
    patient.stammdaten_stand = timezone.localdate()  # confirmed today, changed or not: older packages do not win
    try:
        with transaction.atomic():
            patient.save()
    except IntegrityError as error:
        raise _duplicate(error, fields["patient_id"]) from None
    record_event(
        "patient.changed", actor=acting_user, target=patient, request=request, details={"felder": ", ".join(changed)}
    )


def _duplicate(error: IntegrityError, patient_id: str) -> DuplicatePatient:
    if "one_record_per_insured_person" in str(error):
        return DuplicatePatient("Diese Person ist in Ihrer Einrichtung bereits erfasst.")
    return DuplicatePatient(f"Die Patienten-ID {patient_id} ist bereits vergeben.")


def new_patient_id() -> str:
    return random_id("P")


def do_create_patient(
    *, institution: Institution, acting_user: User, request: HttpRequest | None = None, **fields: Any
) -> Patient:
    """Save master data on its own; ``patient_id`` is generated when not given."""
    if fields.get("insurance_number"):
        fields["insurance_number"] = normalise_kvnr(fields["insurance_number"])
    given_id = str(fields.pop("patient_id", "") or "").strip().upper()
    for _ in range(5):  # a generated id colliding is unlikely; give up loudly after five tries
        patient = Patient(
            institution=institution,
            created_by=acting_user,
            patient_id=given_id or new_patient_id(),
            stammdaten_stand=timezone.localdate(),
            **fields,
        )
        try:
            with transaction.atomic():
                patient.save()
                record_event("patient.created", actor=acting_user, target=patient, request=request)
        except IntegrityError as error:
            if given_id or "one_record_per_insured_person" in str(error):
                raise _duplicate(error, given_id) from None
            continue  # a generated id collided: draw another
        return patient
    raise DuplicatePatient("Es konnte keine freie Patienten-ID erzeugt werden. Bitte versuchen Sie es erneut.")
