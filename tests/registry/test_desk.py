import datetime
import re

import pytest
from django.test import Client

from apps.accounts.models import Device, LoginThrottle, User
from apps.accounts.passwords import DIGITS, LOWER, SPECIAL, UPPER, generate_initial_password
from apps.core.models import AuditEvent
from apps.institutions.models import Institution
from tests.personas import PASSWORD, code_step, current_code, log_in, make_institution, password_step

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk(client, clerk, clock):
    log_in(client, clerk)
    return client


def letter_password(response) -> str:
    found = re.search(r'<dd class="password">([^<]+)</dd>', response.content.decode())
    assert found, response.content.decode()[:2000]
    return found.group(1).replace("&amp;", "&")


def desk_action(desk: Client, user: User, action: str, reason: str = "Rückruf, Identität geprüft"):
    return desk.post(f"/vertrauensstelle/benutzer/{user.uuid}/{action}/", {"reason": reason})


def test_initial_passwords_are_long_mixed_and_free_of_look_alikes():
    for _ in range(200):
        password = generate_initial_password()
        assert len(password) >= 14
        assert all(any(c in group for c in password) for group in (DIGITS, UPPER, LOWER, SPECIAL))
        assert not set(password) & set("O0oIl1")


def test_the_desk_creates_an_institution(desk):
    response = desk.post(
        "/vertrauensstelle/einrichtungen/neu/",
        {
            "name": "Onkologie am See",
            "melder_id": "m0042",
            "kind": "praxis",
            "postal_code": "60311",
            "city": "Frankfurt",
        },
    )
    institution = Institution.objects.get(melder_id="M0042")
    assert response["Location"] == f"/vertrauensstelle/einrichtungen/{institution.uuid}/"
    assert AuditEvent.objects.filter(action="institution.created", target_uuid=institution.uuid).exists()
    page = desk.get(response["Location"]).content.decode()
    assert "<dt>Adresse</dt><dd>60311 Frankfurt</dd>" in page and "<dt>Ansprechperson</dt><dd>–</dd>" in page


def test_an_institution_s_address_and_contact_read_as_written(desk):
    institution = make_institution(
        "Klinik", "K0001", street="Hauptstraße 1", contact_name="Frau Weber", contact_email="weber@klinik.example"
    )
    page = desk.get(f"/vertrauensstelle/einrichtungen/{institution.uuid}/").content.decode()
    assert "<dt>Adresse</dt><dd>Hauptstraße 1</dd>" in page  # no dangling comma without postal code and city
    assert "<dt>Ansprechperson</dt><dd>Frau Weber, weber@klinik.example</dd>" in page


def test_a_taken_melder_id_and_a_bad_postcode_are_shown_at_the_fields(desk, praxis):
    response = desk.post(
        "/vertrauensstelle/einrichtungen/neu/",
        {"name": "Doppelt", "melder_id": praxis.melder_id, "kind": "praxis", "postal_code": "6031"},
    )
    html = response.content.decode()
    assert "Diese Melder-ID ist bereits vergeben." in html
    assert "Die Postleitzahl hat 5 Ziffern." in html
    assert Institution.objects.count() == 1


def test_a_new_user_gets_an_access_letter_and_the_password_works(desk, praxis):
    response = desk.post(
        f"/vertrauensstelle/einrichtungen/{praxis.uuid}/benutzer/neu/",
        {"username": "B.Neu", "last_name": "Neu", "role": "meldend"},
    )
    assert response.status_code == 200
    assert "Zugangsdaten" in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    password = letter_password(response)
    user = User.objects.get(username="b.neu")
    assert user.institution == praxis
    assert user.check_password(password)
    assert password not in user.password
    event = AuditEvent.objects.get(action="user.created", target_uuid=user.uuid)
    assert password not in str(event.details)
    newcomer = Client()
    assert password_step(newcomer, "b.neu", password)["Location"] == "/anmelden/einrichten/"


def test_user_names_are_unique_in_every_spelling(desk, praxis, physician):
    response = desk.post(
        f"/vertrauensstelle/einrichtungen/{praxis.uuid}/benutzer/neu/",
        {"username": "A.AERZTIN", "last_name": "Zweite", "role": "meldend"},
    )
    assert "Dieser Benutzername ist bereits vergeben." in response.content.decode()


