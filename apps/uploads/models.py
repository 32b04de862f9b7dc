"""Uploaded report packages (Meldungspakete): the encrypted original, its state and its validation report."""

from __future__ import annotations

import uuid
from functools import cached_property

from django.conf import settings
from django.db import models
from django.db.models import Q

from apps.core.fields import EncryptedJSONField
from apps.reports.models import ReportType
from apps.uploads.files import is_zip_name


class PackageState(models.TextChoices):
    EMPFANGEN = "empfangen", "Empfangen"
    IN_PRUEFUNG = "in_pruefung", "In Prüfung"
    ANGENOMMEN = "angenommen", "Angenommen"
    TEILWEISE = "teilweise", "Teilweise angenommen"
    ABGELEHNT = "abgelehnt", "Abgelehnt"
    DUPLIKAT = "duplikat", "Doppelt hochgeladen"
    WARTET = "wartet", "Wartet auf Freigabe"
    ZURUECKGEGEBEN = "zurueckgegeben", "Zurückgegeben"


# States the worker leaves alone; a test package granted Freigabe goes back to EMPFANGEN and is imported.
FINAL_STATES = (
    PackageState.ANGENOMMEN,
    PackageState.TEILWEISE,
    PackageState.ABGELEHNT,
    PackageState.DUPLIKAT,
    PackageState.WARTET,
    PackageState.ZURUECKGEGEBEN,
)


class Package(models.Model):
    """One uploaded file. ``content_hash`` (HMAC of the plaintext) finds the same file uploaded again.

    ``problems`` is the validation report (lines, element paths, Patient_IDs, Meldung_IDs): encrypted.
    ``counts`` holds only numbers (patients, Meldungen by type, accepted, rejected, warnings).
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    institution = models.ForeignKey("institutions.Institution", on_delete=models.PROTECT, related_name="packages")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    filename = models.CharField("Dateiname", max_length=120)
    size = models.BigIntegerField("Größe in Bytes")
    content_hash = models.CharField(max_length=100)
    stored_file = models.OneToOneField("core.StoredFile", on_delete=models.PROTECT, related_name="package")
    state = models.CharField("Status", max_length=20, choices=PackageState.choices, default=PackageState.EMPFANGEN)
    format = models.CharField("Format", max_length=20, blank=True)
    schema_version = models.CharField("Schema-Version", max_length=20, blank=True)
    counts = models.JSONField(default=dict, blank=True)
    problems = EncryptedJSONField("Prüfbericht", default=list)
    duplicate_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    attempts = models.PositiveSmallIntegerField(default=0)
    test_package = models.BooleanField("Testpaket", default=False)
    review_note = models.TextField("Korrekturhinweise der Vertrauensstelle", blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField("Hochgeladen", auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "Meldungspaket"
        verbose_name_plural = "Meldungspakete"
        ordering = ["-created_at", "-id"]  # the id decides between packages of the same moment (stable pages)
        constraints = [
            models.UniqueConstraint(
                fields=["institution", "content_hash"],
                condition=Q(duplicate_of__isnull=True),
                name="one_package_per_content",
            )
        ]

    def __str__(self) -> str:
        return f"Paket {self.uuid}"

    def type_counts(self) -> list[tuple[str, int]]:
        """Meldungen by report type, in the order of the oBDS report types: ("Diagnose", 12), …"""
        return [
            (label, self.counts[f"art_{kind}"]) for kind, label in ReportType.choices if self.counts.get(f"art_{kind}")
        ]

    @property
    def is_archive(self) -> bool:
        """A ZIP upload, whose problems name the file inside the archive."""
        return is_zip_name(self.filename)

    @property
    def finished(self) -> bool:
        return self.state in FINAL_STATES

    @property
    def refused_whole(self) -> bool:
        """Refused before any Meldung was judged: a schema error, an unreadable file, a refused version, an
        institution not enabled for uploads, a package that kept killing its worker."""
        return self.finished and self.counts.get("schema_gueltig") == 0

    @property
    def held_back(self) -> bool:
        """A test package's Meldungen without Fehler are not taken over: it waits for the Freigabe, was returned,
        or fell short of the test phase's rules (the one way to be refused with Meldungen counted as accepted)."""
        waiting = self.state in (PackageState.WARTET, PackageState.ZURUECKGEGEBEN)
        return waiting or (self.state == PackageState.ABGELEHNT and self.counts.get("angenommen", 0) > 0)

    def accepted_summary(self) -> str:
        """A list's „Meldungen angenommen / abgelehnt“, in words where the numbers would mislead."""
        if not self.finished or self.state == PackageState.DUPLIKAT:
            return "–"
        if self.refused_whole:
            return "keine – ganzes Paket abgelehnt"
        if self.held_back:
            return "keine – Testpaket"
        return f"{self.counts.get('angenommen', 0)} / {self.counts.get('abgelehnt', 0)}"

    @cached_property
    def progress(self) -> Progress | None:
        """How far the worker has read the package, while it is being checked."""
        if self.state != PackageState.IN_PRUEFUNG:
            return None
        return Progress.objects.filter(package_uuid=self.uuid).first()


class Progress(models.Model):
    """How far the worker has read a package, written by apps.uploads.progress outside the package's transaction.

    It names the package by its uuid, without a foreign key: checking one would wait for the package's row,
    which the worker holds locked until the package's outcome is committed."""

    package_uuid = models.UUIDField(unique=True)
    done = models.BigIntegerField()  # bytes of XML read (of all files of a ZIP upload)
    total = models.BigIntegerField()
    patients = models.PositiveIntegerField()
    updated_at = models.DateTimeField()

    class Meta:
        verbose_name = "Prüffortschritt"
        verbose_name_plural = "Prüffortschritte"

    def __str__(self) -> str:
        return f"Fortschritt von Paket {self.package_uuid}"

    @property
    def percent(self) -> int:
        """Whole percent, never 100 before the outcome is committed."""
        return min(99, self.done * 100 // self.total) if self.total > 0 else 0
