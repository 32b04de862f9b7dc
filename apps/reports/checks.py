"""Plausibility of one report in the light of its patient: the shared rule engine (apps.obds.plausibility)."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from apps.obds import codes
from apps.obds.plausibility import Context, Finding, Severity, check
from apps.patients.models import Patient
from apps.patients.obds import insurance
from apps.reports.models import Report


def findings_for(
    patient: Patient, meldung: dict[str, Any], *, replacing: Report | None = None, today: datetime.date | None = None
) -> list[Finding]:
    """Every finding for ``meldung``; compared with the patient's current reports (a corrected one is replaced)."""
    current = Report.objects.filter(patient=patient, corrections__isnull=True)
    if replacing is not None:
        current = current.exclude(pk=replacing.pk)
    context = Context(
        meldung=meldung,
        sex=patient.geschlecht,
        born=patient.geburtsdatum,
        insurance=insurance(patient),
        country=(patient.adresse or {}).get("land"),
        earlier=tuple(report.data for report in current),
        codes=codes.load(),
        today=today or timezone.localdate(),  # the registry's day
    )
    return check(context)


def blocking(findings: list[Finding]) -> list[Finding]:
    return [finding for finding in findings if finding.severity == Severity.FEHLER]
