"""Plausible reports as a physician would send them (no portal-assigned ids): the good cases of the tests."""

from __future__ import annotations

import copy
from typing import Any

from apps.accounts.models import User
from apps.patients.models import Patient
from apps.reports.actions import do_start_draft
from apps.reports.models import Draft, Tumor

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

TOD: dict[str, Any] = {
    "Meldebegruendung": "V",
    "Eigene_Leistung": "N",
    "Tumorzuordnung": DIAGNOSE["Tumorzuordnung"],
    "Tod": {"Sterbedatum": "2026-10-01", "Tod_tumorbedingt": "J"},
}


def diagnose(**content: Any) -> dict[str, Any]:
    """The Diagnose example with some content elements replaced."""
    data = copy.deepcopy(DIAGNOSE)
    data["Diagnose"].update(content)
    return data


def draft_with(
    patient: Patient, user: User, data: dict[str, Any], report_type: str = "Diagnose", tumor: Tumor | None = None
) -> Draft:
    """A draft holding ``data`` as if every step had been answered."""
    draft = do_start_draft(patient=patient, tumor=tumor, report_type=report_type, acting_user=user)
    draft.data = copy.deepcopy(data)
    draft.save()
    return draft
