"""Tumours, report drafts (Entwürfe) and sent reports (Meldungen). Report content is encrypted, shaped as oBDS."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.postgres.indexes import OpClass
from django.db import models
from django.db.models.functions import Upper

from apps.core.fields import EncryptedJSONField


class ReportType(models.TextChoices):
    """The eight oBDS report contents; the value is the element name in the Meldung."""

    DIAGNOSE = "Diagnose", "Diagnose"
    PATHOLOGIE = "Pathologie", "Pathologiebefund"
    OP = "OP", "Operation"
    ST = "ST", "Strahlentherapie"
    SYST = "SYST", "Systemische Therapie"
    VERLAUF = "Verlauf", "Verlauf"
    TOD = "Tod", "Tod"
    TUMORKONFERENZ = "Tumorkonferenz", "Tumorkonferenz"


# The values of oBDS Meldeanlass (the XSD documents none of them) as a page shows them.
MELDEANLASS = {
    "diagnose": "Diagnose",
    "histologie_zytologie": "Histologie/Zytologie",
    "behandlungsbeginn": "Behandlungsbeginn",
    "behandlungsende": "Behandlungsende",
    "statusaenderung": "Statusänderung",
    "statusmeldung": "Statusmeldung",
    "tod": "Tod",
}


class Tumor(models.Model):
    """One primary tumour of a patient, numbered 1, 2, … per patient (the oBDS Tumor_ID).

    ``zuordnung`` is the Tumorzuordnung of its latest sent report: what lists show and new reports start from.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="tumors")
    number = models.PositiveIntegerField("Tumor-Nr.")
    tumor_id = models.CharField("Tumor_ID", max_length=50)  # the institution's own id; online: the number
    zuordnung = EncryptedJSONField("Tumorzuordnung", blank=True, null=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "Tumor"
        verbose_name_plural = "Tumoren"
        constraints = [
            models.UniqueConstraint(fields=["patient", "number"], name="tumor_number_per_patient"),
            models.UniqueConstraint(fields=["patient", "tumor_id"], name="tumor_id_per_patient"),
            # What the foreign keys of reports and drafts name: a tumour of their patient (Report).
            models.UniqueConstraint(fields=["id", "patient"], name="tumor_of_patient"),
        ]
        ordering = ["number"]

    def __str__(self) -> str:
        return f"Tumor {self.number}"


class Draft(models.Model):
    """A report being prepared (Entwurf). ``data`` holds the answers so far, shaped like the oBDS Meldung.

    Deleted when sent, by its users, or by ``prune_drafts`` after DRAFT_MAX_AGE_DAYS without a change.
    ``tumor`` is None while the report is about a new tumour.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # Two foreign keys of two columns, as for Report (migration 0009).
    institution = models.ForeignKey(
        "institutions.Institution", on_delete=models.PROTECT, related_name="+", db_constraint=False
    )
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.CASCADE, related_name="drafts", db_constraint=False
    )
    tumor = models.ForeignKey(
        Tumor, null=True, blank=True, on_delete=models.CASCADE, related_name="drafts", db_constraint=False
    )
    report_type = models.CharField("Meldungsart", max_length=20, choices=ReportType.choices)
    data = EncryptedJSONField("Angaben", default=dict)
    corrects = models.ForeignKey(
        "reports.Report", null=True, blank=True, on_delete=models.CASCADE, related_name="correction_drafts"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "Entwurf"
        verbose_name_plural = "Entwürfe"

    def __str__(self) -> str:
        return f"Entwurf {self.get_report_type_display()}"


class Report(models.Model):
    """A sent Meldung. Immutable: PostgreSQL refuses UPDATE (except re-encrypting ``data``) and DELETE.

    ``data`` is the complete oBDS Meldung as sent, ids included; ``draft_uuid`` makes sending a draft twice
    (double click, two tabs) produce one report. Reports from an upload name their ``package`` and have no draft.

    Each index costs every stored report an entry; a package of 23 000 Meldungen writes them all at once. So the
    institution has no index of its own (both the unique Meldung_IDs and the list by date begin with it), and
    reports without a draft or without a corrected report are left out of those two indexes.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    meldung_id = models.CharField("Meldung-ID", max_length=50)
    # Institution, patient and tumour are held by two foreign keys of two columns (migration 0009): the patient in
    # the report's institution, the tumour of the report's patient. So no report can name another institution's
    # patient or another patient's tumour, whatever code writes it (the institution stays protected through its
    # patients); and PostgreSQL checks two keys per stored report instead of three.
    institution = models.ForeignKey(
        "institutions.Institution", on_delete=models.PROTECT, related_name="+", db_index=False, db_constraint=False
    )
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="reports", db_constraint=False
    )
    tumor = models.ForeignKey(Tumor, on_delete=models.PROTECT, related_name="reports", db_constraint=False)
    report_type = models.CharField("Meldungsart", max_length=20, choices=ReportType.choices)
    meldeanlass = models.CharField("Meldeanlass", max_length=30, blank=True)
    data = EncryptedJSONField("Meldung")
    corrects = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="corrections", db_index=False
    )
    draft_uuid = models.UUIDField(null=True, blank=True)
    package = models.ForeignKey(
        "uploads.Package", null=True, blank=True, on_delete=models.PROTECT, related_name="reports"
    )
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    sent_at = models.DateTimeField("Eingang")

    class Meta:
        verbose_name = "Meldung"
        verbose_name_plural = "Meldungen"
        ordering = ["-sent_at"]
        # Meldung_IDs are the sender's: unique per institution (uploads bring the ids of hospital systems).
        constraints = [
            models.UniqueConstraint(fields=["institution", "meldung_id"], name="meldung_id_per_institution"),
            models.UniqueConstraint(
                fields=["draft_uuid"], condition=models.Q(draft_uuid__isnull=False), name="one_report_per_draft"
            ),
        ]
        # The list of an institution's sent reports, newest first, one page at a time (apps/reports/sent.py).
        indexes = [
            models.Index(fields=["institution", "-sent_at"], name="report_institution_sent"),
            # Its search by the start of a Meldung-ID in any case (istartswith: UPPER(…) LIKE 'X%').
            models.Index(OpClass(Upper("meldung_id"), name="text_pattern_ops"), name="report_meldung_id_search"),
            # A report's corrections (few reports have one).
            models.Index(fields=["corrects"], condition=models.Q(corrects__isnull=False), name="report_corrections"),
        ]

    def __str__(self) -> str:
        return f"Meldung {self.meldung_id}"

    @property
    def meldeanlass_label(self) -> str:
        return MELDEANLASS.get(self.meldeanlass, self.meldeanlass)

    @property
    def kind_label(self) -> str:
        """„Operation (Behandlungsende)“; the Meldeanlass only where it says more than the report type."""
        kind, occasion = self.get_report_type_display(), self.meldeanlass_label
        return f"{kind} ({occasion})" if occasion and occasion != kind else kind
