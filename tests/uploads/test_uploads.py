"""WebUpload: a package is stored encrypted, validated in the background, and reported on precisely."""

from __future__ import annotations

import copy
import csv
import datetime
import io
import re
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.core.files import open_file
from apps.obds.plausibility import Finding, Severity
from apps.obds.safe_xml import SHOWN
from apps.reports.export import package_xml
from apps.reports.models import Report
from apps.uploads.actions import do_receive_package
from apps.uploads.files import display_name
from apps.uploads.models import Package, PackageState, Progress
from apps.uploads.plausibility import element_path
from apps.uploads.processing import process
from apps.uploads.report import IN_FILE, overview
from apps.uploads.templatetags.uploads import path_breaks
from tests.personas import log_in
from tests.reports.examples import DIAGNOSE
from tests.uploads.packages import package_bytes, patient, upload, with_findings_in_second_patient

pytestmark = pytest.mark.django_db
OBDS = Path(settings.OBDS_SCHEMA_DIR).parent


def meldung(number: int, melder_id: str, **tumour: Any) -> dict[str, Any]:
    data = copy.deepcopy(DIAGNOSE)
    data.update({"@Meldung_ID": f"KH-{number}", "@Melder_ID": melder_id})
    data["Tumorzuordnung"]["@Tumor_ID"] = "1"
    data["Tumorzuordnung"].update(tumour)
    return data


def xml_for(patient, institution, meldungen: list[dict[str, Any]]) -> bytes:
    return package_xml(patient, meldungen, institution, datetime.date(2026, 11, 23))


def test_a_valid_package_is_stored_encrypted_and_accepted(erika, praxis, physician, clock):
    content = xml_for(erika, praxis, [meldung(1, praxis.melder_id), meldung(2, praxis.melder_id)])
    package = upload(content, praxis, physician)
    assert package.state == PackageState.ANGENOMMEN, package.problems
    assert (package.format, package.schema_version) == ("oBDS", "3.0.4")
    assert package.counts == {"patienten": 1, "art_Diagnose": 2, "angenommen": 2, "schema_gueltig": 1}
    with open_file(package.stored_file) as stored:
        assert stored.read() == content
    raw = Path(settings.ENCRYPTED_FILES_DIR, package.stored_file.storage_name).read_bytes()
    assert b"Mustermann" not in raw and b"oBDS" not in raw


def test_a_fehler_rejects_that_meldung_only_and_names_line_patient_and_meldung(erika, praxis, physician, clock):
    bad = meldung(2, praxis.melder_id, Primaertumor_ICD={"Code": "C61", "Version": "10 2025 GM"})
    package = upload(xml_for(erika, praxis, [meldung(1, praxis.melder_id), bad]), praxis, physician)
    assert package.state == PackageState.TEILWEISE
    assert (package.counts["angenommen"], package.counts["abgelehnt"]) == (1, 1)
    fehler = [item for item in package.problems if item["art"] == "Fehler"]
    assert fehler and all(item["meldung_id"] == "KH-2" and item["patient_id"] == erika.patient_id for item in fehler)
    assert all(item["zeile"] > 1 for item in fehler)
    # the element the rule is about, where in the Meldung it is
    code = "/oBDS/Menge_Patient/Patient/Menge_Meldung/Meldung/Tumorzuordnung/Primaertumor_ICD/Code"
    assert {(item["regel"], item["pfad"]) for item in fehler} == {
        ("GESCHLECHT_MAENNLICHE_ORGANE", code),
        ("ICD_TOPOGRAPHIE", code),
    }


def test_a_finding_names_the_line_of_its_field(praxis, physician, clock):
    content, lines = with_findings_in_second_patient(praxis)
    package = upload(content, praxis, physician)
    found = [(item["regel"], item["meldung_id"], item["zeile"]) for item in package.problems]
    assert found[:4] == [  # in the file's order
        ("KVNR_PRUEFZIFFER", "UP0000001-Verlauf", lines["kvnr"]),  # in the patient's Stammdaten
        ("KVNR_PRUEFZIFFER", "UP0000001-Diagnose", lines["kvnr"]),
        ("GESCHLECHT_MAENNLICHE_ORGANE", "UP0000001-Diagnose", lines["code"]),  # in the Meldung
        ("ICD_TOPOGRAPHIE", "UP0000001-Diagnose", lines["code"]),
    ]
    assert [item["zeile"] for item in package.problems] == sorted(item["zeile"] for item in package.problems)


