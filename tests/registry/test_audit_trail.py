"""The Vertrauensstelle's Protokoll: the whole audit trail, filtered, paged and downloadable, in German."""

import csv
import datetime
import html
import io
import re

import pytest
from django.test import Client

from apps.core.audit import record_event
from apps.core.models import AuditEvent
from apps.registry.audit_labels import event_facts
from tests.personas import log_in
from tests.uploads.packages import package_bytes, patient, upload

pytestmark = pytest.mark.django_db

PAGE = "/vertrauensstelle/protokoll/"
CSV = "/vertrauensstelle/protokoll/protokoll.csv"


@pytest.fixture
def desk(client, clerk, clock):
    log_in(client, clerk)
    return client


def table(response) -> list[list[str]]:
    """The rows of the Protokoll table, as text (links reduced to their text)."""
    assert response.status_code == 200, response.content[:500]
    body = response.content.decode()
    body = body[body.index("Protokoll, neueste Einträge zuerst</caption>") :].split("</table>")[0]
    rows = re.findall(r"<tr><td[^>]*>(.*?)</td></tr>", body, flags=re.S)
    cells = [re.split(r"</td>\s*<td>", row) for row in rows]
    return [[html.unescape(re.sub(r"<[^>]+>", "", cell)).strip() for cell in row] for row in cells]


def unlock(desk: Client, user, reason: str):
    return desk.post(f"/vertrauensstelle/benutzer/{user.uuid}/unlock/", {"reason": reason})


def test_the_vertrauensstelle_reads_who_did_what_to_what_from_where(desk, clerk, physician, clock):
    clock.shift(datetime.timedelta(minutes=5))
    unlock(desk, physician, "Rückruf, Identität geprüft")
    response = desk.get(PAGE)
    rows = table(response)
    assert rows[0] == [
        "23.11.2026 10:05:00",  # the registry's time (09:05 UTC)
        "v.stelle",
        "Zugang entsperrt",
        "Benutzer a.aerztin",
        "Grund: Rückruf, Identität geprüft",
        "127.0.0.1",
    ]
    assert rows[1][1:4] == ["v.stelle", "Angemeldet", "–"]  # the clerk's own login, five minutes before
    assert f'href="/vertrauensstelle/benutzer/{physician.uuid}/"' in response.content.decode()  # the target
    assert f'<td><a href="/vertrauensstelle/benutzer/{clerk.uuid}/">v.stelle</a></td>' in response.content.decode()


def test_a_package_is_linked_and_a_patient_is_named_by_kind_only(desk, praxis, physician, erika):
    package = upload(package_bytes(praxis, [patient(1, praxis.melder_id)]), praxis, physician, name="klinik.xml")
    response = desk.get(PAGE)
    rows = table(response)
    page = response.content.decode()
    assert ["System (Paketprüfung)", "Paket geprüft", "Paket klinik.xml"] in [row[1:4] for row in rows]
    assert f'href="/vertrauensstelle/pakete/{package.uuid}/"' in page
    created = [row for row in rows if row[2] == "Patient angelegt"]
    assert created and all(row[3] == "Patient" for row in created)
    assert "Mustermann" not in page and "Erika" not in page  # the Protokoll holds no patient data


