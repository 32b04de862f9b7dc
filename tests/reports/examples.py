"""Plausible reports as a physician would send them (no portal-assigned ids): the good cases of the tests."""

from __future__ import annotations

import copy
from typing import Any

from apps.accounts.models import User
from apps.patients.models import Patient
from apps.reports import demo
from apps.reports.actions import do_start_draft
from apps.reports.models import Draft, Tumor

DIAGNOSE: dict[str, Any] = demo.DIAGNOSE  # the demo patient's report: plausible for a woman born 1961

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
