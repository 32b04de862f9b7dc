import datetime

import pytest
from django.test import Client

from apps.core.models import AuditEvent
from apps.patients.models import Patient
from tests.personas import log_in

pytestmark = pytest.mark.django_db

ERIKA = {
    "insurance_kind": "GKV",
    "iknr": "101575519",
    "insurance_number": "A000500015",
    "nachname": "Mustermann",
    "vornamen": "Erika",
    "geschlecht": "W",
    "geburtsdatum": "17.04.1961",
    "geburtsdatum_genauigkeit": "E",
    "strasse": "Heidestraße",
    "hausnummer": "17",
    "plz": "51147",
    "ort": "Köln",
    "land": "DE",
}


@pytest.fixture
def staff_of_praxis(client, colleague, clock):
    log_in(client, colleague)
    return client


def create(client: Client, **changes: str):
    return client.post("/patienten/neu/", {**ERIKA, **changes})


def test_master_data_is_saved_on_its_own_and_shown(staff_of_praxis):
    response = create(staff_of_praxis)
    patient = Patient.objects.get()
    assert response["Location"] == f"/patienten/{patient.uuid}/"
    html = staff_of_praxis.get(response["Location"]).content.decode()
    assert "Mustermann, Erika" in html and "17.04.1961" in html and "A000500015" in html
    assert "<dd>Heidestraße 17, 51147 Köln</dd>" in html  # a German address names no country
    assert patient.adresse == {
        "strasse": "Heidestraße",
        "hausnummer": "17",
        "plz": "51147",
        "ort": "Köln",
        "land": "DE",
    }


@pytest.mark.parametrize("typed", ["17.04.1961", "1961-04-17", "17.4.1961"])
def test_both_date_forms_are_accepted_and_stored_alike(staff_of_praxis, typed):
    create(staff_of_praxis, geburtsdatum=typed)
    assert Patient.objects.get().geburtsdatum == datetime.date(1961, 4, 17)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"geburtsdatum": "31.02.1961"}, "Den 31.02.1961 gibt es nicht."),
        ({"geburtsdatum": "01.01.2029"}, "Das Geburtsdatum liegt in der Zukunft."),
        ({"insurance_number": "N123456789"}, "Die Prüfziffer der Versichertennummer stimmt nicht."),
        ({"iknr": "105175519"}, "Die Prüfziffer des IK stimmt nicht."),
        ({"iknr": "161575519"}, "muss hier mit 10 beginnen"),
        ({"nachname": "x" * 5000}, "höchstens 255 Zeichen"),
        ({"nachname": ""}, "Bitte geben Sie Nachname ein."),
        ({"insurance_kind": "Sonstige", "iknr": "", "insurance_number": ""}, "Bitte wählen Sie einen Ersatzkode"),
        ({"land": "Deutschland"}, "Bitte wählen Sie das Land aus der Liste."),
        ({"land": "XX"}, "Bitte wählen Sie das Land aus der Liste."),
    ],
)
def test_bad_master_data_is_explained_at_the_field_and_nothing_is_saved(staff_of_praxis, changes, message):
    response = create(staff_of_praxis, **changes)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Patient.objects.exists()


def test_the_country_is_chosen_by_its_german_name_and_shown_by_it(staff_of_praxis):
    form = staff_of_praxis.get("/patienten/neu/").content.decode()
    assert '<option value="DE" selected>Deutschland</option>' in form
    assert '<option value="AT">Österreich</option>' in form
    create(staff_of_praxis, land="AT", plz="5020", ort="Salzburg")
    patient = Patient.objects.get()
    assert patient.adresse["land"] == "AT"
    html = staff_of_praxis.get(f"/patienten/{patient.uuid}/").content.decode()
    assert "<dd>Heidestraße 17, 5020 Salzburg, Österreich</dd>" in html


