"""A sent report as an oBDS 3.0.4 package: its patient, the Meldung as sent, and the institution as Melder."""

from __future__ import annotations

import re
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from apps.institutions.models import Institution
from apps.obds.export import PatientEntry, package, to_xml
from apps.patients.models import Patient
from apps.patients.obds import stammdaten
from apps.reports.models import Report

SOFTWARE_ID = "Meldeportal"


def software_version() -> str:
    try:
        return version("meldeportal")
    except PackageNotFoundError:  # pragma: no cover - running from a plain checkout without install
        return "0"


def absender(institution: Institution) -> dict[str, Any]:
    return {
        "@Absender_ID": institution.melder_id,
        "@Software_ID": SOFTWARE_ID,
        "@Software_Version": software_version(),
        "Bezeichnung": institution.name,
    }


def melder(institution: Institution) -> dict[str, Any]:
    data: dict[str, Any] = {"@ID": institution.melder_id, "KH_Abt_Station_Praxis": institution.name}
    if institution.street:
        data["Anschrift"] = institution.street
    if re.fullmatch(r"\d{5}", institution.postal_code):
        data["PLZ"] = institution.postal_code
    if institution.city:
        data["Ort"] = institution.city
    return data


def package_xml(patient: Patient, meldungen: list[dict[str, Any]], institution: Institution, day: Any) -> bytes:
    entry = PatientEntry(patient.patient_id, stammdaten(patient), meldungen)
    data = package(absender=absender(institution), meldedatum=day, patients=[entry], melder=[melder(institution)])
    return to_xml(data)


def report_xml(report: Report) -> bytes:
    return package_xml(report.patient, [report.data], report.institution, report.sent_at.date())
