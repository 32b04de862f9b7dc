"""Writing the audit trail. Every action in ``apps/*/actions.py`` calls ``record_event`` in its transaction."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any, ParamSpec

from django.db import models
from django.http import HttpRequest

from apps.core.models import AuditEvent

Detail = str | int | bool | None
Arguments = ParamSpec("Arguments")


def audit_event(
    action: str,
    *,
    actor: Any,
    actor_label: str = "",
    target: models.Model | None = None,
    request: HttpRequest | None = None,
    details: dict[str, Detail] | None = None,
) -> AuditEvent:
    """One event, not yet saved (``record_events`` appends many in one statement). ``details`` takes flat,
    non-identifying facts (a reason, a count, field names).

    ``actor`` is the acting user, or None for the system; then ``actor_label`` names the job (``system:…``).
    """
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


def record_events(events: list[AuditEvent]) -> None:
    """Append many events made by ``audit_event`` in one statement (e.g. one for each patient an upload changed)."""
    AuditEvent.objects.bulk_create(events)


def _appended(make: Callable[Arguments, AuditEvent]) -> Callable[Arguments, AuditEvent]:
    """``make``'s event, saved: the same arguments, written once."""

    def append(*args: Arguments.args, **kwargs: Arguments.kwargs) -> AuditEvent:
        event = make(*args, **kwargs)
        event.save()
        return event

    return append


# Append one event: record_event("patient.changed", actor=user, target=patient, details={...}); see audit_event.
record_event = _appended(audit_event)
