"""A patient's reporting history for the patient page: tumours, sent reports with date and status, drafts.

Three queries whatever the number of reports (bench/patients.py counts them); report dates are read from the
encrypted report data, decrypted only for the rows shown.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from apps.obds.plausibility.engine import as_date, get
from apps.patients.models import Patient
from apps.reports.models import Draft, Report, Tumor

# Where each report type keeps the date of its event.
EVENT_DATES = {
    "Diagnose": "Tumorzuordnung/Diagnosedatum",
    "Pathologie": "Pathologie/Histologie/Tumor_Histologiedatum",
    "OP": "OP/Datum",
    "ST": "ST/Menge_Bestrahlung/Bestrahlung/Beginn",
    "SYST": "SYST/Beginn",
    "Verlauf": "Verlauf/Untersuchungsdatum_Verlauf",
    "Tod": "Tod/Sterbedatum",
    "Tumorkonferenz": "Tumorkonferenz/Datum",
}


@dataclass(frozen=True)
class Entry:
    report: Report
    date: datetime.date | None
    corrected_by: Report | None

    @property
    def status(self) -> str:
        if self.corrected_by is not None:
            return f"korrigiert durch {self.corrected_by.meldung_id}"
        return "Korrekturmeldung, eingegangen" if self.report.corrects_id else "eingegangen"


def event_date(report: Report) -> datetime.date | None:
    found = as_date(get(report.data, EVENT_DATES.get(report.report_type, "")))
    return found or as_date(get(report.data, "Tumorzuordnung/Diagnosedatum"))


@dataclass(frozen=True)
class History:
    tumors: list[Tumor]
    entries: list[Entry]
    drafts: list[Draft]


def entries(reports: list[Report], corrections: Iterable[Report]) -> list[Entry]:
    """Each report with the date of its event and the correction that replaced it, if any (``corrections`` oldest
    first, so the newest one wins)."""
    corrected_by = {correction.corrects_id: correction for correction in corrections}
    return [Entry(report, event_date(report), corrected_by.get(report.pk)) for report in reports]


def history(patient: Patient) -> History:
    reports = list(Report.objects.filter(patient=patient).select_related("sent_by", "tumor").order_by("-sent_at"))
    sent = entries(reports, (report for report in reversed(reports) if report.corrects_id))
    drafts = list(patient.drafts.select_related("created_by", "tumor").order_by("-updated_at"))
    return History(list(patient.tumors.all()), sent, drafts)
