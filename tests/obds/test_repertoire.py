"""The oBDS character repertoire checked in Python gives libxml2's verdict, value for value and file for file."""

from __future__ import annotations

import io
import json
import random
import re
import unicodedata
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from lxml import etree  # type: ignore[import-untyped]  # lxml-stubs 0.5 lags lxml 6

from apps.institutions.models import Institution
from apps.obds import safe_xml
from apps.obds.patterns import Untranslatable, python_pattern
from apps.obds.repertoire import Repertoire, _fits, _translated, fast_variant, taken_over
from apps.obds.safe_xml import VISITED, judge
from apps.obds.schema_model import compiled_reader, to_data
from apps.obds.schemas import FAMILIES
from apps.uploads.reading import ReadElement, patient_data, read
from tests.obds.test_formats import one_pattern_schema
from tests.uploads.packages import package_bytes, patient

XS = "http://www.w3.org/2001/XMLSchema"
OBDS_XSD = "oBDS_v3.0.4.xsd"


def long_patterns() -> list[str]:
    tree = etree.parse(str(Path(settings.OBDS_SCHEMA_DIR) / OBDS_XSD))
    found = {facet.get("value") for facet in tree.iterfind(f".//{{{XS}}}pattern")}
    return sorted(pattern for pattern in found if taken_over([pattern]))


def test_the_five_din_spec_91379_patterns_of_obds_are_taken_over_and_adt_keeps_its_own():
    assert len(long_patterns()) == 5
    assert fast_variant(OBDS_XSD, VISITED) is not None
    adt = next(filename for _, filename in FAMILIES.values() if filename.startswith("ADT"))
    assert fast_variant(adt, VISITED) is None  # it has no such patterns: libxml2 judges alone


def candidates(pattern: str) -> list[str]:
    """Every character the pattern names and its neighbours, Latin, Greek and Cyrillic, white space, each alone,
    inside, at either end and after a letter it may combine with; the pattern's own multi-character sequences;
    and random strings of all of these."""
    points = {ord(char) + step for char in pattern for step in (-1, 0, 1)} | set(range(0x20, 0x500))
    points |= {0x09, 0x0A, 0x0D, 0x85, 0xA0, 0x2028, 0x3000, 0x1F600, 0x10FFFD}
    chars = sorted(chr(point) for point in points if _xml_char(point))
    sequences = {match.group(0) for match in re.finditer(r"\w[\u0300-\u036f]+", pattern)}
    values = set(chars) | sequences | {"", " ", "  "}
    for char in chars:
        values |= {f"Ab{char}cd", f"{char}ab", f"ab{char}", f" {char}", f"{char} ", f"C{char}", f"L\u0325{char}"}
    for sequence in sequences:
        values |= {f"Ab {sequence}", f"{sequence}x", f"{sequence}\u0301", f"{sequence} "}
    draw = random.Random(91379)  # noqa: S311  # test values, not secrets
    pool = [*chars, *sequences]
    values |= {"".join(draw.choices(pool, k=draw.randint(1, 8))) for _ in range(400)}
    return sorted(values)


def _xml_char(point: int) -> bool:
    return (point in (0x09, 0x0A, 0x0D) or 0x20 <= point <= 0xD7FF or 0xE000 <= point <= 0xFFFD) or (
        0x10000 <= point <= 0x10FFFF
    )


@pytest.mark.parametrize("pattern", long_patterns(), ids=lambda pattern: f"{len(pattern)}-characters")
def test_each_taken_over_pattern_accepts_exactly_what_libxml2_accepts(pattern):
    schema = one_pattern_schema(pattern)
    translated = _translated(pattern)
    assert translated is not None
    element = etree.Element("v")
    differ = []
    values = candidates(pattern)
    for value in values:
        element.text = value
        if schema.validate(element) is not _fits([[translated]], value):
            differ.append((value, [unicodedata.name(char, hex(ord(char))) for char in value]))
    assert len(values) > 2000
    assert differ == []


