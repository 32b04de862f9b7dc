"""WebUpload, second part: accepted Meldungen become reports; Testphase and Freigabe; schema versions; retention."""

from __future__ import annotations

import csv
import datetime
import io
import re
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from apps.core.models import AuditEvent
from apps.institutions.models import UploadStatus
from apps.obds import alongside
from apps.patients.actions import do_update_patient
from apps.patients.models import Patient
from apps.reports.actions import IMPLIED_MELDEANLASS
from apps.reports.export import package_xml
from apps.reports.models import Report, Tumor
from apps.uploads import processing
from apps.uploads.actions import do_receive_package
from apps.uploads.entries import PatientEntry
from apps.uploads.importing import store
from apps.uploads.models import Package, PackageState
from apps.uploads.processing import process
from apps.uploads.reading import ReadElement, ReadPatient
from tests.personas import log_in
from tests.uploads.packages import (
    kvnr,
    package_bytes,
    patient,
    upload,
    with_findings_in_second_patient,
    write_follow_up,
    write_package,
)
from tests.uploads.test_uploads import meldung, xml_for

pytestmark = pytest.mark.django_db
OBDS = Path(settings.OBDS_SCHEMA_DIR).parent


def test_accepted_meldungen_are_stored_as_reports_of_the_matched_patient(erika, praxis, physician, client, clock):
    package = upload(xml_for(erika, praxis, [meldung(1, praxis.melder_id), meldung(2, praxis.melder_id)]), praxis,
                     physician)  # fmt: skip
    assert package.state == PackageState.ANGENOMMEN
    assert "stammdaten_aktualisiert" not in package.counts  # the package carries the Stammdaten as entered online
    reports = Report.objects.filter(package=package).order_by("meldung_id")
    assert [report.meldung_id for report in reports] == ["KH-1", "KH-2"]
    assert {report.patient_id for report in reports} == {erika.pk}
    assert reports[0].tumor == reports[1].tumor and reports[0].tumor.tumor_id == "1"
    assert reports[0].data["Tumorzuordnung"]["Primaertumor_ICD"]["Code"] == "C50.4"
    with connection.cursor() as cursor:
        cursor.execute("SELECT data::text FROM reports_report WHERE package_id = %s", [package.pk])
        assert all("C50.4" not in row[0] for row in cursor.fetchall())
    log_in(client, physician)
    page = client.get(f"/patienten/{erika.uuid}/").content.decode()
    assert "KH-1" in page and "KH-2" in page


def test_a_known_tumour_id_is_the_same_tumour_in_a_later_package(erika, praxis, physician, clock):
    upload(xml_for(erika, praxis, [meldung(1, praxis.melder_id)]), praxis, physician)
    upload(xml_for(erika, praxis, [meldung(2, praxis.melder_id)]), praxis, physician)
    upload(xml_for(erika, praxis, [meldung(3, praxis.melder_id, **{"@Tumor_ID": "T-7"})]), praxis, physician)
    assert sorted(Tumor.objects.filter(patient=erika).values_list("number", "tumor_id")) == [(1, "1"), (2, "T-7")]
    assert Report.objects.filter(patient=erika).count() == 3


def test_a_known_tumour_is_written_again_only_where_a_package_changes_its_tumorzuordnung(
    erika, praxis, physician, clock
):
    """Every report of a tumour repeats its Tumorzuordnung, and a follow-up package mostly repeats the stored one:
    then the tumour's row stays as it is (no new row version per report or package)."""
    upload(xml_for(erika, praxis, [meldung(1, praxis.melder_id)]), praxis, physician)

    def tumour_updates(meldungen: list[dict[str, Any]]) -> list[str]:
        with CaptureQueriesContext(connection) as queries:
            assert upload(xml_for(erika, praxis, meldungen), praxis, physician).state == PackageState.ANGENOMMEN
        return [query["sql"] for query in queries if query["sql"].startswith('UPDATE "reports_tumor"')]

    assert tumour_updates([meldung(2, praxis.melder_id), meldung(3, praxis.melder_id)]) == []
    assert len(tumour_updates([meldung(4, praxis.melder_id, Seitenlokalisation="R")])) == 1
    tumour = Tumor.objects.get(patient=erika)
    assert tumour.zuordnung["Seitenlokalisation"] == "R"
    assert tumour.zuordnung == Report.objects.get(meldung_id="KH-4").data["Tumorzuordnung"]


def test_an_unknown_patient_is_created_from_the_stammdaten(praxis, physician, clock):
    content = package_bytes(praxis, [patient(1, praxis.melder_id, ["Diagnose", "OP"])])
    package = upload(content, praxis, physician)
    assert package.state == PackageState.ANGENOMMEN, package.problems
    created = Patient.objects.get(institution=praxis, patient_id="UP0000001")
    assert (created.nachname, created.vornamen, created.geschlecht) == ("Müller", "Erika", "W")
    assert created.geburtsdatum == datetime.date(1930, 1, 2) and created.insurance_number.startswith("B")
    assert created.adresse == {"strasse": "Heidestraße", "hausnummer": "17", "land": "DE", "plz": "51147",
                               "ort": "Köln"}  # fmt: skip
    assert Report.objects.filter(patient=created).count() == 2


def test_a_follow_up_package_adds_to_the_known_patients_and_tumours(praxis, physician, clock):
    first, later = io.BytesIO(), io.BytesIO()
    patients, meldungen = write_package(first, praxis, 100 * 1024)
    follow_ups = write_follow_up(later, praxis, patients)
    assert upload(first.getvalue(), praxis, physician).state == PackageState.ANGENOMMEN
    package = upload(later.getvalue(), praxis, physician)
    assert package.state == PackageState.ANGENOMMEN, package.problems[:3]
    assert package.counts["angenommen"] == follow_ups == patients * 6
    assert package.counts["stammdaten_aktualisiert"] == patients  # each with a new address
    assert {patient.adresse["strasse"] for patient in Patient.objects.filter(institution=praxis)} == {"Rheinstraße"}
    assert (
        Patient.objects.filter(institution=praxis).count() == Tumor.objects.filter(patient__institution=praxis).count()
    )
    assert Patient.objects.filter(institution=praxis).count() == patients
    assert Report.objects.filter(institution=praxis).count() == meldungen + follow_ups


