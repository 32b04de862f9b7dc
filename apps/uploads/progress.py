"""A package's progress while the worker checks it, for the package page.

Everything the worker imports stays in one transaction until the package's outcome is committed (see
processing), so nothing written there is seen before. The progress goes through a database connection of its
own, in autocommit, at most once every ``UPLOAD_PROGRESS_SECONDS``: a package checked faster never opens one.
The outcome's transaction deletes the row (``forget``), so the page shows either a progress or an outcome.
A progress that cannot be written is logged and given up; it never stops the package.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Iterable

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils import timezone

from apps.uploads.models import Package, PackageState, Progress

logger = logging.getLogger(__name__)

UPSERT = """
    INSERT INTO uploads_progress (package_uuid, done, total, patients, updated_at)
    VALUES (%s, %s, %s, %s, %s)
    ON CONFLICT (package_uuid) DO UPDATE
    SET done = EXCLUDED.done, total = EXCLUDED.total, patients = EXCLUDED.patients, updated_at = EXCLUDED.updated_at
"""


class Reporter:
    """Writes one package's progress: ``done`` of ``total`` bytes of XML read, and the patients so far."""

    def __init__(self, package_uuid: uuid.UUID) -> None:
        self.package_uuid = package_uuid
        self.total = 0
        self.due = time.monotonic() + settings.UPLOAD_PROGRESS_SECONDS
        self.connection: BaseDatabaseWrapper | None = None
        self.given_up = False

    def report(self, done: int, patients: int) -> None:
        now = time.monotonic()
        if now < self.due or self.given_up:
            return
        self.due = now + settings.UPLOAD_PROGRESS_SECONDS
        try:
            if self.connection is None:
                self.connection = connections.create_connection(DEFAULT_DB_ALIAS)
            with self.connection.cursor() as cursor:
                cursor.execute(UPSERT, [self.package_uuid, done, self.total, patients, timezone.now()])
        except DatabaseError:
            logger.warning("Paket %s: Fortschritt nicht geschrieben", self.package_uuid, exc_info=True)
            self.given_up = True

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None


def forget(package_uuid: uuid.UUID) -> None:
    """In the outcome's transaction: the package is no longer in progress."""
    Progress.objects.filter(package_uuid=package_uuid).delete()


def read_for(packages: Iterable[Package]) -> None:
    """The progress of every package in check of a list, read in one query (``Package.progress`` reads one)."""
    checking = {package.uuid: package for package in packages if package.state == PackageState.IN_PRUEFUNG}
    if not checking:
        return
    found = {row.package_uuid: row for row in Progress.objects.filter(package_uuid__in=list(checking))}
    for package_uuid, package in checking.items():
        package.__dict__["progress"] = found.get(package_uuid)  # what the cached property would have read
