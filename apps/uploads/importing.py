"""Storing the accepted Meldungen of a package: patients matched (apps.uploads.matching), tumours by Tumor_ID, one
encrypted report per Meldung, linked to the package.

Work goes in batches of patients, a few queries each, inside the caller's transaction: a package is imported
whole or not at all.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import orjson
from django.db import connection
from django.utils import timezone

from apps.core.bulk import copy_objects, copy_rows, update_objects
from apps.patients.models import Patient
from apps.reports.actions import IMPLIED_MELDEANLASS
from apps.reports.models import Report, Tumor
from apps.uploads.entries import MeldungEntry, PatientEntry
from apps.uploads.matching import match_patients
from apps.uploads.models import Package


def refuse_sent(institution_id: int, batch: list[PatientEntry]) -> None:
    """Flag Meldung_IDs this institution sent before (within one file the XSD's unique key already holds).

    The batch's IDs go as one array parameter. Django's ``__in`` puts one placeholder per ID into the statement,
    some 400 for each batch, to be built and parsed, and sorts the rows by the model's ordering: the check took
    0.113 s of the worker's CPU for the 100 MB benchmark package that way, 0.044–0.047 s this way.

    Each ID is looked up on its own in the institution's unique index of Meldung_IDs (``SENT_BEFORE``). Asked as
    ``institution_id = … AND meldung_id = ANY(…)``, PostgreSQL chose, by statistics older than the package, to
    read every report of the institution and compare it with the list: for the last batch of the 100 MB benchmark
    package 23 408 reports for 400 IDs (6.0 ms, against 0.7 ms), for every batch again; and in a test, for a
    second package, all 480 reports of the first. Analysed statistics did not change that: in a test with the
    table analysed after 2 400 reports of one institution, the old query still read all 2 400 for 400 IDs.

    Where the table is all but empty or has never been analysed, PostgreSQL's estimates for this lookup tie
    between the unique index and the index on (institution, time of receipt), which would read every report of
    the institution for each ID; it then takes the index created first, the unique key's (pg_dump, too, restores
    constraints before other indexes). A test checks the rows read. The same lookup for patients was tried and
    dropped: there the insurance number's unique key lost such a tie to the Patient_ID's (38 405 patient rows
    read for the 10 MB benchmark package instead of 4 905)."""
    wanted = [meldung.meldung_id for entry in batch for meldung in entry.meldungen]
    with connection.cursor() as cursor:
        cursor.execute(SENT_BEFORE, [wanted, institution_id])
        sent = {meldung_id for (meldung_id,) in cursor.fetchall()}
    for entry in batch:
        for meldung in entry.meldungen:
            if meldung.meldung_id in sent and not meldung.repeated:
                meldung.note("Fehler", "Diese Meldung_ID wurde bereits gesendet (Duplikat).")


# LIMIT keeps the subquery apart from the join (it cannot be pulled up), so it runs once per wanted ID.
SENT_BEFORE = """
    SELECT wanted.id FROM unnest(%s::text[]) AS wanted (id),
    LATERAL (SELECT 1 FROM reports_report WHERE institution_id = %s AND meldung_id = wanted.id LIMIT 1) AS sent
"""


def store(package: Package, batch: list[PatientEntry], stored: dict[str, Patient]) -> None:
    """Reports for every accepted Meldung of ``batch``; refuses the Meldungen of a patient it cannot match.
    ``stored``: the batch's patients stored before (``stored_patients``); only they can have stored tumours."""
    patients = match_patients(package, [entry for entry in batch if entry.accepted()], stored)
    tumors = _tumors([patient for patient_id, patient in patients.items() if patient_id in stored])
    placed: list[tuple[MeldungEntry, Patient, Tumor]] = []
    touched: set[Tumor] = set()
    for entry in batch:
        for meldung in entry.accepted():
            patient = patients[entry.patient_id]
            zuordnung = meldung.about.zuordnung
            tumor = tumors.get((patient.pk, zuordnung["@Tumor_ID"])) or _new_tumor(patient, zuordnung, tumors)
            if tumor.pk is not None and tumor.zuordnung != zuordnung:  # a follow-up mostly repeats the stored one
                touched.add(tumor)
            tumor.zuordnung = zuordnung
            placed.append((meldung, patient, tumor))
    copy_objects([tumor for tumor in tumors.values() if tumor.pk is None])
    update_objects(list(touched), ["zuordnung"])
    now = timezone.now()
    copy_rows(Report, [_report_row(package, meldung, patient.pk, tumor.pk, now) for meldung, patient, tumor in placed])


def _report_row(package: Package, meldung: MeldungEntry, patient: int, tumor: int, now: datetime) -> dict[str, Any]:
    return {
        "uuid": uuid.uuid4(),
        "meldung_id": meldung.meldung_id,
        "institution_id": package.institution_id,
        "patient_id": patient,
        "tumor_id": tumor,
        "report_type": meldung.report_type,
        "meldeanlass": meldung.about.meldeanlass or IMPLIED_MELDEANLASS.get(meldung.report_type, ""),
        "data": orjson.Fragment(meldung.text),
        "draft_uuid": None,
        "package_id": package.pk,
        "sent_by_id": package.uploaded_by_id,
        "sent_at": now,
    }


def _tumors(patients: list[Patient]) -> dict[tuple[int, str], Tumor]:
    if not patients:  # a batch of new patients: no query
        return {}
    return {(tumor.patient_id, tumor.tumor_id): tumor for tumor in Tumor.objects.filter(patient__in=patients)}


def _new_tumor(patient: Patient, zuordnung: dict[str, Any], tumors: dict[tuple[int, str], Tumor]) -> Tumor:
    """The patient's next number; ``tumors`` holds every tumour of the batch's patients, stored or new."""
    numbers = [tumor.number for (owner, _), tumor in tumors.items() if owner == patient.pk]
    tumor = Tumor(patient=patient, number=max(numbers, default=0) + 1, tumor_id=zuordnung["@Tumor_ID"])
    tumors[(patient.pk, tumor.tumor_id)] = tumor
    return tumor