def test_a_country_code_of_no_country_is_accepted_with_a_hinweis_at_the_address(praxis, physician, clock):
    abroad = patient(0, praxis.melder_id, ["Diagnose"])
    abroad.stammdaten["Adresse"]["Land"] = "XK"  # two capital letters, as the XSD asks, but no ISO 3166-1 country
    package = upload(package_bytes(praxis, [abroad, patient(1, praxis.melder_id, ["Diagnose"])]), praxis, physician)
    assert package.state == PackageState.ANGENOMMEN and package.counts["angenommen"] == 2
    found = [(item["art"], item["regel"], item["patient_id"], item["pfad"]) for item in package.problems]
    assert found == [
        ("Hinweis", "LAND_UNBEKANNT", "UP0000000", "/oBDS/Menge_Patient/Patient/Patienten_Stammdaten/Adresse/Land")
    ]
    assert "Den Ländercode XK gibt es in der ISO-Länderliste nicht" in package.problems[0]["meldung"]


@pytest.mark.parametrize(
    ("field", "path"),
    [
        ("Bestrahlung/Einzeldosis", "Menge_Meldung/Meldung/ST/Menge_Bestrahlung/Bestrahlung/Einzeldosis"),  # below
        ("Einzeldosis/#text", "Menge_Meldung/Meldung/ST/Menge_Bestrahlung/Bestrahlung/Einzeldosis"),
        ("GKV_Versichertennummer", "Patienten_Stammdaten/Versichertendaten_GKV/GKV_Versichertennummer"),  # the patient
        ("Therapiebeginn", "Menge_Meldung/Meldung"),  # no element of that name: the Meldung
    ],
)  # fmt: skip
def test_a_finding_names_the_element_it_is_about(field, path):
    meldung = {"@Meldung_ID": "1", "ST": {"Menge_Bestrahlung": {"Bestrahlung": [
        {"Beginn": "2026-01-01"}, {"Einzeldosis": {"Dosis": "2", "#text": ""}}]}}}  # fmt: skip
    stammdaten = {"Geburtsdatum": "1961-04-17", "Versichertendaten_GKV": {"GKV_Versichertennummer": "A123456780"}}
    finding = Finding("R", Severity.FEHLER, "…", (field, "Geburtsdatum"))
    assert element_path(finding, meldung, stammdaten) == "/oBDS/Menge_Patient/Patient/" + path


def test_meldungen_of_another_melder_are_refused(erika, praxis, physician, outsider_praxis, clock):
    package = upload(xml_for(erika, outsider_praxis, [meldung(1, outsider_praxis.melder_id)]), praxis, physician)
    assert package.state == PackageState.ABGELEHNT
    messages = {item["meldung"] for item in package.problems if item["art"] == "Fehler"}
    assert "Der Melder „M0002“ gehört nicht zu Ihrer Einrichtung." in messages
    assert "Die Meldung nennt einen Melder einer anderen Einrichtung." in messages
    assert package.counts["abgelehnt"] == 1 and "angenommen" not in package.counts