def test_the_log_says_how_long_a_package_took_and_nothing_of_its_content(praxis, physician, clock, caplog):
    content = package_bytes(praxis, [patient(1, praxis.melder_id, ["Diagnose", "OP"])])
    with caplog.at_level("INFO", logger="apps.uploads.processing"):
        package = upload(content, praxis, physician)
    [line] = [record.getMessage() for record in caplog.records if record.name == "apps.uploads.processing"]
    assert re.fullmatch(rf"Paket {package.uuid}: angenommen nach [0-9]+\.[0-9]{{3}} s", line)
    caplog.clear()
    with caplog.at_level("INFO", logger="apps.uploads.processing"):
        process(str(package.uuid))  # finished: nothing to do, nothing logged
    assert not caplog.records


def test_a_known_patient_id_with_another_birth_date_is_refused(praxis, physician, clock):
    """Reports must never land on another person because a documentation system reused a Patient_ID."""
    upload(package_bytes(praxis, [patient(1, praxis.melder_id, ["Diagnose"])]), praxis, physician)
    other = package_bytes(praxis, [patient(1, praxis.melder_id, ["OP"])]).replace(b"1930-01-02", b"1931-05-06")
    package = upload(other, praxis, physician)
    assert package.state == PackageState.ABGELEHNT
    assert package.problems[0]["meldung"] == (
        "Die Patient_ID UP0000001 gehört in Ihrer Einrichtung zu einer Person mit anderem Geburtsdatum. "
        "Bitte prüfen Sie die Patient_ID."
    )
    assert Report.objects.filter(patient__patient_id="UP0000001").count() == 1


def test_a_tod_is_checked_against_the_reports_stored_before(praxis, physician, clock):
    """As in the online entry: the first Tod after a stored Diagnose is taken, a second Tod is refused."""
    upload(package_bytes(praxis, [patient(1, praxis.melder_id, ["Diagnose"])]), praxis, physician)
    first = upload(package_bytes(praxis, [patient(1, praxis.melder_id, ["Tod"])]), praxis, physician)
    assert first.state == PackageState.ANGENOMMEN, first.problems
    again = package_bytes(praxis, [patient(1, praxis.melder_id, ["Tod"])]).replace(b"UP0000001-Tod", b"UP0000001-T2")
    second = upload(again, praxis, physician)
    assert second.state == PackageState.ABGELEHNT
    assert [(item["regel"], item["meldung_id"]) for item in second.problems] == [("TOD_NUR_EINMAL", "UP0000001-T2")]
    assert Report.objects.filter(report_type="Tod").count() == 1
    resent = package_bytes(praxis, [patient(1, praxis.melder_id, ["Tod"])]).replace(b"Meldedatum>", b"Meldedatum >", 1)
    duplicate = upload(resent, praxis, physician)  # the same Tod once more: a duplicate, and only that
    assert [item["meldung"] for item in duplicate.problems] == ["Diese Meldung_ID wurde bereits gesendet (Duplikat)."]


def test_new_patients_cost_no_lookup_of_stored_tumours_or_reports(praxis, physician, clock):
    """Only a patient stored before can have stored tumours, or stored reports a Tod is checked against: a package
    of new patients (with every report type, Tod included) does not ask for them; the same patients again do."""
    entries = [patient(number, praxis.melder_id) for number in range(3)]
    with CaptureQueriesContext(connection) as first:
        assert upload(package_bytes(praxis, entries), praxis, physician).state == PackageState.ANGENOMMEN
    resent = package_bytes(praxis, entries).replace(b'Meldung_ID="UP', b'Meldung_ID="N-UP')
    with CaptureQueriesContext(connection) as again:
        upload(resent, praxis, physician)

    def lookups(queries: CaptureQueriesContext) -> list[str]:
        return [
            query["sql"] for query in queries if re.match(r'SELECT .* FROM "reports_(tumor|report)" ', query["sql"])
        ]

    assert lookups(first) == []
    assert len(lookups(again)) == 2  # the tumours of the batch's patients, and the reports their Tod is checked with


def test_a_rejected_meldung_is_not_stored_and_the_others_are(erika, praxis, physician, clock):
    bad = meldung(2, praxis.melder_id, Primaertumor_ICD={"Code": "C61", "Version": "10 2025 GM"})
    package = upload(xml_for(erika, praxis, [meldung(1, praxis.melder_id), bad]), praxis, physician)
    assert package.state == PackageState.TEILWEISE
    assert list(Report.objects.filter(package=package).values_list("meldung_id", flat=True)) == ["KH-1"]


def test_a_schema_error_after_stored_patients_imports_nothing(praxis, physician, clock, monkeypatch):
    monkeypatch.setattr(processing, "BATCH", 1)  # each patient is stored as soon as it is read
    stored = []

    def counting_store(package, batch, stored_before):
        store(package, batch, stored_before)
        stored.append(len(batch))

    monkeypatch.setattr(processing, "store", counting_store)
    # ~1.3 MB: the error in the last patient lies well beyond what libxml2 reads ahead of the elements handed over
    content = package_bytes(praxis, [patient(number, praxis.melder_id) for number in range(40)])
    broken = content.replace(b'Patient_ID="UP0000039"', b'Patient_ID=""')
    package = upload(broken, praxis, physician)
    assert len(stored) >= 20  # patients were written before the error came
    assert package.state == PackageState.ABGELEHNT
    assert package.problems[0]["zeile"] > 1
    assert not Report.objects.exists() and not Patient.objects.exists()


def test_a_package_that_keeps_killing_its_worker_is_refused_after_three_attempts(erika, praxis, physician, clock):
    package = do_receive_package(
        SimpleUploadedFile("p.xml", xml_for(erika, praxis, [meldung(1, praxis.melder_id)])),
        institution=praxis,
        acting_user=physician,
    )
    Package.objects.filter(pk=package.pk).update(state=PackageState.IN_PRUEFUNG, attempts=3)
    process(str(package.uuid))
    package.refresh_from_db()
    assert package.state == PackageState.ABGELEHNT and package.attempts == 4
    assert package.problems[0]["meldung"] == processing.GAVE_UP and not Report.objects.exists()