def test_a_country_code_a_package_brought_stays_when_the_master_data_are_changed(staff_of_praxis):
    """The XSD asks only for two capital letters; a code that names no country must not be lost by saving."""
    create(staff_of_praxis)
    patient = Patient.objects.get()
    patient.adresse = {"ort": "Prishtina", "land": "XK"}
    patient.save()
    page = staff_of_praxis.get(f"/patienten/{patient.uuid}/bearbeiten/").content.decode()
    assert '<option value="XK" selected>XK (unbekannter Ländercode)</option>' in page
    address = {"strasse": "", "hausnummer": "", "plz": "", "ort": "Prishtina", "land": "XK"}
    response = staff_of_praxis.post(f"/patienten/{patient.uuid}/bearbeiten/", {**ERIKA, **address, "titel": "Dr."})
    assert response.status_code == 302
    patient.refresh_from_db()
    assert patient.adresse == {"ort": "Prishtina", "land": "XK"} and patient.titel == "Dr."
    assert "<dd>Prishtina, XK</dd>" in staff_of_praxis.get(f"/patienten/{patient.uuid}/").content.decode()


def test_script_in_a_name_is_refused_as_outside_obds_and_echoed_as_text(staff_of_praxis):
    html = create(staff_of_praxis, vornamen="<script>alert(1)</script>").content.decode()
    assert "Das Zeichen „&lt;“ ist im oBDS nicht erlaubt." in html
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert not Patient.objects.exists()


def test_names_with_umlauts_accents_hyphens_and_apostrophes_are_taken(staff_of_praxis):
    create(staff_of_praxis, nachname="Müller-Lüdenscheidt", vornamen="Zoë O'Neill", geburtsname="Ğürsoy")
    assert Patient.objects.get().nachname == "Müller-Lüdenscheidt"


def test_the_same_person_twice_gets_a_clear_message(staff_of_praxis):
    create(staff_of_praxis)
    response = create(staff_of_praxis, vornamen="Erika Maria")
    assert "bereits erfasst" in response.content.decode()
    assert Patient.objects.count() == 1


def test_search_by_insurance_number_surname_or_patient_id_is_posted(staff_of_praxis):
    create(staff_of_praxis)
    patient = Patient.objects.get()
    for query in (
        {"insurance_number": "a000500015", "geburtsdatum": "1961-04-17"},
        {"nachname": "MUSTERMANN", "geburtsdatum": "17.04.1961"},
        {"patient_id": patient.patient_id},
    ):
        html = staff_of_praxis.post("/patienten/", query).content.decode()
        assert f"/patienten/{patient.uuid}/" in html.split("Ergebnis")[1].split("Zuletzt bearbeitet")[0], query
    html = staff_of_praxis.post("/patienten/", {"nachname": "Mustermann"}).content.decode()
    assert "Bitte suchen Sie mit der Patienten-ID" in html


def test_changes_are_saved_and_audited_by_field_name_only(staff_of_praxis):
    create(staff_of_praxis)
    patient = Patient.objects.get()
    initial_page = staff_of_praxis.get(f"/patienten/{patient.uuid}/bearbeiten/").content.decode()
    assert 'value="17.04.1961"' in initial_page
    staff_of_praxis.post(f"/patienten/{patient.uuid}/bearbeiten/", {**ERIKA, "nachname": "Musterfrau"})
    patient.refresh_from_db()
    assert patient.nachname == "Musterfrau"
    event = AuditEvent.objects.get(action="patient.changed")
    assert event.details == {"felder": "nachname"}


def test_another_institution_cannot_open_or_change_the_patient(staff_of_praxis, outsider, clock):
    create(staff_of_praxis)
    patient = Patient.objects.get()
    other = Client()
    clock.shift(datetime.timedelta(seconds=30))
    log_in(other, outsider)
    assert other.get(f"/patienten/{patient.uuid}/").status_code == 404
    assert other.post(f"/patienten/{patient.uuid}/bearbeiten/", {**ERIKA, "nachname": "X"}).status_code == 404
    assert "Mustermann" not in other.get("/patienten/").content.decode()
    patient.refresh_from_db()
    assert patient.nachname == "Mustermann"
