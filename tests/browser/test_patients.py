"""Staff of a practice enter a patient's master data in chromium, keyboard-friendly, axe-clean."""

import datetime

import pytest
import time_machine
from playwright.sync_api import Page, expect

from apps.patients.models import Patient
from tests.browser.visit import Visit

pytestmark = pytest.mark.django_db(transaction=True)


def test_master_data_is_entered_shown_and_found(live_server, page: Page, colleague):
    with time_machine.travel(datetime.datetime(2026, 11, 23, 9, 0, tzinfo=datetime.UTC), tick=True):
        visit = Visit(page, live_server.url)
        visit.log_in(colleague)
        page.get_by_role("link", name="Patienten").first.click()
        visit.check()
        page.get_by_role("link", name="Neuen Patienten anlegen").click()
        visit.check()
        page.get_by_label("Gesetzlich versichert").check()
        page.get_by_label("IK der Krankenkasse").fill("101575519")
        page.get_by_label("Versichertennummer").fill("N123456789")
        page.get_by_label("Nachname").fill("Mustermann")
        page.get_by_label("Vornamen").fill("Erika")
        page.get_by_label("weiblich").check()
        page.get_by_label("Geburtsdatum", exact=True).fill("31.02.1961")
        page.get_by_role("button", name="Stammdaten speichern").click()
        visit.check()
        expect(page.get_by_role("alert")).to_contain_text("Den 31.02.1961 gibt es nicht.")
        expect(page.get_by_role("alert")).to_contain_text("Prüfziffer der Versichertennummer")
        expect(page.get_by_label("Nachname")).to_have_value("Mustermann")  # nothing typed is lost

        page.get_by_label("Versichertennummer").fill("A000500015")
        page.get_by_label("Geburtsdatum", exact=True).fill("17.04.1961")
        page.get_by_label("Ort").fill("Salzburg")
        expect(page.get_by_label("Land")).to_have_value("DE")
        page.get_by_label("Land").select_option(label="Österreich")
        page.get_by_role("button", name="Stammdaten speichern").click()
        visit.check()
        expect(page.get_by_role("heading", level=1)).to_have_text("Mustermann, Erika")
        expect(page.get_by_text("Salzburg, Österreich")).to_be_visible()
        assert Patient.objects.count() == 1

        visit.open("/patienten/")
        page.get_by_label("Nachname").fill("mustermann")
        page.get_by_label("Geburtsdatum").fill("1961-04-17")
        page.get_by_role("button", name="Suchen").click()
        visit.check()
        expect(page.get_by_role("table", name="Suchergebnis").get_by_role("link")).to_have_text("Mustermann, Erika")
        assert visit.violations == {}