def test_a_schema_error_rejects_the_package_with_line_and_path(praxis, physician, clock):
    with (OBDS / "samples" / "expected.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    invalid = next(row["file"] for row in rows if row["valid"] == "false" and "oBDS_v3.0.4" in row["reference_xsd"])
    package = upload((OBDS / invalid).read_bytes(), praxis, physician)
    assert package.state == PackageState.ABGELEHNT and package.counts == {"schema_gueltig": 0}
    first = package.problems[0]
    assert first["art"] == "Fehler" and first["zeile"] > 1 and first["pfad"].startswith("/oBDS")


def test_a_package_refused_as_a_whole_says_so_instead_of_counting_nothing(
    documentation, erika, praxis, physician, clerk
):
    refused = upload(with_wrong_sex(xml_for(erika, praxis, [meldung(1, praxis.melder_id)])), praxis, physician)
    accepted = upload(xml_for(erika, praxis, [meldung(2, praxis.melder_id)]), praxis, physician)
    page = documentation.get(f"/pakete/{refused.uuid}/").content.decode()
    assert "Das Paket wurde als Ganzes abgelehnt: keine seiner Meldungen wurde übernommen." in page
    assert "keine – das Paket wurde als Ganzes abgelehnt" in page and "<dt>Patienten</dt>" not in page
    page = documentation.get(f"/pakete/{accepted.uuid}/").content.decode()
    assert "als Ganzes abgelehnt" not in page and "<dt>Meldungen angenommen</dt><dd>1</dd>" in page
    listed = documentation.get("/pakete/").content.decode()
    assert listed.count("keine – ganzes Paket abgelehnt") == 1 and "<td>1 / 0</td>" in listed
    registry = Client()
    log_in(registry, clerk)
    assert "keine – ganzes Paket abgelehnt" in registry.get("/vertrauensstelle/pakete/").content.decode()


def with_wrong_sex(content: bytes) -> bytes:
    return re.sub(rb"<Geschlecht>[A-Z]</Geschlecht>", b"<Geschlecht>Q</Geschlecht>", content)


def test_every_schema_error_is_reported_with_its_line_patient_and_meldung(praxis, physician, clock):
    patients = [patient(number, praxis.melder_id, ["Diagnose"]) for number in range(3)]
    content = with_wrong_sex(package_bytes(praxis, patients)).replace(b"<Code>C", b"<Code>!C", 1)
    package = upload(content, praxis, physician)
    assert package.state == PackageState.ABGELEHNT and not Report.objects.exists()
    lines = [number for number, text in enumerate(content.splitlines(), start=1) if b">Q<" in text or b">!C" in text]
    stammdaten = "/oBDS/Menge_Patient/Patient/Patienten_Stammdaten/Geschlecht"
    code = "/oBDS/Menge_Patient/Patient/Menge_Meldung/Meldung/Tumorzuordnung/Primaertumor_ICD/Code"
    reported = [(problem["zeile"], problem["pfad"], problem.get("patient_id"), problem.get("meldung_id"))
                for problem in package.problems]  # fmt: skip
    assert reported == [
        (lines[0], stammdaten, "UP0000000", None),
        (lines[1], code, "UP0000000", "UP0000000-Diagnose"),
        (lines[2], stammdaten, "UP0000001", None),
        (lines[3], stammdaten, "UP0000002", None),
    ]
    assert all(problem["art"] == "Fehler" for problem in package.problems)
    assert "„Q“" in package.problems[0]["meldung"] and "„!C" in package.problems[1]["meldung"]


def test_a_report_lists_the_first_hundred_schema_errors_and_counts_the_rest(praxis, physician, clock, client):
    patients = [patient(number, praxis.melder_id, ["Diagnose"]) for number in range(SHOWN + 5)]
    package = upload(with_wrong_sex(package_bytes(praxis, patients)), praxis, physician)
    assert [problem["art"] for problem in package.problems] == ["Fehler"] * SHOWN + ["Hinweis"]
    assert (
        package.problems[-1]["meldung"]
        == "Die Schemaprüfung hat 105 Fehler gefunden; dieser Bericht zeigt die ersten 100."
    )
    # the overview counts the kind in the whole file, not only in the lines listed
    assert [(kind.example[:30], kind.count) for kind in overview(package.problems)] == [
        ("Geschlecht: Der Wert „Q“ ist h", 105),
        ("Die Schemaprüfung hat 105 Fehl", 1),
    ]
    assert [item.get(IN_FILE) for item in package.problems[:2]] == [105, None]  # on the kind's first line only
    log_in(client, physician)
    rows = list(csv.reader(io.StringIO(client.get(f"/pakete/{package.uuid}/pruefbericht.csv").content.decode()),
                           delimiter=";"))  # fmt: skip
    counted = rows[0].index("Fehler dieser Art in der Datei")
    assert [row[counted] for row in rows[1:4]] == ["105", "", ""]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "leer"),
        (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>', "DOCTYPE"),
        (b"\x1f\x8b\x08\x00compressed", "komprimiert"),
        ("<?xml version='1.0' encoding='UTF-16'?><oBDS/>".encode("utf-16"), "UTF-16"),
    ],
)
def test_unsafe_or_unreadable_files_are_rejected_with_a_clear_message(praxis, physician, clock, content, message):
    package = upload(content or b" ", praxis, physician)
    assert package.state == PackageState.ABGELEHNT
    assert message.lower() in package.problems[0]["meldung"].lower()


