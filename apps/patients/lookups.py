"""Finding an institution's patients without decrypting the table: blind index first, then exact compare.

Every lookup is scoped to one institution; a patient of another institution is never found.
"""

from __future__ import annotations

import datetime
import uuid

from django.http import Http404

from apps.accounts.models import User
from apps.core.fields import BlindIndexField
from apps.institutions.models import Institution
from apps.obds.identifiers import normalise_kvnr
from apps.patients.models import Patient


def index_field(name: str) -> BlindIndexField:
    field = Patient._meta.get_field(name)
    if not isinstance(field, BlindIndexField):
        raise TypeError(f"Patient.{name} is not a blind index")
    return field


def by_insurance_number(institution: Institution, number: str, born: datetime.date) -> Patient | None:
    wanted = normalise_kvnr(number)
    candidates = index_field("insurance_index").candidates(wanted, born)
    for patient in Patient.objects.filter(institution=institution, insurance_index__in=candidates):
        if patient.insurance_number == wanted and patient.geburtsdatum == born:
            return patient
    return None


def by_patient_id(institution: Institution, patient_id: str) -> Patient | None:
    return Patient.objects.filter(institution=institution, patient_id=patient_id.strip().upper()).first()


def by_surname(institution: Institution, surname: str, born: datetime.date) -> list[Patient]:
    """Everyone of that surname (any case, NFKC) and birth date; several people may share both."""
    candidates = index_field("name_index").candidates(surname, born)
    return list(Patient.objects.filter(institution=institution, name_index__in=candidates))


def get_patient_for_user(user: User, patient_uuid: uuid.UUID) -> Patient:
    """The one way views reach a patient: 404 unless it belongs to the user's institution."""
    if user.institution_id is None:
        raise Http404
    try:
        return Patient.objects.get(uuid=patient_uuid, institution_id=user.institution_id)
    except Patient.DoesNotExist:
        raise Http404 from None
