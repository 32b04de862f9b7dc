"""The start page leads each user to their work and says where it stands: counts and states, no patient data."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.institutions.models import UploadStatus
from apps.reports.actions import do_start_draft
from apps.uploads.actions import do_receive_package
from apps.uploads.models import Package, PackageState
from tests.personas import log_in
from tests.uploads.packages import package_bytes, patient, upload

pytestmark = pytest.mark.django_db


def start_page(client, user) -> str:
    log_in(client, user)
    response = client.get("/")
    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"]  # what it shows is the user's own
    return str(response.content.decode())


def test_a_reporter_sees_drafts_and_the_latest_package(client, physician, praxis, erika, clock):
    do_start_draft(patient=erika, tumor=None, report_type="Diagnose", acting_user=physician)
    package = upload(package_bytes(praxis, [patient(1, praxis.melder_id, ["Diagnose"])]), praxis, physician)
    page = start_page(client, physician)
    assert 'href="/patienten/"' in page and "oBDS-Dateien hochladen" in page
    assert "1 angefangene Meldung Ihrer Einrichtung." in page
    assert f'Zuletzt: <a href="/pakete/{package.uuid}/">paket.xml</a>' in page
    assert "– Angenommen" in page
    assert "Mustermann" not in page and "Erika" not in page


def test_a_reporter_sees_packages_being_checked_and_the_upload_status(client, physician, praxis, clock):
    praxis.upload_status = UploadStatus.TESTPHASE
    praxis.save()
    for number in range(2):
        content = package_bytes(praxis, [patient(number, praxis.melder_id, ["Diagnose"])])
        do_receive_package(SimpleUploadedFile(f"p{number}.xml", content), institution=praxis, acting_user=physician)
    page = start_page(client, physician)
    assert "2 Pakete werden gerade geprüft." in page
    assert "Testphase: Ihr nächstes Paket prüft die Vertrauensstelle." in page
    assert "Keine angefangenen Meldungen." in page


def test_a_colleague_who_may_not_upload_is_not_invited_to(client, colleague):
    page = start_page(client, colleague)
    assert "Die Pakete Ihrer Einrichtung und ihre Prüfberichte." in page and "hochladen" not in page


def test_a_reporter_not_enabled_for_uploads_is_told_so(client, physician, praxis, clock):
    praxis.upload_status = UploadStatus.NICHT_FREIGESCHALTET
    praxis.save()
    assert "Ihre Einrichtung ist für den WebUpload noch nicht freigeschaltet." in start_page(client, physician)


def test_another_institutions_work_is_not_counted(client, physician, praxis, erika, outsider, clock):
    do_start_draft(patient=erika, tumor=None, report_type="Diagnose", acting_user=physician)
    upload(package_bytes(praxis, [patient(1, praxis.melder_id, ["Diagnose"])]), praxis, physician)
    page = start_page(client, outsider)
    assert "Keine angefangenen Meldungen." in page and "Zuletzt" not in page


def test_the_vertrauensstelle_sees_test_packages_waiting_for_it(client, clerk, physician, praxis, clock):
    praxis.upload_status = UploadStatus.TESTPHASE
    praxis.save()
    patients = [patient(number, praxis.melder_id, ["Diagnose", "OP"]) for number in range(5)]
    assert upload(package_bytes(praxis, patients), praxis, physician).state == PackageState.WARTET
    page = start_page(client, clerk)
    assert '<a href="/vertrauensstelle/pakete/?state=wartet">Pakete</a>' in page
    assert "1 Testpaket wartet auf Ihre Prüfung." in page

    Package.objects.update(state=PackageState.ANGENOMMEN)
    client.logout()
    clock.shift(datetime.timedelta(seconds=30))  # a new code for the second login
    page = start_page(client, clerk)
    assert "Kein Testpaket wartet auf Ihre Prüfung." in page and "?state=wartet" not in page