def test_the_same_file_again_is_flagged_as_duplicate_and_not_processed(erika, praxis, physician, clock):
    content = xml_for(erika, praxis, [meldung(1, praxis.melder_id)])
    first = upload(content, praxis, physician)
    again = upload(content, praxis, physician)
    assert again.state == PackageState.DUPLIKAT and again.duplicate_of == first
    assert again.attempts == 0


def test_processing_twice_changes_nothing(erika, praxis, physician, clock):
    package = upload(xml_for(erika, praxis, [meldung(1, praxis.melder_id)]), praxis, physician)
    process(str(package.uuid))
    package.refresh_from_db()
    assert package.attempts == 1 and package.state == PackageState.ANGENOMMEN


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Daten\\paket.xml", "paket.xml"),
        ("pa\x00ket.xml", "paket.xml"),
        ("rechnung\u202egpj.xml", "rechnunggpj.xml"),
        ("zeile\r\numbruch.xml", "zeileumbruch.xml"),
        ("x" * 300 + ".xml", "x" * 115 + "….xml"),
        ("", "paket.xml"),
    ],
)
def test_file_names_are_shown_without_folders_control_or_bidi_characters(raw, shown):
    assert display_name(raw) == shown


@pytest.fixture
def documentation(client, physician, clock):
    log_in(client, physician)
    return client


def test_an_upload_page_stores_and_shows_the_package(documentation, erika, praxis):
    content = xml_for(erika, praxis, [meldung(1, praxis.melder_id)])
    response = documentation.post("/pakete/", {"file": SimpleUploadedFile("klinik.xml", content)})
    package = Package.objects.get()
    assert response["Location"] == f"/pakete/{package.uuid}/"
    page = documentation.get(response["Location"]).content.decode()
    assert "klinik.xml" in page and "Empfangen" in page and 'data-refresh="3"' in page
    process(str(package.uuid))
    page = documentation.get(response["Location"]).content.decode()
    assert "Angenommen" in page and "data-refresh" not in page


def test_a_package_being_checked_shows_its_progress_and_a_finished_one_its_outcome(documentation, erika, praxis):
    content = xml_for(erika, praxis, [meldung(1, praxis.melder_id)])
    package = Package.objects.get(pk=upload_only(documentation, content).pk)
    Package.objects.filter(pk=package.pk).update(state=PackageState.IN_PRUEFUNG)
    Progress.objects.create(package_uuid=package.uuid, done=451, total=1000, patients=120, updated_at=timezone.now())
    page = documentation.get(f"/pakete/{package.uuid}/").content.decode()
    assert '<progress max="100" value="45" aria-label="Fortschritt der Prüfung">45 %</progress>' in page
    assert "45 % der Datei gelesen, 120 Patienten geprüft" in page

    Progress.objects.filter(package_uuid=package.uuid).update(done=1000)  # all read, outcome not yet committed
    assert "99 % der Datei gelesen" in documentation.get(f"/pakete/{package.uuid}/").content.decode()

    Package.objects.filter(pk=package.pk).update(state=PackageState.ANGENOMMEN)  # a progress left by a dead worker
    assert "Fortschritt" not in documentation.get(f"/pakete/{package.uuid}/").content.decode()


def test_the_package_list_shows_progress_and_updates_itself_while_a_package_is_checked(documentation, erika, praxis):
    content = xml_for(erika, praxis, [meldung(1, praxis.melder_id)])
    package = Package.objects.get(pk=upload_only(documentation, content).pk)
    Package.objects.filter(pk=package.pk).update(state=PackageState.IN_PRUEFUNG)
    Progress.objects.create(package_uuid=package.uuid, done=451, total=1000, patients=120, updated_at=timezone.now())
    page = documentation.get("/pakete/").content.decode()
    assert re.search(r"<td>In Prüfung – 45 %</td>\s*<td>–</td>", page)  # no counts before the outcome
    assert '<table data-refresh="5">' in page and "js/refresh" in page

    process(str(package.uuid))
    page = documentation.get("/pakete/").content.decode()
    assert "<td>Angenommen</td>" in page and "data-refresh" not in page


