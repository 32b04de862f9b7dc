"""ZIP uploads: each XML file of the archive is checked and imported as part of one package, read straight
from the encrypted store; archives that are bombs, damaged, locked or nested are refused in German."""

from __future__ import annotations

import csv
import io
import struct
import zipfile
from pathlib import Path

import pytest
from django.conf import settings

from apps.institutions.models import UploadStatus
from apps.reports.models import Report
from apps.uploads import processing
from apps.uploads.models import PackageState
from tests.personas import log_in
from tests.uploads.packages import package_bytes, patient, upload, with_findings_in_second_patient
from tests.uploads.test_bad_inputs import ZIP_BOMB

pytestmark = pytest.mark.django_db
OBDS = Path(settings.OBDS_SCHEMA_DIR).parent
LOCAL_HEADER, DIRECTORY_HEADER = b"PK\x03\x04", b"PK\x01\x02"


@pytest.fixture(autouse=True, params=["schema check in process", "schema check alongside"])
def schema_check(request, monkeypatch):
    """Every case both ways: members are small, so the child process is forced for the second run."""
    if request.param == "schema check alongside":
        monkeypatch.setattr(processing, "ALONGSIDE_FROM", 0)


def zipped(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def two_files(institution, first: range = range(0, 3), second: range = range(3, 6)) -> dict[str, bytes]:
    return {
        "januar/paket1.xml": package_bytes(institution, [patient(n, institution.melder_id) for n in first]),
        "januar/paket2.xml": package_bytes(institution, [patient(n, institution.melder_id) for n in second]),
    }


def test_a_finding_names_the_line_of_its_field_in_its_own_file(praxis, physician, clock):
    content, lines = with_findings_in_second_patient(praxis)
    files = {
        "erste.xml": package_bytes(praxis, [patient(n, praxis.melder_id) for n in range(3, 6)]),
        "zweite.xml": content,
    }
    package = upload(zipped(files), praxis, physician, name="export.zip")
    found = {(item["datei"], item["regel"], item["zeile"]) for item in package.problems if "regel" in item}
    assert {
        ("zweite.xml", "KVNR_PRUEFZIFFER", lines["kvnr"]),
        ("zweite.xml", "ICD_TOPOGRAPHIE", lines["code"]),
    } <= found


def patched(archive: bytes, field_offset: int, value: bytes) -> bytes:
    """The archive with a field of its first directory entry overwritten (as a forger would)."""
    start = archive.index(DIRECTORY_HEADER)
    return archive[: start + field_offset] + value + archive[start + field_offset + len(value) :]


def test_every_xml_file_of_a_zip_is_checked_and_imported(praxis, physician, client, clock):
    files = two_files(praxis)
    files["liesmich.txt"] = b"Export vom 23.11."
    files["__MACOSX/januar/._paket1.xml"] = b"\x00\x05\x16\x07"
    package = upload(zipped(files), praxis, physician, name="export.zip")
    assert package.state == PackageState.ANGENOMMEN, package.problems
    assert package.counts["dateien"] == 2 and package.counts["patienten"] == 6
    assert Report.objects.filter(package=package).count() == package.counts["angenommen"] == 6 * 8
    assert package.problems == [
        {"art": "Hinweis", "meldung": "„liesmich.txt“ im ZIP-Archiv ist keine XML-Datei und wurde nicht gelesen."}
    ]
    log_in(client, physician)
    page = client.get(f"/pakete/{package.uuid}/").content.decode()
    assert "XML-Dateien im Archiv" in page and '<th scope="col">Datei</th>' in page


def test_a_schema_error_in_one_file_imports_none_of_the_archive(praxis, physician, clock):
    files = two_files(praxis)
    files["januar/paket2.xml"] = files["januar/paket2.xml"].replace(b"<Geschlecht>W<", b"<Geschlecht>Q<", 1)
    package = upload(zipped(files), praxis, physician, name="export.zip")
    assert package.state == PackageState.ABGELEHNT and not Report.objects.exists()
    (error,) = package.problems
    assert error["datei"] == "januar/paket2.xml" and error["zeile"] > 1 and "Geschlecht" in error["meldung"]


def test_a_meldung_id_in_two_files_is_refused_the_second_time(praxis, physician, client, clock):
    package = upload(zipped(two_files(praxis, range(0, 2), range(1, 3))), praxis, physician, name="doppelt.zip")
    assert package.state == PackageState.TEILWEISE
    assert (package.counts["angenommen"], package.counts["abgelehnt"]) == (24, 8)
    refused = [item for item in package.problems if item["art"] == "Fehler"]
    assert len(refused) == 8 and {item["datei"] for item in refused} == {"januar/paket2.xml"}
    assert all("steht schon in einer anderen Datei dieses Pakets" in item["meldung"] for item in refused)
    log_in(client, physician)
    report = client.get(f"/pakete/{package.uuid}/pruefbericht.csv").content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(report), delimiter=";"))
    assert rows[0][1] == "Datei" and rows[1][1] == "januar/paket2.xml"


