"""The XSD-driven model reads and writes every valid oBDS sample without losing or reordering anything."""

import csv
from pathlib import Path

import pytest
from django.conf import settings
from lxml import etree  # type: ignore[import-untyped]

from apps.obds import schema_model
from apps.obds.schemas import compiled

SAMPLES = Path(settings.OBDS_SCHEMA_DIR).parent / "samples"
VALID_OBDS = [
    row["file"]
    for row in csv.DictReader((SAMPLES / "expected.csv").open(encoding="utf-8"))
    if row["valid"] == "true" and "oBDS" in row["reference_xsd"]
]


def test_the_model_knows_all_eight_report_types():
    model = schema_model.load()
    meldung = model.root.child("Menge_Patient").child("Patient").child("Menge_Meldung").child("Meldung")
    assert meldung.content is not None
    names = [element.name for element in meldung.content.elements()]
    for report_type in ("Diagnose", "Pathologie", "OP", "ST", "SYST", "Verlauf", "Tod", "Tumorkonferenz"):
        assert report_type in names
    assert [attribute.name for attribute in meldung.attributes] == ["Meldung_ID", "Melder_ID"]
    sex = model.root.child("Menge_Patient").child("Patient").child("Patienten_Stammdaten").child("Geschlecht")
    assert sex.text is not None
    assert [value for value, _ in sex.text.enumeration] == ["M", "W", "D", "X", "U"]


@pytest.mark.parametrize("file", VALID_OBDS, ids=[name.rsplit("__", 1)[-1] for name in VALID_OBDS])
def test_every_valid_sample_survives_reading_and_writing(file):
    model = schema_model.load()
    original = etree.parse(str(SAMPLES.parent / file), etree.XMLParser(remove_blank_text=True, remove_comments=True))
    data = schema_model.to_data(original.getroot(), model.root)
    written = schema_model.to_element(data, model.root, model.namespace)
    assert compiled("oBDS_v3.0.4.xsd").validate(written), compiled("oBDS_v3.0.4.xsd").error_log
    assert schema_model.to_data(written, model.root) == data
    strip = {"{http://www.w3.org/2001/XMLSchema-instance}schemaLocation"}
    for node in original.iter():
        for name in strip & set(node.attrib):
            del node.attrib[name]
    canonical = {"method": "c14n", "exclusive": True}
    assert etree.tostring(written, **canonical) == etree.tostring(original.getroot(), **canonical)
