"""State changes of institutions; each one transaction with an audit event."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from apps.core.audit import record_event
from apps.institutions.models import Institution


@transaction.atomic
def do_create_institution(*, name: str, melder_id: str, acting_user: Any, actor_label: str = "") -> Institution:
    institution = Institution.objects.create(name=name, melder_id=melder_id)
    record_event("institution.created", actor=acting_user, actor_label=actor_label, target=institution)
    return institution
