"""Personenstammdaten: one patient as one institution knows them. Every identifying value is encrypted."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.postgres.indexes import OpClass
from django.db import models
from django.db.models.functions import Upper

from apps.core.fields import BlindIndexField, EncryptedDateField, EncryptedJSONField, EncryptedTextField
from apps.patients.address import one_line


class InsuranceKind(models.TextChoices):
    GKV = "GKV", "Gesetzlich versichert"
    PKV = "PKV", "Privat versichert"
    SONSTIGE = "Sonstige", "Sonstiger Kostenträger"


class Sex(models.TextChoices):
    """oBDS Geschlecht; X (amtlich „keine Angabe“) is not the same as U (dem Melder unbekannt)."""

    M = "M", "männlich"
    W = "W", "weiblich"
    D = "D", "divers"
    X = "X", "unbestimmt (amtlich keine Angabe)"
    U = "U", "unbekannt"


class DatePrecision(models.TextChoices):
    """oBDS Datumsgenauigkeit."""

    E = "E", "exakt"
    T = "T", "Tag geschätzt"
    M = "M", "Monat geschätzt"
    V = "V", "vollständig geschätzt"


class Patient(models.Model):
    """Personenstammdaten of one institution. ``patient_id`` is the institution's own, non-identifying id.

    Lookups go through blind indexes: insurance number + birth date, and surname + birth date.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    institution = models.ForeignKey("institutions.Institution", on_delete=models.PROTECT, related_name="patients")
    patient_id = models.CharField("Patienten-ID", max_length=50)  # oBDS allows 50; uploads bring theirs
    insurance_kind = models.CharField("Versicherung", max_length=10, choices=InsuranceKind.choices)
    iknr = models.CharField("IK der Krankenkasse", max_length=9, blank=True)
    insurance_number = EncryptedTextField("Versichertennummer", blank=True, null=True)
    beihilfetraeger = models.CharField("Beihilfeträger", max_length=255, blank=True)
    ersatzkode = models.CharField("Ersatzkode", max_length=9, blank=True)
    krankenkassen_name = models.CharField("Name der Krankenkasse", max_length=255, blank=True)
    nachname = EncryptedTextField("Nachname")
    vornamen = EncryptedTextField("Vornamen")
    titel = EncryptedTextField("Titel", blank=True, null=True)
    namenszusatz = EncryptedTextField("Namenszusatz", blank=True, null=True)
    namensvorsatz = EncryptedTextField("Namensvorsatz", blank=True, null=True)
    geburtsname = EncryptedTextField("Geburtsname", blank=True, null=True)
    fruehere_namen = EncryptedJSONField("Frühere Namen", blank=True, null=True)
    geschlecht = models.CharField("Geschlecht", max_length=1, choices=Sex.choices)
    geburtsdatum = EncryptedDateField("Geburtsdatum")
    geburtsdatum_genauigkeit = models.CharField(
        "Genauigkeit des Geburtsdatums", max_length=1, choices=DatePrecision.choices, default=DatePrecision.E
    )
    adresse = EncryptedJSONField("Adresse", blank=True, null=True)
    # The date the Stammdaten are from: an online change's day, or the Meldedatum of the package that brought them.
    # A package older than that brings older Stammdaten, which do not replace these (apps.uploads.matching).
    stammdaten_stand = models.DateField("Stand der Stammdaten", null=True, blank=True)
    insurance_index = BlindIndexField(sources=("insurance_number", "geburtsdatum"), label="patient.versicherung")
    name_index = BlindIndexField(sources=("nachname", "geburtsdatum"), label="patient.nachname")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "Patient"
        verbose_name_plural = "Patienten"
        constraints = [
            models.UniqueConstraint(fields=["institution", "patient_id"], name="patient_id_per_institution"),
            models.UniqueConstraint(fields=["institution", "insurance_index"], name="one_record_per_insured_person"),
            # What the foreign keys of reports and drafts name: their patient in their institution
            # (apps/reports/models.Report).
            models.UniqueConstraint(fields=["id", "institution"], name="patient_in_institution"),
        ]
        # The search of the list of sent reports by the start of a Patient_ID in any case (apps/reports/sent.py).
        indexes = [models.Index(OpClass(Upper("patient_id"), name="text_pattern_ops"), name="patient_id_search")]

    def __str__(self) -> str:
        return f"Patient {self.patient_id}"  # never the name: str() ends up in logs and error pages

    @property
    def address_line(self) -> str:
        return one_line(self.adresse)
