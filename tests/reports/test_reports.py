"""Sending reports: one immutable Meldung per draft, Fehler block, corrections refer to the original, exports valid."""

from __future__ import annotations

import copy
import datetime
import io
import uuid

import pytest
from django.core.management import call_command
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone

from apps.core.models import AuditEvent
from apps.obds.export import PatientEntry, package, problems, read, to_xml
from apps.patients.actions import do_create_patient
from apps.patients.obds import stammdaten
from apps.reports.actions import (
    DraftGone,
    SendingRefused,
    do_send_draft,
    do_start_correction,
)
from apps.reports.export import absender, melder, report_xml
from apps.reports.models import Draft, Report, ReportType, Tumor
from apps.reports.steps import meldung_spec
from tests.personas import ERIKA
from tests.reports import examples
from tests.reports.examples import draft_with
from tests.reports.specimens import FREE_TEXT, meldung

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("report_type", [choice.value for choice in ReportType])
@pytest.mark.parametrize("choice", [0, 1])
def test_every_report_type_with_every_block_filled_exports_valid_obds_and_reads_back_the_same(
    erika, praxis, report_type, choice
):
    data = meldung(meldung_spec(), report_type, choice, ids=True)
    data["@Melder_ID"] = praxis.melder_id
    entry = PatientEntry(erika.patient_id, stammdaten(erika), [data])
    xml = to_xml(package(absender=absender(praxis), meldedatum=datetime.date(2026, 11, 23), patients=[entry],
                         melder=[melder(praxis)]))  # fmt: skip
    assert problems(xml) == []
    back = read(xml)
    patient = back["Menge_Patient"]["Patient"][0]
    assert patient["Menge_Meldung"]["Meldung"] == [data]
    assert patient["Patienten_Stammdaten"] == stammdaten(erika)
    assert b"&lt;script&gt;" in xml and b"<script>" not in xml


def test_a_sent_report_gets_an_id_a_tumour_number_and_an_audit_event(erika, physician, clock):
    draft = draft_with(erika, physician, examples.DIAGNOSE)
    report = do_send_draft(draft.uuid, acting_user=physician)
    assert report.meldung_id.startswith("M") and len(report.meldung_id) == 12
    assert report.tumor.number == 1 and report.data["Tumorzuordnung"]["@Tumor_ID"] == "1"
    assert (report.sent_by, report.meldeanlass, report.sent_at) == (physician, "diagnose", timezone.now())
    assert not Draft.objects.filter(pk=draft.pk).exists()
    event = AuditEvent.objects.get(action="report.sent")
    assert event.details == {"meldung_id": report.meldung_id, "art": "Diagnose", "korrektur": False}
    assert problems(report_xml(report)) == []


def test_report_content_is_encrypted_in_the_database(erika, physician, clock):
    report = do_send_draft(draft_with(erika, physician, examples.DIAGNOSE).uuid, acting_user=physician)
    with connection.cursor() as cursor:
        cursor.execute("SELECT data FROM reports_report WHERE id = %s", [report.pk])
        stored = cursor.fetchone()[0]
    assert "C50.4" not in stored and "2025-02-03" not in stored


def test_a_sent_report_cannot_be_changed_or_deleted(erika, physician, clock):
    report = do_send_draft(draft_with(erika, physician, examples.DIAGNOSE).uuid, acting_user=physician)
    for statement in (
        "UPDATE reports_report SET meldeanlass = 'x' WHERE id = %s",
        "DELETE FROM reports_report WHERE id = %s",
    ):
        with pytest.raises(DatabaseError, match="immutable"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement, [report.pk])
    with connection.cursor() as cursor:  # re-encrypting data (key rotation) stays possible
        cursor.execute("UPDATE reports_report SET data = data WHERE id = %s", [report.pk])


def test_sending_the_same_draft_twice_gives_one_report(erika, physician, clock):
    draft = draft_with(erika, physician, examples.DIAGNOSE)
    do_send_draft(draft.uuid, acting_user=physician)
    with pytest.raises(DraftGone):
        do_send_draft(draft.uuid, acting_user=physician)
    assert Report.objects.count() == 1