def test_a_young_registrys_first_package_finds_each_reports_tumour_by_its_key(praxis, physician, clock):
    """PostgreSQL checks each stored report's tumour with a plan it keeps for the connection. Made while the tumour
    table is all but empty, that plan read the whole table for every report: a package took time growing with
    the square of its size (in a test process, the 100 MB benchmark package after the empty tumour table had been
    vacuumed: PostgreSQL's CPU 2.8–3.2 s instead of 1.5–1.6 s)."""
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE reports_tumor")  # statistics of an empty table, as autovacuum leaves them
        cursor.execute("DISCARD PLANS")  # as on the worker's next connection
    patients = 60
    package = upload(package_bytes(praxis, [patient(number, praxis.melder_id) for number in range(patients)]),
                     praxis, physician)  # fmt: skip
    assert package.state == PackageState.ANGENOMMEN and Tumor.objects.count() == patients
    with connection.cursor() as cursor:
        cursor.execute("SELECT seq_tup_read FROM pg_stat_xact_user_tables WHERE relname = 'reports_tumor'")
        [(rows_read,)] = cursor.fetchall()
    assert rows_read < patients  # not the tumours stored so far for each of the 480 reports


def test_the_check_for_meldung_ids_sent_before_looks_up_each_id_not_every_report_sent(praxis, physician, clock):
    """The check looks up each Meldung_ID of a batch in the institution's index; it used to read every report the
    institution had sent, for every batch of every package, and compare it with the batch's IDs."""
    earlier = 60
    first = upload(package_bytes(praxis, [patient(number, praxis.melder_id) for number in range(earlier)]),
                   praxis, physician)  # fmt: skip
    assert first.state == PackageState.ANGENOMMEN and Report.objects.count() == earlier * 8
    before = _reports_read()
    later = upload(package_bytes(praxis, [patient(number, praxis.melder_id) for number in range(earlier, earlier + 2)]),
                   praxis, physician)  # fmt: skip
    assert later.state == PackageState.ANGENOMMEN
    assert _reports_read() - before < 16  # not the 480 reports sent before
    again = upload(package_bytes(praxis, [patient(0, praxis.melder_id)]), praxis, physician)
    assert again.state == PackageState.ABGELEHNT and again.counts["abgelehnt"] == 8
    assert {item["meldung"] for item in again.problems} == {"Diese Meldung_ID wurde bereits gesendet (Duplikat)."}


def _reports_read() -> int:
    """The rows of the report table read, by any scan (see ``_report_statistic``)."""
    return _report_statistic("seq_tup_read + coalesce(idx_tup_fetch, 0)")


def test_the_findings_are_the_same_where_the_schema_checks_child_ran_the_rules(praxis, physician, clock, monkeypatch):
    """While the worker lags behind, the child that reads the file runs the rules of the patients it hands over."""
    content, _ = with_findings_in_second_patient(praxis)
    package = do_receive_package(SimpleUploadedFile("paket.xml", content), institution=praxis, acting_user=physician)
    by_worker = processing.validate(package, importing=False)
    monkeypatch.setattr(processing, "ALONGSIDE_FROM", 0)  # every file read by the child
    monkeypatch.setattr(alongside, "_lagging", lambda end: True)  # and the worker always behind
    checked_in_child = []
    take = processing.Scan.take

    def recording(scan: processing.Scan, element: ReadElement) -> None:
        if isinstance(element.value, ReadPatient):
            checked_in_child.append(element.value.findings is not None)
        take(scan, element)

    monkeypatch.setattr(processing.Scan, "take", recording)
    by_child = processing.validate(package, importing=False)
    assert checked_in_child == [True, True]
    assert (by_child.state, by_child.counts, by_child.problems) == (by_worker.state, by_worker.counts,
                                                                    by_worker.problems)  # fmt: skip
    assert by_child.state == PackageState.TEILWEISE
    assert {item.get("regel") for item in by_child.problems} >= {"KVNR_PRUEFZIFFER", "GESCHLECHT_MAENNLICHE_ORGANE"}


def test_where_the_child_ran_the_rules_the_worker_stores_the_meldungen_without_parsing_them(
    praxis, physician, clock, monkeypatch
):
    monkeypatch.setattr(processing, "ALONGSIDE_FROM", 0)  # every file read by the child
    monkeypatch.setattr(alongside, "_lagging", lambda end: True)  # and the worker always behind
    parsed: list[bool] = []

    def storing(package: Package, batch: list[PatientEntry], stored: dict[str, Patient]) -> None:
        parsed.extend(meldung.parsed is not None for entry in batch for meldung in entry.meldungen)
        store(package, batch, stored)

    monkeypatch.setattr(processing, "store", storing)
    package = upload(package_bytes(praxis, [patient(number, praxis.melder_id) for number in range(3)]), praxis,
                     physician)  # fmt: skip
    assert package.state == PackageState.ANGENOMMEN and parsed == [False] * 24
    for report in Report.objects.select_related("tumor"):  # what came along instead is what the Meldung says
        content = report.data[report.report_type]
        assert report.meldeanlass == content.get("Meldeanlass", IMPLIED_MELDEANLASS.get(report.report_type))
        assert report.tumor.tumor_id == report.data["Tumorzuordnung"]["@Tumor_ID"]
        assert report.tumor.zuordnung == report.data["Tumorzuordnung"]
        assert report.meldung_id == report.data["@Meldung_ID"]


def test_a_meldung_id_sent_before_is_flagged_and_not_stored_twice(erika, praxis, physician, clock):
    upload(xml_for(erika, praxis, [meldung(1, praxis.melder_id)]), praxis, physician)
    again = upload(xml_for(erika, praxis, [meldung(1, praxis.melder_id), meldung(5, praxis.melder_id)]), praxis,
                   physician)  # fmt: skip
    assert again.state == PackageState.TEILWEISE
    duplicate = next(item for item in again.problems if item["meldung_id"] == "KH-1")
    assert duplicate["meldung"] == "Diese Meldung_ID wurde bereits gesendet (Duplikat)."
    assert Report.objects.filter(meldung_id="KH-1").count() == 1


