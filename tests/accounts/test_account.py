import datetime
import time

import pytest
from django.test import Client

from apps.accounts import totp
from apps.accounts.models import Device
from tests.personas import PASSWORD, current_code, log_in, make_user

pytestmark = pytest.mark.django_db


def reauthenticate(client: Client, next_url: str = "/konto/"):
    return client.post("/konto/bestaetigen/", {"password": PASSWORD, "code": current_code(), "next": next_url})


@pytest.fixture
def signed_in(client, physician, clock):
    log_in(client, physician)
    clock.shift(datetime.timedelta(seconds=30))  # the login code is used up; the next step has a fresh one
    return client


def test_the_account_page_lists_devices_and_last_logins(signed_in, physician):
    html = signed_in.get("/konto/").content.decode()
    assert "Diensthandy" in html
    assert "Letzte Anmeldungen" in html
    assert "23.11.2026 10:00:00" in html  # 09:00 UTC shown in Europe/Berlin


@pytest.mark.parametrize("path", ["/konto/passwort/", "/konto/geraete/neu/"])
def test_changes_to_the_login_need_password_and_code_again(signed_in, path):
    response = signed_in.get(path)
    assert response["Location"] == f"/konto/bestaetigen/?next={path.replace('/', '%2F')}"
    assert reauthenticate(signed_in, path)["Location"] == path
    assert signed_in.get(path).status_code == 200


def test_the_confirmation_lasts_five_minutes(signed_in, clock):
    reauthenticate(signed_in)
    clock.shift(datetime.timedelta(minutes=5, seconds=1))
    assert signed_in.get("/konto/passwort/")["Location"].startswith("/konto/bestaetigen/")


def test_a_wrong_password_at_the_confirmation_is_refused(signed_in):
    response = signed_in.post("/konto/bestaetigen/", {"password": "falsch", "code": current_code()})
    assert "Das Passwort ist falsch" in response.content.decode()
    assert signed_in.get("/konto/passwort/")["Location"].startswith("/konto/bestaetigen/")


def test_password_change_keeps_this_session_and_ends_the_others(signed_in, physician, clock):
    other = Client()
    log_in(other, physician)
    clock.shift(datetime.timedelta(seconds=30))
    reauthenticate(signed_in)
    new = "ein ganz neuer Satz als Passwort"
    response = signed_in.post("/konto/passwort/", {"new_password": new, "repeat": new})
    assert response["Location"] == "/konto/"
    assert signed_in.get("/konto/").status_code == 200
    assert other.get("/konto/")["Location"].startswith("/anmelden/")
    physician.refresh_from_db()
    assert physician.check_password(new)


@pytest.mark.parametrize(
    ("new", "repeat", "message"),
    [
        (PASSWORD, PASSWORD, "muss sich vom bisherigen unterscheiden"),
        ("kurz", "kurz", "zu kurz"),
        ("password1234", "password1234", "zu üblich"),
        ("ein ganz neuer Satz", "ein anderer Satz", "stimmen nicht überein"),
        ("", "", "Bitte geben Sie ein neues Passwort ein"),
    ],
)
def test_weak_or_reused_passwords_are_refused_in_german(signed_in, physician, new, repeat, message):
    reauthenticate(signed_in)
    response = signed_in.post("/konto/passwort/", {"new_password": new, "repeat": repeat})
    assert response.status_code == 200
    assert message in response.content.decode()
    physician.refresh_from_db()
    assert physician.check_password(PASSWORD)


def test_a_second_device_is_added_confirmed_and_then_removable(signed_in, physician):
    reauthenticate(signed_in)
    response = signed_in.post("/konto/geraete/neu/", {"name": "Tablet Empfang"})
    tablet = Device.objects.get(user=physician, name="Tablet Empfang")
    assert response["Location"] == f"/konto/geraete/{tablet.uuid}/einrichten/"
    page = signed_in.get(response["Location"]).content.decode()
    assert totp.base32_secret(tablet.secret) in page
    code = totp.code_at(tablet.secret, time.time())
    assert signed_in.post(response["Location"], {"code": code})["Location"] == "/konto/"
    tablet.refresh_from_db()
    assert tablet.confirmed_at is not None

    first = Device.objects.get(user=physician, name="Diensthandy")
    signed_in.post(f"/konto/geraete/{first.uuid}/entfernen/")
    assert list(Device.objects.filter(user=physician)) == [tablet]


def test_the_only_device_cannot_be_removed(signed_in, physician):
    reauthenticate(signed_in)
    device = Device.objects.get(user=physician)
    response = signed_in.post(f"/konto/geraete/{device.uuid}/entfernen/")
    assert "Ihr einziges eingerichtetes Gerät" in signed_in.get(response["Location"]).content.decode()
    assert Device.objects.filter(user=physician).exists()


def test_another_users_device_is_not_found(signed_in, praxis):
    colleague_device = Device.objects.get(user=make_user("k.kollegin", institution=praxis))
    reauthenticate(signed_in)
    assert signed_in.post(f"/konto/geraete/{colleague_device.uuid}/entfernen/").status_code == 404
    assert signed_in.get(f"/konto/geraete/{colleague_device.uuid}/einrichten/").status_code == 404
    assert Device.objects.filter(pk=colleague_device.pk).exists()
