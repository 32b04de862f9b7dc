import datetime
import io

import pytest
from django.core.management import call_command
from django.test import Client

from apps.accounts.models import LoginThrottle
from tests.personas import password_step

pytestmark = pytest.mark.django_db


def test_old_counters_without_a_lock_are_pruned_hard_locks_stay(clock, physician):
    client = Client()
    password_step(client, "tippfehler", "falsch")
    for _ in range(50):
        password_step(client, physician.username, "falsch")
        clock.shift(datetime.timedelta(seconds=61))
    clock.shift(datetime.timedelta(days=2))
    output = io.StringIO()
    call_command("prune_login_throttles", stdout=output)
    assert "1 Zähler gelöscht." in output.getvalue()
    assert list(LoginThrottle.objects.values_list("username_key", flat=True)) == [physician.username]


def test_a_stale_form_gets_a_german_explanation(physician):
    strict = Client(enforce_csrf_checks=True)
    response = strict.post("/anmelden/", {"username": physician.username, "password": "x"})
    assert response.status_code == 403
    assert "Das Formular ist abgelaufen" in response.content.decode()


def test_unknown_pages_answer_in_german(client):
    response = client.get("/gibt-es-nicht/")
    assert response.status_code == 404
    assert "Seite nicht gefunden" in response.content.decode()
