"""The report pages as a physician uses them: start, steps, check, send, receipt, history, drafts, corrections."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from apps.obds.export import problems
from apps.reports.models import Draft, Report
from tests.personas import log_in

pytestmark = pytest.mark.django_db

TUMOUR = {
    "Tumorzuordnung-Primaertumor_ICD-Code": "C50.4",
    "Tumorzuordnung-Primaertumor_ICD-Version": "10 2025 GM",
    "Tumorzuordnung-Diagnosedatum": "03.02.2025",
    "Tumorzuordnung-Seitenlokalisation": "L",
}
STEPS = {
    "meldung": {"Meldebegruendung": "I", "Eigene_Leistung": "J"},
    "tumor": TUMOUR,
    "diagnose": {"Diagnose-Diagnosesicherung": "7", "Diagnose-Allgemeiner_Leistungszustand": "0",
                 "Diagnose-Primaertumor_Topographie_ICD_O-Code": "C50.4",
                 "Diagnose-Primaertumor_Topographie_ICD_O-Version": "33"},
    "histologie": {"Diagnose-Histologie-Tumor_Histologiedatum": "2025-02-03", "Diagnose-Histologie-Grading": "2",
                   "Diagnose-Histologie-Morphologie_ICD_O-0-Code": "8500/3",
                   "Diagnose-Histologie-Morphologie_ICD_O-0-Version": "33"},
}  # fmt: skip


@pytest.fixture
def doctor(client: Client, physician, clock) -> Client:
    log_in(client, physician)
    return client


def start(client: Client, patient, report_type: str = "Diagnose", tumor: str = "neu") -> str:
    response = client.post(f"/patienten/{patient.uuid}/meldung/", {"tumor": tumor, "report_type": report_type})
    assert response.status_code == 302, response.content.decode()[:2000]
    return response["Location"]


def step(client: Client, location: str, values: dict[str, str], action: str = "weiter"):
    return client.post(location, {**values, "aktion": action})


def fill_diagnose(client: Client, patient) -> str:
    """Walk all steps of a Diagnose report; returns the check page's address."""
    location = start(client, patient)
    while "/pruefen/" not in location:
        slug = location.rstrip("/").rsplit("/", 1)[-1]
        response = step(client, location, STEPS.get(slug, {}))
        assert response.status_code == 302, (
            slug,
            re.findall(r'class="error-message">(.*?)</p>', response.content.decode()),
        )
        location = response["Location"]
    return location


def test_a_physician_enters_and_sends_a_diagnose_and_sees_it_in_the_history(doctor, erika):
    check = fill_diagnose(doctor, erika)
    page = doctor.get(check).content.decode()
    assert "Prüfen und absenden" in page and "C50.4" in page and "Meldung absenden" in page
    response = doctor.post(check)
    assert response.status_code == 302
    report = Report.objects.get()
    assert response["Location"] == f"/meldungen/{report.uuid}/"
    receipt = doctor.get(response["Location"]).content.decode()
    assert "Eingangsbestätigung" in receipt and report.meldung_id in receipt and "Diagnose" in receipt
    history = doctor.get(f"/patienten/{erika.uuid}/").content.decode()
    assert report.meldung_id in history and "03.02.2025" in history and "eingegangen" in history
    assert "Tumor 1: C50.4" in history
    assert problems(doctor.get(f"/meldungen/{report.uuid}/xml/").content) == []


def test_an_address_in_no_listed_country_is_a_hinweis_on_the_check_page_and_does_not_block(doctor, erika):
    erika.adresse = {**(erika.adresse or {}), "land": "XK"}  # as a package may have brought it
    erika.save()
    check = fill_diagnose(doctor, erika)
    page = doctor.get(check).content.decode()
    assert "Den Ländercode XK gibt es in der ISO-Länderliste nicht" in page and "Meldung absenden" in page
    assert doctor.post(check).status_code == 302 and Report.objects.count() == 1


def test_pressing_send_twice_gives_one_report_and_shows_it(doctor, erika):
    check = fill_diagnose(doctor, erika)
    first, second = doctor.post(check), doctor.post(check)
    assert Report.objects.count() == 1
    assert second.status_code == 302 and second["Location"] == first["Location"]
    assert "bereits gesendet" in doctor.get(second["Location"]).content.decode()


def test_a_new_tumour_starts_with_this_years_icd10_gm_version(doctor, erika):
    start(doctor, erika)
    assert Draft.objects.get().data["Tumorzuordnung"] == {"Primaertumor_ICD": {"Version": "10 2026 GM"}}


def test_a_later_step_cannot_be_reached_before_the_earlier_ones_are_complete(doctor, erika):
    location = start(doctor, erika)
    draft = Draft.objects.get()
    response = doctor.get(f"/entwuerfe/{draft.uuid}/histologie/")
    assert response.status_code == 302 and response["Location"] == location
    response = doctor.get(f"/entwuerfe/{draft.uuid}/pruefen/")
    assert response["Location"] == location


def test_a_missing_answer_is_shown_at_the_field_and_the_step_stays(doctor, erika):
    location = start(doctor, erika)
    response = step(doctor, location, {"Meldebegruendung": "I"})
    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_Eigene_Leistung_error"' in page and "Bitte geben Sie „Eigene Leistung“ an." in page
    assert "Bitte prüfen Sie Ihre Eingaben" in page


def test_a_fehler_of_the_plausibility_check_blocks_the_step_at_its_field(doctor, erika):
    location = start(doctor, erika)
    location = step(doctor, location, STEPS["meldung"])["Location"]
    response = step(doctor, location, {**TUMOUR, "Tumorzuordnung-Primaertumor_ICD-Code": "C61"})
    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_Tumorzuordnung-Primaertumor_ICD-Code_error"' in page and "C61" in page


