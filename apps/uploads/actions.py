"""State changes of packages; each one transaction with an audit event (counts and ids, no patient data)."""

from __future__ import annotations

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone

from apps.accounts.models import User
from apps.core.audit import record_event
from apps.core.files import store_file
from apps.institutions.models import Institution, UploadStatus
from apps.uploads import testphase
from apps.uploads.files import HashingReader, display_name
from apps.uploads.models import Package, PackageState
from apps.uploads.tasks import process_package


def do_receive_package(
    upload: UploadedFile, *, institution: Institution, acting_user: User, request: HttpRequest | None = None
) -> Package:
    """Store the file encrypted and queue its validation; the same content again is recorded as a duplicate."""
    reader = HashingReader(upload)
    with transaction.atomic():
        stored = store_file(reader)  # type: ignore[arg-type]  # a file-like object with read()
        fields = {
            "institution": institution,
            "uploaded_by": acting_user,
            "filename": display_name(upload.name or ""),
            "size": stored.size,
            "content_hash": reader.content_hash(),
            "stored_file": stored,
        }
        try:
            with transaction.atomic():
                package = Package.objects.create(**fields)
        except IntegrityError:  # the same content, uploaded before or at this very moment (the insert waited)
            original = Package.objects.get(
                institution=institution, content_hash=fields["content_hash"], duplicate_of=None
            )
            package = Package.objects.create(
                **fields, duplicate_of=original, state=PackageState.DUPLIKAT, finished_at=timezone.now()
            )
        record_event(
            "package.received",
            actor=acting_user,
            target=package,
            request=request,
            details={"bytes": package.size, "duplikat": package.duplicate_of_id is not None},
        )
        if package.duplicate_of_id is None:
            transaction.on_commit(lambda: process_package.enqueue(str(package.uuid)))
    return package


def do_grant_release(package: Package, *, acting_user: User, request: HttpRequest | None = None) -> None:
    """Freigabe after a good test package: the institution uploads without review from now on, and this
    package is processed again, now importing its Meldungen."""
    with transaction.atomic():
        package = Package.objects.select_for_update().select_related("institution").get(pk=package.pk)
        if package.state != PackageState.WARTET:
            return  # decided already (a second click, or a colleague)
        institution = package.institution
        institution.upload_status = UploadStatus.FREIGEGEBEN
        institution.save(update_fields=["upload_status"])
        package.state, package.attempts = PackageState.EMPFANGEN, 0
        package.reviewed_by, package.reviewed_at = acting_user, timezone.now()
        package.save(update_fields=["state", "attempts", "reviewed_by", "reviewed_at"])
        record_event("package.released", actor=acting_user, target=package, request=request)
        transaction.on_commit(lambda: process_package.enqueue(str(package.uuid)))
        transaction.on_commit(lambda: testphase.notify_uploader(package, released=True))


def do_return_package(package: Package, note: str, *, acting_user: User, request: HttpRequest | None = None) -> None:
    """Back to the uploader with correction requests; the institution stays in Testphase."""
    with transaction.atomic():
        package = Package.objects.select_for_update().get(pk=package.pk)
        if package.state != PackageState.WARTET:
            return
        package.state = PackageState.ZURUECKGEGEBEN
        package.review_note = note
        package.reviewed_by, package.reviewed_at = acting_user, timezone.now()
        package.save(update_fields=["state", "review_note", "reviewed_by", "reviewed_at"])
        record_event("package.returned", actor=acting_user, target=package, request=request)
        transaction.on_commit(lambda: testphase.notify_uploader(package, released=False))
