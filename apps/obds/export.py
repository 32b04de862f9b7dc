"""Writing oBDS 3.0.4 packages from schema-shaped data (no models; apps/reports supplies the data).

``package()`` puts Absender, Meldedatum, patients with their Meldungen and the Melder in the order the XSD
demands; ``to_xml()`` serialises; ``problems()`` is the XSD's verdict. ``read()`` parses a package back.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from lxml import etree  # type: ignore[import-untyped]  # lxml-stubs 0.5 lags lxml 6

from apps.obds.schema_model import Data, load, to_data, to_element
from apps.obds.schemas import compiled

SCHEMA_FILE = "oBDS_v3.0.4.xsd"
SCHEMA_VERSION = "3.0.4"


@dataclass
class PatientEntry:
    patient_id: str
    stammdaten: dict[str, Any]
    meldungen: list[dict[str, Any]] = field(default_factory=list)  # each with @Meldung_ID and @Melder_ID


def package(
    *, absender: dict[str, Any], meldedatum: datetime.date, patients: list[PatientEntry], melder: list[dict[str, Any]]
) -> dict[str, Any]:
    return {
        "@Schema_Version": SCHEMA_VERSION,
        "Absender": absender,
        "Meldedatum": meldedatum.isoformat(),
        "Menge_Patient": {
            "Patient": [
                {
                    "@Patient_ID": entry.patient_id,
                    "Patienten_Stammdaten": entry.stammdaten,
                    "Menge_Meldung": {"Meldung": entry.meldungen},
                }
                for entry in patients
            ]
        },
        "Menge_Melder": {"Melder": melder},
    }


def to_xml(data: dict[str, Any]) -> bytes:
    model = load(SCHEMA_FILE)
    element = to_element(data, model.root, model.namespace)
    return bytes(etree.tostring(element, xml_declaration=True, encoding="UTF-8", pretty_print=True))


def problems(xml: bytes) -> list[str]:
    """The XSD's complaints about ``xml`` (line: message), empty when valid."""
    schema = compiled(SCHEMA_FILE)
    parser = etree.XMLParser(no_network=True, resolve_entities=False, load_dtd=False)
    document = etree.fromstring(xml, parser)
    if schema.validate(document):
        return []
    return [f"Zeile {error.line}: {error.message}" for error in schema.error_log]


def read(xml: bytes) -> Data:
    model = load(SCHEMA_FILE)
    parser = etree.XMLParser(no_network=True, resolve_entities=False, load_dtd=False)
    return to_data(etree.fromstring(xml, parser), model.root)
