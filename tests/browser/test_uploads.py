"""Documentation staff upload a package in chromium and read its validation report; axe-clean."""

import datetime
import re

import pytest
import time_machine
from django.utils import timezone
from playwright.sync_api import Page, expect

from apps.obds.safe_xml import SHOWN
from apps.reports.export import package_xml
from apps.uploads.models import Package, PackageState, Progress
from apps.uploads.processing import process
from tests.browser.visit import Visit
from tests.uploads.packages import package_bytes, patient, upload
from tests.uploads.test_uploads import meldung, receive_many, with_wrong_sex

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_package_is_uploaded_validated_and_reported(live_server, page: Page, physician, erika, praxis, tmp_path):
    bad = meldung(2, praxis.melder_id, Primaertumor_ICD={"Code": "C61", "Version": "10 2025 GM"})
    path = tmp_path / "klinik.xml"
    path.write_bytes(package_xml(erika, [meldung(1, praxis.melder_id), bad], praxis, datetime.date(2026, 11, 23)))
    with time_machine.travel(datetime.datetime(2026, 11, 23, 9, 0, tzinfo=datetime.UTC), tick=True):
        visit = Visit(page, live_server.url)
        visit.log_in(physician)
        page.get_by_role("navigation").get_by_role("link", name="Pakete").click()
        expect(page).to_have_title(re.compile(r"^Meldungspakete – [^<]+$"))
        visit.check()
        page.get_by_label("Meldungspaket (oBDS-XML oder ZIP)").set_input_files(str(path))
        page.get_by_role("button", name="Paket hochladen").click()  # sent by the progress script
        expect(page.get_by_role("heading", name="Paket klinik.xml")).to_be_visible()
        visit.check()
        expect(page.get_by_text("Empfangen")).to_be_visible()
        package = Package.objects.get()
        Package.objects.filter(pk=package.pk).update(state=PackageState.IN_PRUEFUNG)  # as the worker has it
        Progress.objects.create(package_uuid=package.uuid, done=45, total=100, patients=1, updated_at=timezone.now())
        page.reload()
        visit.check()
        expect(page.get_by_role("progressbar", name="Fortschritt der Prüfung")).to_have_attribute("value", "45")
        expect(page.get_by_text("45 % der Datei gelesen, 1 Patient geprüft")).to_be_visible()
        process(str(package.uuid))  # the worker's job
        page.reload()
        visit.check()
        expect(page.get_by_text("Teilweise angenommen")).to_be_visible()
        expect(page.locator("table.problems")).to_contain_text("KH-2")
        expect(page.get_by_role("progressbar")).to_have_count(0)
        assert visit.violations == {}


def test_the_vertrauensstelle_reviews_a_test_package(live_server, page: Page, physician, clerk, praxis):
    praxis.upload_status = "testphase"
    praxis.save()
    patients = [patient(number, praxis.melder_id, ["Diagnose", "OP"]) for number in range(5)]
    package = upload(package_bytes(praxis, patients), praxis, physician)
    with time_machine.travel(datetime.datetime(2026, 11, 23, 9, 0, tzinfo=datetime.UTC), tick=True):
        visit = Visit(page, live_server.url)
        visit.log_in(clerk)
        expect(page.get_by_role("main")).to_contain_text("1 Testpaket wartet auf Ihre Prüfung.")  # the start page
        page.get_by_role("main").get_by_role("link", name="Pakete").click()
        visit.check()
        expect(page.get_by_text("1 Testpaket wartet auf Ihre Prüfung.")).to_be_visible()
        expect(page.get_by_label("Status")).to_have_value("wartet")  # the card led to the waiting ones
        page.get_by_role("link", name=package.filename).click()
        visit.check()
        page.get_by_role("button", name="Freigabe erteilen").click()
        visit.check()
        expect(page.get_by_text("Entschieden von")).to_be_visible()
        assert visit.violations == {}


