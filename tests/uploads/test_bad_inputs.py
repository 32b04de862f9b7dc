"""Hostile and broken packages through the whole upload path: each refused with its own German message,
nothing stored; and every public sample gets the schema verdict of samples/expected.csv."""

from __future__ import annotations

import csv
import gzip
import io
import zipfile
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.core.files import open_file
from apps.core.models import StoredFile
from apps.obds.messages import german
from apps.reports.models import Report
from apps.uploads.models import Package, PackageState
from tests.personas import log_in
from tests.uploads.packages import package_bytes, patient, upload
from tests.uploads.test_uploads import meldung, xml_for

pytestmark = pytest.mark.django_db
OBDS = Path(settings.OBDS_SCHEMA_DIR).parent
HEAD = b'<?xml version="1.0" encoding="UTF-8"?>\n'
ROOT = b'<oBDS xmlns="http://www.basisdatensatz.de/oBDS/XML" Schema_Version="3.0.4">'
LAUGHS = b"".join(b'<!ENTITY l%d "&l%d;&l%d;&l%d;&l%d;">' % (n, n - 1, n - 1, n - 1, n - 1) for n in range(1, 10))
ZIP_BOMB = io.BytesIO()
with zipfile.ZipFile(ZIP_BOMB, "w", zipfile.ZIP_DEFLATED) as archive:
    archive.writestr("paket.xml", b"0" * 50_000_000)

BAD = {
    "xxe": (HEAD + b'<!DOCTYPE oBDS [<!ENTITY x SYSTEM "file:///etc/passwd">]>' + ROOT + b"&x;</oBDS>",
            "Die Datei enthält eine DOCTYPE- oder ENTITY-Deklaration. Das ist in oBDS nicht erlaubt."),
    "external dtd": (HEAD + b'<!DOCTYPE oBDS SYSTEM "http://evil.example/o.dtd">' + ROOT + b"</oBDS>",
                     "Die Datei enthält eine DOCTYPE- oder ENTITY-Deklaration. Das ist in oBDS nicht erlaubt."),
    "billion laughs": (HEAD + b'<!DOCTYPE oBDS [<!ENTITY l0 "ha">' + LAUGHS + b"]>" + ROOT + b"&l9;</oBDS>",
                       "Die Datei enthält eine DOCTYPE- oder ENTITY-Deklaration. Das ist in oBDS nicht erlaubt."),
    "quadratic blow-up": (HEAD + b'<!DOCTYPE oBDS [<!ENTITY a "' + b"x" * 50_000 + b'">]>' + ROOT
                          + b"&a;" * 50_000 + b"</oBDS>",
                          "Die Datei enthält eine DOCTYPE- oder ENTITY-Deklaration. Das ist in oBDS nicht erlaubt."),
    # Streaming validation stops at the first element the schema does not expect, before any depth is reached.
    # The first of its errors, as xmllint lists them (the nested Absender that is not expected follows).
    "deep nesting": (HEAD + ROOT + b"<Absender>" * 10_000 + b"</Absender>" * 10_000 + b"</oBDS>",
                     "Absender: Das Pflichtattribut Absender_ID fehlt."),
    "gzip renamed": (gzip.compress(HEAD + ROOT + b"</oBDS>"),
                     "Die Datei ist komprimiert (z. B. gzip). Bitte laden Sie die XML-Datei selbst hoch."),
    "zip bomb renamed": (ZIP_BOMB.getvalue(),
                         "Die Datei ist ein ZIP-Archiv, obwohl ihr Name nicht auf .zip endet. "
                         "Bitte benennen Sie sie um."),
    "utf-16 with bom": ((HEAD + ROOT + b"</oBDS>").decode().replace("UTF-8", "UTF-16").encode("utf-16"),
                        "Die Datei ist in UTF-16 kodiert. Erlaubt ist nur UTF-8."),
    "utf-16 without bom": ((HEAD + ROOT + b"</oBDS>").decode().encode("utf-16-le"),
                           "Die Datei ist in UTF-16 kodiert. Erlaubt ist nur UTF-8."),
    "declared latin-1": (HEAD.replace(b"UTF-8", b"ISO-8859-1") + ROOT + b"</oBDS>",
                         "Die Datei ist als „ISO-8859-1“ kodiert. Erlaubt ist nur UTF-8."),
    "not xml": (b"Patient;Diagnose\nErika;C50.4\n", "Die Datei beginnt nicht mit XML."),
    "rki format": (HEAD + b'<oBDS_RKI xmlns="http://www.basisdatensatz.de/oBDS/XML"/>',
                   "Das ist das Lieferformat des Registers an das RKI, keine Meldung."),
    "another root": (HEAD + b"<rechnung/>",
                     "Das Wurzelelement „rechnung“ ist kein oBDS- oder ADT/GEKID-Meldungspaket."),
}  # fmt: skip


