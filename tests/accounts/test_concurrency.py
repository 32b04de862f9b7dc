"""Parallel guesses against real PostgreSQL: the row locks must keep every limit exact."""

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client

from apps.accounts.models import User
from apps.core.models import AuditEvent
from tests.personas import PASSWORD, code_step, current_code, password_step

pytestmark = pytest.mark.django_db(transaction=True)


def in_parallel(work: Callable[[int], object], count: int) -> list[Any]:
    """Runs ``work(i)`` in ``count`` threads released at the same moment; each thread has its own connection."""
    start = threading.Barrier(count)
    results: list[Any] = [None] * count

    def run(index: int) -> None:
        try:
            start.wait()
            results[index] = work(index)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_twenty_parallel_wrong_passwords_cannot_slip_past_the_limit(physician):
    statuses = in_parallel(lambda _: password_step(Client(), physician.username, "falsch").status_code, 20)
    assert sorted(statuses) == [200, 200] + [429] * 18
    assert AuditEvent.objects.filter(action="login.password_failed").count() == 3
    assert password_step(Client(), physician.username, PASSWORD).status_code == 429


def test_parallel_code_guesses_lock_after_ten_and_no_more_are_evaluated(physician):
    sessions = [Client() for _ in range(15)]
    for session in sessions:
        password_step(session, physician.username)
    wrong = f"{(int(current_code()) + 500_000) % 1_000_000:06d}"
    in_parallel(lambda i: code_step(sessions[i], wrong).status_code, 15)
    physician.refresh_from_db()
    assert physician.otp_locked_at is not None
    assert physician.otp_failures == 10
    assert AuditEvent.objects.filter(action="login.otp_failed").count() == 10
    latecomer = Client()
    assert password_step(latecomer, physician.username).status_code == 403


def test_one_code_sent_twice_at_once_logs_in_only_once(physician):
    sessions = [Client() for _ in range(2)]
    for session in sessions:
        password_step(session, physician.username)
    code = current_code()
    in_parallel(lambda i: code_step(sessions[i], code).status_code, 2)
    logged_in = [session for session in sessions if "_auth_user_id" in session.session]
    assert len(logged_in) == 1
    assert User.objects.get(pk=physician.pk).otp_failures == 1