def test_the_package_list_follows_a_check_until_the_user_turns_to_the_form(
    live_server, page: Page, physician, erika, praxis, tmp_path
):
    path = tmp_path / "klinik.xml"
    path.write_bytes(package_xml(erika, [meldung(1, praxis.melder_id)], praxis, datetime.date(2026, 11, 23)))
    with time_machine.travel(datetime.datetime(2026, 11, 23, 9, 0, tzinfo=datetime.UTC), tick=True):
        package = upload(path.read_bytes(), praxis, physician, name="frueher.xml")
        Package.objects.filter(pk=package.pk).update(state=PackageState.IN_PRUEFUNG)
        Progress.objects.create(package_uuid=package.uuid, done=45, total=100, patients=1, updated_at=timezone.now())
        visit = Visit(page, live_server.url)
        visit.log_in(physician)
        visit.open("/pakete/")
        expect(page.get_by_role("cell", name="In Prüfung – 45 %")).to_be_visible()
        Progress.objects.filter(package_uuid=package.uuid).update(done=80)
        expect(page.get_by_role("cell", name="In Prüfung – 80 %")).to_be_visible(timeout=10_000)  # reloaded itself

        page.get_by_label("Meldungspaket (oBDS-XML oder ZIP)").set_input_files(str(path))
        Progress.objects.filter(package_uuid=package.uuid).update(done=90)
        page.wait_for_timeout(7_000)  # longer than the list waits before it reloads
        expect(page.get_by_role("cell", name="In Prüfung – 80 %")).to_be_visible()
        assert page.get_by_label("Meldungspaket (oBDS-XML oder ZIP)").evaluate("input => input.files.length") == 1
        assert visit.violations == {}


def test_a_file_chosen_before_the_list_was_ready_is_kept(live_server, page: Page, physician, praxis, tmp_path):
    """The list's script may run a moment after the table shows: a file chosen in that moment is not lost either."""
    path = tmp_path / "klinik.xml"
    path.write_bytes(b"<oBDS/>")
    with time_machine.travel(datetime.datetime(2026, 11, 23, 9, 0, tzinfo=datetime.UTC), tick=True):
        package = upload(b"<x/>", praxis, physician, name="frueher.xml")
        Package.objects.filter(pk=package.pk).update(state=PackageState.IN_PRUEFUNG)
        visit = Visit(page, live_server.url)
        visit.log_in(physician)
        visit.open("/pakete/")
        unseen = "['focusin', 'click', 'input', 'change'].forEach(kind => window.addEventListener(kind, event => event.stopImmediatePropagation(), true))"  # noqa: E501  # the script's listeners never hear of it
        page.evaluate(unseen)
        page.get_by_label("Meldungspaket (oBDS-XML oder ZIP)").set_input_files(str(path))
        page.wait_for_timeout(7_000)  # longer than the list waits before it reloads
        assert page.get_by_label("Meldungspaket (oBDS-XML oder ZIP)").evaluate("input => input.files.length") == 1


def test_a_long_validation_report_fits_the_window(live_server, page: Page, physician, praxis):
    patients = [patient(number, praxis.melder_id, ["Diagnose"]) for number in range(3)]
    package = upload(with_wrong_sex(package_bytes(praxis, patients)), praxis, physician)
    assert package.state == PackageState.ABGELEHNT
    with time_machine.travel(datetime.datetime(2026, 11, 23, 9, 0, tzinfo=datetime.UTC), tick=True):
        visit = Visit(page, live_server.url)
        visit.log_in(physician)
        for width in (1280, 760):
            page.set_viewport_size({"width": width, "height": 900})
            visit.open(f"/pakete/{package.uuid}/")
            expect(page.locator("table.problems")).to_contain_text("Original: Element")
            assert page.evaluate("document.documentElement.scrollWidth") <= width  # the page never scrolls sideways
        expect(page.get_by_role("button", name="Prüfbericht drucken")).to_be_visible()  # shown by its script
        page.emulate_media(media="print")
        expect(page.get_by_role("button", name="Prüfbericht drucken")).to_be_hidden()  # not on paper
        expect(page.get_by_role("link", name="Prüfbericht als CSV herunterladen")).to_be_hidden()
        expect(page.locator("table.problems")).to_be_visible()
        page.emulate_media(media="screen")
        report = page.get_by_role("region", name="Gefundene Probleme")
        assert report.evaluate("region => region.scrollWidth > region.clientWidth")  # at 760 px the table does
        report.focus()
        page.keyboard.press("ArrowRight")
        page.wait_for_function("() => document.querySelector('.table-scroll').scrollLeft > 0")  # keys move it
        assert visit.violations == {}


