"""Meldende Einrichtungen: practices and hospital departments with a registry-issued Melder-ID."""

from __future__ import annotations

import uuid

from django.db import models


class Institution(models.Model):
    """A Meldende Einrichtung. Its Melder-ID is issued by the registry and appears in every oBDS package."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField("Name", max_length=200)
    melder_id = models.CharField("Melder-ID", max_length=20, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "Meldende Einrichtung"
        verbose_name_plural = "Meldende Einrichtungen"

    def __str__(self) -> str:
        return f"{self.name} ({self.melder_id})"