def test_the_database_keeps_one_report_per_draft_where_two_sends_race(erika, physician, clock):
    """The partial unique index on draft_uuid (reports from an upload have no draft and are not in it)."""
    report = do_send_draft(draft_with(erika, physician, examples.DIAGNOSE).uuid, acting_user=physician)
    twin = Report.objects.get(pk=report.pk)
    twin.pk, twin.uuid, twin.meldung_id = None, uuid.uuid4(), "ANDERE-ID"
    with pytest.raises(IntegrityError, match="one_report_per_draft"), transaction.atomic():
        twin.save()
    twin.draft_uuid = None
    twin.save()  # without a draft, as an uploaded report
    assert Report.objects.count() == 2


def test_the_database_refuses_a_report_of_one_institution_about_another_institutions_patient(
    erika, physician, outsider, clock
):
    """Whatever code writes it: a report's patient belongs to its institution, its tumour to its patient."""
    report = do_send_draft(draft_with(erika, physician, examples.DIAGNOSE).uuid, acting_user=physician)
    stranger = Report.objects.get(pk=report.pk)
    stranger.pk, stranger.uuid, stranger.draft_uuid = None, uuid.uuid4(), None
    stranger.institution, stranger.sent_by = outsider.institution, outsider
    checked_at_once()
    with pytest.raises(IntegrityError, match="reports_report_patient_in_institution"), transaction.atomic():
        stranger.save()
    assert Report.objects.count() == 1


def test_the_database_refuses_a_draft_of_one_institution_about_another_institutions_patient(
    erika, physician, outsider, clock
):
    draft = draft_with(erika, physician, examples.DIAGNOSE)
    draft.institution = outsider.institution
    checked_at_once()
    with pytest.raises(IntegrityError, match="reports_draft_patient_in_institution"), transaction.atomic():
        draft.save()
    assert Draft.objects.get(pk=draft.pk).institution == physician.institution


def test_the_database_refuses_a_report_about_one_patients_tumour_for_another_patient(erika, physician, clock):
    report = do_send_draft(draft_with(erika, physician, examples.DIAGNOSE).uuid, acting_user=physician)
    max_ = do_create_patient(
        institution=physician.institution, acting_user=physician, **{**ERIKA, "vornamen": "Max", "insurance_number": ""}
    )
    mixed = Report.objects.get(pk=report.pk)
    mixed.pk, mixed.uuid, mixed.draft_uuid, mixed.meldung_id, mixed.patient = None, uuid.uuid4(), None, "M-2", max_
    checked_at_once()
    with pytest.raises(IntegrityError, match="reports_report_tumor_of_patient"), transaction.atomic():
        mixed.save()
    mixed.tumor = Tumor.objects.create(patient=max_, number=1, tumor_id="1")
    mixed.save()  # the same report with a tumour of its own patient
    assert Report.objects.count() == 2


