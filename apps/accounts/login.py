"""The two login steps and their counters, safe under concurrent requests.

Each step locks one row (the name's LoginThrottle, or the user) with SELECT … FOR UPDATE, so parallel guesses
for one account are evaluated one after another and none slips past a limit. django-axes is not used for the
password step: its counters can be overrun by parallel requests (axes#592, "wont fix").
"""

from __future__ import annotations

import datetime
import enum
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import authenticate
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone

from apps.accounts import totp
from apps.accounts.backends import canonical_username
from apps.accounts.models import Device, LoginThrottle, User
from apps.core.audit import record_event

PASSWORD_LOCK_AFTER = 3  # registry rule: 3 wrong passwords lock the name for one minute
PASSWORD_LOCK = datetime.timedelta(seconds=60)
OTP_LOCK_AFTER = 10  # registry rule: 10 wrong codes since the last login lock until the Vertrauensstelle unlocks
UNKNOWN_ACTOR = "(unbekannter Benutzername)"  # typed names are never logged: users type passwords there too


class Verdict(enum.Enum):
    OK = "ok"
    WRONG = "wrong"
    LOCKED = "locked"  # temporarily, for ``seconds_left``
    BLOCKED = "blocked"  # until the Vertrauensstelle unlocks


@dataclass(frozen=True)
class PasswordResult:
    verdict: Verdict
    user: User | None = None
    seconds_left: int = 0


def _throttle_for(username_key: str) -> LoginThrottle:
    LoginThrottle.objects.bulk_create([LoginThrottle(username_key=username_key)], ignore_conflicts=True)
    return LoginThrottle.objects.select_for_update().get(username_key=username_key)


@transaction.atomic
def check_password(request: HttpRequest, username: str, password: str) -> PasswordResult:
    """Step one. A correct password during a lock does not get in; an OTP-locked account says so."""
    username_key = canonical_username(username)[:150]
    throttle = _throttle_for(username_key)
    now = timezone.now()
    if throttle.hard_locked_at is not None:
        return PasswordResult(Verdict.BLOCKED)
    if throttle.locked_until is not None and throttle.locked_until > now:
        return PasswordResult(Verdict.LOCKED, seconds_left=_seconds_until(throttle.locked_until, now))
    found = authenticate(request, username=username_key, password=password)
    if not isinstance(found, User):
        return _count_password_failure(request, throttle, username_key, now)
    throttle.failures = throttle.consecutive_failures = 0
    throttle.locked_until = None
    throttle.save()
    if found.otp_locked_at is not None:
        return PasswordResult(Verdict.BLOCKED, user=found)
    return PasswordResult(Verdict.OK, user=found)


def _count_password_failure(
    request: HttpRequest, throttle: LoginThrottle, username_key: str, now: datetime.datetime
) -> PasswordResult:
    throttle.failures += 1
    throttle.consecutive_failures += 1
    account = User.objects.filter(username=username_key).first()
    actor_label = "" if account else UNKNOWN_ACTOR
    record_event("login.password_failed", actor=account, actor_label=actor_label, request=request)
    result = PasswordResult(Verdict.WRONG)
    if throttle.consecutive_failures >= settings.PASSWORD_HARD_LOCK_AFTER:
        throttle.hard_locked_at = now
        record_event("login.password_blocked", actor=account, actor_label=actor_label, request=request)
        if account is not None:
            end_sessions(account)
        result = PasswordResult(Verdict.BLOCKED)
    elif throttle.failures >= PASSWORD_LOCK_AFTER:
        throttle.failures = 0
        throttle.locked_until = now + PASSWORD_LOCK
        record_event("login.password_locked", actor=account, actor_label=actor_label, request=request)
        result = PasswordResult(Verdict.LOCKED, seconds_left=int(PASSWORD_LOCK.total_seconds()))
    throttle.save()
    return result


@transaction.atomic
def check_code(request: HttpRequest, user_id: int, code: str) -> tuple[Verdict, Device | None]:
    """Step two: the code against every device of the user; a matching unconfirmed device becomes confirmed."""
    user = User.objects.select_for_update().get(pk=user_id)
    if user.otp_locked_at is not None or not user.is_active:
        return Verdict.BLOCKED, None
    now = timezone.now()
    for device in user.devices.select_for_update():
        if accept_code(device, code, now):
            if user.otp_failures:
                user.otp_failures = 0
                user.save(update_fields=["otp_failures"])
            return Verdict.OK, device
    user.otp_failures += 1
    record_event("login.otp_failed", actor=user, request=request, details={"fehlversuche": user.otp_failures})
    if user.otp_failures >= OTP_LOCK_AFTER:
        user.otp_locked_at = now
        user.session_epoch += 1
        user.save(update_fields=["otp_failures", "otp_locked_at", "session_epoch"])
        record_event("account.otp_locked", actor=user, request=request)
        return Verdict.BLOCKED, None
    user.save(update_fields=["otp_failures"])
    return Verdict.WRONG, None


def accept_code(device: Device, code: str, now: datetime.datetime) -> bool:
    """True and the device updated when the code is valid and unused; the caller holds the device's row lock."""
    step = totp.matching_step(device.secret, code, device.last_t, now.timestamp())
    if step is None:
        return False
    device.last_t = step
    device.last_used_at = now
    device.confirmed_at = device.confirmed_at or now
    device.save(update_fields=["last_t", "last_used_at", "confirmed_at"])
    return True


def end_sessions(user: User) -> None:
    """Raising the epoch changes the session hash: every open session ends at its next request."""
    User.objects.filter(pk=user.pk).update(session_epoch=F("session_epoch") + 1)
    user.refresh_from_db(fields=["session_epoch"])


def _seconds_until(moment: datetime.datetime, now: datetime.datetime) -> int:
    return max(1, int((moment - now).total_seconds() + 0.999))
