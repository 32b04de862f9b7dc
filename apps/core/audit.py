"""Writing the audit trail. Every action in ``apps/*/actions.py`` calls ``record_event`` in its transaction."""

from __future__ import annotations

import uuid
from typing import Any

from django.db import models
from django.http import HttpRequest

from apps.core.models import AuditEvent

Detail = str | int | bool | None


def record_event(
    action: str,
    *,
    actor: Any,
    actor_label: str = "",
    target: models.Model | None = None,
    request: HttpRequest | None = None,
    details: dict[str, Detail] | None = None,
) -> AuditEvent:
    """Append one event. ``details`` takes flat, non-identifying facts (a reason, a count, field names).

    ``actor`` is the acting user, or None for the system; then ``actor_label`` names the job (``system:…``).
    """
    event = audit_event(action, actor=actor, actor_label=actor_label, target=target, request=request, details=details)
    event.save()
    return event


def record_events(events: list[AuditEvent]) -> None:
    """Append many events made by ``audit_event`` in one statement (e.g. one for each patient an upload changed)."""
    AuditEvent.objects.bulk_create(events)


def audit_event(
    action: str,
    *,
    actor: Any,
    actor_label: str = "",
    target: models.Model | None = None,
    request: HttpRequest | None = None,
    details: dict[str, Detail] | None = None,
) -> AuditEvent:
    """The event ``record_event`` appends, not yet saved."""
    target_uuid = getattr(target, "uuid", None) if target is not None else None
    return AuditEvent(
        actor=actor if getattr(actor, "pk", None) else None,
        actor_label=getattr(actor, "username", "") or actor_label,
        action=action,
        target_type=target._meta.label if target is not None else "",
        target_uuid=target_uuid if isinstance(target_uuid, uuid.UUID) else None,
        # REMOTE_ADDR is the client as the proxy in front of gunicorn reports it (README "Betrieb").
        ip_address=request.META.get("REMOTE_ADDR") if request is not None else None,
        details=details or {},
    )