def test_the_filter_chooses_a_period_a_person_and_an_action(client, clerk, physician, colleague, clock):
    for day, user in ((1, physician), (2, colleague), (3, physician)):
        clock.move_to(datetime.datetime(2026, 12, day, 22, 30, tzinfo=datetime.UTC))  # 23:30 in Germany
        record_event("user.unlocked", actor=clerk, target=user, details={"grund": f"Tag {day}"})
    desk = client
    log_in(desk, clerk)
    chosen = table(desk.get(PAGE, {"von": "01.12.2026", "bis": "2026-12-02", "wer": "", "was": "user.unlocked"}))
    assert [row[4] for row in chosen] == ["Grund: Tag 2", "Grund: Tag 1"]
    assert [row[0][:10] for row in chosen] == [
        "02.12.2026",
        "01.12.2026",
    ]  # the days as the registry counts them, typed either way
    by_person = table(desk.get(PAGE, {"wer": "STELLE", "was": "user.unlocked", "bis": "03.12.2026"}))
    assert [row[3] for row in by_person] == ["Benutzer a.aerztin", "Benutzer k.kollege", "Benutzer a.aerztin"]
    assert table(desk.get(PAGE, {"wer": "a.aerztin"})) == [["Keine Einträge zu diesem Filter."]]
    logins = table(desk.get(PAGE, {"was": "login.succeeded"}))
    assert [row[1:3] for row in logins] == [["v.stelle", "Angemeldet"]]


def test_the_pages_keep_the_filter(desk, clerk):
    for number in range(60):
        record_event("user.unlocked", actor=clerk, target=clerk, details={"grund": f"Nr. {number}"})
    first = desk.get(PAGE, {"was": "user.unlocked"})
    assert len(table(first)) == 50 and "Seite 1 von 2 (60 Einträge)" in first.content.decode()
    assert 'href="?was=user.unlocked&amp;seite=2"' in first.content.decode()
    second = table(desk.get(PAGE, {"was": "user.unlocked", "seite": "2"}))
    assert [row[4] for row in second] == [f"Grund: Nr. {number}" for number in range(9, -1, -1)]


def test_the_page_reads_its_targets_with_a_few_queries(desk, clerk, praxis, physician, django_assert_max_num_queries):
    package = upload(package_bytes(praxis, [patient(1, praxis.melder_id)]), praxis, physician)
    for number in range(20):
        record_event("user.unlocked", actor=clerk, target=physician, details={"grund": str(number)})
        record_event("package.original_downloaded", actor=clerk, target=package)
        record_event("institution.upload_status", actor=clerk, target=praxis, details={"status": "testphase"})
    with django_assert_max_num_queries(11):  # 11: one per kind of target and one for the actors, never one per row
        rows = table(desk.get(PAGE))
    assert {row[3] for row in rows} == {"Benutzer a.aerztin", "Paket paket.xml", "Einrichtung Praxis Dr. Beispiel"}


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ({"von": "31.02.2026"}, "von", "31.02.2026"),
        ({"von": "gestern"}, "von", ""),
        ({"von": "03.12.2026", "bis": "01.12.2026"}, "bis", "Das Ende des Zeitraums liegt vor seinem Anfang."),
        ({"was": "<script>alert(1)</script>"}, "was", "Bitte wählen Sie einen Eintrag der Liste."),
        ({"wer": "x" * 151}, "wer", ""),
    ],
)
def test_a_wrong_filter_is_named_at_its_field(desk, query, field, message):
    response = desk.get(PAGE, query)
    page = response.content.decode()
    assert response.status_code == 200
    assert f'id="id_{field}_error"' in page and message in html.unescape(page)
    assert "Bitte prüfen Sie Ihre Eingaben" in page and "<script>alert(1)</script>" not in page
    assert "als CSV herunterladen" not in page  # no download of every event for a filter that went wrong
    refused = desk.get(CSV, query)
    assert refused.status_code == 400 and f'id="id_{field}_error"' in refused.content.decode()
    assert not AuditEvent.objects.filter(action="audit.exported").exists()


