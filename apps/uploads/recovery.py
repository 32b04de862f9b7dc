"""Packages whose worker died: found because no live worker holds their row lock, and queued again."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from apps.uploads.models import Package, PackageState
from apps.uploads.tasks import process_package

# A worker locks the package between its two transactions only after a moment; give it that moment.
GRACE = datetime.timedelta(seconds=60)


def requeue_orphans(now: datetime.datetime | None = None) -> list[str]:
    """Queue again every unfinished package that no worker is processing; returns their uuids."""
    cutoff = (now or timezone.now()) - GRACE
    with transaction.atomic():
        orphans = list(
            Package.objects.select_for_update(skip_locked=True)
            .filter(state__in=[PackageState.EMPFANGEN, PackageState.IN_PRUEFUNG], created_at__lt=cutoff)
            .exclude(started_at__gte=cutoff)
            .values_list("uuid", flat=True)
        )
    for package_uuid in orphans:
        process_package.enqueue(str(package_uuid))
    return [str(package_uuid) for package_uuid in orphans]