def test_the_same_person_under_another_patient_id_is_refused(erika, praxis, physician, clock):
    content = xml_for(erika, praxis, [meldung(1, praxis.melder_id)]).replace(
        f'Patient_ID="{erika.patient_id}"'.encode(), b'Patient_ID="ANDERS1"'
    )
    package = upload(content, praxis, physician)
    assert package.state == PackageState.ABGELEHNT
    assert f"gehört in Ihrer Einrichtung zu Patient_ID {erika.patient_id}" in package.problems[-1]["meldung"]
    assert not Patient.objects.filter(patient_id="ANDERS1").exists()


@pytest.fixture
def testing(praxis):
    praxis.upload_status = UploadStatus.TESTPHASE
    praxis.declared_types = ["Diagnose", "OP"]
    praxis.save()
    return praxis


def test_a_test_package_too_small_is_refused_with_the_rule(testing, physician, client, clock):
    package = upload(package_bytes(testing, [patient(1, testing.melder_id, ["Diagnose"])]), testing, physician)
    assert package.state == PackageState.ABGELEHNT
    messages = [item["meldung"] for item in package.problems[:2]]
    assert messages[0] == (
        "Ein Testpaket braucht mindestens 10 Meldungen von mindestens 5 Patienten; dieses enthält 1 Meldungen von "
        "1 Patienten."
    )
    assert messages[1] == "Das Testpaket soll jede angekündigte Meldungsart enthalten. Es fehlen: Operation."
    assert package.counts["angenommen"] == 1 and not Report.objects.exists()  # without Fehler, yet not taken over
    log_in(client, physician)
    page = client.get(f"/pakete/{package.uuid}/").content.decode()
    assert "<dt>Meldungen ohne Fehler</dt><dd>1 – nicht übernommen (Testpaket)</dd>" in page
    assert "Meldungen angenommen" not in page.split("<h2>Prüfbericht</h2>")[0]
    assert "<td>keine – Testpaket</td>" in client.get("/pakete/").content.decode()


def test_a_test_package_waits_for_the_vertrauensstelle_who_grants_freigabe(
    testing, physician, clerk, client, clock, django_capture_on_commit_callbacks
):
    clerk.email = "vst@krebsregister.example"
    clerk.save()
    patients = [patient(number, testing.melder_id, ["Diagnose", "OP"]) for number in range(5)]
    with django_capture_on_commit_callbacks(execute=True):
        package = upload(package_bytes(testing, patients), testing, physician)
    assert package.state == PackageState.WARTET and package.test_package
    assert not Report.objects.exists()
    assert [message.to for message in mail.outbox] == [["vst@krebsregister.example"]]
    assert f"/vertrauensstelle/pakete/{package.uuid}/" in mail.outbox[0].body
    assert "Müller" not in mail.outbox[0].body and "UP000" not in mail.outbox[0].body

    log_in(client, clerk)
    waiting = client.get("/vertrauensstelle/pakete/?state=wartet").content.decode()
    assert package.filename in waiting and "<td>keine – Testpaket</td>" in waiting
    page = client.get(f"/vertrauensstelle/pakete/{package.uuid}/").content.decode()
    assert "<dt>Meldungen ohne Fehler</dt><dd>10 – werden mit der Freigabe übernommen</dd>" in page
    original = client.get(f"/vertrauensstelle/pakete/{package.uuid}/original/")
    assert b"".join(original.streaming_content) == package_bytes(testing, patients)
    assert AuditEvent.objects.filter(action="package.original_downloaded", actor=clerk).count() == 1
    physician.email = "doku@praxis.example"
    physician.save()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/vertrauensstelle/pakete/{package.uuid}/", {"action": "freigeben"})
    assert response.status_code == 302
    told = mail.outbox[-1]
    assert told.to == ["doku@praxis.example"] and told.subject == "Ihr Testpaket wurde freigegeben"
    assert f"/pakete/{package.uuid}/" in told.body and "ohne Prüfung durch die Vertrauensstelle" in told.body
    assert package.filename not in told.body and "Müller" not in told.body
    process(str(package.uuid))  # the worker picks the package up again
    package.refresh_from_db()
    testing.refresh_from_db()
    assert testing.upload_status == UploadStatus.FREIGEGEBEN
    assert package.state == PackageState.ANGENOMMEN and Report.objects.filter(package=package).count() == 10
    assert (
        "<dt>Meldungen angenommen</dt><dd>10</dd>"
        in client.get(f"/vertrauensstelle/pakete/{package.uuid}/").content.decode()
    )


def protokoll(page: str) -> list[list[str]]:
    """The rows of the package page's audit table, as text."""
    table = page[page.index("Protokoll zu diesem Paket</caption>") :].split("</table>")[0]
    rows = re.findall(r"<tr><td>(.*?)</td></tr>", table)
    return [row.split("</td><td>") for row in rows]


def test_the_vertrauensstelle_reads_a_package_s_audit_trail_in_german(testing, physician, clerk, client, clock):
    patients = [patient(number, testing.melder_id, ["Diagnose", "OP"]) for number in range(5)]
    package = upload(package_bytes(testing, patients), testing, physician)
    log_in(client, clerk)
    client.get(f"/vertrauensstelle/pakete/{package.uuid}/original/")
    client.post(f"/vertrauensstelle/pakete/{package.uuid}/", {"action": "freigeben"})
    process(str(package.uuid))
    page = client.get(f"/vertrauensstelle/pakete/{package.uuid}/").content.decode()
    assert [row[1:] for row in protokoll(page)] == [  # newest first: who, what, the outcome
        ["System (Paketprüfung)", "Paket geprüft", "Angenommen"],
        ["v.stelle", "Freigabe erteilt", ""],
        ["v.stelle", "Original heruntergeladen", ""],
        ["System (Paketprüfung)", "Paket geprüft", "Wartet auf Freigabe"],
        ["a.aerztin", "Paket hochgeladen", ""],
    ]
    assert protokoll(page)[0][0] == "23.11.2026 10:00:00"  # the registry's time (09:00 UTC)
    own = Client()
    log_in(own, physician)  # the institution's own page names no registry staff
    own_page = own.get(f"/pakete/{package.uuid}/")
    assert own_page.status_code == 200 and "Protokoll zu diesem Paket" not in own_page.content.decode()