def upload_only(client, content: bytes) -> Package:
    """Through the upload page, not processed."""
    client.post("/pakete/", {"file": SimpleUploadedFile("klinik.xml", content)})
    return Package.objects.get()


def test_a_file_over_the_limit_is_refused_before_it_is_read(documentation, settings):
    settings.UPLOAD_MAX_BYTES = 2048
    body = b"x" * (2048 + 1024 * 1024 + 1)
    response = documentation.post("/pakete/", {"file": SimpleUploadedFile("gross.xml", body)})
    assert response.status_code == 413
    assert "Die Datei ist größer als 2,0 KB." in response.content.decode()
    assert not Package.objects.exists()


def test_the_report_downloads_as_csv_without_spreadsheet_formulas(documentation, erika, praxis, physician):
    formula = meldung(1, praxis.melder_id, Primaertumor_ICD={"Code": "C61", "Version": "10 2025 GM"})
    formula["@Meldung_ID"] = '=HYPERLINK("http://x")'
    package = upload(xml_for(erika, praxis, [formula]), praxis, physician)
    response = documentation.get(f"/pakete/{package.uuid}/pruefbericht.csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["Art", "Datei", "Zeile", "Spalte", "Element", "Patient_ID", "Meldung_ID", "Regel",
                       "Fehler dieser Art in der Datei", "Meldung", "Originalmeldung"]  # fmt: skip
    assert rows[1][6] == '\'=HYPERLINK("http://x")'  # a leading quote: shown as text, never run


def test_erfassung_cannot_upload(client, colleague, clock):
    log_in(client, colleague)
    assert client.post("/pakete/", {"file": SimpleUploadedFile("a.xml", b"<a/>")}).status_code == 403


def test_another_institution_cannot_see_the_package(client, outsider, praxis, physician, clock):
    package = upload(b"<a/>", praxis, physician)
    log_in(client, outsider)
    assert client.get(f"/pakete/{package.uuid}/").status_code == 404
    assert client.get(f"/pakete/{package.uuid}/pruefbericht.csv").status_code == 404
    with connection.cursor() as cursor:
        cursor.execute("SELECT problems FROM uploads_package WHERE id = %s", [package.pk])
        assert "Fehler" not in cursor.fetchone()[0]  # the report is encrypted


def test_an_element_path_may_wrap_after_each_slash_and_stays_text():
    assert path_breaks("/oBDS/<b>") == "/<wbr>oBDS/<wbr>&lt;b&gt;"


def receive_many(count: int, institution, user) -> list[Package]:
    """``count`` small packages, oldest first (not processed)."""
    return [
        do_receive_package(
            SimpleUploadedFile(f"p{number:03}.xml", b"<x%d/>" % number), institution=institution, acting_user=user
        )
        for number in range(count)
    ]


def test_the_list_reads_the_progress_of_all_packages_in_check_at_once(documentation, praxis, physician, clock):
    packages = receive_many(3, praxis, physician)
    Package.objects.update(state=PackageState.IN_PRUEFUNG)
    for done, package in zip((10, 20), packages, strict=False):  # the third has not reported yet
        Progress.objects.create(package_uuid=package.uuid, done=done, total=100, patients=1, updated_at=timezone.now())
    with CaptureQueriesContext(connection) as queries:
        page = documentation.get("/pakete/").content.decode()
    assert sum('FROM "uploads_progress"' in query["sql"] for query in queries) == 1
    assert "In Prüfung – 10 %" in page and "In Prüfung – 20 %" in page and page.count("In Prüfung</td>") == 1


def test_every_package_of_the_institution_can_be_found_page_by_page(documentation, praxis, physician, clock):
    receive_many(51, praxis, physician)
    with CaptureQueriesContext(connection) as queries:
        first = documentation.get("/pakete/").content.decode()
    assert sum('FROM "uploads_package"' in query["sql"] for query in queries) == 2  # the count, then the page's rows
    assert len(re.findall(r'href="/pakete/[0-9a-f-]{36}/"', first)) == 50
    assert "p050.xml" in first and "p000.xml" not in first
    assert "Seite 1 von 2 (51 Pakete)" in first and 'href="?seite=2" rel="next"' in first
    second = documentation.get("/pakete/?seite=2").content.decode()
    assert "p000.xml" in second and "p001.xml" not in second and 'href="?seite=1" rel="prev"' in second
    for wrong in ("999", "abc", "-1", "2%00"):  # out of range or no number: the nearest page, not an error
        assert documentation.get(f"/pakete/?seite={wrong}").status_code == 200


