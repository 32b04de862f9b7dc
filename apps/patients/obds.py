"""Personenstammdaten in the shape of the oBDS element ``Patienten_Stammdaten`` (for export and the rules)."""

from __future__ import annotations

import datetime
from typing import Any

from apps.obds.identifiers import normalise_kvnr
from apps.patients.models import DatePrecision, InsuranceKind, Patient

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


NAMES = {"Nachname": "nachname", "Vornamen": "vornamen", "Titel": "titel", "Namenszusatz": "namenszusatz",
         "Namensvorsatz": "namensvorsatz", "Geburtsname": "geburtsname"}  # fmt: skip
INSURANCE_NUMBER = {"GKV": "GKV_Versichertennummer", "PKV": "PKV_Versichertennummer", "Sonstige": "Versichertennummer"}


def patient_fields(data: dict[str, Any]) -> dict[str, Any]:
    """The Patient model's fields from a schema-valid ``Patienten_Stammdaten`` (the inverse of ``stammdaten``)."""
    kind = next(kind for kind in InsuranceKind.values if f"Versichertendaten_{kind}" in data)
    insured = data[f"Versichertendaten_{kind}"]
    number = insured.get(INSURANCE_NUMBER[kind]) or ""
    born = data["Geburtsdatum"]
    address = data.get("Adresse") or {}
    fields: dict[str, Any] = {name: data.get(element) or None for element, name in NAMES.items()}
    fields.update(
        insurance_kind=kind,
        iknr=insured.get("IKNR") or "",
        insurance_number=normalise_kvnr(number) if kind == InsuranceKind.GKV else number,
        beihilfetraeger=insured.get("Beihilfetraeger") or "",
        ersatzkode=insured.get("Ersatzkode") or "",
        krankenkassen_name=insured.get("KrankenkassenName") or "",
        fruehere_namen=(data.get("Menge_Frueherer_Name") or {}).get("Frueherer_Name") or None,
        geschlecht=data["Geschlecht"],
        geburtsdatum=datetime.date.fromisoformat(born["#text"]),
        geburtsdatum_genauigkeit=born.get("@Datumsgenauigkeit") or DatePrecision.E,
        adresse={name: address[element] for name, element in ADDRESS if address.get(element)} or None,
    )
    return fields


def _given(values: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in values.items() if value}