def test_older_packages_are_a_page_further(live_server, page: Page, physician, praxis):
    receive_many(51, praxis, physician)
    with time_machine.travel(datetime.datetime(2026, 11, 23, 9, 0, tzinfo=datetime.UTC), tick=True):
        visit = Visit(page, live_server.url)
        visit.log_in(physician)
        visit.open("/pakete/")
        pages = page.get_by_role("navigation", name="Seiten der Liste")
        expect(pages).to_contain_text("Seite 1 von 2 (51 Pakete)")
        pages.get_by_role("link", name="Nächste Seite").click()
        visit.check()
        expect(page.get_by_role("link", name="p000.xml")).to_be_visible()
        assert visit.violations == {}


def test_the_report_overview_leads_to_one_kind_of_problem(live_server, page: Page, physician, praxis):
    package = upload(
        with_wrong_sex(package_bytes(praxis, [patient(0, praxis.melder_id, ["Diagnose"])])), praxis, physician
    )
    package.problems = [
        *({"art": "Hinweis", "zeile": line, "regel": "SEITE_UNPAARIG", "meldung": f"S {line}"} for line in range(12)),
        {"art": "Fehler", "zeile": 40, "regel": "ENDE_VOR_BEGINN", "meldung": "Das Ende liegt vor dem Beginn."},
    ]  # fmt: skip
    package.save()
    with time_machine.travel(datetime.datetime(2026, 11, 23, 9, 0, tzinfo=datetime.UTC), tick=True):
        visit = Visit(page, live_server.url)
        visit.log_in(physician)
        visit.open(f"/pakete/{package.uuid}/")
        overview = page.get_by_role("region", name="Übersicht des Prüfberichts")
        expect(overview.get_by_role("row").nth(1)).to_contain_text("Das Ende liegt vor dem Beginn.")
        choose = page.get_by_role("navigation", name="Einträge des Prüfberichts auswählen")
        choose.get_by_role("link", name="nur Fehler (1)").focus()
        page.keyboard.press("Enter")
        page.wait_for_url(re.compile(r"\?art=fehler$"))
        visit.check()
        listed = page.get_by_role("region", name="Gefundene Probleme")
        expect(listed.get_by_role("row")).to_have_count(2)  # the header and the one Fehler
        expect(choose.get_by_role("link", name="nur Fehler (1)")).to_have_attribute("aria-current", "page")
        overview.get_by_role("link", name="Alle 12 zeigen").click()
        page.wait_for_url(re.compile(r"\?regel=SEITE_UNPAARIG$"))
        visit.check()
        expect(listed.get_by_role("row")).to_have_count(13)
        assert visit.violations == {}


def test_the_overview_leads_to_one_kind_of_schema_error(live_server, page: Page, physician, praxis):
    patients = [patient(number, praxis.melder_id, ["Diagnose"]) for number in range(SHOWN + 5)]
    package = upload(with_wrong_sex(package_bytes(praxis, patients)), praxis, physician)
    with time_machine.travel(datetime.datetime(2026, 11, 23, 9, 0, tzinfo=datetime.UTC), tick=True):
        visit = Visit(page, live_server.url)
        visit.log_in(physician)
        visit.open(f"/pakete/{package.uuid}/")
        overview = page.get_by_role("region", name="Übersicht des Prüfberichts")
        first = overview.get_by_role("row").nth(1)
        expect(first).to_contain_text("Geschlecht: Der Wert „Q“ ist hier nicht erlaubt.")
        expect(first.get_by_role("cell").nth(2)).to_have_text(str(SHOWN + 5))  # in the whole file
        overview.get_by_role("link", name=f"Die ersten {SHOWN} zeigen").click()
        page.wait_for_url(re.compile(r"\?problem=[0-9a-f]+$"))
        visit.check()
        expect(page.get_by_text("Gezeigt werden nur die Einträge dieser Art: Geschlecht:")).to_be_visible()
        listed = page.get_by_role("region", name="Gefundene Probleme")
        expect(listed.get_by_role("row")).to_have_count(SHOWN + 1)  # the header and the lines listed, not the Hinweis
        assert visit.violations == {}