def valid_package(institution) -> bytes:
    return package_bytes(institution, [patient(number, institution.melder_id, ["Diagnose"]) for number in range(3)])


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda xml: xml[: len(xml) // 2], "Die Datei endet mitten im Element"),
        (lambda xml: xml.replace(b"Heidestra\xc3\x9fe", b"Heidestra\xdfe", 1),
         "Die Datei enthält Bytes, die kein gültiges UTF-8 sind."),
        (lambda xml: xml.replace(b"<Anmerkung>", b"<Anmerkung>" + b"x" * 20_000_000, 1),
         "Ein Textinhalt ist zu groß (mehr als 10 MB in einem Element)."),
    ],
    ids=["truncated", "utf-8 declared, latin-1 inside", "20 MB text node"],
)  # fmt: skip
def test_a_damaged_package_is_refused_with_its_own_message(praxis, physician, clock, damage, message):
    package = upload(damage(valid_package(praxis)), praxis, physician)
    assert package.state == PackageState.ABGELEHNT
    assert package.problems[0]["meldung"].startswith(message), package.problems[0]
    assert package.problems[0]["zeile"] > 1 and not Report.objects.exists()


@pytest.mark.parametrize("case", list(BAD))
def test_a_bad_file_is_refused_with_its_own_message(praxis, physician, clock, case):
    content, message = BAD[case]
    package = upload(content, praxis, physician)
    assert package.state == PackageState.ABGELEHNT
    assert package.problems[0]["art"] == "Fehler"
    assert package.problems[0]["meldung"] == message
    assert "root:" not in str(package.problems)  # /etc/passwd was never read
    assert not Report.objects.exists()


def test_an_empty_file_is_refused_on_the_upload_page(client, physician, clock):
    log_in(client, physician)
    response = client.post("/pakete/", {"file": SimpleUploadedFile("leer.xml", b"")})
    assert response.status_code == 200 and "Die Datei ist leer." in response.content.decode()


def test_one_byte_over_the_limit_is_refused_and_the_limit_itself_is_taken(client, physician, clock, settings):
    settings.UPLOAD_MAX_BYTES = 2048
    log_in(client, physician)
    over = client.post("/pakete/", {"file": SimpleUploadedFile("gross.xml", b"<" + b"x" * 2048)})
    assert "Die Datei ist größer als 2,0\xa0KB." in over.content.decode()
    exact = client.post("/pakete/", {"file": SimpleUploadedFile("genau.xml", b"<" + b"x" * 2047)})
    assert exact.status_code == 302


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("befund.pdf", b"%PDF-1.7\n%\xe2\xe3", "Die Datei ist ein Dokument (PDF, Word, Excel …), keine oBDS-Datei."),
        ("befund.xml", b"%PDF-1.7\n%\xe2\xe3", "Die Datei ist ein Dokument (PDF, Word, Excel …), keine oBDS-Datei."),
        ("brief.docx", b"PK\x03\x04word/document.xml", "Die Datei ist ein Dokument (PDF, Word, Excel …)"),
        ("notiz.xml", b"Patientin Erika, Diagnose folgt", "Die Datei ist keine XML-Datei."),
        ("paket.xml", gzip.compress(b"<oBDS/>"), "Die Datei ist komprimiert (z. B. gzip)."),
        ("paket.xml", b"PK\x03\x04rest", "Die Datei ist ein ZIP-Archiv, obwohl ihr Name nicht auf .zip endet."),
        ("paket.xml", "<oBDS/>".encode("utf-16"), "Die Datei ist in UTF-16 kodiert. Erlaubt ist nur UTF-8."),
        ("paket.zip", b"<oBDS/>", "Die Datei endet auf .zip, ist aber kein ZIP-Archiv."),
        ("paket.xml", b'<!DOCTYPE oBDS [<!ENTITY x SYSTEM "file:///etc/passwd">]><oBDS/>', "DOCTYPE"),
    ],
)
def test_a_file_that_is_plainly_no_package_is_refused_on_the_upload_page(
    client, physician, clock, name, content, message
):
    log_in(client, physician)
    response = client.post("/pakete/", {"file": SimpleUploadedFile(name, content)})
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="id_file_error"' in page and message in page  # next to the field
    assert not Package.objects.exists() and not StoredFile.objects.exists()  # nothing stored


