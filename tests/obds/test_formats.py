"""Every code format of the XSDs the portal judges with is said in words, with an example the XSD itself accepts."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from lxml import etree  # type: ignore[import-untyped]  # lxml-stubs 0.5 lags lxml 6

from apps.obds.formats import FORMATS, described
from apps.obds.schemas import FAMILIES
from apps.obds.values import CODE_PATTERN_LENGTH

XS = "http://www.w3.org/2001/XMLSchema"


def code_patterns(filename: str) -> set[str]:
    tree = etree.parse(str(Path(settings.OBDS_SCHEMA_DIR) / filename))
    found = tree.iterfind(f".//{{{XS}}}pattern")
    return {element.get("value") for element in found if len(element.get("value")) <= CODE_PATTERN_LENGTH}


def one_pattern_schema(pattern: str) -> etree.XMLSchema:
    xsd = etree.Element(f"{{{XS}}}schema", nsmap={"xs": XS})
    element = etree.SubElement(xsd, f"{{{XS}}}element", name="v")
    restriction = etree.SubElement(etree.SubElement(element, f"{{{XS}}}simpleType"), f"{{{XS}}}restriction")
    restriction.set("base", "xs:string")
    etree.SubElement(restriction, f"{{{XS}}}pattern", value=pattern)
    return etree.XMLSchema(xsd)


@pytest.mark.parametrize("filename", [filename for _, filename in FAMILIES.values()])
def test_every_code_format_of_an_accepted_xsd_is_described(filename):
    patterns = code_patterns(filename)
    assert len(patterns) >= 10  # the XSD was read
    assert {pattern for pattern in patterns if not described(pattern)} == set()


@pytest.mark.parametrize(("pattern", "example"), [(pattern, example) for pattern, (_, example) in FORMATS.items()])
def test_each_example_fits_its_format_by_the_xsds_own_rules(pattern, example):
    schema = one_pattern_schema(pattern)
    value = etree.Element("v")
    value.text = example
    assert schema.validate(value), schema.error_log
    value.text = f"§{example}"  # and the format is no catch-all
    assert not schema.validate(value)


def test_a_format_not_listed_has_no_words():
    assert described(r"[XYZ]\d") == ""
