"""The portal's schema verdict equals xmllint's for every public sample (../shared/obds/samples/expected.csv)."""

import csv
import gzip
import io
import re
import subprocess
from pathlib import Path

import pytest
from django.conf import settings

from apps.obds.messages import shortened
from apps.obds.safe_xml import KEYREF, SHOWN, Rejected, judge

SAMPLES = Path(settings.OBDS_SCHEMA_DIR).parent / "samples"
EXPECTED = list(csv.DictReader((SAMPLES / "expected.csv").open(encoding="utf-8")))


def test_all_samples_are_listed():
    assert len(EXPECTED) == 94


@pytest.mark.parametrize("row", EXPECTED, ids=[row["file"].rsplit("/", 1)[-1] for row in EXPECTED])
def test_the_verdict_matches_xmllint(row):
    with (SAMPLES.parent / row["file"].replace("samples/", "samples/", 1)).open("rb") as handle:
        try:
            valid = judge(handle).valid
        except Rejected:
            valid = False
    assert valid is (row["valid"] == "true")


def judged(data: bytes):
    return judge(io.BytesIO(data))


GOOD_HEAD = b'<?xml version="1.0" encoding="UTF-8"?>\n'


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "leer"),
        (b"   \n", "leer"),
        (gzip.compress(GOOD_HEAD + b"<oBDS/>"), "komprimiert"),
        (b"PK\x03\x04" + b"\x00" * 40, "zip"),
        ("<?xml version='1.0' encoding='UTF-16'?><oBDS/>".encode("utf-16"), "kodierung"),
        ("<oBDS/>".encode("utf-16-le"), "kodierung"),
        (b'<?xml version="1.0" encoding="ISO-8859-1"?><oBDS/>', "kodierung"),
        (GOOD_HEAD + b'<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>', "doctype"),
        (GOOD_HEAD + b'<!DOCTYPE r SYSTEM "http://evil.example/x.dtd"><r/>', "doctype"),
        (GOOD_HEAD + b'<!DOCTYPE l [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;&a;">]><l>&b;</l>', "doctype"),
        (GOOD_HEAD + b"<oBDS_RKI xmlns='http://www.basisdatensatz.de/oBDS/XML'/>", "format"),
        (GOOD_HEAD + b"<Irgendwas/>", "format"),
        (GOOD_HEAD + b"<oBDS xmlns='http://www.basisdatensatz.de/oBDS/XML'", "syntax"),
    ],
)
def test_unreadable_or_dangerous_files_are_refused_with_their_own_reason(data, code):
    with pytest.raises(Rejected) as refused:
        judged(data)
    assert refused.value.code == code
    assert refused.value.message


def test_ten_thousand_levels_of_nesting_are_judged_invalid():
    data = (
        GOOD_HEAD
        + b"<oBDS xmlns='http://www.basisdatensatz.de/oBDS/XML'>"
        + b"<a>" * 10_000
        + b"</a>" * 10_000
        + b"</oBDS>"
    )
    verdict = judged(data)
    assert not verdict.valid


def test_a_schema_error_names_line_and_column():
    data = (
        GOOD_HEAD + b"<oBDS xmlns='http://www.basisdatensatz.de/oBDS/XML' Schema_Version='3.0.4'>\n  <Falsch/>\n</oBDS>"
    )
    verdict = judged(data)
    assert not verdict.valid
    assert verdict.problem is not None
    assert (verdict.problem.line, verdict.problem.path) == (3, "/oBDS/Falsch")  # line 1 is the XML declaration


def test_a_schema_error_deep_in_a_real_package_names_line_and_element_path():
    with (SAMPLES / "obds3" / "bzkf-obds-to-fhir-mappings__GroupSequence01.xml").open("rb") as handle:
        problem = judge(handle).problem
    assert problem is not None
    assert problem.code == "schema"
    assert problem.line == 12  # as xmllint reports it
    assert problem.path.endswith("/Patienten_Stammdaten/Versichertendaten_GKV/IKNR")
    assert "222333444" in problem.message


INVALID = [row for row in EXPECTED if row["valid"] == "false"]


SCHEMA_ERROR = re.compile(r"^.*?:(\d+): (?:element \S+: )?Schemas validity error : (.*)$", re.MULTILINE)


def xmllint_errors(path: Path, schema: Path) -> list[tuple[int, str]]:
    """Line and message of each schema error ``xmllint --noout --schema`` prints, in its order."""
    xmllint = subprocess.run(
        ["xmllint", "--noout", "--schema", str(schema), str(path)], capture_output=True, text=True, check=False
    )
    return [(int(line), message.strip()) for line, message in SCHEMA_ERROR.findall(xmllint.stderr)]


@pytest.mark.parametrize("row", INVALID, ids=[row["file"].rsplit("/", 1)[-1] for row in INVALID])
def test_every_schema_error_is_reported_where_xmllint_reports_it(row):
    """Not only the first: a file with 74 errors needs one upload to see them all, not 74. A keyref error is
    found only where its scope ends, so it comes without a line (its message names the value)."""
    path = SAMPLES.parent / row["file"]
    expected = xmllint_errors(path, SAMPLES.parent / row["reference_xsd"])
    assert expected
    with path.open("rb") as handle:
        verdict = judge(handle)
    reported = [(problem.line, problem.original or problem.message) for problem in verdict.problems]
    unlocated = [(0 if KEYREF in message else line, shortened(message))  # a character repertoire is cut short
                 for line, message in expected]  # fmt: skip
    assert reported == unlocated[:SHOWN] and verdict.found == len(expected)


@pytest.mark.parametrize(("element", "blank"), [("Nachname", b"   "), ("Geschlecht", b"\t  "), ("Nachname", b"")])
def test_a_value_of_white_space_only_is_judged_as_xmllint_judges_it(tmp_path, element, blank):
    """The parser drops the white space between elements (it is not content there); a value that is nothing but
    white space is content, and is judged as it is."""
    valid = SAMPLES / "obds3" / "bzkf-obds-to-fhir-mappings__Folgepaket_Testpatientin_Cervix.xml"
    data = re.sub(rf"<{element}>[^<]*</{element}>".encode(), f"<{element}>".encode() + blank + f"</{element}>".encode(),
                  valid.read_bytes(), count=1)  # fmt: skip
    path = tmp_path / "paket.xml"
    path.write_bytes(data)
    expected = xmllint_errors(path, SAMPLES.parent / "schemas" / "oBDS_v3.0.4.xsd")
    assert expected  # white space is no Nachname and no Geschlecht
    with path.open("rb") as handle:
        verdict = judge(handle)
    assert [(problem.line, problem.original or problem.message) for problem in verdict.problems] == [
        (line, shortened(message)) for line, message in expected
    ]
