import datetime
import re

import pytest
from django.db import connection
from django.http import Http404

from apps.core.models import AuditEvent
from apps.patients import lookups
from apps.patients.actions import DuplicatePatient, do_create_patient
from apps.patients.models import Patient
from tests.personas import BORN, ERIKA

pytestmark = pytest.mark.django_db


def test_identifying_values_are_not_readable_in_the_database(erika):
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM patients_patient WHERE id = %s", [erika.pk])
        row = " ".join(str(value) for value in cursor.fetchone())
    # ciphertexts and blind indexes are long hex runs: by chance they may hold "1961" or "51147"
    row = re.sub(r"[0-9a-f]{16,}", "…", row)
    for plain in ("Mustermann", "Erika", "A000500015", "1961", "Heidestraße", "51147"):
        assert plain not in row


def test_a_patient_id_is_generated_without_identifying_data(erika):
    assert len(erika.patient_id) == 10 and erika.patient_id.startswith("P")
    assert "MUST" not in erika.patient_id
    assert str(erika) == f"Patient {erika.patient_id}"


@pytest.mark.parametrize("typed", ["A000500015", "a000500015", " A 000 500 015 "])
def test_found_by_insurance_number_and_birth_date_however_typed(erika, praxis, typed):
    assert lookups.by_insurance_number(praxis, typed, BORN) == erika
    assert lookups.by_insurance_number(praxis, typed, datetime.date(1961, 4, 18)) is None


def test_found_by_own_patient_id_and_by_surname_and_birth_date(erika, praxis):
    assert lookups.by_patient_id(praxis, erika.patient_id.lower()) == erika
    assert lookups.by_surname(praxis, "MUSTERMANN ", BORN) == [erika]
    assert lookups.by_surname(praxis, "Musterfrau", BORN) == []


def test_another_institution_never_finds_the_patient(erika, outsider_praxis, outsider):
    assert lookups.by_insurance_number(outsider_praxis, "A000500015", BORN) is None
    assert lookups.by_patient_id(outsider_praxis, erika.patient_id) is None
    assert lookups.by_surname(outsider_praxis, "Mustermann", BORN) == []
    with pytest.raises(Http404):
        lookups.get_patient_for_user(outsider, erika.uuid)


def test_the_own_institution_reaches_the_patient(erika, colleague):
    assert lookups.get_patient_for_user(colleague, erika.uuid) == erika


def test_the_same_person_cannot_be_entered_twice(erika, praxis, physician):
    with pytest.raises(DuplicatePatient, match="bereits erfasst"):
        do_create_patient(
            institution=praxis, acting_user=physician, **{**ERIKA, "insurance_number": "A000500015", "vornamen": "E."}
        )
    assert Patient.objects.count() == 1


def test_a_taken_patient_id_is_refused(erika, praxis, physician):
    someone_else = {**ERIKA, "insurance_kind": "Sonstige", "insurance_number": "", "ersatzkode": "970000011"}
    with pytest.raises(DuplicatePatient, match="bereits vergeben"):
        do_create_patient(institution=praxis, acting_user=physician, patient_id=erika.patient_id, **someone_else)


def test_the_audit_event_holds_no_patient_data(erika):
    event = AuditEvent.objects.get(action="patient.created")
    assert event.target_uuid == erika.uuid
    assert "Mustermann" not in str(event.details) + event.actor_label + event.target_type
