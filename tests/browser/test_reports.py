"""A physician reports a diagnosis in chromium: patient, steps, a blocking Fehler, draft, sending, Korrektur."""

import datetime

import pytest
import time_machine
from playwright.sync_api import Page, expect

from apps.reports.actions import do_start_draft
from apps.reports.models import Report
from tests.browser.visit import Visit

pytestmark = pytest.mark.django_db(transaction=True)
ACCENT, WHITE = "rgb(11, 92, 173)", "rgb(255, 255, 255)"  # --accent and --paper in static/css/portal.css


def choose(page: Page, name: str, value: str) -> None:
    page.locator(f'[name="{name}"]').select_option(value)


def fill(page: Page, name: str, value: str) -> None:
    page.locator(f'[name="{name}"]').fill(value)


def test_a_physician_reports_a_diagnosis_from_patient_to_correction(live_server, page: Page, physician):
    with time_machine.travel(datetime.datetime(2026, 11, 23, 9, 0, tzinfo=datetime.UTC), tick=True):
        visit = Visit(page, live_server.url)
        visit.log_in(physician)
        visit.open("/patienten/neu/")
        page.get_by_label("Gesetzlich versichert").check()
        page.get_by_label("IK der Krankenkasse").fill("101575519")
        page.get_by_label("Versichertennummer").fill("A000500015")
        page.get_by_label("Nachname").fill("Mustermann")
        page.get_by_label("Vornamen").fill("Erika")
        page.get_by_label("weiblich").check()
        page.get_by_label("Geburtsdatum", exact=True).fill("17.04.1961")
        page.get_by_role("button", name="Stammdaten speichern").click()
        visit.check()

        page.get_by_role("link", name="Neue Meldung").click()
        visit.check()
        page.get_by_label("Diagnose", exact=True).check()
        page.get_by_role("button", name="Meldung beginnen").click()
        visit.check()
        # one main button; the others look secondary (white), and the current step stands out in the list
        expect(page.get_by_role("button", name="Weiter", exact=True)).to_have_css("background-color", ACCENT)
        for secondary in ("Zurück", "Als Entwurf speichern"):
            expect(page.get_by_role("button", name=secondary)).to_have_css("background-color", WHITE)
        expect(page.locator(".steps [aria-current=step]")).to_have_css("font-weight", "700")
        choose(page, "Meldebegruendung", "I")
        choose(page, "Eigene_Leistung", "J")
        page.get_by_role("button", name="Weiter", exact=True).click()
        visit.check()

        fill(page, "Tumorzuordnung-Primaertumor_ICD-Code", "C61")  # prostate: impossible for a woman
        fill(page, "Tumorzuordnung-Primaertumor_ICD-Version", "10 2025 GM")
        fill(page, "Tumorzuordnung-Diagnosedatum", "03.02.2025")
        choose(page, "Tumorzuordnung-Seitenlokalisation", "L")
        page.get_by_role("button", name="Weiter", exact=True).click()
        visit.check()
        error = page.locator("#id_Tumorzuordnung-Primaertumor_ICD-Code_error")
        expect(error).to_contain_text("C61")
        expect(page.get_by_role("alert")).to_be_visible()
        fill(page, "Tumorzuordnung-Primaertumor_ICD-Code", "C50.4")
        page.get_by_role("button", name="Weiter", exact=True).click()
        visit.check()

        choose(page, "Diagnose-Diagnosesicherung", "7")
        choose(page, "Diagnose-Allgemeiner_Leistungszustand", "0")
        page.get_by_role("button", name="Als Entwurf speichern").click()
        visit.check()
        expect(page.get_by_role("heading", level=1)).to_have_text("Entwürfe")
        page.get_by_role("link", name="Fortsetzen").click()
        visit.check()
        expect(page.get_by_role("heading", level=1)).to_contain_text("Prüfen und absenden")
        expect(page.get_by_text("C50.4").first).to_be_visible()
        page.get_by_role("button", name="Meldung absenden").click()
        visit.check()

        report = Report.objects.get()
        expect(page.get_by_role("heading", name="Eingangsbestätigung")).to_be_visible()
        expect(page.locator(".receipt")).to_contain_text(report.meldung_id)
        expect(page.get_by_role("button", name="Eingangsbestätigung drucken")).to_be_visible()  # JS shows it
        page.get_by_role("link", name="Zum Patienten").click()
        visit.check()
        expect(page.locator("table.history")).to_contain_text(report.meldung_id)
        expect(page.locator("table.history")).to_contain_text("03.02.2025")

        page.get_by_role("link", name=report.meldung_id).click()
        page.get_by_role("button", name="Korrektur melden").click()
        visit.check()
        expect(page.get_by_role("heading", level=1)).to_contain_text(f"Korrektur zu {report.meldung_id}")
        expect(page.locator('[name="Meldebegruendung"]')).to_have_value("I")
        assert visit.violations == {}


def test_code_fields_suggest_from_the_code_lists(live_server, page: Page, physician, erika):
    with time_machine.travel(datetime.datetime(2026, 11, 23, 9, 0, tzinfo=datetime.UTC), tick=True):
        draft = do_start_draft(patient=erika, tumor=None, report_type="Diagnose", acting_user=physician)
        draft.data = {"Meldebegruendung": "I", "Eigene_Leistung": "J", "Diagnose": {}}
        draft.save()
        visit = Visit(page, live_server.url)
        visit.log_in(physician)
        visit.open(f"/entwuerfe/{draft.uuid}/tumor/")
        field = page.locator('[name="Tumorzuordnung-Primaertumor_ICD-Code"]')
        field.press_sequentially("C50.", delay=50)
        options = page.locator(f"datalist#{field.get_attribute('list')} option")
        expect(options.first).to_have_attribute("value", "C50.0")
        assert visit.violations == {}
