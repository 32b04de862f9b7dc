"""The demo patient and her first report for `make run` (seed_demo): a plausible breast-cancer diagnosis."""

from __future__ import annotations

import copy
import datetime
from typing import Any

from apps.accounts.models import User
from apps.institutions.models import Institution
from apps.patients.actions import do_create_patient
from apps.patients.models import Patient
from apps.reports.actions import do_save_draft, do_send_draft, do_start_draft

DEMO_PATIENT: dict[str, Any] = {
    "insurance_kind": "GKV",
    "iknr": "101575519",
    "insurance_number": "A000500015",
    "nachname": "Musterfrau",
    "vornamen": "Erika",
    "geschlecht": "W",
    "geburtsdatum": datetime.date(1961, 4, 17),
    "adresse": {"strasse": "Heidestraße", "hausnummer": "17", "plz": "51147", "ort": "Köln", "land": "DE"},
    "patient_id": "DEMO1",
}

DIAGNOSE: dict[str, Any] = {
    "Meldebegruendung": "I",
    "Eigene_Leistung": "J",
    "Tumorzuordnung": {
        "Primaertumor_ICD": {"Code": "C50.4", "Version": "10 2025 GM"},
        "Diagnosedatum": {"#text": "2025-02-03", "@Datumsgenauigkeit": "E"},
        "Seitenlokalisation": "L",
        "Morphologie_ICD_O": {"Code": "8500/3", "Version": "33"},
    },
    "Diagnose": {
        "Primaertumor_Topographie_ICD_O": {"Code": "C50.4", "Version": "33"},
        "Diagnosesicherung": "7",
        "Histologie": {
            "Tumor_Histologiedatum": {"#text": "2025-02-03", "@Datumsgenauigkeit": "E"},
            "Morphologie_ICD_O": [{"Code": "8500/3", "Version": "33"}],
            "Grading": "2",
        },
        "Allgemeiner_Leistungszustand": "0",
    },
}


def seed_demo_patient(institution: Institution, physician: User) -> Patient:
    """The demo patient with one sent Diagnose, once; later runs find her by her Patient_ID."""
    existing = Patient.objects.filter(institution=institution, patient_id=DEMO_PATIENT["patient_id"]).first()
    if existing is not None:
        return existing
    patient = do_create_patient(institution=institution, acting_user=physician, **DEMO_PATIENT)
    draft = do_start_draft(patient=patient, tumor=None, report_type="Diagnose", acting_user=physician)
    do_save_draft(draft, copy.deepcopy(DIAGNOSE))
    do_send_draft(draft.uuid, acting_user=physician)
    return patient
