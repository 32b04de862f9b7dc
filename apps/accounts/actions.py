"""State changes of user accounts; each one transaction with an audit event."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from apps.accounts.models import User
from apps.core.audit import record_event
from apps.institutions.models import Institution


@transaction.atomic
def do_create_user(
    *,
    username: str,
    password: str,
    institution: Institution | None,
    is_staff: bool = False,
    acting_user: Any,
    actor_label: str = "",
) -> User:
    """Create an account with a registry-issued password (stored only as an Argon2 hash)."""
    user = User(username=username, institution=institution, is_staff=is_staff)
    user.set_password(password)
    user.save()
    record_event(
        "user.created",
        actor=acting_user,
        actor_label=actor_label,
        target=user,
        details={"staff": is_staff},
    )
    return user
