"""Meldende Einrichtungen: practices and hospital departments with a registry-issued Melder-ID."""

from __future__ import annotations

import uuid

from django.contrib.postgres.fields import ArrayField
from django.db import models


class InstitutionKind(models.TextChoices):
    PRAXIS = "praxis", "Arztpraxis"
    MVZ = "mvz", "Medizinisches Versorgungszentrum"
    KRANKENHAUS = "krankenhaus", "Krankenhaus / Fachabteilung"
    PATHOLOGIE = "pathologie", "Pathologie"
    STRAHLENTHERAPIE = "strahlentherapie", "Strahlentherapie"
    SONSTIGE = "sonstige", "Sonstige Einrichtung"


class UploadStatus(models.TextChoices):
    """The registry's rule for new uploaders: a test package is reviewed before packages are imported unseen."""

    NICHT_FREIGESCHALTET = "nicht_freigeschaltet", "nicht freigeschaltet"
    TESTPHASE = "testphase", "Testphase"
    FREIGEGEBEN = "freigegeben", "freigegeben"


class Institution(models.Model):
    """A Meldende Einrichtung. Its Melder-ID is issued by the registry and appears in every oBDS package."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField("Name", max_length=200)
    melder_id = models.CharField("Melder-ID", max_length=20, unique=True)
    kind = models.CharField("Art", max_length=20, choices=InstitutionKind.choices, default=InstitutionKind.PRAXIS)
    street = models.CharField("Straße und Hausnummer", max_length=200, blank=True)
    postal_code = models.CharField("PLZ", max_length=5, blank=True)
    city = models.CharField("Ort", max_length=100, blank=True)
    contact_name = models.CharField("Ansprechperson", max_length=200, blank=True)
    contact_phone = models.CharField("Telefon", max_length=50, blank=True)
    contact_email = models.EmailField("E-Mail", blank=True)
    upload_status = models.CharField(
        "WebUpload", max_length=20, choices=UploadStatus.choices, default=UploadStatus.NICHT_FREIGESCHALTET
    )
    declared_types = ArrayField(
        models.CharField(max_length=20), verbose_name="Angekündigte Meldungsarten", default=list, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "Meldende Einrichtung"
        verbose_name_plural = "Meldende Einrichtungen"

    def __str__(self) -> str:
        return f"{self.name} ({self.melder_id})"

    @property
    def address(self) -> str:
        """Street, postal code and city as far as they are known, e.g. „Hauptstraße 1, 60311 Frankfurt“."""
        return ", ".join(filter(None, (self.street, f"{self.postal_code} {self.city}".strip())))

    @property
    def contact(self) -> str:
        return ", ".join(filter(None, (self.contact_name, self.contact_phone, self.contact_email)))
