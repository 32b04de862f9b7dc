"""Every main page fits a window 320 px wide (WCAG 1.4.10, a phone held upright, or a desktop window zoomed to
400 %): the page never scrolls sideways; a wide table scrolls in its own region, which takes keyboard focus."""

import datetime

import pytest
import time_machine
from playwright.sync_api import Browser, Page, expect

from apps.reports.models import Report
from apps.reports.steps import steps_for
from tests.browser.visit import Visit
from tests.reports.examples import DIAGNOSE, draft_with
from tests.uploads.packages import upload, with_findings_in_second_patient

pytestmark = pytest.mark.django_db(transaction=True)
WIDTH = 320


def wider_than_the_window(visit: Visit, paths: list[str]) -> dict[str, int]:
    """The pages among ``paths`` that scroll sideways, with their width; each page also checked by axe."""
    found = {}
    for path in paths:
        visit.open(path)
        width = visit.page.evaluate("document.documentElement.scrollWidth")
        if width > WIDTH:
            found[path] = width
    return found


def test_every_main_page_fits_a_narrow_window(live_server, page: Page, physician, clerk, praxis, erika):
    package = upload(with_findings_in_second_patient(praxis)[0], praxis, physician, name="klinik.xml")
    report = Report.objects.filter(package=package).earliest("pk")
    draft = draft_with(erika, physician, DIAGNOSE)
    steps = [f"/entwuerfe/{draft.uuid}/{step.slug}/" for step in steps_for("Diagnose")]
    as_physician = [
        "/", "/konto/", "/patienten/", "/patienten/neu/", f"/patienten/{erika.uuid}/",
        f"/patienten/{erika.uuid}/bearbeiten/", f"/patienten/{erika.uuid}/meldung/", "/entwuerfe/", *steps,
        f"/entwuerfe/{draft.uuid}/pruefen/", "/meldungen/", f"/meldungen/{report.uuid}/", "/pakete/",
        f"/pakete/{package.uuid}/",
    ]  # fmt: skip
    as_clerk = [
        "/", "/vertrauensstelle/", "/vertrauensstelle/gesperrt/", "/vertrauensstelle/einrichtungen/neu/",
        f"/vertrauensstelle/einrichtungen/{praxis.uuid}/", "/vertrauensstelle/personal/neu/",
        f"/vertrauensstelle/benutzer/{physician.uuid}/", "/vertrauensstelle/pakete/",
        f"/vertrauensstelle/pakete/{package.uuid}/", "/vertrauensstelle/protokoll/",
    ]  # fmt: skip
    with time_machine.travel(datetime.datetime(2026, 11, 23, 9, 0, tzinfo=datetime.UTC), tick=True):
        page.set_viewport_size({"width": WIDTH, "height": 700})
        visit = Visit(page, live_server.url)
        assert wider_than_the_window(visit, ["/anmelden/"]) == {}
        visit.log_in(physician)
        assert wider_than_the_window(visit, as_physician) == {}
        page.context.clear_cookies()
        visit.log_in(clerk)
        assert wider_than_the_window(visit, as_clerk) == {}
        assert visit.violations == {}


def test_a_table_region_is_a_tab_stop_only_while_it_scrolls(
    live_server, browser: Browser, page: Page, physician, praxis
):
    upload(with_findings_in_second_patient(praxis)[0], praxis, physician, name="klinik.xml")
    name = "Meldungspakete Ihrer Einrichtung, neueste zuerst"
    with time_machine.travel(datetime.datetime(2026, 11, 23, 9, 0, tzinfo=datetime.UTC), tick=True):
        visit = Visit(page, live_server.url)
        visit.log_in(physician)
        visit.open("/pakete/")
        region = page.get_by_role("region", name=name)
        expect(region).not_to_have_attribute("tabindex", "0")  # 1280 px: the whole table shows
        page.set_viewport_size({"width": WIDTH, "height": 700})
        expect(region).to_have_attribute("tabindex", "0")
        region.focus()
        page.keyboard.press("ArrowRight")
        page.wait_for_function("() => document.querySelector('.table-scroll').scrollLeft > 0")
        visit.check()
        assert visit.violations == {}
        without_script = browser.new_context(
            locale="de-DE", java_script_enabled=False, storage_state=page.context.storage_state()
        )
        try:
            other = without_script.new_page()
            other.goto(live_server.url + "/pakete/")
            expect(other.get_by_role("region", name=name)).to_have_attribute("tabindex", "0")  # always, to be safe
        finally:
            without_script.close()
