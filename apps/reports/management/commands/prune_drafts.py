"""Delete report drafts nobody has touched for DRAFT_MAX_AGE_DAYS (default 90). Run daily from cron or a timer."""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from apps.core.audit import record_event
from apps.reports.models import Draft


class Command(BaseCommand):
    help = (
        "Löscht Entwürfe, die seit DRAFT_MAX_AGE_DAYS Tagen (Standard 90) nicht geändert wurden. "
        "Täglich ausführen: Entwürfe enthalten Patientendaten und sollen nicht unbegrenzt liegen bleiben."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        cutoff = timezone.now() - datetime.timedelta(days=settings.DRAFT_MAX_AGE_DAYS)
        with transaction.atomic():
            stale = Draft.objects.filter(updated_at__lt=cutoff)
            count = stale.count()
            stale.delete()
            record_event(
                "draft.pruned",
                actor=None,
                actor_label="system:prune_drafts",
                details={"anzahl": count, "tage": settings.DRAFT_MAX_AGE_DAYS},
            )
        self.stdout.write(f"{count} Entwürfe gelöscht (älter als {settings.DRAFT_MAX_AGE_DAYS} Tage).")
