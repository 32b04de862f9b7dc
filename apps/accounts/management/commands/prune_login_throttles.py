from __future__ import annotations

import datetime
from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from apps.accounts.models import LoginThrottle

KEEP = datetime.timedelta(days=1)


class Command(BaseCommand):
    help = (
        "Deletes password-failure counters that hold no lock and were last touched over a day ago. Counters are "
        "kept for any typed name (no account enumeration), so run this daily (cron or systemd timer) to keep "
        "the table small. Hard locks stay until the Vertrauensstelle unlocks."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        cutoff = timezone.now() - KEEP
        stale = LoginThrottle.objects.filter(updated_at__lt=cutoff, hard_locked_at__isnull=True).exclude(
            locked_until__gt=timezone.now()
        )
        deleted, _ = stale.delete()
        self.stdout.write(f"{deleted} Zähler gelöscht.")
