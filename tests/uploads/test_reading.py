"""What the pass takes from each element (made in the schema-check child for large files) holds everything the
checks and storing read: the same data as schema_model.to_data, the JSON stored, and the lines reported."""

from __future__ import annotations

import datetime
import io
import re
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from lxml import etree  # type: ignore[import-untyped]

from apps.core.fields import json_bytes
from apps.institutions.models import Institution
from apps.obds import codes
from apps.obds.schema_model import load, to_data
from apps.obds.schemas import OBDS_NS
from apps.uploads.plausibility import Findings, patient_findings
from apps.uploads.reading import ReadElement, patient_data, read
from tests.uploads.packages import package_bytes, patient, with_findings_in_second_patient

SAMPLES = Path(settings.OBDS_SCHEMA_DIR).parent / "samples"
PATIENT = f"{{{OBDS_NS}}}Patient"


def elements(data: bytes, name: str) -> list[etree._Element]:
    return [element for _, element in etree.iterparse(io.BytesIO(data), tag=name)]


@pytest.fixture
def package() -> bytes:
    return package_bytes(
        Institution(name="Klinikum", melder_id="KLINIK1"), [patient(1, "KLINIK1"), patient(2, "KLINIK1")]
    )


def test_a_patient_reads_as_to_data_reads_it_with_its_lines(package):
    spec = load().root.child("Menge_Patient").child("Patient")
    lines = package.decode().splitlines()
    for element in elements(package, PATIENT):
        expected = to_data(element, spec)
        taken = read(element)
        assert (taken.name, taken.obds, taken.schema_version) == ("Patient", True, "3.0.4")
        stored, meldungen = patient_data(taken.value)
        assert meldungen == expected.pop("Menge_Meldung")["Meldung"] and stored == expected
        assert taken.value.meldungen == [json_bytes(meldung) for meldung in meldungen]
        assert len(taken.value.lines) == len(meldungen) == 8
        assert all("<Meldung " in lines[line - 1] for line in taken.value.lines)


def rules(stammdaten: dict[str, Any], meldungen: list[dict[str, Any]], texts: list[bytes]) -> Findings:
    return patient_findings(stammdaten, meldungen, codes.load(), datetime.date(2026, 11, 23), texts)


def test_where_asked_the_rules_run_where_the_patient_is_read_with_the_same_findings():
    content, _ = with_findings_in_second_patient(Institution(name="Klinikum", melder_id="KLINIK1"))
    first, second = elements(content, PATIENT)
    assert read(second).value.findings is None  # unless asked, the worker runs them
    checked = read(second, rules).value
    stammdaten, meldungen = patient_data(checked)
    expected = rules(stammdaten["Patienten_Stammdaten"], meldungen, checked.meldungen)
    assert checked.findings == expected and checked._replace(findings=None) == read(second).value
    assert {rule for found in expected for _, _, rule, _ in found} >= {
        "KVNR_PRUEFZIFFER",
        "GESCHLECHT_MAENNLICHE_ORGANE",
    }
    assert read(first, rules).value.findings == [[]]


def test_rules_that_fail_where_the_patient_is_read_are_left_to_the_worker(package):
    def failing(stammdaten: dict[str, Any], meldungen: list[dict[str, Any]], texts: list[bytes]) -> Findings:
        raise KeyError("Tumorzuordnung")

    taken = read(elements(package, PATIENT)[0], failing)
    assert taken.value is not None and taken.value.findings is None  # the worker runs them, and fails there


def test_the_owner_ids_are_read_from_absender_and_melder(package):
    absender = read(elements(package, f"{{{OBDS_NS}}}Absender")[0])
    melder = read(elements(package, f"{{{OBDS_NS}}}Melder")[0])
    assert (absender.name, absender.value) == ("Absender", "KLINIK1")
    assert (melder.name, melder.value) == ("Melder", "KLINIK1")


def test_a_patient_outside_the_content_model_reads_as_none_rather_than_failing(package):
    broken = package.replace(b"<Patienten_Stammdaten", b"<Unbekannt/><Patienten_Stammdaten", 1)
    first, second = (read(element) for element in elements(broken, PATIENT))
    assert first == ReadElement("Patient", True, "3.0.4", first.line, None)
    assert second.value is not None


def test_an_adt_patient_is_counted_by_its_meldungen():
    path = next(iter(sorted((SAMPLES / "adt2").rglob("*.xml"))))
    data = path.read_bytes()
    namespace = etree.QName(etree.fromstring(data)).namespace
    taken = [read(element) for element in elements(data, f"{{{namespace}}}Patient")]
    assert taken and not any(patient.obds for patient in taken) and all(patient.value > 0 for patient in taken)
    assert sum(patient.value for patient in taken) == len(re.findall(rb"<(?:\w+:)?Meldung[\s>]", data))
