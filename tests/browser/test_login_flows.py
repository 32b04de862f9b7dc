"""The login as users meet it, in chromium, with axe-core on every page they pass."""

from __future__ import annotations

import datetime
import time
from collections.abc import Iterator

import pytest
import time_machine
from playwright.sync_api import Browser, Page, expect

from apps.accounts import totp
from apps.accounts.models import Device, User
from tests.browser.visit import Visit
from tests.personas import SECRET, make_user

pytestmark = pytest.mark.django_db(transaction=True)
BLOCKED = "Zugang gesperrt – bitte wenden Sie sich an die Vertrauensstelle"


@pytest.fixture
def running_clock() -> Iterator[time_machine.Traveller]:
    """Time runs as usual but can jump forward (for the lock minute); codes follow the same clock."""
    with time_machine.travel(datetime.datetime(2026, 11, 23, 9, 0, tzinfo=datetime.UTC), tick=True) as traveller:
        yield traveller


@pytest.fixture
def visit(live_server, page: Page) -> Visit:
    return Visit(page, live_server.url)


@pytest.fixture
def desk(live_server, browser: Browser, clerk) -> Iterator[Visit]:
    context = browser.new_context(locale="de-DE")
    clerk_visit = Visit(context.new_page(), live_server.url)
    yield clerk_visit
    context.close()


def wrong(code: str) -> str:
    return f"{(int(code) + 500_000) % 1_000_000:06d}"


def test_first_login_enrols_the_phone_then_logs_in_with_a_code(visit, praxis, running_clock):
    make_user("n.neu", institution=praxis, enrolled=False)
    visit.credentials("n.neu")
    expect(visit.page.get_by_role("heading", level=1)).to_have_text("Authenticator-App einrichten")
    expect(visit.page.get_by_role("img", name="QR-Code")).to_be_visible()
    secret = visit.page.locator(".secret").inner_text().replace(" ", "")
    secret_hex = Device.objects.get(user__username="n.neu").secret
    assert secret == totp.base32_secret(secret_hex).replace(" ", "")

    visit.page.get_by_role("button", name="fertig").click()
    visit.check()
    expect(visit.page.get_by_role("status")).to_contain_text("erneut an")

    visit.credentials("n.neu")
    visit.code(totp.code_at(secret_hex, time.time()))
    expect(visit.page.get_by_text("Angemeldet als")).to_be_visible()
    visit.open("/konto/")
    assert visit.violations == {}


def test_regular_login_and_logout(visit, physician, running_clock):
    visit.log_in(physician)
    visit.page.get_by_role("button", name="Abmelden").click()
    visit.check()
    expect(visit.page.get_by_role("status")).to_contain_text("Sie sind abgemeldet")
    assert visit.violations == {}


def test_three_wrong_passwords_lock_for_a_minute(visit, physician, running_clock):
    for _ in range(3):
        visit.credentials(physician.username, "falsch")
    expect(visit.page.get_by_role("alert")).to_contain_text("vorübergehend gesperrt")
    visit.credentials(physician.username)
    expect(visit.page.get_by_role("alert")).to_contain_text("vorübergehend gesperrt")
    running_clock.shift(datetime.timedelta(seconds=61))
    visit.log_in(physician)
    assert visit.violations == {}


def test_ten_wrong_codes_lock_until_the_vertrauensstelle_unlocks(visit, desk, physician, clerk, running_clock):
    visit.credentials(physician.username)
    for _ in range(10):
        visit.code(wrong(totp.code_at(SECRET, time.time())))
    expect(visit.page.get_by_role("status")).to_contain_text(BLOCKED)

    desk.log_in(clerk)
    desk.open("/vertrauensstelle/gesperrt/")
    desk.page.get_by_role("link", name=physician.username).click()
    desk.check()
    unlock = desk.page.locator("form", has=desk.page.get_by_role("heading", name="Entsperren"))
    unlock.get_by_label("Grund").fill("Anruf der Ärztin, Identität per Rückruf geprüft")
    unlock.get_by_role("button", name="Entsperren").click()
    desk.check()
    expect(desk.page.get_by_role("status")).to_contain_text("Das Konto ist entsperrt.")

    running_clock.shift(datetime.timedelta(seconds=30))
    visit.log_in(physician)
    assert visit.violations == {} and desk.violations == {}


def test_an_otp_reset_by_the_vertrauensstelle_means_enrolling_again(visit, desk, physician, clerk, running_clock):
    desk.log_in(clerk)
    desk.open(f"/vertrauensstelle/benutzer/{physician.uuid}/")
    reset = desk.page.locator("form", has=desk.page.get_by_role("heading", name="OTP zurücksetzen"))
    reset.get_by_label("Grund").fill("Telefon verloren")
    reset.get_by_role("button", name="OTP zurücksetzen").click()
    desk.check()
    expect(desk.page.get_by_role("status")).to_contain_text("neuer QR-Code")

    visit.credentials(physician.username)
    expect(visit.page.get_by_role("heading", level=1)).to_have_text("Authenticator-App einrichten")
    assert visit.violations == {} and desk.violations == {}


def test_the_desk_creates_an_institution_and_a_user_with_a_printable_letter(desk, clerk, running_clock):
    desk.log_in(clerk)
    desk.open("/vertrauensstelle/")
    desk.page.get_by_role("link", name="Einrichtung anlegen").click()
    desk.check()
    desk.page.get_by_label("Name").fill("Onkologie am See")
    desk.page.get_by_label("Melder-ID").fill("M0042")
    desk.page.get_by_role("button", name="Einrichtung anlegen").click()
    desk.check()
    desk.page.get_by_role("link", name="Benutzer anlegen").click()
    desk.check()
    desk.page.get_by_label("Benutzername").fill("s.see")
    desk.page.get_by_label("Nachname").fill("See")
    desk.page.get_by_role("button", name="Benutzer anlegen").click()
    desk.check()
    expect(desk.page.get_by_role("heading", level=1)).to_have_text("Zugangsdaten")
    password = desk.page.locator(".password").inner_text()
    assert User.objects.get(username="s.see").check_password(password)
    desk.page.emulate_media(media="print")
    expect(desk.page.locator(".site-header nav")).to_be_hidden()
    expect(desk.page.locator(".password")).to_be_visible()
    assert desk.violations == {}
