"""Crypto-shred the stored originals of packages processed more than PACKAGE_RETENTION_DAYS ago (default 84,
i.e. 12 weeks). The validation report and the accepted Meldungen stay. Run daily from cron or a timer."""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from apps.core.audit import record_event
from apps.core.files import shred_file
from apps.uploads.models import FINAL_STATES, Package, PackageState


class Command(BaseCommand):
    help = (
        "Löscht die verschlüsselten Originale verarbeiteter Pakete nach PACKAGE_RETENTION_DAYS Tagen "
        "(Standard 84 = 12 Wochen), indem ihr Schlüssel gelöscht wird. Prüfbericht und Meldungen bleiben."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        cutoff = timezone.now() - datetime.timedelta(days=settings.PACKAGE_RETENTION_DAYS)
        due = Package.objects.filter(
            state__in=[state for state in FINAL_STATES if state != PackageState.WARTET],
            finished_at__lt=cutoff,
            stored_file__data_key__isnull=False,
        ).select_related("stored_file")
        count = 0
        for package in due.iterator(chunk_size=200):
            with transaction.atomic():
                shred_file(package.stored_file)
                record_event("package.shredded", actor=None, actor_label="system:shred_packages", target=package)
            count += 1
        self.stdout.write(f"{count} Paket-Originale gelöscht (älter als {settings.PACKAGE_RETENTION_DAYS} Tage).")