def checked_at_once() -> None:
    """Foreign keys are checked at the commit (Django declares them deferred), which a test never reaches; the
    upload checks them at once too (apps/uploads/processing._prepare_for_import)."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def test_a_fehler_blocks_sending_and_keeps_the_draft(erika, physician, clock):
    data = copy.deepcopy(examples.DIAGNOSE)
    data["Tumorzuordnung"]["Primaertumor_ICD"]["Code"] = "C61"  # prostate, for a woman
    draft = draft_with(erika, physician, data)
    with pytest.raises(SendingRefused) as refused:
        do_send_draft(draft.uuid, acting_user=physician)
    assert any("C61" in message for message in refused.value.messages)
    assert Draft.objects.filter(pk=draft.pk).exists() and not Report.objects.exists()


def test_the_role_erfassung_prepares_but_cannot_send(erika, colleague, clock):
    draft = draft_with(erika, colleague, examples.DIAGNOSE)
    with pytest.raises(SendingRefused):
        do_send_draft(draft.uuid, acting_user=colleague)
    assert Draft.objects.filter(pk=draft.pk).exists()


def test_further_reports_about_the_tumour_keep_its_number_and_a_new_tumour_gets_the_next(erika, physician, clock):
    first = do_send_draft(draft_with(erika, physician, examples.DIAGNOSE).uuid, acting_user=physician)
    death = draft_with(erika, physician, examples.TOD, report_type="Tod", tumor=first.tumor)
    assert do_send_draft(death.uuid, acting_user=physician).tumor == first.tumor
    second = do_send_draft(draft_with(erika, physician, examples.DIAGNOSE).uuid, acting_user=physician)
    assert second.tumor.number == 2


def test_a_second_death_report_is_refused(erika, physician, clock):
    do_send_draft(draft_with(erika, physician, examples.TOD, report_type="Tod").uuid, acting_user=physician)
    with pytest.raises(SendingRefused, match="Tod"):
        do_send_draft(draft_with(erika, physician, examples.TOD, report_type="Tod").uuid, acting_user=physician)


def test_a_correction_is_a_new_report_referencing_the_original_with_the_remark(erika, physician, clock):
    original = do_send_draft(draft_with(erika, physician, examples.DIAGNOSE).uuid, acting_user=physician)
    draft = do_start_correction(original, acting_user=physician)
    assert draft.data["Diagnose"] == original.data["Diagnose"] and draft.corrects == original
    draft.data["Diagnose"]["Histologie"]["Grading"] = "3"
    draft.save()
    correction = do_send_draft(draft.uuid, acting_user=physician)
    assert correction.corrects == original and correction.meldung_id != original.meldung_id
    assert correction.data["Anmerkung"] == "Korrekturmeldung"
    assert correction.tumor == original.tumor
    assert correction.data["Diagnose"]["Histologie"]["Grading"] == "3"
    original.refresh_from_db()
    assert original.data["Diagnose"]["Histologie"]["Grading"] == "2"


def test_a_correction_of_a_death_report_is_not_a_second_death(erika, physician, clock):
    original = do_send_draft(draft_with(erika, physician, examples.TOD, report_type="Tod").uuid, acting_user=physician)
    correction = do_send_draft(do_start_correction(original, acting_user=physician).uuid, acting_user=physician)
    assert correction.corrects == original
    assert correction.data["Tod"]["@Abschluss_ID"] == original.data["Tod"]["@Abschluss_ID"] == original.meldung_id


def test_free_text_markup_is_escaped_in_the_export(erika, physician, clock):
    data = copy.deepcopy(examples.DIAGNOSE)
    data["Anmerkung"] = FREE_TEXT
    report = do_send_draft(draft_with(erika, physician, data).uuid, acting_user=physician)
    xml = report_xml(report)
    assert b"&lt;script&gt;alert('x')&lt;/script&gt; &amp; M\xc3\xbcller" in xml
    assert read(xml)["Menge_Patient"]["Patient"][0]["Menge_Meldung"]["Meldung"][0]["Anmerkung"] == FREE_TEXT


def test_old_drafts_are_pruned_and_recent_ones_kept(erika, physician, clock, settings):
    settings.DRAFT_MAX_AGE_DAYS = 90
    old = draft_with(erika, physician, examples.DIAGNOSE)
    Draft.objects.filter(pk=old.pk).update(updated_at=timezone.now() - datetime.timedelta(days=91))
    recent = draft_with(erika, physician, examples.DIAGNOSE)
    call_command("prune_drafts", stdout=io.StringIO())
    assert list(Draft.objects.all()) == [recent]
    assert AuditEvent.objects.get(action="draft.pruned").details == {"anzahl": 1, "tage": 90}


def test_draft_answers_are_encrypted_in_the_database(erika, physician):
    draft = draft_with(erika, physician, examples.DIAGNOSE)
    with connection.cursor() as cursor:
        cursor.execute("SELECT data FROM reports_draft WHERE id = %s", [draft.pk])
        assert "C50.4" not in cursor.fetchone()[0]


def test_the_demo_seed_makes_one_patient_with_one_sent_diagnosis_however_often_it_runs(settings, tmp_path, clock):
    settings.VAR_DIR = tmp_path
    call_command("seed_demo", stdout=io.StringIO())
    call_command("seed_demo", stdout=io.StringIO())
    report = Report.objects.get()
    assert (report.patient.patient_id, report.report_type, report.patient.nachname) == (
        "DEMO1",
        "Diagnose",
        "Musterfrau",
    )
