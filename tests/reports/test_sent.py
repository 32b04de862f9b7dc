"""The list of an institution's sent Meldungen: online-entered and uploaded together, filtered, paged, as CSV."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from apps.reports.actions import do_send_draft, do_start_correction
from apps.reports.models import Report
from apps.reports.sent import SentFilter, sent_reports
from tests.personas import log_in
from tests.reports.examples import DIAGNOSE, draft_with
from tests.uploads.packages import package_bytes, patient, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def doctor(client: Client, physician, clock) -> Client:
    log_in(client, physician)
    return client


@pytest.fixture
def online(erika, physician, clock) -> Report:
    """A Diagnose entered online, sent the day before (22.11.2026, 10:00 in Germany)."""
    clock.shift(-datetime.timedelta(days=1))
    report = do_send_draft(draft_with(erika, physician, DIAGNOSE).uuid, acting_user=physician)
    clock.shift(datetime.timedelta(days=1))
    return report


@pytest.fixture
def uploaded(online, praxis, physician) -> list[Report]:
    """The reports of a package, sent today (23.11.2026): three patients with one Meldung of every type each."""
    content = package_bytes(praxis, [patient(number, praxis.melder_id) for number in range(3)])
    package = upload(content, praxis, physician, name="klinik.xml")
    return list(Report.objects.filter(package=package))


def rows(html: str) -> list[str]:
    return html.split("<tbody>")[1].split("</tbody>")[0].split("<tr>")[1:] if "<tbody>" in html else []


def test_online_and_uploaded_reports_are_listed_together_newest_first(doctor, online, uploaded):
    html = doctor.get("/meldungen/").content.decode()
    shown = rows(html)
    assert len(shown) == 1 + len(uploaded)
    assert "Paket <a href=" in shown[0] and "klinik.xml" in shown[0]
    assert online.meldung_id in shown[-1] and "online, " in shown[-1] and "Mustermann, Erika" in shown[-1]
    assert "03.02.2025" in shown[-1]  # the date of the diagnosis, read from the encrypted report
    assert "<td>Diagnose</td>" in shown[-1]  # not „Diagnose (diagnose)“: the Meldeanlass adds nothing here
    assert "<td>Operation (Behandlungsende)</td>" in html
    assert f'href="/meldungen/{online.uuid}/"' in shown[-1]


def test_another_institution_sees_none_of_them(client, outsider, online, clock):
    log_in(client, outsider)
    html = client.get("/meldungen/").content.decode()
    assert "Noch keine Meldungen gesendet." in html and online.meldung_id not in html
    csv = b"".join(client.get("/meldungen/meldungen.csv").streaming_content).decode()
    assert online.meldung_id not in csv
    html = client.get("/meldungen/", {"suche": online.meldung_id}).content.decode()
    assert "Keine Meldungen für diese Auswahl." in html


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"weg": "online"}, "online"),
        ({"weg": "paket"}, "uploaded"),
        ({"von": "23.11.2026"}, "uploaded"),
        ({"bis": "22.11.2026"}, "online"),
        ({"von": "22.11.2026", "bis": "22.11.2026"}, "online"),
        ({"von": "2026-11-24"}, "none"),
    ],
)
def test_the_list_is_filtered_by_period_and_way(doctor, online, uploaded, query, expected):
    html = doctor.get("/meldungen/", query).content.decode()
    wanted = {"online": [online], "uploaded": uploaded, "none": []}[expected]
    assert len(rows(html)) == len(wanted)
    assert all(report.meldung_id in html for report in wanted)
    if not wanted:
        assert "Keine Meldungen für diese Auswahl." in html


def test_the_list_is_filtered_by_report_type(doctor, online, uploaded):
    html = doctor.get("/meldungen/", {"art": "OP"}).content.decode()
    operations = [report for report in uploaded if report.report_type == "OP"]
    assert len(operations) == 3 and len(rows(html)) == 3


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"von": "31.02.2026"}, "Den 31.02.2026 gibt es nicht."),
        ({"von": "24.11.2026", "bis": "23.11.2026"}, "Das Ende des Zeitraums liegt vor seinem Anfang."),
        ({"art": "<script>"}, "Bitte wählen Sie einen Eintrag der Liste."),
        ({"weg": "fax"}, "Bitte wählen Sie einen Eintrag der Liste."),
        ({"suche": "U" * 51}, "Eine ID hat höchstens 50 Zeichen."),
        ({"suche": "UP\x00"}, "Nullzeichen sind nicht erlaubt."),
    ],
)
def test_a_wrong_filter_is_explained_and_the_whole_list_stays(doctor, online, query, message):
    response = doctor.get("/meldungen/", query)
    html = response.content.decode()
    assert response.status_code == 200 and message in html and online.meldung_id in html
    assert "<script>" not in html.split("<main")[1] and "als CSV herunterladen" not in html
    download = doctor.get("/meldungen/meldungen.csv", query)  # no file of every report for a wrong filter
    assert download.status_code == 400 and message in download.content.decode()


def test_a_report_is_found_by_its_id_or_its_patients_id_or_their_start(doctor, online, uploaded):
    html = doctor.get("/meldungen/", {"suche": online.meldung_id}).content.decode()
    assert len(rows(html)) == 1 and online.meldung_id in rows(html)[0]
    html = doctor.get("/meldungen/", {"suche": f" {online.patient.patient_id} "}).content.decode()
    assert len(rows(html)) == 1 and online.meldung_id in html
    html = doctor.get("/meldungen/", {"suche": "up0000001"}).content.decode()  # the start, in any case
    assert len(rows(html)) == 8 and all("(UP0000001)" in row for row in rows(html))
    assert len(rows(doctor.get("/meldungen/", {"suche": "UP"}).content.decode())) == len(uploaded)
    lines = b"".join(doctor.get("/meldungen/meldungen.csv", {"suche": "UP0000002"}).streaming_content).splitlines()
    assert len(lines) == 1 + 8 and all(b";UP0000002;" in line for line in lines[1:])


def test_the_search_can_use_the_indexes_on_both_ids(physician, online, uploaded):
    """At registry scale the list must not read every report of the institution to find one (bench/patients.py)."""
    search = SentFilter({"suche": "UP0000001"})
    assert search.is_valid()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # a few test rows: the planner would read them all anyway
    plan = search.chosen(sent_reports(physician.institution_id)).explain()
    assert "report_meldung_id_search" in plan and "patient_id_search" in plan


@pytest.mark.parametrize("wildcard", ["%", "_", "UP%1", "UP_000001"])
def test_like_wildcards_in_the_search_are_taken_as_they_are(doctor, uploaded, wildcard):
    html = doctor.get("/meldungen/", {"suche": wildcard}).content.decode()
    assert "Keine Meldungen für diese Auswahl." in html


def test_a_corrected_report_says_by_which(doctor, online, physician):
    draft = do_start_correction(online, acting_user=physician)
    correction = do_send_draft(draft.uuid, acting_user=physician)
    html = doctor.get("/meldungen/").content.decode()
    assert f"korrigiert durch {correction.meldung_id}" in html


def test_the_csv_lists_the_chosen_reports_without_names(doctor, online, uploaded):
    response = doctor.get("/meldungen/meldungen.csv", {"weg": "online"})
    assert response["Content-Disposition"] == 'attachment; filename="Meldungen-2026-11-23.csv"'
    lines = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()
    assert lines[0] == "Meldung_ID;Patient_ID;Meldungsart;Meldeanlass;Tumor;Datum;Eingang;Weg;Paket;Status"
    assert len(lines) == 2
    assert lines[1].startswith(f"{online.meldung_id};{online.patient.patient_id};Diagnose;")
    assert ";03.02.2025;22.11.2026 10:00;online;;eingegangen" in lines[1]
    everything = b"".join(doctor.get("/meldungen/meldungen.csv").streaming_content).decode()
    assert len(everything.splitlines()) == 2 + len(uploaded) and "Mustermann" not in everything


def test_a_page_takes_as_many_queries_for_many_reports_as_for_one(doctor, online, uploaded):
    assert len(uploaded) == 24
    with CaptureQueriesContext(connection) as many:
        doctor.get("/meldungen/")
    with CaptureQueriesContext(connection) as one:
        doctor.get("/meldungen/", {"weg": "online"})
    assert len(many) == len(one)


def test_the_csv_takes_as_many_queries_for_many_reports_as_for_one(doctor, online, uploaded, physician):
    do_send_draft(do_start_correction(online, acting_user=physician).uuid, acting_user=physician)  # a status to read

    def download(query: dict[str, str]) -> tuple[int, int]:
        with CaptureQueriesContext(connection) as queries:
            lines = b"".join(doctor.get("/meldungen/meldungen.csv", query).streaming_content).splitlines()
        return len(lines), len(queries)

    (many, many_queries), (one, one_queries) = download({}), download({"weg": "online", "suche": online.meldung_id})
    assert (many, one) == (1 + 2 + len(uploaded), 1 + 1)
    assert many_queries == one_queries


def test_an_uploaded_report_names_its_package(doctor, uploaded):
    report = uploaded[0]
    html = doctor.get(f"/meldungen/{report.uuid}/").content.decode()
    assert f'<a href="/pakete/{report.package.uuid}/">klinik.xml</a> vom 23.11.2026' in html
    assert '<a href="/meldungen/">Alle gesendeten Meldungen</a>' in html
