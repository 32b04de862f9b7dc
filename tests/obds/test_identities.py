"""The identity constraints (unique IDs, each Meldung's Melder in the Melder list) checked in Python give libxml2's
verdict, with libxml2's own errors."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from lxml import etree  # type: ignore[import-untyped]  # lxml-stubs 0.5 lags lxml 6

from apps.institutions.models import Institution
from apps.obds.identities import taken
from apps.obds.repertoire import fast_variant
from apps.obds.safe_xml import VISITED, judge
from apps.obds.schema_model import parsed
from apps.obds.schemas import FAMILIES
from tests.obds.test_repertoire import OBDS_XSD, PRAXIS, official_xsd_accepts
from tests.uploads.packages import package_bytes, patient

ELSEWHERE = Institution(name="Klinikum Anderswo", melder_id="987654321")


def two_patients(others: tuple[Institution, ...] = ()) -> bytes:
    entries = [patient(number, PRAXIS.melder_id, ["Diagnose", "OP"]) for number in (1, 2)]
    return package_bytes(PRAXIS, entries, others=others)


def test_the_obds_constraints_are_taken_over_and_the_first_pass_leaves_them_to_python():
    fast = fast_variant(OBDS_XSD, VISITED)
    assert fast is not None
    assert [(each.kind, each.name) for each in fast.constraints] == [
        ("unique", "ID_Patient"), ("unique", "ID_Meldung"), ("unique", "ID_Melder"), ("keyref", "Ref_Melder")
    ]  # fmt: skip
    twice = two_patients().replace(b'Patient_ID="UP0000002"', b'Patient_ID="UP0000001"')
    assert fast.schema.validate(etree.parse(io.BytesIO(twice)))  # libxml2 no longer looks at them there
    assert not judge(io.BytesIO(twice)).valid  # Python does


@pytest.mark.parametrize(
    ("content", "constraint"),
    [
        (two_patients().replace(b'Patient_ID="UP0000002"', b'Patient_ID="UP0000001"'), "ID_Patient"),
        (two_patients().replace(b'Meldung_ID="UP0000002-OP"', b'Meldung_ID="UP0000001-OP"'), "ID_Meldung"),
        (two_patients((ELSEWHERE,)).replace(b'ID="987654321"', b'ID="123456789"'), "ID_Melder"),
        (two_patients().replace(b'Melder_ID="123456789"', b'Melder_ID="987654321"', 1), "Ref_Melder"),
        (two_patients().replace(b'Melder_ID="123456789"', b'Melder_ID="123456789 "', 1), "Ref_Melder"),
    ],
    ids=["patient twice", "meldung twice", "melder twice", "unknown melder", "melder with a space"],
)
def test_a_broken_constraint_is_refused_with_libxml2s_error(content, constraint):
    assert not official_xsd_accepts(content)
    verdict = judge(io.BytesIO(content))
    assert not verdict.valid
    assert [problem.original.rsplit("}", 1)[-1] for problem in verdict.problems] == [f"{constraint}'."]
    assert "key-sequence" in verdict.problems[0].original


@pytest.mark.parametrize(
    "content",
    [
        two_patients(),
        two_patients((ELSEWHERE,)),  # a Melder no Meldung names
        two_patients((ELSEWHERE,)).replace(b'Melder_ID="123456789"', b'Melder_ID="987654321"', 1),  # named later
        two_patients().replace(b'Meldung_ID="UP0000001-OP"', b'Meldung_ID="UP0000002"'),  # as another Patient_ID
    ],
    ids=["one melder", "two melder", "the other melder named", "an id of another kind"],
)
def test_constraints_that_hold_are_accepted(content):
    assert official_xsd_accepts(content)
    assert judge(io.BytesIO(content)).valid


def test_adt_gekid_keeps_its_constraints_with_libxml2():
    adt = next(filename for _, filename in FAMILIES.values() if filename.startswith("ADT"))
    assert fast_variant(adt, VISITED) is None


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ('<xs:selector xpath="tns:Menge_Melder/tns:Melder"/>', '<xs:selector xpath=".//tns:Melder"/>'),
        ('<xs:selector xpath="tns:Menge_Melder/tns:Melder"/>',
         '<xs:selector xpath="tns:Menge_Melder/tns:Melder | tns:Menge_Patient/tns:Patient"/>'),
        ('<xs:field xpath="@Patient_ID"/>', '<xs:field xpath="tns:Patienten_Stammdaten/@Patient_ID"/>'),
        ('<xs:field xpath="@Patient_ID"/>', '<xs:field xpath="@Patient_ID"/><xs:field xpath="@Nummer"/>'),
        ('<xs:field xpath="@ID"/>', '<xs:field xpath="@Unbekannt"/>'),
        ('<xs:restriction base="xs:string">', '<xs:restriction base="xs:string"><xs:whiteSpace value="collapse"/>'),
    ],
    ids=["descendants", "union", "field below", "two fields", "undeclared attribute", "white space facet"],
)  # fmt: skip
def test_constraints_python_could_judge_otherwise_stay_with_libxml2(tmp_path, settings, old, new):
    text = (Path(settings.OBDS_SCHEMA_DIR) / OBDS_XSD).read_text(encoding="utf-8")
    assert old in text
    name = f"geaendert-{abs(hash((old, new)))}.xsd"  # the content model is kept by file name
    (tmp_path / name).write_text(text.replace(old, new, 1), encoding="utf-8")
    settings.OBDS_SCHEMA_DIR = tmp_path
    (tmp_path / "unveraendert.xsd").write_text(text, encoding="utf-8")
    assert taken(parsed("unveraendert.xsd"), "unveraendert.xsd", VISITED) is not None
    assert taken(parsed(name), name, VISITED) is None
