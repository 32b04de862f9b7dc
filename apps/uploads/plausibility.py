"""The plausibility rules of the online entry, applied to the Meldungen of an uploaded package.

Each patient's Meldungen are checked with the patient's other Meldungen of the package as they are read. A Tod
is checked once more, per batch, against the reports stored before for the same Patient_ID, as the online entry
checks against the patient's reports: a second Tod, or a death dated before an earlier report's date, is found
across packages too.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from typing import Any

from apps.obds.codes import CodeLists
from apps.obds.plausibility import Context, Finding, Severity, check
from apps.obds.plausibility.engine import as_date, date_like, get, text
from apps.patients.models import Patient
from apps.reports.models import Report
from apps.uploads.entries import MELDUNG_PATH, STAMMDATEN_PATH, PatientEntry

Findings = list[list[tuple[str, str, str, str]]]  # per Meldung: (severity, German message, rule, element path)


def patient_findings(
    stammdaten: dict[str, Any],
    meldungen: list[dict[str, Any]],
    lists: CodeLists | None,
    today: datetime.date,
    texts: list[bytes],
) -> Findings:
    """The findings for each Meldung of one patient (as read by schema_model.to_data), as plain values;
    ``texts`` are the Meldungen's JSON as they will be stored."""
    known_dates: dict[int, Any] = {}  # each of the patient's reports is read for dates once
    hints = {id(meldung): (meldung, date_like(text)) for meldung, text in zip(meldungen, texts, strict=True)}
    about_patient = _about_patient(stammdaten)  # read once, not for every Meldung
    findings = []
    for meldung in meldungen:
        earlier = tuple(other for other in meldungen if other is not meldung)
        context = Context(meldung, **about_patient, earlier=earlier, codes=lists, today=today,
                          known_dates=known_dates, date_hints=hints)  # fmt: skip
        findings.append(
            [
                (finding.severity.value, finding.message, finding.rule, element_path(finding, meldung, stammdaten))
                for finding in check(context)
            ]
        )
    return findings


def element_path(finding: Finding, meldung: dict[str, Any], stammdaten: dict[str, Any]) -> str:
    """The path of the element a finding is about, for the validation report: its first field as found in the
    Meldung (a rule names ``Bestrahlung/Einzeldosis``, the report says where in the Meldung that is), else in the
    patient's Stammdaten (Geburtsdatum, Versichertendaten), else the Meldung itself."""
    if finding.fields:
        wanted = [part for part in finding.fields[0].split("/") if part != "#text"]
        for root, data in ((MELDUNG_PATH, meldung), (STAMMDATEN_PATH, stammdaten)):
            found = _where(data, wanted, [])
            if found is not None:
                return "/".join([root, *found])
    return MELDUNG_PATH


def _where(data: Any, wanted: list[str], path: list[str]) -> list[str] | None:
    """The path below ``data`` of the first element (in the file's order) whose path ends with ``wanted``."""
    if isinstance(data, list):
        return next((found for item in data if (found := _where(item, wanted, path)) is not None), None)
    if not isinstance(data, dict):
        return None
    for name, value in data.items():
        if name[0] in "@#":  # attributes and an element's own text
            continue
        here = [*path, name]
        if here[-len(wanted) :] == wanted:
            return here
        found = _where(value, wanted, here)
        if found is not None:
            return found
    return None


def check_against_stored(
    batch: list[PatientEntry], patients: dict[str, Patient], lists: CodeLists | None, today: datetime.date
) -> int:
    """Note on each Tod of ``batch`` what the reports stored before for its patient add; the new Hinweise.
    ``patients``: the batch's patients stored before, by Patient_ID (a new patient has no stored reports)."""
    dying = {
        entry.patient_id: entry
        for entry in batch
        if entry.patient_id in patients and any(m.report_type == "Tod" for m in entry.meldungen)
    }
    if not dying:
        return 0
    owners = {patients[patient_id].pk: patient_id for patient_id in dying}
    stored: dict[str, list[tuple[str, dict[str, Any]]]] = defaultdict(list)
    reports = Report.objects.filter(patient_id__in=list(owners), corrections__isnull=True).only(
        "uuid", "meldung_id", "data", "patient_id"
    )
    for report in reports:
        stored[owners[report.patient_id]].append((report.meldung_id, report.data))
    hinweise = 0
    for patient_id, earlier_reports in stored.items():
        entry = dying[patient_id]
        for meldung in entry.meldungen:
            if meldung.report_type != "Tod" or meldung.repeated:
                continue
            noted = {problem.get("regel") for problem in meldung.problems}
            others = tuple(other.data for other in entry.meldungen if other is not meldung)
            # the same Meldung sent again is no earlier report: it is refused as a duplicate, and only that
            sent_before = tuple(data for meldung_id, data in earlier_reports if meldung_id != meldung.meldung_id)
            context = Context(meldung.data, **_about_patient(entry.stammdaten), earlier=others + sent_before,
                              codes=lists, today=today)  # fmt: skip
            for finding in check(context, across_reports_only=True):  # the other rules found what they find
                if finding.rule not in noted:
                    path = element_path(finding, meldung.data, entry.stammdaten)
                    meldung.note(finding.severity.value, finding.message, regel=finding.rule, pfad=path)
                    hinweise += finding.severity == Severity.HINWEIS
    return hinweise


def _about_patient(stammdaten: dict[str, Any]) -> dict[str, Any]:
    """What the rules read of the patient, as ``Context`` takes it."""
    return {
        "sex": text(stammdaten.get("Geschlecht")),
        "born": as_date(stammdaten.get("Geburtsdatum")),
        "insurance": {key: value for key, value in stammdaten.items() if key.startswith("Versichertendaten_")},
        "country": text(get(stammdaten, "Adresse/Land")),
    }
