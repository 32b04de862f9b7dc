"""Access rules for views: logged in, a role, a recent re-authentication."""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from apps.accounts.models import User
from apps.institutions.models import Institution

View = TypeVar("View", bound=Callable[..., HttpResponse])
REAUTH_AT = "reauth_at"
REAUTH_SECONDS = 5 * 60  # password and code again for changes to the login itself, valid 5 minutes


def current_user(request: HttpRequest) -> User:
    """The logged-in user of a view behind login_required (anything else is refused, never assumed)."""
    if not isinstance(request.user, User):
        raise PermissionDenied
    return request.user


def current_institution(request: HttpRequest) -> Institution:
    """The logged-in reporter's institution; registry staff have none and are refused."""
    institution = current_user(request).institution
    if institution is None:
        raise PermissionDenied
    return institution


def staff_required(view: View) -> View:
    """Vertrauensstelle only; other users get 403, visitors the login page."""

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not current_user(request).is_registry_staff:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped  # type: ignore[return-value]


def institution_member_required(view: View) -> View:
    """Users of a Meldende Einrichtung only (the Vertrauensstelle sees no patient data); others get 403."""

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        current_institution(request)
        return view(request, *args, **kwargs)

    return wrapped  # type: ignore[return-value]


def recent_auth_required(view: View) -> View:
    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if time.time() - request.session.get(REAUTH_AT, 0) > REAUTH_SECONDS:
            return redirect(reverse("accounts:reauth") + "?" + urlencode({"next": request.get_full_path()}))
        return view(request, *args, **kwargs)

    return wrapped  # type: ignore[return-value]
