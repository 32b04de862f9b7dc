"""State changes of user accounts: the Vertrauensstelle's desk and the user's own account page.

Each is one transaction with an audit event. Desk actions need a reason and end the user's sessions.
"""

from __future__ import annotations

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from apps.accounts import totp
from apps.accounts.backends import canonical_username
from apps.accounts.login import accept_code, end_sessions
from apps.accounts.models import Device, LoginThrottle, Role, User
from apps.accounts.passwords import generate_initial_password
from apps.core.audit import record_event
from apps.institutions.models import Institution


class ActionRefused(Exception):
    """The action would leave the account in a bad state; the message says why, in German."""


def _clear_locks(user: User) -> None:
    user.otp_failures = 0
    user.otp_locked_at = None
    user.save(update_fields=["otp_failures", "otp_locked_at"])
    LoginThrottle.objects.filter(username_key=user.username).update(
        failures=0, consecutive_failures=0, locked_until=None, hard_locked_at=None
    )


@transaction.atomic
def do_create_user(
    *,
    username: str,
    role: str,
    institution: Institution | None,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    acting_user: User | None,
    actor_label: str = "",
    request: HttpRequest | None = None,
) -> tuple[User, str]:
    """A new account with a generated initial password, returned once for the access letter, stored hashed."""
    password = generate_initial_password()
    user = User(
        username=canonical_username(username),
        role=role,
        institution=None if role == Role.VERTRAUENSSTELLE else institution,
        first_name=first_name,
        last_name=last_name,
        email=email,
        is_staff=role == Role.VERTRAUENSSTELLE,
    )
    user.set_password(password)
    user.save()
    record_event(
        "user.created",
        actor=acting_user,
        actor_label=actor_label,
        target=user,
        request=request,
        details={"rolle": role},
    )
    return user, password


@transaction.atomic
def do_issue_password(
    user: User, *, reason: str, acting_user: User | None, actor_label: str = "", request: HttpRequest | None = None
) -> str:
    password = generate_initial_password()
    user.set_password(password)
    user.save(update_fields=["password"])
    _clear_locks(user)
    end_sessions(user)
    record_event(
        "user.password_issued",
        actor=acting_user,
        actor_label=actor_label,
        target=user,
        request=request,
        details={"grund": reason},
    )
    return password


@transaction.atomic
def do_reset_otp(user: User, *, reason: str, acting_user: User, request: HttpRequest | None = None) -> None:
    """Removes every authenticator: the next login shows a new QR code."""
    removed = Device.objects.filter(user=user).delete()[0]
    _clear_locks(user)
    end_sessions(user)
    record_event(
        "user.otp_reset", actor=acting_user, target=user, request=request, details={"grund": reason, "geraete": removed}
    )


@transaction.atomic
def do_unlock_user(user: User, *, reason: str, acting_user: User, request: HttpRequest | None = None) -> None:
    """Clears both locks: wrong codes and wrong passwords."""
    _clear_locks(user)
    end_sessions(user)
    record_event("user.unlocked", actor=acting_user, target=user, request=request, details={"grund": reason})


@transaction.atomic
def do_set_user_active(
    user: User, *, active: bool, reason: str, acting_user: User, request: HttpRequest | None = None
) -> None:
    if user == acting_user and not active:
        raise ActionRefused("Sie können Ihr eigenes Konto nicht deaktivieren.")
    user.is_active = active
    user.save(update_fields=["is_active"])
    end_sessions(user)
    action = "user.reactivated" if active else "user.deactivated"
    record_event(action, actor=acting_user, target=user, request=request, details={"grund": reason})


@transaction.atomic
def do_change_password(user: User, new_password: str, *, request: HttpRequest) -> None:
    """The user's own change; other sessions end, the caller keeps the current one."""
    user.set_password(new_password)
    user.save(update_fields=["password"])
    end_sessions(user)
    record_event("user.password_changed", actor=user, target=user, request=request)


@transaction.atomic
def do_add_device(user: User, name: str, *, request: HttpRequest) -> Device:
    """A new authenticator, unconfirmed until a code from it is entered."""
    device = Device.objects.create(user=user, name=name, secret=totp.new_secret())
    record_event("device.added", actor=user, target=device, request=request)
    return device


@transaction.atomic
def do_confirm_device(device: Device, code: str, *, request: HttpRequest) -> bool:
    locked = Device.objects.select_for_update().get(pk=device.pk)
    if not accept_code(locked, code, timezone.now()):
        return False
    record_event("device.confirmed", actor=locked.user, target=locked, request=request)
    return True


@transaction.atomic
def do_remove_device(device: Device, *, request: HttpRequest) -> None:
    user = User.objects.select_for_update().get(pk=device.user_id)
    others = user.devices.exclude(pk=device.pk).filter(confirmed_at__isnull=False)
    if device.confirmed_at is not None and not others.exists():
        raise ActionRefused(
            "Das ist Ihr einziges eingerichtetes Gerät. Richten Sie zuerst ein weiteres ein, sonst können Sie sich "
            "nicht mehr anmelden."
        )
    record_event("device.removed", actor=user, target=device, request=request, details={"name": device.name})
    device.delete()
