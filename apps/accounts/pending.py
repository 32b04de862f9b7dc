"""The half-login: password accepted, code not yet. Kept in the session, never a Django login.

Nothing but the enrolment and code pages (and logout) honour it; every other page sees an anonymous visitor.
"""

from __future__ import annotations

import time

from django.http import HttpRequest

from apps.accounts.models import User

SESSION_KEY = "pending_login"
HALF_LOGIN_SECONDS = 5 * 60  # registry rule: a half-login expires after 5 minutes


def start(request: HttpRequest, user: User, next_url: str, *, enrol: bool) -> None:
    """``enrol``: the user has no authenticator yet, so the QR code page comes next."""
    request.session.cycle_key()  # a fresh session id once the password is known (ASVS 7.2.4)
    request.session[SESSION_KEY] = {"user": user.pk, "since": time.time(), "next": next_url, "enrol": enrol}


def enrolling(request: HttpRequest) -> bool:
    return bool((request.session.get(SESSION_KEY) or {}).get("enrol"))


def pending_user(request: HttpRequest) -> tuple[User | None, bool]:
    """The half-logged-in user, and whether a half-login just expired."""
    data = request.session.get(SESSION_KEY)
    if not data:
        return None, False
    if time.time() - data["since"] > HALF_LOGIN_SECONDS:
        clear(request)
        return None, True
    return User.objects.filter(pk=data["user"], is_active=True).first(), False


def next_url(request: HttpRequest) -> str:
    data = request.session.get(SESSION_KEY) or {}
    return str(data.get("next") or "/")


def clear(request: HttpRequest) -> None:
    request.session.pop(SESSION_KEY, None)