@pytest.mark.parametrize(
    ("xsd", "value", "fits"),
    [
        (r"[\s]*", " \t\n\r", True),
        (r"[\s]*", "\u00a0", False),  # Python's \s would take the no-break space
        (r"[\s]*", "\x85", False),
        (r"a^b$", "a^b$", True),  # no anchors in XSD: plain characters
        (r"[,-\.]+", ",-.", True),
        (r"(ab|c){0,1}d", "abd", True),
        (r"(ab|c){0,1}d", "cd", True),
        (r"(ab|c){0,1}d", "acd", False),
        (r"x\|y", "x|y", True),
    ],
)
def test_the_translation_keeps_xsds_meaning(xsd, value, fits):
    assert bool(python_pattern(xsd).fullmatch(value)) is fits
    assert bool(python_pattern(xsd, singles_only=True).fullmatch(value)) <= fits  # never more than the whole


@pytest.mark.parametrize("xsd", [r"a.b", r"\d{3}", r"[^a]", r"[a-z-[aeiou]]", r"\p{L}", r"(ab", r"[ab", "a\\"])
def test_what_is_not_translated_is_said(xsd):
    with pytest.raises(Untranslatable):
        python_pattern(xsd)


PRAXIS = Institution(name="Praxis Dr. Muster", melder_id="123456789")  # not stored: only its IDs are written


def with_first_name(name: bytes) -> bytes:
    content = package_bytes(PRAXIS, [patient(1, PRAXIS.melder_id, ["Diagnose"])])
    assert content.count(b"<Vornamen>Erika</Vornamen>") == 1
    return content.replace(b"<Vornamen>Erika</Vornamen>", b"<Vornamen>" + name + b"</Vornamen>")


def official_xsd_accepts(content: bytes) -> bool:
    schema = etree.XMLSchema(etree.parse(str(Path(settings.OBDS_SCHEMA_DIR) / OBDS_XSD)))
    return bool(schema.validate(etree.parse(io.BytesIO(content))))


@pytest.mark.parametrize(
    ("name", "valid"),
    [
        (b"Erika", True),
        ("Čapek-Müller".encode(), True),
        ("C\u0300apek".encode(), True),  # a letter with a combining mark the repertoire lists
        (b"Erika ", False),  # a name ends with no space
        ("Erika\u00a0Maria".encode(), False),
        ("Erika☃".encode(), False),
        (b"Erika<!-- eine Anmerkung --> ", False),  # the space after the comment still ends the name
        (b"Eri<!-- eine Anmerkung -->ka", True),
        (b"Erika<![CDATA[ Maria ]]>", False),
        (b"Erika&#xA0;Maria", False),
    ],
)
def test_a_name_is_judged_as_the_official_xsd_judges_it(name, valid):
    content = with_first_name(name)
    assert official_xsd_accepts(content) is valid
    verdict = judge(io.BytesIO(content))
    assert verdict.valid is valid
    if not valid:
        assert verdict.problems[0].path.endswith("/Vornamen")
        assert "[facet 'pattern']" in verdict.problems[0].original


