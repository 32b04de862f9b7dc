"""Background work of the WebUpload, run by ``manage.py db_worker``."""

from __future__ import annotations

from django_tasks import task

from apps.uploads.processing import process


@task()
def process_package(package_uuid: str) -> None:
    """Validate an uploaded package (schema, ownership, plausibility) and record its outcome."""
    process(package_uuid)
