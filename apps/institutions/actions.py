"""State changes of institutions; each one transaction with an audit event."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.http import HttpRequest

from apps.core.audit import Detail, record_event
from apps.institutions.models import Institution


@transaction.atomic
def do_create_institution(
    *, acting_user: Any, actor_label: str = "", request: HttpRequest | None = None, **fields: Any
) -> Institution:
    institution = Institution.objects.create(**fields)
    record_event("institution.created", actor=acting_user, actor_label=actor_label, target=institution, request=request)
    return institution


def do_set_upload_status(
    institution: Institution,
    status: str,
    declared_types: list[str],
    *,
    acting_user: Any,
    request: HttpRequest | None = None,
) -> None:
    with transaction.atomic():
        institution.upload_status = status
        institution.declared_types = declared_types
        institution.save(update_fields=["upload_status", "declared_types"])
        details: dict[str, Detail] = {"status": status, "meldungsarten": ", ".join(declared_types)}
        record_event(
            "institution.upload_status", actor=acting_user, target=institution, request=request, details=details
        )