def test_a_draft_is_saved_listed_resumed_and_deleted(doctor, erika):
    location = start(doctor, erika)
    response = step(doctor, location, {"Meldebegruendung": "I"}, action="entwurf")
    assert response["Location"] == "/entwuerfe/"
    draft = Draft.objects.get()
    assert draft.data["Meldebegruendung"] == "I"
    listing = doctor.get("/entwuerfe/").content.decode()
    assert "Mustermann, Erika" in listing and "Diagnose" in listing
    resumed = doctor.get(f"/entwuerfe/{draft.uuid}/")
    assert resumed["Location"] == location
    assert 'value="I" selected' in doctor.get(location).content.decode()
    assert doctor.post(f"/entwuerfe/{draft.uuid}/loeschen/")["Location"] == "/entwuerfe/"
    assert not Draft.objects.exists()


def test_what_was_typed_is_kept_even_when_invalid(doctor, erika):
    location = start(doctor, erika)
    location = step(doctor, location, STEPS["meldung"])["Location"]
    step(doctor, location, {**TUMOUR, "Tumorzuordnung-Diagnosedatum": "31.02.2025"})
    assert Draft.objects.get().data["Tumorzuordnung"]["Diagnosedatum"]["#text"] == "31.02.2025"
    page = doctor.get(location).content.decode()
    assert 'value="31.02.2025"' in page


def test_a_stale_tab_posting_to_a_deleted_draft_gets_a_clear_message(doctor, erika):
    location = start(doctor, erika)
    Draft.objects.all().delete()
    response = step(doctor, location, STEPS["meldung"])
    assert response.status_code == 404
    assert "Diesen Entwurf gibt es nicht mehr" in response.content.decode()


def test_erfassung_prepares_a_report_but_is_not_offered_sending(client, colleague, erika, clock):
    log_in(client, colleague)
    check = fill_diagnose(client, erika)
    page = client.get(check).content.decode()
    assert "Meldung absenden" not in page and "Absenden darf eine meldende Person" in page
    assert client.post(check).status_code == 403
    assert not Report.objects.exists()


def test_a_correction_starts_prefilled_and_is_sent_as_korrekturmeldung(doctor, erika):
    doctor.post(fill_diagnose(doctor, erika))
    original = Report.objects.get()
    response = doctor.post(f"/meldungen/{original.uuid}/korrektur/")
    draft = Draft.objects.get()
    assert draft.corrects == original
    assert 'value="C50.4"' in doctor.get(f"/entwuerfe/{draft.uuid}/tumor/").content.decode()
    check = doctor.get(f"/entwuerfe/{draft.uuid}/")["Location"]
    assert check == f"/entwuerfe/{draft.uuid}/pruefen/", response
    doctor.post(check)
    correction = Report.objects.exclude(pk=original.pk).get()
    assert correction.corrects == original and correction.data["Anmerkung"] == "Korrekturmeldung"
    history = doctor.get(f"/patienten/{erika.uuid}/").content.decode()
    assert f"korrigiert durch {correction.meldung_id}" in history


def test_script_in_free_text_is_shown_as_text_on_every_page(doctor, erika):
    check = fill_diagnose(doctor, erika)
    draft = Draft.objects.get()
    step(doctor, f"/entwuerfe/{draft.uuid}/abschluss/", {"Anmerkung": "<script>alert(1)</script>"})
    for page in (doctor.get(check), doctor.get(f"/entwuerfe/{draft.uuid}/abschluss/")):
        assert "<script>alert(1)</script>" not in page.content.decode()
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.content.decode()
    response = doctor.post(check)
    report = doctor.get(response["Location"]).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in report and "<script>alert(1)" not in report


def test_code_suggestions_come_from_the_code_lists(doctor):
    found = doctor.get("/codes/icd10/?q=C50.").json()["codes"]
    assert found and all(entry["code"].startswith("C50.") for entry in found)
    assert doctor.get("/codes/unbekannt/?q=C50").json() == {"codes": []}


def test_a_stored_date_is_shown_as_its_hint_asks_and_sent_as_obds_stores_it(doctor, erika):
    doctor.post(fill_diagnose(doctor, erika))  # typed as 03.02.2025 and 2025-02-03, stored as 2025-02-03
    original = Report.objects.get()
    assert original.data["Tumorzuordnung"]["Diagnosedatum"]["#text"] == "2025-02-03"
    doctor.post(f"/meldungen/{original.uuid}/korrektur/")
    draft = Draft.objects.get()
    for slug, name in (("tumor", "Tumorzuordnung-Diagnosedatum"),
                       ("histologie", "Diagnose-Histologie-Tumor_Histologiedatum")):  # fmt: skip
        page = doctor.get(f"/entwuerfe/{draft.uuid}/{slug}/").content.decode()
        assert re.search(rf'name="{name}" value="03.02.2025"', page), slug
    doctor.post(doctor.get(f"/entwuerfe/{draft.uuid}/")["Location"])
    correction = Report.objects.exclude(pk=original.pk).get()
    assert correction.data["Tumorzuordnung"]["Diagnosedatum"]["#text"] == "2025-02-03"


def test_only_a_step_with_rows_that_can_grow_offers_to_show_more_rows(doctor, erika):
    draft_page = start(doctor, erika)
    more = "Speichern, weitere Zeilen anzeigen"
    assert more not in doctor.get(draft_page).content.decode()  # Meldung: no repeated element
    location = draft_page
    while not location.endswith("/histologie/"):
        location = step(doctor, location, STEPS[location.rstrip("/").rsplit("/", 1)[-1]])["Location"]
    assert more in doctor.get(location).content.decode()  # Histologie: several Morphologie codes