def test_the_download_holds_the_chosen_events_as_a_spreadsheet_reads_them(desk, clerk, physician, clock):
    unlock(desk, physician, '=HYPERLINK("http://example.org")')
    clock.shift(datetime.timedelta(minutes=1))
    response = desk.get(CSV, {"wer": "stelle", "was": "user.unlocked"})
    assert response.status_code == 200 and response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="Protokoll-2026-11-23.csv"'
    text = b"".join(response.streaming_content).decode()
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff")), delimiter=";"))
    assert rows == [
        ["Zeitpunkt", "Wer", "Was", "Betrifft", "Angaben", "IP-Adresse"],
        ["23.11.2026 10:00:00", "v.stelle", "Zugang entsperrt", "Benutzer a.aerztin",
         'Grund: =HYPERLINK("http://example.org")', "127.0.0.1"],
    ]  # fmt: skip
    exported = AuditEvent.objects.get(action="audit.exported")
    assert exported.actor == clerk and exported.details == {"wer": "stelle", "was": "user.unlocked"}
    assert table(desk.get(PAGE, {"was": "audit.exported"}))[0][2:] == [
        "Protokoll heruntergeladen", "–", "Wer: stelle; Was: Zugang entsperrt", "127.0.0.1"
    ]  # fmt: skip


def test_a_cell_that_starts_like_a_formula_is_neutralised(desk, clerk):
    record_event("user.unlocked", actor=None, actor_label="=cmd|' /C calc'!A0", details={})
    text = b"".join(desk.get(CSV, {"was": "user.unlocked"}).streaming_content).decode()
    assert "'=cmd|' /C calc'!A0" in text


def test_only_the_vertrauensstelle_reads_the_protokoll(client, physician, clock):
    assert client.get(PAGE)["Location"].startswith("/anmelden/")
    log_in(client, physician)
    assert client.get(PAGE).status_code == 403
    assert client.get(CSV).status_code == 403
    assert not AuditEvent.objects.filter(action="audit.exported").exists()


def test_every_fact_of_an_event_shows_in_german():
    processed = AuditEvent(
        action="package.processed", details={"status": "teilweise", "art_Diagnose": 3, "abgelehnt": 1, "neu": 2}
    )
    assert (
        event_facts(processed) == "Status: Teilweise angenommen; Meldungen Diagnose: 3; Meldungen abgelehnt: 1; neu: 2"
    )
    received = AuditEvent(action="package.received", details={"bytes": 2048, "duplikat": False})
    assert event_facts(received) == "Bytes: 2048; Doppelt hochgeladen: nein"
    assert event_facts(AuditEvent(action="logout", details={})) == ""


def test_a_user_s_and_a_package_s_page_lead_to_all_their_events(desk, clerk, praxis, physician, clock):
    package = upload(package_bytes(praxis, [patient(1, praxis.melder_id)]), praxis, physician, name="klinik.xml")
    for _ in range(50):
        desk.get(f"/vertrauensstelle/pakete/{package.uuid}/original/")
    link = f'href="/vertrauensstelle/protokoll/?betrifft={package.uuid}"'
    assert link in desk.get(f"/vertrauensstelle/pakete/{package.uuid}/").content.decode()
    response = desk.get(PAGE, {"betrifft": str(package.uuid)})
    assert "Nur Einträge zu <a" in response.content.decode() and "Paket klinik.xml</a>." in response.content.decode()
    assert "Seite 1 von 2 (52 Einträge)" in response.content.decode()
    assert {row[3] for row in table(response)} == {"Paket klinik.xml"}
    user_page = desk.get(f"/vertrauensstelle/benutzer/{physician.uuid}/").content.decode()
    assert f'href="/vertrauensstelle/protokoll/?betrifft={physician.uuid}"' in user_page
    assert f'href="/vertrauensstelle/protokoll/?von_benutzer={physician.uuid}"' in user_page
    done = desk.get(PAGE, {"von_benutzer": str(physician.uuid)})
    assert "Nur was <a" in done.content.decode() and "Benutzer a.aerztin</a> getan hat." in done.content.decode()
    assert [row[1:4] for row in table(done)] == [["a.aerztin", "Paket hochgeladen", "Paket klinik.xml"]]
    broken = desk.get(PAGE, {"betrifft": "kein-uuid"})  # a link cut short when it was copied
    assert broken.status_code == 200 and "Dieser Link ist unvollständig." in broken.content.decode()