def test_a_long_list_of_packages_can_show_one_status(documentation, praxis, physician, clock):
    assert 'name="state"' not in documentation.get("/pakete/").content.decode()  # nothing to filter yet
    packages = receive_many(51, praxis, physician)
    Package.objects.filter(pk=packages[3].pk).update(state=PackageState.TEILWEISE)
    page = documentation.get("/pakete/").content.decode()
    assert 'name="state"' in page and "Seite 1 von 2 (51 Pakete)" in page
    page = documentation.get("/pakete/", {"state": "teilweise"}).content.decode()
    assert "p003.xml" in page and "p004.xml" not in page and 'name="state"' in page  # the filter stays to undo it
    page = documentation.get("/pakete/", {"state": "abgelehnt"}).content.decode()
    assert "Keine Pakete mit diesem Status." in page
    wrong = documentation.get("/pakete/", {"state": "<b>"})
    assert wrong.status_code == 200 and "Bitte eine gültige Auswahl treffen." in wrong.content.decode()


def test_the_vertrauensstelle_pages_through_a_filter(client, clerk, praxis, physician, clock):
    receive_many(52, praxis, physician)
    Package.objects.update(state=PackageState.WARTET)
    log_in(client, clerk)
    page = client.get("/vertrauensstelle/pakete/?state=wartet").content.decode()
    assert "Seite 1 von 2 (52 Pakete)" in page and 'href="?state=wartet&amp;seite=2"' in page
    page = client.get("/vertrauensstelle/pakete/?state=wartet&seite=2").content.decode()
    assert "p000.xml" in page and "p001.xml" in page and "p002.xml" not in page


def test_the_vertrauensstelle_finds_the_packages_of_one_institution(client, clerk, praxis, outsider, physician, clock):
    ours = receive_many(2, praxis, physician)
    do_receive_package(SimpleUploadedFile("markt.xml", b"<a/>"), institution=outsider.institution, acting_user=outsider)
    Package.objects.filter(pk=ours[0].pk).update(state=PackageState.WARTET)
    log_in(client, clerk)
    for named in ("beispiel", " M0001 ", "0001"):  # a part of the name or of the Melder-ID, any case
        page = client.get("/vertrauensstelle/pakete/", {"institution": named}).content.decode()
        assert "p000.xml" in page and "p001.xml" in page and "markt.xml" not in page
    page = client.get("/vertrauensstelle/pakete/", {"institution": "Markt", "state": "wartet"}).content.decode()
    assert "Keine Pakete." in page
    page = client.get("/vertrauensstelle/pakete/", {"institution": "Beispiel", "state": "wartet"}).content.decode()
    assert "p000.xml" in page and "p001.xml" not in page
    wrong = client.get("/vertrauensstelle/pakete/", {"institution": "a\x00b", "state": "gibt-es-nicht"})
    assert wrong.status_code == 200 and "Nullzeichen sind nicht erlaubt." in wrong.content.decode()
    assert "Bitte eine gültige Auswahl treffen." in wrong.content.decode()


def test_a_long_report_comes_in_pages_and_the_csv_holds_it_all(documentation, erika, praxis, physician, clerk):
    package = upload(xml_for(erika, praxis, [meldung(1, praxis.melder_id)]), praxis, physician)
    package.problems = [{"art": "Hinweis", "zeile": line, "meldung": f"Hinweis {line}"} for line in range(1, 502)]
    package.save()
    first = documentation.get(f"/pakete/{package.uuid}/").content.decode()
    assert "Hinweis 500<" in first and "Hinweis 501<" not in first and "Seite 1 von 2 (501 Einträge)" in first
    assert "diese Seite zeigt die Einträge 1 bis 500. Die CSV-Datei enthält alle." in first
    assert "Zum Drucken: Strg+P (Mac: ⌘+P)." in first  # without JavaScript; with it a button appears
    second = documentation.get(f"/pakete/{package.uuid}/?seite=2").content.decode()
    assert "Hinweis 501<" in second and "Hinweis 500<" not in second
    rows = documentation.get(f"/pakete/{package.uuid}/pruefbericht.csv").content.decode().splitlines()
    assert len(rows) == 1 + 501

    documentation.logout()
    log_in(documentation, clerk)
    review = documentation.get(f"/vertrauensstelle/pakete/{package.uuid}/?seite=2").content.decode()
    assert "Hinweis 501<" in review and "Seite 2 von 2 (501 Einträge)" in review