def test_a_patient_the_python_check_refused_by_mistake_is_still_visited_once(monkeypatch):
    """Should the Python check refuse what the official XSD accepts, the verdict is the XSD's and no element is
    lost or seen twice: the official pass visits only what the first pass had not."""
    content = package_bytes(PRAXIS, [patient(number, PRAXIS.melder_id, ["Diagnose"]) for number in (1, 2, 3)])
    official: list[str] = []
    monkeypatch.setattr(safe_xml, "fast_variant", lambda *arguments: None)
    assert judge(io.BytesIO(content), lambda element: official.append(element.get("Patient_ID") or element.tag))
    monkeypatch.undo()
    passes = Repertoire.passes
    monkeypatch.setattr(
        Repertoire, "passes", lambda self, element: element.get("Patient_ID") != "UP0000002" and passes(self, element)
    )
    seen: list[str] = []
    verdict = judge(io.BytesIO(content), lambda element: seen.append(element.get("Patient_ID") or element.tag))
    assert verdict.valid
    assert seen == official
    assert [found for found in seen if found.startswith("UP")] == ["UP0000001", "UP0000002", "UP0000003"]


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (b'Software_ID="Meldeportal"', 'Software_ID="Meldeportal☃"'.encode()),  # an attribute
        (b"<Bezeichnung>Praxis Dr. Muster</Bezeichnung>", "<Bezeichnung>Praxis☃</Bezeichnung>".encode()),
        (b"<Ort>K\xc3\xb6ln</Ort>", "<Ort>Köln☃</Ort>".encode()),  # inside the Patient, deeper down
    ],
)
def test_a_character_outside_the_repertoire_is_found_in_attributes_and_outside_the_patients(old, new):
    content = package_bytes(PRAXIS, [patient(1, PRAXIS.melder_id, ["Diagnose"])])
    assert content.count(old) == 1
    content = content.replace(old, new)
    assert not official_xsd_accepts(content)
    verdict = judge(io.BytesIO(content))
    assert not verdict.valid
    assert "[facet 'pattern']" in verdict.problems[0].original


def test_a_name_split_by_a_comment_is_read_whole_for_storing():
    """The upload stores what it reads; a comment inside a name once cut it short („Eri“)."""
    content = with_first_name(b"Eri<!-- eine Anmerkung -->ka")
    read_elements: list[ReadElement] = []
    assert judge(io.BytesIO(content), lambda element: read_elements.append(read(element))).valid
    patient_read = next(element for element in read_elements if element.name == "Patient")
    assert patient_data(patient_read.value)[0]["Patienten_Stammdaten"]["Vornamen"] == "Erika"


def _every_text(data: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """The path (keys and list positions) of every string in ``data``."""
    if isinstance(data, str):
        return [path]
    items = data.items() if isinstance(data, dict) else enumerate(data)
    return [found for key, value in items for found in _every_text(value, (*path, key))]


def _replaced(data: Any, path: tuple[Any, ...], value: str) -> Any:
    copy = json.loads(json.dumps(data))
    place = copy
    for key in path[:-1]:
        place = place[key]
    place[path[-1]] = value
    return copy


def _answer(check: Any, data: Any) -> Any:
    try:
        return check(data)
    except Exception as error:  # the kind of error is what is compared
        return type(error)


@pytest.mark.skipif(compiled_reader is None, reason="compiled_reader is not built here: Python checks alone")
@pytest.mark.parametrize("visited", ["Patient", "Absender"])
def test_the_compiled_check_answers_as_the_python_check_for_every_value_made_wrong(visited):
    """``compiled_reader.passes`` stands in for ``Checks.passes`` wherever it is built: the same answer for the
    package's data as read, for that data with any one value given a character outside the repertoire or a
    character of it, and the same error for data that is not an element's."""
    repertoire = Repertoire(OBDS_XSD, VISITED)
    spec, checks = repertoire.specs[visited]
    content = package_bytes(PRAXIS, [patient(1, PRAXIS.melder_id)])
    element = next(etree.fromstring(content).iter(f"{{*}}{visited}"))
    data = to_data(element, spec)
    assert compiled_reader.passes(data, checks.plain()) is checks.passes(data) is True
    paths = _every_text(data)
    refused = 0
    for path in paths:
        for value in ("Köln☃", "Ą", "\u00a0", ""):
            changed = _replaced(data, path, value)
            python = _answer(checks.passes, changed)
            assert _answer(lambda data: compiled_reader.passes(data, checks.plain()), changed) == python, path
            refused += python is False
    assert refused >= {"Patient": 3, "Absender": 2}[visited]  # names, addresses, attributes are checked
    for odd in (["a list"], 7, None, {"Menge_Meldung": "not a dict"}):
        assert _answer(lambda data: compiled_reader.passes(data, checks.plain()), odd) == _answer(checks.passes, odd)
