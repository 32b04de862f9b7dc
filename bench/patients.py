"""Patient lookups at registry scale: 1 000 000 encrypted patients and 200 000 reports, against plain indexed rows.

Run: make bench   (or: python -m meldeportal.localdb .venv/bin/python bench/patients.py)
Sizes: BENCH_PATIENTS (default 1 000 000) and BENCH_REPORTS (default 200 000). Works in a throw-away test
database. Prints the bulk creation time, then median and p95 of
- a lookup by KVNR + birth date (blind index, then decrypting the candidates to compare),
- a lookup by the institution's Patient_ID,
- the same two lookups on an unencrypted table with ordinary indexes (the reference),
- rendering the patient page of a patient with 50 reports, and its query count next to one with 1 report;
- the institution's list of sent reports (all reports are the bench practice's): its first page, and a search by
  a whole Meldung-ID, by the start of one and by a Patient_ID; then the CSV of all of them, streamed (once).
"""

from __future__ import annotations

import datetime
import os
import random
import statistics
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import cast

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "meldeportal.settings")

import django

django.setup()

from django.db import connection, models
from django.http import StreamingHttpResponse
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings, setup_test_environment
from django.utils import timezone

from apps.accounts.middleware import LOGIN_AT
from apps.accounts.models import Role, User
from apps.institutions.models import Institution
from apps.obds.identifiers import kvnr_is_valid
from apps.patients import lookups
from apps.patients.models import Patient
from apps.reports.models import Report, Tumor
from tests.personas import make_user
from tests.reports.examples import DIAGNOSE

PATIENTS = int(os.environ.get("BENCH_PATIENTS", "1000000"))
REPORTS = int(os.environ.get("BENCH_REPORTS", "200000"))
PAGE_REPORTS = 50
BATCH = 5000
ROUNDS = 300
SURNAMES = ["Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz", "Hoffmann"]


class PlainPatient(models.Model):
    """The reference: the same lookup keys, unencrypted, with ordinary B-tree indexes."""

    kvnr = models.CharField(max_length=10)
    born = models.DateField()
    patient_id = models.CharField(max_length=16, unique=True)
    nachname = models.CharField(max_length=255)
    objects: models.Manager[PlainPatient] = models.Manager()

    class Meta:
        app_label = "bench"
        indexes = [models.Index(fields=["kvnr", "born"])]

    def __str__(self) -> str:
        return self.patient_id


def kvnr(number: int) -> str:
    body = f"{chr(ord('A') + number % 26)}{number:08d}"[:9]
    return next(body + str(digit) for digit in range(10) if kvnr_is_valid(body + str(digit)))


def person(number: int) -> tuple[str, datetime.date, str, str]:
    born = datetime.date(1930, 1, 1) + datetime.timedelta(days=number % 25000)
    return kvnr(number), born, f"B{number:09d}", SURNAMES[number % len(SURNAMES)]


def batches(total: int) -> Iterator[range]:
    for start in range(0, total, BATCH):
        yield range(start, min(start + BATCH, total))


def create_patients(practice: Institution, user: User) -> float:
    started = time.perf_counter()
    for numbers in batches(PATIENTS):
        encrypted, plain = [], []
        for number in numbers:
            insurance, born, patient_id, surname = person(number)
            encrypted.append(
                Patient(
                    institution=practice, patient_id=patient_id, insurance_kind="GKV", iknr="101575519",
                    insurance_number=insurance, nachname=surname, vornamen="Erika", geschlecht="W",
                    geburtsdatum=born, adresse={"ort": "Köln", "plz": "51147"}, created_by=user,
                )
            )  # fmt: skip
            plain.append(PlainPatient(kvnr=insurance, born=born, patient_id=patient_id, nachname=surname))
        Patient.objects.bulk_create(encrypted)
        PlainPatient.objects.bulk_create(plain)
    return time.perf_counter() - started


def create_reports(practice: Institution, user: User) -> tuple[float, Patient, Patient]:
    """PAGE_REPORTS reports for the first patient, one each for the following ones, each with its tumour."""
    started = time.perf_counter()
    first = Patient.objects.get(patient_id=person(0)[2])
    single = Patient.objects.get(patient_id=person(1)[2])
    owners = [first.pk] * PAGE_REPORTS
    owners += list(
        Patient.objects.exclude(pk=first.pk).order_by("pk").values_list("pk", flat=True)[: REPORTS - PAGE_REPORTS]
    )
    for start in range(0, len(owners), BATCH):
        chunk = owners[start : start + BATCH]
        tumors = {
            pk: Tumor(patient_id=pk, number=1, tumor_id="1", zuordnung=DIAGNOSE["Tumorzuordnung"])
            for pk in dict.fromkeys(chunk)
        }
        Tumor.objects.bulk_create(tumors.values())
        reports = [
            Report(
                meldung_id=f"MB{start + offset:010d}", institution=practice, patient_id=pk, tumor=tumors[pk],
                report_type="Diagnose", meldeanlass="diagnose", data=DIAGNOSE, draft_uuid=uuid.uuid4(),
                sent_by=user, sent_at=timezone.now(),
            )
            for offset, pk in enumerate(chunk)
        ]  # fmt: skip
        Report.objects.bulk_create(reports)
    return time.perf_counter() - started, first, single