def test_a_long_audit_trail_shows_its_newest_50_events(praxis, physician, clerk, client, clock):
    package = upload(package_bytes(praxis, [patient(1, praxis.melder_id)]), praxis, physician)
    log_in(client, clerk)
    for _ in range(50):
        client.get(f"/vertrauensstelle/pakete/{package.uuid}/original/")
    page = client.get(f"/vertrauensstelle/pakete/{package.uuid}/").content.decode()
    rows = protokoll(page)
    assert len(rows) == 50 and rows[-1][2] == "Original heruntergeladen"  # the upload and the check are older
    assert "Die neuesten 50 Einträge." in page
    assert AuditEvent.objects.filter(target_uuid=package.uuid).count() == 52


def test_a_test_package_waits_even_when_the_mail_server_is_down(
    testing, physician, clerk, clock, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2  # nothing listens there
    clerk.email = "vst@krebsregister.example"
    clerk.save()
    patients = [patient(number, testing.melder_id, ["Diagnose", "OP"]) for number in range(5)]
    with django_capture_on_commit_callbacks(execute=True):
        package = upload(package_bytes(testing, patients), testing, physician)
    assert package.state == PackageState.WARTET
    event = AuditEvent.objects.get(action="package.notification_failed")
    assert event.details == {"fehler": "ConnectionRefusedError"}


def test_a_returned_test_package_shows_the_correction_requests(
    testing, physician, clerk, client, clock, django_capture_on_commit_callbacks
):
    physician.email = "doku@praxis.example"
    physician.save()
    patients = [patient(number, testing.melder_id, ["Diagnose", "OP"]) for number in range(5)]
    package = upload(package_bytes(testing, patients), testing, physician)
    log_in(client, clerk)
    empty = client.post(f"/vertrauensstelle/pakete/{package.uuid}/", {"action": "zurueckgeben", "note": ""})
    assert empty.status_code == 400 and "Bitte schreiben Sie" in empty.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/vertrauensstelle/pakete/{package.uuid}/", {"action": "zurueckgeben", "note": "Bitte <b>OPS</b>"})
    package.refresh_from_db()
    assert package.state == PackageState.ZURUECKGEGEBEN and not Report.objects.exists()
    [told] = mail.outbox
    assert told.to == ["doku@praxis.example"] and told.subject == "Ihr Testpaket wurde zurückgegeben"
    assert f"/pakete/{package.uuid}/" in told.body and "OPS" not in told.body  # the requests stay behind the login
    clock.shift(datetime.timedelta(seconds=31))
    client.logout()
    log_in(client, physician)
    page = client.get(f"/pakete/{package.uuid}/").content.decode()
    assert "Korrekturwünsche der Vertrauensstelle" in page and "Bitte &lt;b&gt;OPS&lt;/b&gt;" in page


def test_a_decision_stands_when_the_mail_to_the_uploader_fails(
    testing, physician, clerk, client, clock, settings, django_capture_on_commit_callbacks
):
    patients = [patient(number, testing.melder_id, ["Diagnose", "OP"]) for number in range(5)]
    package = upload(package_bytes(testing, patients), testing, physician)
    physician.email = "doku@praxis.example"
    physician.save()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2  # nothing listens there
    log_in(client, clerk)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/vertrauensstelle/pakete/{package.uuid}/", {"action": "zurueckgeben", "note": "OPS"})
    assert response.status_code == 302
    package.refresh_from_db()
    assert package.state == PackageState.ZURUECKGEGEBEN
    event = AuditEvent.objects.get(action="package.notification_failed")
    assert (event.actor_label, event.details) == ("system:portal", {"fehler": "ConnectionRefusedError"})


def test_an_institution_not_enabled_cannot_upload(praxis, physician, client, clock):
    praxis.upload_status = UploadStatus.NICHT_FREIGESCHALTET
    praxis.save()
    log_in(client, physician)
    page = client.get("/pakete/").content.decode()
    assert "noch nicht freigeschaltet" in page and 'type="file"' not in page
    assert client.post("/pakete/", {}).status_code == 403


def test_the_vertrauensstelle_sets_the_upload_status(praxis, clerk, client, clock):
    log_in(client, clerk)
    response = client.post(
        f"/vertrauensstelle/einrichtungen/{praxis.uuid}/",
        {"upload_status": "testphase", "declared_types": ["Diagnose", "ST"]},
    )
    assert response.status_code == 302
    praxis.refresh_from_db()
    assert (praxis.upload_status, praxis.declared_types) == ("testphase", ["Diagnose", "ST"])


def test_a_schema_version_the_registry_no_longer_takes_is_refused(praxis, physician, clock, settings):
    with (OBDS / "samples" / "expected.csv").open() as handle:
        adt = next(row["file"] for row in csv.DictReader(handle) if row["valid"] == "true" and "ADT" in row["file"])
    settings.ACCEPTED_SCHEMA_VERSIONS = "oBDS 3.0.*; ADT/GEKID 2.2.* bis 2026-06-30"
    package = upload((OBDS / adt).read_bytes(), praxis, physician)
    assert package.state == PackageState.ABGELEHNT
    assert (
        "nicht (mehr) an. Angenommen werden: oBDS 3.0.*, ADT/GEKID 2.2.* bis 30.06.2026."
        in (package.problems[0]["meldung"])
    )


def test_shredding_removes_old_originals_and_keeps_report_and_meldungen(erika, praxis, physician, clerk, client,
                                                                        clock):  # fmt: skip
    package = upload(xml_for(erika, praxis, [meldung(1, praxis.melder_id)]), praxis, physician)
    clock.shift(datetime.timedelta(days=settings.PACKAGE_RETENTION_DAYS - 1))
    call_command("shred_packages")
    package.stored_file.refresh_from_db()
    assert package.stored_file.data_key is not None
    clock.shift(datetime.timedelta(days=2))
    call_command("shred_packages")
    package = Package.objects.select_related("stored_file").get(pk=package.pk)
    assert package.stored_file.data_key is None
    assert not Path(settings.ENCRYPTED_FILES_DIR, package.stored_file.storage_name).exists()
    assert package.counts["angenommen"] == 1 and Report.objects.filter(package=package).count() == 1
    log_in(client, clerk)
    gone = client.get(f"/vertrauensstelle/pakete/{package.uuid}/original/")
    assert gone.status_code == 410 and "unwiderruflich gelöscht" in gone.content.decode()


def test_newer_stammdaten_of_a_known_patient_replace_the_stored_ones(praxis, physician, client, clock):
    """A hospital's newest package carries the patient's current address and name; the audit names fields only."""
    upload(package_bytes(praxis, [patient(1, praxis.melder_id, ["Diagnose"])]), praxis, physician)
    moved = package_bytes(praxis, [patient(1, praxis.melder_id, ["OP"])]).replace(b"Heidestra", b"Rheinstra")
    package = upload(moved.replace(b"<Nachname>M\xc3\xbcller<", b"<Nachname>Schulz<"), praxis, physician)
    assert package.state == PackageState.ANGENOMMEN, package.problems
    assert package.counts["stammdaten_aktualisiert"] == 1
    stored = Patient.objects.get(institution=praxis, patient_id="UP0000001")
    assert (stored.nachname, stored.adresse["strasse"]) == ("Schulz", "Rheinstraße")
    assert Patient.objects.filter(institution=praxis, name_index__in=Patient._meta.get_field("name_index").candidates(
        "Schulz", stored.geburtsdatum)).get() == stored  # the name index follows the new name  # fmt: skip
    event = AuditEvent.objects.get(action="patient.changed")
    assert event.details == {"felder": "adresse, nachname", "paket": str(package.uuid)}
    assert event.actor_label == "system:worker"
    log_in(client, physician)
    assert "Stammdaten aktualisiert" in client.get(f"/pakete/{package.uuid}/").content.decode()


def test_stammdaten_of_an_older_package_do_not_replace_newer_ones(praxis, physician, client, clock):
    """A hospital re-sends an old export (or one comes late): its Meldungen count, its old address must not."""
    upload(package_bytes(praxis, [patient(1, praxis.melder_id, ["Diagnose"])]), praxis, physician)
    old = package_bytes(praxis, [patient(1, praxis.melder_id, ["OP"])], meldedatum=datetime.date(2026, 10, 1))
    package = upload(old.replace(b"Heidestra", b"Rheinstra"), praxis, physician)
    assert package.state == PackageState.ANGENOMMEN, package.problems
    assert package.counts["stammdaten_aelter"] == 1 and package.counts["hinweise"] == 1
    assert "stammdaten_aktualisiert" not in package.counts
    assert [(problem["art"], problem["patient_id"], problem["meldung_id"], problem["meldung"]) for problem in
            package.problems] == [("Hinweis", "UP0000001", "UP0000001-OP", "Die Stammdaten von Patient_ID UP0000001 "
        "wurden nicht übernommen: Das Paket (Meldedatum 01.10.2026) ist älter als die gespeicherten Stammdaten (Stand "
        "23.11.2026). Die Meldungen sind davon nicht betroffen.")]  # fmt: skip
    stored = Patient.objects.get(institution=praxis, patient_id="UP0000001")
    assert (stored.adresse["strasse"], stored.stammdaten_stand) == ("Heidestraße", datetime.date(2026, 11, 23))
    assert Report.objects.filter(patient=stored).count() == 2
    assert not AuditEvent.objects.filter(action="patient.changed").exists()
    log_in(client, physician)
    assert (
        "Stammdaten nicht übernommen (älter als gespeichert)" in client.get(f"/pakete/{package.uuid}/").content.decode()
    )
    assert "Stand der Stammdaten</dt><dd>23.11.2026" in client.get(f"/patienten/{stored.uuid}/").content.decode()


def test_the_same_stammdaten_in_a_later_package_are_as_of_its_date(praxis, physician, clock):
    """Confirmed by a later package, the stored Stammdaten are as new as it: a package dated in between, coming
    last, does not bring its older address in."""
    first = package_bytes(praxis, [patient(1, praxis.melder_id, ["Diagnose"])], meldedatum=datetime.date(2026, 9, 1))
    upload(first, praxis, physician)
    upload(package_bytes(praxis, [patient(1, praxis.melder_id, ["OP"])], meldedatum=datetime.date(2026, 11, 2)),
           praxis, physician)  # fmt: skip
    assert Patient.objects.get(patient_id="UP0000001").stammdaten_stand == datetime.date(2026, 11, 2)
    between = package_bytes(praxis, [patient(1, praxis.melder_id, ["ST"])], meldedatum=datetime.date(2026, 10, 1))
    package = upload(between.replace(b"Heidestra", b"Rheinstra"), praxis, physician)
    assert package.counts["stammdaten_aelter"] == 1
    assert Patient.objects.get(patient_id="UP0000001").adresse["strasse"] == "Heidestraße"
    newer = package_bytes(praxis, [patient(1, praxis.melder_id, ["SYST"])], meldedatum=datetime.date(2026, 11, 20))
    assert upload(newer.replace(b"Heidestra", b"Rheinstra"), praxis, physician).counts["stammdaten_aktualisiert"] == 1
    stored = Patient.objects.get(patient_id="UP0000001")
    assert (stored.adresse["strasse"], stored.stammdaten_stand) == ("Rheinstraße", datetime.date(2026, 11, 20))


def test_an_online_change_is_newer_than_a_package_dated_before_it(clock, erika, praxis, physician):
    assert erika.stammdaten_stand == datetime.date(2026, 11, 23)  # entered online today
    erika.adresse = {**erika.adresse, "ort": "Bonn"}  # only in the package, not saved
    content = package_xml(erika, [meldung(1, praxis.melder_id)], praxis, datetime.date(2026, 11, 20))
    package = upload(content, praxis, physician)
    assert package.state == PackageState.ANGENOMMEN and package.counts["stammdaten_aelter"] == 1
    erika.refresh_from_db()
    assert erika.adresse["ort"] == "Köln"
    clock.shift(datetime.timedelta(days=3))
    do_update_patient(erika, acting_user=physician, nachname="Musterfrau")
    erika.refresh_from_db()
    assert erika.stammdaten_stand == datetime.date(2026, 11, 26)
    assert AuditEvent.objects.get(action="patient.changed").details == {"felder": "nachname"}


def test_an_older_package_with_another_patients_insurance_number_is_refused_all_the_same(praxis, physician, clock):
    """Its Stammdaten would not be taken anyway, but the number of another person (same birth date) says the
    Patient_ID may be the wrong one: its Meldungen must not land on this patient."""
    first, second = patient(1, praxis.melder_id, ["Diagnose"]), patient(2, praxis.melder_id, ["Diagnose"])
    second.stammdaten["Geburtsdatum"] = first.stammdaten["Geburtsdatum"]
    upload(package_bytes(praxis, [first, second]), praxis, physician)
    again = patient(1, praxis.melder_id, ["OP"])
    again.stammdaten["Versichertendaten_GKV"] = second.stammdaten["Versichertendaten_GKV"]
    package = upload(package_bytes(praxis, [again], meldedatum=datetime.date(2026, 10, 1)), praxis, physician)
    assert package.state == PackageState.ABGELEHNT
    assert [problem["meldung"] for problem in package.problems] == [
        "Die neue Versichertennummer von Patient_ID UP0000001 gehört in Ihrer Einrichtung zu Patient_ID UP0000002. "
        "Bitte prüfen Sie die Stammdaten."
    ]


def test_a_number_in_older_stammdaten_that_are_not_taken_stays_free_for_another_patient(praxis, physician, clock):
    """Twins (same birth date) both sent with a new number: the first one's Stammdaten are older than stored and
    are not taken, so the second one, whose are newer, takes the number."""
    first, second = patient(1, praxis.melder_id, ["Diagnose"]), patient(2, praxis.melder_id, ["Diagnose"])
    second.stammdaten["Geburtsdatum"] = first.stammdaten["Geburtsdatum"]
    upload(package_bytes(praxis, [first, second], meldedatum=datetime.date(2026, 10, 1)), praxis, physician)
    confirmed = patient(1, praxis.melder_id, ["OP"])
    confirmed.stammdaten["Geburtsdatum"] = first.stammdaten["Geburtsdatum"]
    upload(package_bytes(praxis, [confirmed], meldedatum=datetime.date(2026, 11, 20)), praxis, physician)
    new_number = patient(3, praxis.melder_id).stammdaten["Versichertendaten_GKV"]
    both = [patient(1, praxis.melder_id, ["ST"]), patient(2, praxis.melder_id, ["ST"])]
    for sent in both:
        sent.stammdaten["Geburtsdatum"] = first.stammdaten["Geburtsdatum"]
        sent.stammdaten["Versichertendaten_GKV"] = new_number
    package = upload(package_bytes(praxis, both, meldedatum=datetime.date(2026, 11, 1)), praxis, physician)
    assert package.state == PackageState.ANGENOMMEN, package.problems
    assert (package.counts["stammdaten_aelter"], package.counts["stammdaten_aktualisiert"]) == (1, 1)
    numbers = {stored.patient_id: stored.insurance_number for stored in Patient.objects.all()}
    assert numbers["UP0000002"] == new_number["GKV_Versichertennummer"] != numbers["UP0000001"]


def test_a_package_dated_ahead_counts_as_of_today(praxis, physician, clock):
    """A wrong Meldedatum in the future must not keep the Stammdaten of every later package out."""
    ahead = package_bytes(praxis, [patient(1, praxis.melder_id, ["Diagnose"])], meldedatum=datetime.date(2027, 6, 1))
    assert upload(ahead, praxis, physician).state == PackageState.ANGENOMMEN
    assert Patient.objects.get(patient_id="UP0000001").stammdaten_stand == datetime.date(2026, 11, 23)


def test_the_same_stammdaten_again_change_nothing(praxis, physician, clock):
    upload(package_bytes(praxis, [patient(1, praxis.melder_id, ["Diagnose"])]), praxis, physician)
    package = upload(package_bytes(praxis, [patient(1, praxis.melder_id, ["OP"])]), praxis, physician)
    assert package.state == PackageState.ANGENOMMEN
    assert "stammdaten_aktualisiert" not in package.counts
    assert not AuditEvent.objects.filter(action="patient.changed").exists()


def test_a_new_insurance_number_of_another_patient_is_refused_and_changes_nothing(praxis, physician, clock):
    """Twins (same birth date): the first one's new number is the second one's, so it cannot be the same person."""
    first, second = patient(1, praxis.melder_id, ["Diagnose"]), patient(2, praxis.melder_id, ["Diagnose"])
    second.stammdaten["Geburtsdatum"] = first.stammdaten["Geburtsdatum"]
    upload(package_bytes(praxis, [first, second]), praxis, physician)
    again = patient(1, praxis.melder_id, ["OP"])
    again.stammdaten["Versichertendaten_GKV"] = second.stammdaten["Versichertendaten_GKV"]
    again.stammdaten["Adresse"]["Ort"] = "Bonn"
    package = upload(package_bytes(praxis, [again]), praxis, physician)
    assert package.state == PackageState.ABGELEHNT
    assert package.problems[0]["meldung"] == (
        "Die neue Versichertennummer von Patient_ID UP0000001 gehört in Ihrer Einrichtung zu Patient_ID UP0000002. "
        "Bitte prüfen Sie die Stammdaten."
    )
    stored = Patient.objects.get(institution=praxis, patient_id="UP0000001")
    assert (stored.insurance_number, stored.adresse["ort"]) == (first.stammdaten["Versichertendaten_GKV"][
        "GKV_Versichertennummer"], "Köln")  # fmt: skip
    assert not AuditEvent.objects.filter(action="patient.changed").exists()


def test_new_stammdaten_of_many_patients_cost_no_statement_per_patient(praxis, physician, clock):
    """A hospital that re-sends all its patients with new addresses (a new system, say) must not wait for one
    save per patient."""
    upload(package_bytes(praxis, [patient(number, praxis.melder_id, ["Diagnose"]) for number in range(5)]), praxis,
           physician)  # fmt: skip

    def moving(kind: str, patients: int, town: str) -> bytes:
        entries = [patient(number, praxis.melder_id, [kind]) for number in range(5)]
        for entry in entries[:patients]:
            entry.stammdaten["Adresse"]["Ort"] = town
        return package_bytes(praxis, entries)

    with CaptureQueriesContext(connection) as one:
        assert upload(moving("OP", 1, "Bonn"), praxis, physician).counts["stammdaten_aktualisiert"] == 1
    with CaptureQueriesContext(connection) as five:
        assert upload(moving("ST", 5, "Kassel"), praxis, physician).counts["stammdaten_aktualisiert"] == 5
    assert len(five) == len(one)
    assert {patient.adresse["ort"] for patient in Patient.objects.filter(institution=praxis)} == {"Kassel"}
    assert AuditEvent.objects.filter(action="patient.changed").count() == 6


def test_new_insurance_numbers_of_many_patients_cost_no_query_per_patient(praxis, physician, clock):
    """Who else holds a new number is looked up for the whole batch at once (an insurer's merger renumbers many)."""
    upload(package_bytes(praxis, [patient(number, praxis.melder_id, ["Diagnose"]) for number in range(5)]), praxis,
           physician)  # fmt: skip
    taken = patient(4, praxis.melder_id).stammdaten["Versichertendaten_GKV"]

    def renumbered(kind: str, patients: int, first_number: int) -> bytes:
        entries = [patient(number, praxis.melder_id, [kind]) for number in range(5)]
        for offset, entry in enumerate(entries[:patients]):
            entry.stammdaten["Versichertendaten_GKV"] = {"IKNR": "101575519", "GKV_Versichertennummer": kvnr(
                first_number + offset)}  # fmt: skip
        return package_bytes(praxis, entries)

    with CaptureQueriesContext(connection) as one:
        assert upload(renumbered("OP", 1, 100), praxis, physician).counts["stammdaten_aktualisiert"] == 1
    with CaptureQueriesContext(connection) as four:
        assert upload(renumbered("ST", 4, 200), praxis, physician).counts["stammdaten_aktualisiert"] == 4
    assert len(four) == len(one)
    numbers = {stored.patient_id: stored.insurance_number for stored in Patient.objects.filter(institution=praxis)}
    assert [numbers[f"UP{number:07d}"] for number in range(4)] == [kvnr(200 + offset) for offset in range(4)]
    assert numbers["UP0000004"] == taken["GKV_Versichertennummer"]


def test_two_known_patients_taking_the_same_new_insurance_number_refuse_the_second(praxis, physician, clock):
    """Twins (same birth date) whose next package gives both one new number nobody holds yet: the first takes it,
    the second is refused, as if the first had held it before."""
    first, second = patient(1, praxis.melder_id, ["Diagnose"]), patient(2, praxis.melder_id, ["Diagnose"])
    second.stammdaten["Geburtsdatum"] = first.stammdaten["Geburtsdatum"]
    upload(package_bytes(praxis, [first, second]), praxis, physician)
    new_number = {"IKNR": "101575519", "GKV_Versichertennummer": kvnr(9)}
    again = [patient(1, praxis.melder_id, ["OP"]), patient(2, praxis.melder_id, ["OP"])]
    for entry in again:
        entry.stammdaten.update(Geburtsdatum=first.stammdaten["Geburtsdatum"], Versichertendaten_GKV=new_number)
    package = upload(package_bytes(praxis, again), praxis, physician)
    assert package.state == PackageState.TEILWEISE, package.problems
    assert [(problem["patient_id"], problem["meldung"]) for problem in package.problems] == [
        ("UP0000002", "Die neue Versichertennummer von Patient_ID UP0000002 gehört in Ihrer Einrichtung zu Patient_ID "
                      "UP0000001. Bitte prüfen Sie die Stammdaten.")]  # fmt: skip
    assert Patient.objects.get(patient_id="UP0000001").insurance_number == kvnr(9)
    assert Patient.objects.get(patient_id="UP0000002").insurance_number == second.stammdaten["Versichertendaten_GKV"][
        "GKV_Versichertennummer"]  # fmt: skip
    assert AuditEvent.objects.filter(action="patient.changed").count() == 1


def test_an_update_keeps_the_patient_id_as_the_hospital_writes_it(praxis, physician, clock):
    """The online form writes Patient_IDs in capitals; an upload's own ids must stay as they are, or the next
    package would no longer find its patient."""
    first = package_bytes(praxis, [patient(1, praxis.melder_id, ["Diagnose"])]).replace(b"UP0000001", b"up0000001")
    upload(first, praxis, physician)
    moved = package_bytes(praxis, [patient(1, praxis.melder_id, ["OP"])]).replace(b"UP0000001", b"up0000001")
    package = upload(moved.replace(b"Heidestra", b"Rheinstra"), praxis, physician)
    assert package.state == PackageState.ANGENOMMEN, package.problems
    assert package.counts["stammdaten_aktualisiert"] == 1
    assert Patient.objects.get(institution=praxis).patient_id == "up0000001"


def test_a_package_whose_meldungen_name_another_institutions_melder_stores_nothing_while_it_is_read(
    praxis, physician, outsider_praxis, clock
):
    """Such a package is refused as a whole once its Melder list, at the file's end, names the other institution's
    Melder; so from the first Meldung that names it, nothing more is stored (and then rolled back)."""
    patients = [patient(0, outsider_praxis.melder_id), *(patient(number, praxis.melder_id) for number in range(1, 60))]
    stored_before = _reports_inserted()
    refused = upload(package_bytes(praxis, patients, others=(outsider_praxis,)), praxis, physician)
    assert refused.state == PackageState.ABGELEHNT and refused.counts["abgelehnt"] == 60 * 8
    messages = {item["meldung"] for item in refused.problems}
    assert "Der Melder „M0002“ gehört nicht zu Ihrer Einrichtung." in messages
    assert _reports_inserted() - stored_before == 0  # before: the first batch of 50 patients, then rolled back
    assert not Report.objects.exists()


def _reports_inserted() -> int:
    """The rows written into the report table, kept or rolled back (see ``_report_statistic``)."""
    return _report_statistic("n_tup_ins")


def _report_statistic(expression: str) -> int:
    """PostgreSQL's count of the report table for this test's transaction, and for those before it whose counts it
    has not yet added to its statistics: so only the difference of two readings tells."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {expression} FROM pg_stat_xact_user_tables WHERE relname = 'reports_report'")  # noqa: S608
        [(rows,)] = cursor.fetchall()
    return int(rows)
