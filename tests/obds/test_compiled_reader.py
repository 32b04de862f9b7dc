"""The compiled reading of uploads (apps/obds/compiled_reader.pyx) gives exactly what the Python reading gives."""

import csv
import shutil
import sysconfig
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from lxml import etree  # type: ignore[import-untyped]

from apps.obds import schema_model

SAMPLES = Path(settings.OBDS_SCHEMA_DIR).parent / "samples"
OBDS_SAMPLES = [
    row["file"]
    for row in csv.DictReader((SAMPLES / "expected.csv").open(encoding="utf-8"))
    if "oBDS" in row["reference_xsd"]
]
NS = "http://www.basisdatensatz.de/oBDS/XML"

# What setup.py needs to build it; where either is missing, the install goes on and the portal reads in Python.
BUILDABLE = bool(shutil.which("cc")) and (Path(sysconfig.get_paths()["include"]) / "Python.h").exists()
NOT_BUILDABLE = "no C compiler or no Python headers here: the portal reads uploads in Python"
needs_it = pytest.mark.skipif(schema_model.compiled_reader is None and not BUILDABLE, reason=NOT_BUILDABLE)


def both(element: Any, spec: schema_model.ElementSpec) -> list[Any]:
    """What each reading makes of ``element``: its data, or the name in its KeyError."""
    namespace = etree.QName(element).namespace
    reader = spec.reader(f"{{{namespace}}}" if namespace else "")
    results: list[Any] = []
    for compiled in (False, True):
        try:
            if compiled:
                results.append(schema_model.compiled_reader.read(element, reader.plain(), reader.namespace.encode()))
            else:
                results.append(schema_model._read(element, reader))
        except KeyError as error:
            results.append(("KeyError", error.args))
    return results


@pytest.mark.skipif(not BUILDABLE, reason=NOT_BUILDABLE)
def test_it_is_built_wherever_it_can_be():
    assert schema_model.compiled_reader is not None


@needs_it
@pytest.mark.parametrize("file", OBDS_SAMPLES, ids=[name.rsplit("__", 1)[-1] for name in OBDS_SAMPLES])
def test_it_reads_every_obds_sample_as_python_does(file):
    model = schema_model.load()
    root = etree.parse(str(SAMPLES.parent / file)).getroot()
    python, compiled = both(root, model.root)
    assert compiled == python
    for patient in root.iter(f"{{{NS}}}Patient"):  # where the upload reads them
        python, compiled = both(patient, model.root.child("Menge_Patient").child("Patient"))
        assert compiled == python


def patient(inner: str, attributes: str = "") -> etree._Element:
    return etree.fromstring(
        f'<Patient xmlns="{NS}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:x="urn:x" '
        f'Patient_ID="P1" {attributes}>{inner}</Patient>'
    )


STAMMDATEN = "<Patienten_Stammdaten><Nachname>{}</Nachname><Geschlecht>W</Geschlecht></Patienten_Stammdaten>"
CASES = {
    "plain": patient(STAMMDATEN.format("Müller 😀")),
    "comments and instructions between and inside": patient(
        "<!-- a --><?pi x?>" + STAMMDATEN.format("Mül<!-- b -->ler")
    ),
    "CDATA": patient(STAMMDATEN.format("<![CDATA[<script>alert(1)</script>]]> &amp; mehr")),
    "empty text": patient(STAMMDATEN.format("")),
    "namespaced attributes are not data": patient(STAMMDATEN.format("A"), 'xsi:nil="false" x:y="1"'),
    "attribute with markup characters": patient(STAMMDATEN.format("A"), 'Extra="&lt;b&gt; &amp; &quot;"'),
    "child the schema does not allow": patient("<Unbekannt/>"),
    "allowed name in another namespace": patient('<Patienten_Stammdaten xmlns="urn:other"/>'),
    "allowed name without a namespace": patient('<Patienten_Stammdaten xmlns=""/>'),
    "repeated element": patient(
        "<Menge_Meldung>"
        + '<Meldung Meldung_ID="1"><Anmerkung>a</Anmerkung></Meldung><Meldung Meldung_ID="2"/>'
        + "</Menge_Meldung>"
    ),
}


@needs_it
@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_it_reads_odd_but_possible_input_as_python_does(case):
    python, compiled = both(case, schema_model.load().root.child("Menge_Patient").child("Patient"))
    assert compiled == python


@needs_it
def test_a_text_only_child_reads_as_its_text_and_a_refused_child_names_itself():
    spec = schema_model.load().root.child("Menge_Patient").child("Patient")
    assert both(CASES["plain"], spec)[1]["Patienten_Stammdaten"]["Nachname"] == "Müller 😀"
    assert both(CASES["child the schema does not allow"], spec)[1] == ("KeyError", ("Unbekannt",))


@needs_it
def test_a_table_with_more_children_than_its_name_cache_holds_reads_as_python_does_every_time():
    """Names are looked up by the address of libxml2's copy first (``_Names``, 64 places); past that they are
    decoded as before. Read twice: the second read finds the names the first one cached."""
    names = [f"Feld{number}" for number in range(100)]
    reader = schema_model.Reader(text=False, namespace="", children={name: (name, None, False) for name in names})
    element = etree.fromstring("<E>" + "".join(f"<{name}>{name}!</{name}>" for name in reversed(names)) + "</E>")
    expected = {name: f"{name}!" for name in reversed(names)}
    for _ in range(2):
        data = schema_model.compiled_reader.read(element, reader.plain(), b"")
        assert data == schema_model._read(element, reader) == expected
        assert list(data) == list(expected)  # in the file's order, as the rules and paths expect
