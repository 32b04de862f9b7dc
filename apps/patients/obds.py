"""Personenstammdaten in the shape of the oBDS element ``Patienten_Stammdaten`` (for export and the rules)."""

from __future__ import annotations

from typing import Any

from apps.patients.models import InsuranceKind, Patient

ADDRESS = (("strasse", "Strasse"), ("hausnummer", "Hausnummer"), ("land", "Land"), ("plz", "PLZ"), ("ort", "Ort"))


def insurance(patient: Patient) -> dict[str, Any]:
    """``{"Versichertendaten_GKV": {…}}`` or its PKV or Sonstige sibling."""
    if patient.insurance_kind == InsuranceKind.GKV:
        return {"Versichertendaten_GKV": {"IKNR": patient.iknr, "GKV_Versichertennummer": patient.insurance_number}}
    if patient.insurance_kind == InsuranceKind.PKV:
        private = {
            "IKNR": patient.iknr,
            "PKV_Versichertennummer": patient.insurance_number,
            "Beihilfetraeger": patient.beihilfetraeger,
        }
        return {"Versichertendaten_PKV": _given(private)}
    other = {
        "Ersatzkode": patient.ersatzkode,
        "IKNR": "" if patient.ersatzkode else patient.iknr,
        "KrankenkassenName": patient.krankenkassen_name,
        "Versichertennummer": patient.insurance_number,
    }
    return {"Versichertendaten_Sonstige": _given(other)}


def stammdaten(patient: Patient) -> dict[str, Any]:
    names = {
        "Nachname": patient.nachname,
        "Titel": patient.titel,
        "Namenszusatz": patient.namenszusatz,
        "Namensvorsatz": patient.namensvorsatz,
        "Vornamen": patient.vornamen,
        "Geburtsname": patient.geburtsname,
    }
    data: dict[str, Any] = {**insurance(patient), **_given(names)}
    if patient.fruehere_namen:
        data["Menge_Frueherer_Name"] = {"Frueherer_Name": list(patient.fruehere_namen)}
    data["Geschlecht"] = patient.geschlecht
    data["Geburtsdatum"] = {
        "#text": patient.geburtsdatum.isoformat(),
        "@Datumsgenauigkeit": patient.geburtsdatum_genauigkeit,
    }
    address = patient.adresse or {}
    data["Adresse"] = _given({obds: address.get(name) for name, obds in ADDRESS})
    return data


def _given(values: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in values.items() if value}
