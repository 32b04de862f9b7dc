"""Login speed: the login page and the OTP check, against a bare Django view, in one run.

Run: make bench   (or: python -m meldeportal.localdb .venv/bin/python bench/login.py)
Works in a throw-away test database. Argon2 is left out of the figures: the password step is not timed,
the OTP step (half-login → code check with row lock → login → redirect) is.
"""

from __future__ import annotations

import datetime
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "meldeportal.settings")

import django

django.setup()

import time_machine
from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.test.utils import override_settings, setup_test_environment
from django.urls import include, path

from apps.accounts import totp
from apps.accounts.models import Role
from apps.institutions.models import Institution
from tests.personas import PASSWORD, SECRET, make_user

ROUNDS = 300


def bare(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok")


urlpatterns = [path("bare/", bare), path("", include("meldeportal.urls"))]


def measure(run: Callable[[int], object], rounds: int = ROUNDS) -> list[float]:
    timings = []
    for index in range(rounds):
        started = time.perf_counter()
        run(index)
        timings.append((time.perf_counter() - started) * 1000)
    return timings


def summary(label: str, timings: list[float]) -> None:
    ordered = sorted(timings)
    p95 = ordered[int(len(ordered) * 0.95) - 1]
    print(f"{label:44}{statistics.median(ordered):>10.2f}{p95:>10.2f}")


def main() -> None:
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        with override_settings(
            ROOT_URLCONF=__name__, PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]
        ):
            run()
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def run() -> None:
    client = Client()
    practice = Institution.objects.create(name="Bench-Praxis", melder_id="BENCH1")
    users = [make_user(f"bench{n}", Role.MELDEND, practice) for n in range(ROUNDS)]
    clients = [Client() for _ in users]
    start = datetime.datetime(2026, 11, 23, 9, 0, tzinfo=datetime.UTC)
    with time_machine.travel(start, tick=False):
        for user, user_client in zip(users, clients, strict=True):
            user_client.post("/anmelden/", {"username": user.username, "password": PASSWORD})
        code = totp.code_at(SECRET, time.time())

        def check_code(index: int) -> None:
            response = clients[index].post("/anmelden/code/", {"code": code})
            assert response.status_code == 302, response.status_code

        login_page = measure(lambda _: client.get("/anmelden/"))
        bare_get = measure(lambda _: client.get("/bare/"))
        code_check = measure(check_code)
        bare_post = measure(lambda _: client.post("/bare/", {"code": code}))
    print(f"{ROUNDS} requests each, Django test client in-process, PostgreSQL: {settings.DATABASES['default']['HOST']}")
    print(f"{'':44}{'median ms':>10}{'p95 ms':>10}")
    summary("GET bare view (reference)", bare_get)
    summary("GET /anmelden/ (login page)", login_page)
    summary("POST bare view (reference)", bare_post)
    summary("POST /anmelden/code/ (OTP check and login)", code_check)
    print(
        f"login page / bare: {statistics.median(login_page) / statistics.median(bare_get):.1f}×, "
        f"OTP check / bare: {statistics.median(code_check) / statistics.median(bare_post):.1f}×"
    )


if __name__ == "__main__":
    main()