def test_a_test_package_may_spread_over_several_files(praxis, physician, clerk, client, clock):
    praxis.upload_status = UploadStatus.TESTPHASE
    praxis.save()
    archive = zipped(two_files(praxis))
    package = upload(archive, praxis, physician, name="test.zip")
    assert package.state == PackageState.WARTET, package.problems
    assert not Report.objects.exists()
    log_in(client, clerk)
    original = client.get(f"/vertrauensstelle/pakete/{package.uuid}/original/")
    assert original["Content-Type"] == "application/zip"
    assert original["Content-Disposition"] == f'attachment; filename="Paket-{package.uuid}.zip"'
    assert b"".join(original.streaming_content) == archive


ORDINARY_ZIP = zipped({"paket.xml": b"<oBDS/>"})
NOT_READ = "„{}“ im ZIP-Archiv ist keine XML-Datei und wurde nicht gelesen."
REFUSED = {
    "bomb": (ZIP_BOMB.getvalue(),
             "Das ZIP-Archiv wäre entpackt 47,7\xa0MB groß; erlaubt sind höchstens 10,0\xa0MB. "
             "Bitte teilen Sie es auf mehrere Uploads auf."),
    "too many files": (zipped({f"paket{n}.xml": b"<oBDS/>" for n in range(4)}),
                       "Das ZIP-Archiv enthält 4 Dateien; erlaubt sind höchstens 3."),
    # the directory says 100 bytes; inflating stops there and the checksum gives the lie away
    "size that lies": (patched(zipped({"paket.xml": b"<oBDS>" + b" " * 5_000_000 + b"</oBDS>"}), 24,
                               struct.pack("<I", 100)),
                       "„paket.xml“ im ZIP-Archiv ist beschädigt oder nicht so groß, wie das Archiv angibt."),
    "password": (patched(ORDINARY_ZIP, 8, struct.pack("<H", 0x1)),
                 "„paket.xml“ im ZIP-Archiv ist mit einem Kennwort geschützt. Bitte packen Sie ohne."),
    "nested": (zipped({"innen.zip": ORDINARY_ZIP}),
               "Das ZIP-Archiv enthält das Archiv „innen.zip“. Bitte legen Sie nur XML-Dateien hinein."),
    "zip renamed xml inside": (zipped({"paket.xml": ORDINARY_ZIP}),
                               "Die Datei ist ein ZIP-Archiv, obwohl ihr Name nicht auf .zip endet. "
                               "Bitte benennen Sie sie um."),
    "cut off": (ORDINARY_ZIP[:-30], "Das ZIP-Archiv ist beschädigt oder unvollständig. Bitte packen Sie es neu."),
    "no xml": (zipped({"bericht.pdf": b"%PDF-1.7"}), "Das ZIP-Archiv enthält keine XML-Datei."),
    "empty archive": (zipped({}), "Das ZIP-Archiv enthält keine XML-Datei."),
    "not a zip": (b"<?xml version='1.0'?><oBDS/>", "Die Datei endet auf .zip, ist aber kein ZIP-Archiv."),
    "same name twice": (zipped({"a/paket.xml": b"<oBDS/>", "a/./paket.xml": b"<oBDS/>"}),
                        "Das ZIP-Archiv enthält „a/paket.xml“ zweimal."),
    "unreadable method": (patched(ORDINARY_ZIP, 10, struct.pack("<H", 12)),
                          "„paket.xml“ ist mit einem Verfahren gepackt, das das Portal nicht liest. "
                          "Bitte nutzen Sie Deflate."),
}  # fmt: skip


@pytest.mark.parametrize("case", list(REFUSED))
def test_a_bad_archive_is_refused_with_its_own_message(praxis, physician, clock, settings, case):
    settings.ZIP_MAX_FILES, settings.ZIP_MAX_UNPACKED_BYTES = 3, 10 * 1024 * 1024
    content, message = REFUSED[case]
    package = upload(content, praxis, physician, name="archiv.zip")
    assert package.state == PackageState.ABGELEHNT
    assert package.problems[0]["art"] == "Fehler"
    assert package.problems[0]["meldung"] == message
    assert not Report.objects.exists()


def test_names_inside_the_archive_are_shown_without_dot_dot_or_bidi_characters(praxis, physician, clock):
    files = {"../../etc/\u202egpj.xml": package_bytes(praxis, [patient(1, praxis.melder_id)]), "../x\r\n.txt": b""}
    package = upload(zipped(files), praxis, physician, name="namen.zip")
    assert package.state == PackageState.ANGENOMMEN, package.problems
    assert package.problems == [{"art": "Hinweis", "meldung": NOT_READ.format("x.txt")}]


def test_a_directory_claiming_65535_entries_is_refused_before_it_is_parsed(praxis, physician, clock, settings):
    """The end record claims 65 535 entries and a 60 MB directory: refused from those two numbers."""
    end_record = b"PK\x05\x06" + struct.pack("<4H2LH", 0, 0, 0xFFFF, 0xFFFF, 60_000_000, 0, 0)
    package = upload(LOCAL_HEADER + b"\x00" * 100 + end_record, praxis, physician, name="riesig.zip")
    assert package.problems[0]["meldung"] == "Das ZIP-Archiv enthält 65535 Dateien; erlaubt sind höchstens 1000."
