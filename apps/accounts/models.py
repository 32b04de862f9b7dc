"""Users of the portal: reporters of an institution, or registry staff (Vertrauensstelle) without one."""

from __future__ import annotations

import uuid

from django.contrib.auth.models import AbstractUser
from django.db import models


class User(AbstractUser):
    """A portal user. Reporters belong to exactly one institution; registry staff to none."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    institution = models.ForeignKey(
        "institutions.Institution", null=True, blank=True, on_delete=models.PROTECT, related_name="users"
    )

    class Meta:
        verbose_name = "Benutzer"
        verbose_name_plural = "Benutzer"