def measure(run: Callable[[int], object], rounds: int = ROUNDS) -> list[float]:
    timings = []
    for index in range(rounds):
        started = time.perf_counter()
        run(index)
        timings.append((time.perf_counter() - started) * 1000)
    return timings


def summary(label: str, timings: list[float]) -> None:
    ordered = sorted(timings)
    print(f"{label:52}{statistics.median(ordered):>10.2f}{ordered[int(len(ordered) * 0.95) - 1]:>10.2f}")


def run() -> None:
    with connection.schema_editor() as editor:
        editor.create_model(PlainPatient)
    practice = Institution.objects.create(name="Bench-Praxis", melder_id="BENCH1")
    user = make_user("bench", Role.MELDEND, practice, enrolled=False)
    patient_seconds = create_patients(practice, user)
    print(f"{PATIENTS} encrypted patients (+ the same plain rows) in {patient_seconds:.0f} s "
          f"({PATIENTS / patient_seconds:.0f} patients/s, bulk_create in batches of {BATCH})")  # fmt: skip
    report_seconds, page_patient, single_patient = create_reports(practice, user)
    print(f"{Report.objects.count()} encrypted reports in {report_seconds:.0f} s")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")  # as autovacuum would after such a load: visibility map and statistics

    sample = random.Random(7)  # noqa: S311 -- which patients to look up, not a secret
    picks = [person(sample.randrange(PATIENTS)) for _ in range(ROUNDS)]

    def by_kvnr(index: int) -> None:
        insurance, born, _, _ = picks[index]
        assert lookups.by_insurance_number(practice, insurance, born) is not None

    def by_id(index: int) -> None:
        assert lookups.by_patient_id(practice, picks[index][2]) is not None

    def plain_kvnr(index: int) -> None:
        insurance, born, _, _ = picks[index]
        assert PlainPatient.objects.filter(kvnr=insurance, born=born).first() is not None

    def plain_id(index: int) -> None:
        assert PlainPatient.objects.filter(patient_id=picks[index][2]).first() is not None

    client = Client()
    client.force_login(user)
    session = client.session
    session[LOGIN_AT] = time.time()
    session.save()

    def page(patient: Patient) -> Callable[[int], None]:
        def render(_: int) -> None:
            response = client.get(f"/patienten/{patient.uuid}/")
            assert response.status_code == 200, response.status_code

        return render

    print(f"{ROUNDS} rounds each, PostgreSQL at {connection.settings_dict['HOST']}")
    print(f"{'':52}{'median ms':>10}{'p95 ms':>10}")
    summary("lookup by KVNR + birth date (encrypted)", measure(by_kvnr))
    summary("lookup by KVNR + birth date (plain, reference)", measure(plain_kvnr))
    summary("lookup by Patient_ID (encrypted table)", measure(by_id))
    summary("lookup by Patient_ID (plain, reference)", measure(plain_id))
    summary(f"patient page with {PAGE_REPORTS} reports", measure(page(page_patient), 100))
    summary("patient page with 1 report", measure(page(single_patient), 100))
    for label, patient in ((f"{PAGE_REPORTS} reports", page_patient), ("1 report", single_patient)):
        with CaptureQueriesContext(connection) as queries:
            page(patient)(0)
        print(f"queries for the patient page with {label}: {len(queries)}")
    sent_list(client)


def sent_list(client: Client) -> None:
    """The list of sent reports at this size: pages and searches (median, p95), the whole CSV once."""
    reports = Report.objects.count()
    ids = random.Random(8).sample(range(PAGE_REPORTS, reports), ROUNDS)  # noqa: S311 -- which reports, no secret

    def listing(query: Callable[[int], dict[str, str]]) -> Callable[[int], None]:
        def render(index: int) -> None:
            response = client.get("/meldungen/", query(index))
            assert response.status_code == 200 and "<tbody>" in response.content.decode(), query(index)

        return render

    summary(f"list of sent reports ({reports}), first page", measure(listing(lambda _: {}), 100))
    summary("  searching a whole Meldung-ID", measure(listing(lambda i: {"suche": f"MB{ids[i]:010d}"}), 100))
    summary("  searching its start (100 hits)", measure(listing(lambda i: {"suche": f"MB{ids[i]:010d}"[:10]}), 100))
    owners = dict(
        Report.objects.filter(meldung_id__in=[f"MB{number:010d}" for number in ids]).values_list(
            "meldung_id", "patient__patient_id"
        )
    )
    summary("  searching a Patient_ID", measure(listing(lambda i: {"suche": owners[f"MB{ids[i]:010d}"]}), 100))
    started = time.perf_counter()
    response = cast(StreamingHttpResponse, client.get("/meldungen/meldungen.csv"))
    size = sum(len(chunk) for chunk in cast(Iterator[bytes], response.streaming_content))
    seconds = time.perf_counter() - started
    print(f"CSV of all {reports} reports: {size / 1024 / 1024:.1f} MB in {seconds:.1f} s ({reports / seconds:.0f}/s)")


def main() -> None:
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
            run()
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