def test_a_file_spooled_to_disk_is_stored_whole_after_its_first_bytes_were_looked_at(client, physician, clock):
    log_in(client, physician)
    content = b"<oBDS>" + b"<!-- 3 MB -->" * (3 * 1024 * 1024 // 13) + b"</oBDS>"  # above Django's 2.5 MB in memory
    assert client.post("/pakete/", {"file": SimpleUploadedFile("gross.xml", content)}).status_code == 302
    with open_file(Package.objects.get().stored_file) as stored:
        assert stored.read() == content


def test_xml_after_a_byte_order_mark_and_blank_lines_is_taken(client, physician, clock):
    log_in(client, physician)
    content = b"\xef\xbb\xbf\r\n\n  <oBDS/>"  # well-formed: blank space may come before the root
    assert client.post("/pakete/", {"file": SimpleUploadedFile("paket.xml", content)}).status_code == 302


def test_a_remote_schema_location_is_ignored_and_never_fetched(erika, praxis, physician, clock):
    content = xml_for(erika, praxis, [meldung(1, praxis.melder_id)]).replace(
        b"<oBDS ",
        b'<oBDS xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        b'xsi:schemaLocation="http://www.basisdatensatz.de/oBDS/XML http://evil.example/boese.xsd" ',
        1,
    )
    package = upload(content, praxis, physician)
    assert package.state == PackageState.ANGENOMMEN, package.problems


def test_an_xinclude_is_not_followed(erika, praxis, physician, clock):
    content = xml_for(erika, praxis, [meldung(1, praxis.melder_id)]).replace(
        b"<Meldedatum>",
        b'<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="file:///etc/passwd" parse="text"/><Meldedatum>',
        1,
    )
    package = upload(content, praxis, physician)
    assert package.state == PackageState.ABGELEHNT
    assert "include" in package.problems[0]["original"] and "root:" not in str(package.problems)


def test_script_in_free_text_is_stored_as_text_and_escaped_on_every_page(erika, praxis, physician, client, clock):
    scripted = meldung(1, praxis.melder_id)
    scripted["Anmerkung"] = "<script>alert('x')</script>"
    package = upload(xml_for(erika, praxis, [scripted]), praxis, physician)
    assert package.state == PackageState.ANGENOMMEN
    report = Report.objects.get(package=package)
    assert report.data["Anmerkung"] == "<script>alert('x')</script>"
    log_in(client, physician)
    for path in (f"/meldungen/{report.uuid}/", f"/pakete/{package.uuid}/", f"/patienten/{erika.uuid}/"):
        page = client.get(path).content.decode()
        assert "<script>alert" not in page, path
    assert (
        "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in client.get(f"/meldungen/{report.uuid}/").content.decode()
    )


def samples() -> list[dict[str, str]]:
    with (OBDS / "samples" / "expected.csv").open() as handle:
        return list(csv.DictReader(handle))


def test_every_sample_gets_the_expected_schema_verdict_through_the_upload(praxis, physician, clock, settings):
    settings.ACCEPTED_SCHEMA_VERSIONS = "oBDS 3*; ADT/GEKID 2*"  # the verdict, not the registry's version policy
    wrong = []
    for row in samples():
        package = upload((OBDS / row["file"]).read_bytes(), praxis, physician, name=Path(row["file"]).name)
        valid = package.counts.get("schema_gueltig") == 1
        if valid != (row["valid"] == "true") or package.state == PackageState.DUPLIKAT:
            wrong.append((row["file"], package.state, package.problems[:1]))
    assert wrong == []
    assert len(samples()) == 94


@pytest.mark.parametrize(
    ("message", "explained"),
    [
        ("Element '{http://www.basisdatensatz.de/oBDS/XML}IKNR': [facet 'pattern'] The value '222333444' is not "
         "accepted by the pattern '10\\d{7}'.",
         "IKNR: Der Wert „222333444“ hat nicht das verlangte Format: neun Ziffern, die mit 10 beginnen, z. B. "
         "109519005."),
        ("Element '{http://www.basisdatensatz.de/oBDS/XML}Neu': [facet 'pattern'] The value 'Q1' is not accepted by "
         "the pattern '[XYZ]\\d'.",  # a pattern of a later schema version: shown as it stands
         "Neu: Der Wert „Q1“ hat nicht das verlangte Format: Muster [XYZ]\\d."),
        ("Element '{http://www.basisdatensatz.de/oBDS/XML}Geschlecht': [facet 'enumeration'] The value 'Q' is not an "
         "element of the set {'M', 'W'}.", "Geschlecht: Der Wert „Q“ ist hier nicht erlaubt. Erlaubt sind: 'M', 'W'."),
        ("Element '{http://www.basisdatensatz.de/oBDS/XML}Meldung': Missing child element(s). Expected is "
         "( {http://www.basisdatensatz.de/oBDS/XML}Tumorzuordnung ).",
         "Meldung: Hier fehlt ein Pflichtelement. Erwartet wird: Tumorzuordnung."),
        ("Element '{http://www.basisdatensatz.de/oBDS/XML}Menge_Patient': This element is not expected. Expected is "
         "( {http://www.basisdatensatz.de/oBDS/XML}Meldedatum ).",
         "Menge_Patient: Dieses Element steht hier nicht an der richtigen Stelle oder gehört nicht hierher. "
         "Erwartet wird: Meldedatum."),
        ("Element '{http://www.basisdatensatz.de/oBDS/XML}Meldung': Duplicate key-sequence ['12124'] in unique "
         "identity-constraint '{http://www.basisdatensatz.de/oBDS/XML}ID_Meldung'.",
         "Meldung: Der Wert '12124' kommt mehrfach vor, muss aber eindeutig sein (ID_Meldung)."),
        ("Element '{http://www.basisdatensatz.de/oBDS/XML}Diagnosedatum': '2024-02-31' is not a valid value of the "
         "atomic type 'xs:date'.", "Diagnosedatum: „2024-02-31“ ist kein gültiges Datum. Verlangt ist JJJJ-MM-TT, "
         "z. B. 2024-03-01."),
        ("Element '{http://www.basisdatensatz.de/oBDS/XML}Patient': The attribute 'Patient_ID' is required but "
         "missing.", "Patient: Das Pflichtattribut Patient_ID fehlt."),
        ("Something libxml2 says rarely.", None),
    ],
)  # fmt: skip
def test_libxml2_messages_are_explained_in_german(message, explained):
    assert german(message) == explained


def test_the_report_shows_the_original_message_beside_the_german_one(praxis, physician, client, clock):
    content = package_bytes(praxis, [patient(1, praxis.melder_id, ["Diagnose"])]).replace(
        b"<Geschlecht>W</Geschlecht>", b"<Geschlecht>Q</Geschlecht>"
    )
    package = upload(content, praxis, physician)
    first = package.problems[0]
    assert first["meldung"].startswith("Geschlecht: Der Wert „Q“ ist hier nicht erlaubt.")
    assert first["original"].startswith("Element '{http://www.basisdatensatz.de/oBDS/XML}Geschlecht': [facet")
    log_in(client, physician)
    assert "Original: Element" in client.get(f"/pakete/{package.uuid}/").content.decode()
    rows = list(csv.reader(io.StringIO(client.get(f"/pakete/{package.uuid}/pruefbericht.csv").content.decode()),
                           delimiter=";"))  # fmt: skip
    assert rows[0][-1] == "Originalmeldung" and rows[1][-1] == first["original"]


def test_a_character_the_obds_does_not_allow_is_named_in_the_report_without_the_repertoire(praxis, physician, client):
    content = package_bytes(praxis, [patient(1, praxis.melder_id, ["Diagnose"])])
    content = content.replace(b"<Vornamen>Erika</Vornamen>", "<Vornamen>Erika\u00a0Maria</Vornamen>".encode())
    package = upload(content, praxis, physician)
    first = package.problems[0]
    assert package.state == PackageState.ABGELEHNT
    assert first["meldung"] == (
        "Vornamen: Das Zeichen „\u00a0“ (U+00A0) ist im oBDS nicht erlaubt. Der Wert lautet „Erika\u00a0Maria“."
    )
    assert first["original"].endswith(" … (gekürzt)'.") and len(first["original"]) < 200
    log_in(client, physician)
    page = client.get(f"/pakete/{package.uuid}/").content.decode()
    assert "(U+00A0) ist im oBDS nicht erlaubt" in page and "[Ḃ-ḃ]" not in page
