"""A worker killed mid-validation: the package is picked up again and ends in one final state, each Meldung once."""

from __future__ import annotations

import datetime
import os
import re
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import psutil  # type: ignore[import-untyped]
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction

from apps.reports.models import Report
from apps.uploads.actions import do_receive_package
from apps.uploads.models import Package, PackageState, Progress
from apps.uploads.processing import ALONGSIDE_FROM
from apps.uploads.progress import Reporter
from apps.uploads.recovery import requeue_orphans
from tests.database import database_url_for_subprocess
from tests.personas import log_in
from tests.uploads.packages import package_bytes, patient

BASE_DIR = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db(transaction=True)


def start_worker(**settings: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "manage.py", "db_worker", "--no-startup-delay", "--no-reload", "--interval", "0.2"],
        env={**os.environ, "DATABASE_URL": database_url_for_subprocess(), **settings},
        cwd=BASE_DIR,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def wait_for(condition, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def reports_inserted_so_far() -> int:
    """Sequence values are taken outside transactions: this sees rows another worker has not committed yet."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM reports_report_id_seq")
        return int(cursor.fetchone()[0])


def test_a_killed_worker_leaves_nothing_half_imported_and_the_retry_finishes(praxis, physician):
    before = reports_inserted_so_far()
    content = package_bytes(praxis, [patient(number, praxis.melder_id) for number in range(450)])
    package = do_receive_package(SimpleUploadedFile("gross.xml", content), institution=praxis, acting_user=physician)

    worker = start_worker()
    try:
        wait_for(lambda: reports_inserted_so_far() > before)  # the first batch of reports is written, uncommitted
        schema_check = psutil.Process(worker.pid).children()  # the child reading the file beside it
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=30)
    finally:
        worker.kill()
    # the child shares the worker's database connection: alive, it would keep the transaction and its locks open
    _, left = psutil.wait_procs(schema_check, timeout=10)
    for process in left:
        process.kill()
    assert schema_check and not left, "the schema check's child outlived its worker"
    package.refresh_from_db()
    assert package.state == PackageState.IN_PRUEFUNG, "the worker finished before it was killed"
    assert Report.objects.count() == 0  # the open transaction died with the worker

    with connection.cursor() as cursor:  # a minute later, as the periodic recovery would see it
        cursor.execute("UPDATE uploads_package SET created_at = created_at - interval '2 minutes', "
                       "started_at = started_at - interval '2 minutes' WHERE id = %s", [package.pk])  # fmt: skip
    assert requeue_orphans() == [str(package.uuid)]
    worker = start_worker()
    try:
        wait_for(lambda: Package.objects.get(pk=package.pk).finished)
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    package.refresh_from_db()
    assert package.state == PackageState.ANGENOMMEN and package.attempts == 2
    assert Report.objects.filter(package=package).count() == 450 * 8 == package.counts["angenommen"]
    assert Report.objects.values("meldung_id").distinct().count() == 3600
    assert requeue_orphans(datetime.datetime.now(tz=datetime.UTC)) == []


def test_the_same_file_uploaded_twice_at_the_same_moment_is_processed_once(praxis, physician):
    content = package_bytes(praxis, [patient(1, praxis.melder_id, ["Diagnose"])])
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def receive() -> None:
        try:
            start.wait(timeout=30)
            do_receive_package(SimpleUploadedFile("paket.xml", content), institution=praxis, acting_user=physician)
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=receive) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    states = sorted(Package.objects.values_list("state", flat=True))
    assert states == [PackageState.DUPLIKAT, PackageState.EMPFANGEN]
    original = Package.objects.get(state=PackageState.EMPFANGEN)
    assert Package.objects.get(state=PackageState.DUPLIKAT).duplicate_of == original


def test_the_package_page_shows_how_far_the_worker_has_read(client, praxis, physician):
    content = package_bytes(praxis, [patient(number, praxis.melder_id) for number in range(450)])
    assert len(content) > ALONGSIDE_FROM  # read by the schema check's child, as every large package is
    package = do_receive_package(SimpleUploadedFile("gross.xml", content), institution=praxis, acting_user=physician)
    log_in(client, physician)
    page_url = f"/pakete/{package.uuid}/"

    with transaction.atomic():
        with connection.cursor() as cursor:  # the worker's first batch of reports waits for this lock
            cursor.execute("LOCK TABLE reports_report IN SHARE MODE")
        worker = start_worker(UPLOAD_PROGRESS_SECONDS="0")
        try:
            wait_for(lambda: Progress.objects.filter(package_uuid=package.uuid).exists())
            while_checked = client.get(page_url).content.decode()
        except BaseException:
            worker.kill()
            raise
    try:
        wait_for(lambda: Package.objects.get(pk=package.pk).finished)
    finally:
        worker.terminate()
        worker.wait(timeout=30)

    assert "In Prüfung" in while_checked and 'data-refresh="3"' in while_checked
    shown = re.search(r'<progress max="100" value="(\d+)"[^>]*>\d+ %</progress> (\d+) % der Datei gelesen, '
                      r"50 Patienten geprüft", while_checked)  # fmt: skip
    assert shown is not None, while_checked
    assert 0 < int(shown[1]) == int(shown[2]) < 50  # the first batch of 50 of 450 patients, read ahead a little
    finished = client.get(page_url).content.decode()
    assert "Angenommen" in finished and "Fortschritt" not in finished and "<progress" not in finished
    assert not Progress.objects.exists()  # deleted with the outcome's commit


def test_a_progress_that_cannot_be_written_is_given_up_without_stopping_the_package(settings, caplog):
    settings.UPLOAD_PROGRESS_SECONDS = 0
    reporter = Reporter(uuid.uuid4())
    reporter.total = 1000
    try:
        reporter.report(500, -1)  # refused by the database: patients cannot be negative
        reporter.report(600, 12)
    finally:
        reporter.close()
    assert reporter.given_up and not Progress.objects.exists()
    assert "Fortschritt nicht geschrieben" in caplog.text