def test_a_report_starts_with_what_occurs_how_often_and_shows_one_kind_on_request(
    documentation, erika, praxis, physician, clerk
):
    package = upload(xml_for(erika, praxis, [meldung(1, praxis.melder_id)]), praxis, physician)
    sides = [{"art": "Hinweis", "zeile": 10 + line, "regel": "SEITE_UNPAARIG", "meldung": f"Seite {line}"}
             for line in range(10)]  # fmt: skip
    ends = [{"art": "Fehler", "zeile": 30 + line, "regel": "ENDE_VOR_BEGINN", "meldung": f"Ende {line}"}
            for line in range(2)]  # fmt: skip
    package.problems = [*sides, *ends, {"art": "Hinweis", "zeile": 50, "meldung": "Duplikat"}]
    package.save()
    page = documentation.get(f"/pakete/{package.uuid}/").content.decode()
    overview = page[page.index("<h3>Übersicht</h3>") : page.index("<h3>Alle Einträge</h3>")]
    rows = re.findall(r"<tr><td>(\w+)</td><td class=\"explanation\">([^<]+)", overview)
    assert rows == [("Fehler", "Ende 0 "), ("Hinweis", "Seite 0 "), ("Hinweis", "Duplikat")]  # Fehler first
    assert 'href="?regel=SEITE_UNPAARIG">Alle 10 zeigen' in overview and "<td>10</td><td>10</td>" in overview
    assert "alle (13)" in page and 'href="?art=fehler"' in page and "nur Fehler (2)" in page
    assert "nur Hinweise (11)" in page

    only_errors = documentation.get(f"/pakete/{package.uuid}/?art=fehler").content.decode()
    listed = only_errors[only_errors.index("<h3>Alle Einträge</h3>") :]
    assert "Ende 1<" in listed and "Seite 0<" not in listed and "Duplikat<" not in listed
    one_rule = documentation.get(f"/pakete/{package.uuid}/?regel=SEITE_UNPAARIG").content.decode()
    listed = one_rule[one_rule.index("<h3>Alle Einträge</h3>") :]
    assert "Seite 9<" in listed and "Ende 0<" not in listed and "nur die Einträge der Regel SEITE_UNPAARIG" in listed
    for wrong in ("art=unsinn", "regel=%3Cscript%3E", "art=fehler&regel=SEITE_UNPAARIG"):
        response = documentation.get(f"/pakete/{package.uuid}/?{wrong}")
        assert response.status_code == 200 and "<script>" not in response.content.decode()
    assert "Keine Einträge dieser Art." in response.content.decode()
    assert len(documentation.get(f"/pakete/{package.uuid}/pruefbericht.csv").content.decode().splitlines()) == 14

    documentation.logout()
    log_in(documentation, clerk)
    review = documentation.get(f"/vertrauensstelle/pakete/{package.uuid}/?art=fehler").content.decode()
    assert "<h3>Übersicht</h3>" in review and "Ende 1<" in review and "Seite 0<" not in review.split("Alle Einträge")[1]


def test_the_overview_of_a_zip_upload_names_the_file_of_the_first_line():
    problems = [{"art": "Hinweis", "regel": "R", "meldung": "m", "zeile": 7, "datei": f"teil{n}.xml"} for n in (2, 1)]
    problems += [{"art": "Hinweis", "meldung": f"einzeln {n}", "zeile": n} for n in range(10)]
    first = overview(problems)[0]
    assert (first.choice, first.count, first.first_file, first.first_line) == ("regel=R", 2, "teil2.xml", 7)


