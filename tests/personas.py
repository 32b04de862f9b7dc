"""The people of the tests: a physician and a colleague in one practice, an outsider practice, a clerk
of the Vertrauensstelle; and how they log in (password, then a code computed like their phone would)."""

from __future__ import annotations

import datetime
import time
from typing import Any

from django.test import Client
from django.utils import timezone

from apps.accounts import totp
from apps.accounts.models import Device, Role, User
from apps.institutions.models import Institution

PASSWORD = "ein-langes-Passwort-fuer-Tests-2026"
# RFC 6238 Appendix B's SHA-1 seed ("12345678901234567890"), so failures can be checked by hand.
SECRET = "3132333435363738393031323334353637383930"


BORN = datetime.date(1961, 4, 17)
ERIKA: dict[str, Any] = {
    "insurance_kind": "GKV",
    "iknr": "101575519",
    "insurance_number": "a 000 500 015",
    "nachname": "Mustermann",
    "vornamen": "Erika",
    "geschlecht": "W",
    "geburtsdatum": BORN,
    "adresse": {"strasse": "Heidestraße", "hausnummer": "17", "plz": "51147", "ort": "Köln", "land": "DE"},
}


def make_institution(name: str, melder_id: str, **fields: Any) -> Institution:
    return Institution.objects.create(name=name, melder_id=melder_id, **fields)


def make_user(
    username: str, role: str = Role.MELDEND, institution: Institution | None = None, *, enrolled: bool = True
) -> User:
    user = User(username=username, role=role, institution=institution, last_name=username.title())
    user.set_password(PASSWORD)
    user.save()
    if enrolled:
        Device.objects.create(user=user, name="Diensthandy", secret=SECRET, confirmed_at=timezone.now())
    return user


def current_code(secret: str = SECRET) -> str:
    return totp.code_at(secret, time.time())


def password_step(client: Client, username: str, password: str = PASSWORD, **extra: str) -> Any:
    return client.post("/anmelden/", {"username": username, "password": password, **extra})


def code_step(client: Client, code: str) -> Any:
    return client.post("/anmelden/code/", {"code": code})


def log_in(client: Client, user: User, secret: str = SECRET) -> None:
    """Both steps; the code is the current one, so a test logging in twice must move the clock 30 s."""
    response = password_step(client, user.username)
    assert response.status_code == 302 and response["Location"] == "/anmelden/code/", response.content[:500]
    response = code_step(client, current_code(secret))
    assert response.status_code == 302, response.content[:500]
    assert client.session.get("_auth_user_id") == str(user.pk)
