"""State changes of institutions; each one transaction with an audit event."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.http import HttpRequest

from apps.core.audit import record_event
from apps.institutions.models import Institution


@transaction.atomic
def do_create_institution(
    *, acting_user: Any, actor_label: str = "", request: HttpRequest | None = None, **fields: Any
) -> Institution:
    institution = Institution.objects.create(**fields)
    record_event("institution.created", actor=acting_user, actor_label=actor_label, target=institution, request=request)
    return institution