def test_reporters_cannot_be_made_staff_through_an_institution(desk, praxis):
    response = desk.post(
        f"/vertrauensstelle/einrichtungen/{praxis.uuid}/benutzer/neu/",
        {"username": "x.staff", "last_name": "X", "role": "vertrauensstelle"},
    )
    assert "Bitte wählen Sie eine der angebotenen Rollen." in response.content.decode()
    assert not User.objects.filter(username="x.staff").exists()


def test_otp_reset_removes_the_devices_ends_sessions_and_asks_for_a_new_qr_code(desk, physician, clock):
    phone = Client()
    log_in(phone, physician)
    response = desk_action(desk, physician, "otp_reset")
    assert "neuer QR-Code" in desk.get(response["Location"]).content.decode()
    assert not Device.objects.filter(user=physician).exists()
    assert phone.get("/konto/")["Location"].startswith("/anmelden/")
    assert password_step(Client(), physician.username)["Location"] == "/anmelden/einrichten/"
    event = AuditEvent.objects.get(action="user.otp_reset", target_uuid=physician.uuid)
    assert event.details == {"grund": "Rückruf, Identität geprüft", "geraete": 1}
    assert event.actor_label == "v.stelle"


def test_unlock_clears_the_code_lock_and_the_password_lock(desk, physician, clock):
    User.objects.filter(pk=physician.pk).update(otp_locked_at=datetime.datetime.now(tz=datetime.UTC), otp_failures=10)
    LoginThrottle.objects.create(
        username_key=physician.username, consecutive_failures=50, hard_locked_at=datetime.datetime.now(tz=datetime.UTC)
    )
    assert "10 falsche OTP-Codes" in desk.get("/vertrauensstelle/gesperrt/").content.decode()
    desk_action(desk, physician, "unlock")
    assert "Zurzeit ist kein Zugang gesperrt" in desk.get("/vertrauensstelle/gesperrt/").content.decode()
    clock.shift(datetime.timedelta(seconds=30))
    log_in(Client(), physician)


def test_a_new_password_replaces_the_old_one(desk, physician):
    response = desk_action(desk, physician, "password")
    password = letter_password(response)
    physician.refresh_from_db()
    assert physician.check_password(password)
    assert not physician.check_password(PASSWORD)


def test_deactivation_ends_sessions_and_blocks_the_login_until_reactivated(desk, physician, clock):
    phone = Client()
    log_in(phone, physician)
    desk_action(desk, physician, "deactivate")
    assert phone.get("/konto/")["Location"].startswith("/anmelden/")
    assert password_step(Client(), physician.username).status_code == 200
    desk_action(desk, physician, "reactivate")
    clock.shift(datetime.timedelta(seconds=30))
    log_in(Client(), physician)


def test_staff_cannot_deactivate_themselves(desk, clerk):
    response = desk_action(desk, clerk, "deactivate")
    assert "eigenes Konto nicht deaktivieren" in desk.get(response["Location"]).content.decode()
    clerk.refresh_from_db()
    assert clerk.is_active


@pytest.mark.parametrize("reason", ["", "   ", "x" * 501])
def test_every_desk_action_needs_a_reason(desk, physician, reason):
    response = desk_action(desk, physician, "otp_reset", reason)
    assert "Bitte geben Sie einen Grund an" in desk.get(response["Location"]).content.decode()
    assert Device.objects.filter(user=physician).exists()


def test_an_unknown_desk_action_is_not_found(desk, physician):
    assert desk_action(desk, physician, "delete").status_code == 404


def test_the_locked_list_says_why_and_since_when(desk, physician, colleague, clock):
    attacker = Client()
    password_step(attacker, physician.username)
    for _ in range(10):
        code_step(attacker, f"{(int(current_code()) + 1) % 1_000_000:06d}")
    for _ in range(3):
        password_step(attacker, colleague.username, "falsch")
    html = desk.get("/vertrauensstelle/gesperrt/").content.decode()
    assert "a.aerztin" in html and "10 falsche OTP-Codes" in html and "23.11.2026 10:00" in html
    assert "k.kollege" in html and "3 falsche Passwörter, gesperrt bis 10:01:00 Uhr" in html


def test_search_finds_institutions_and_users(desk, praxis, outsider, physician):
    html = desk.get("/vertrauensstelle/", {"q": "aerztin"}).content.decode()
    assert "a.aerztin" in html and "o.aussen" not in html
    html = desk.get("/vertrauensstelle/", {"q": "M0002"}).content.decode()
    assert "Praxis am Markt" in html and "Praxis Dr. Beispiel" not in html