def test_the_overview_counts_one_schema_error_with_different_values_as_one_kind():
    date = ("Element '{http://www.basisdatensatz.de/oBDS/XML}Diagnosedatum': '%s' is not a valid value of the atomic "
            "type '{http://www.basisdatensatz.de/oBDS/XML}Zulaessiger_Datumsbereich_Typ'.")  # fmt: skip
    sex = ("Element '{http://www.basisdatensatz.de/oBDS/XML}Geschlecht': [facet 'enumeration'] The value '%s' is not "
           "an element of the set {'M', 'W', 'D', 'X', 'U'}.")  # fmt: skip
    problems = [{"art": "Fehler", "meldung": f"Datum {day}", "original": date % f"{day:02d}.03.2024", "zeile": day}
                for day in range(1, 9)]  # fmt: skip
    problems += [{"art": "Fehler", "meldung": f"Geschlecht {value}", "original": sex % value, "zeile": 20 + number}
                 for number, value in enumerate("FQ")]  # fmt: skip
    problems.append({"art": "Fehler", "meldung": "Datum", "original": date.replace("Diagnose", "Geburts") % "1.1.60"})
    kinds = overview(problems)
    assert [(kind.example, kind.count, kind.first_line) for kind in kinds] == [
        ("Datum 1", 8, 1),
        ("Geschlecht F", 2, 20),
        ("Datum", 1, 0),  # another element: another kind
    ]


def test_one_kind_of_schema_error_can_be_shown_alone(documentation, erika, praxis, physician, clerk):
    date = ("Element '{http://www.basisdatensatz.de/oBDS/XML}Diagnosedatum': '%s' is not a valid value of the atomic "
            "type '{http://www.basisdatensatz.de/oBDS/XML}Zulaessiger_Datumsbereich_Typ'.")  # fmt: skip
    package = upload(xml_for(erika, praxis, [meldung(1, praxis.melder_id)]), praxis, physician)
    package.problems = [{"art": "Fehler", "meldung": f"Datum {day}", "original": date % f"{day:02d}.03.2024",
                         "zeile": day} for day in range(1, 9)]  # fmt: skip
    package.problems[0][IN_FILE] = 2000  # libxml2 met this kind 2 000 times; the report keeps the first lines
    package.problems += [{"art": "Fehler", "meldung": f"Anderes {line}", "zeile": 100 + line} for line in range(5)]
    package.save()
    page = documentation.get(f"/pakete/{package.uuid}/").content.decode()
    overview = page[page.index("<h3>Übersicht</h3>") : page.index("<h3>Alle Einträge</h3>")]
    link = re.search(r'href="\?(problem=[0-9a-f]+)">([^<]+)</a>', overview)
    assert link
    address, words = link.groups()
    assert words == "Die ersten 8 zeigen" and "<td>2000</td>" in overview
    one_kind = documentation.get(f"/pakete/{package.uuid}/?{address}").content.decode()
    listed = one_kind[one_kind.index("<h3>Alle Einträge</h3>") :]
    assert "Gezeigt werden nur die Einträge dieser Art: Datum 1" in listed
    assert "Datum 8<" in listed and "Anderes 0<" not in listed
    unknown = documentation.get(f"/pakete/{package.uuid}/?problem=%3Cscript%3E").content.decode()
    assert "Keine Einträge dieser Art." in unknown and "<script>" not in unknown

    documentation.logout()
    log_in(documentation, clerk)
    review = documentation.get(f"/vertrauensstelle/pakete/{package.uuid}/?{address}").content.decode()
    listed = review[review.index("<h3>Alle Einträge</h3>") :]
    assert "Datum 8<" in listed and "Anderes 0<" not in listed


def test_a_short_report_or_one_without_repeats_has_no_overview(documentation, erika, praxis, physician):
    package = upload(xml_for(erika, praxis, [meldung(1, praxis.melder_id)]), praxis, physician)
    package.problems = [{"art": "Hinweis", "zeile": line, "meldung": f"Hinweis {line}"} for line in range(1, 30)]
    package.save()
    assert "Übersicht" not in documentation.get(f"/pakete/{package.uuid}/").content.decode()
    package.problems = [{"art": "Hinweis", "zeile": line, "regel": "R", "meldung": "Gleich"} for line in range(1, 11)]
    package.save()
    assert "Übersicht" not in documentation.get(f"/pakete/{package.uuid}/").content.decode()
