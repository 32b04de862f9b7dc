"""Session limits beyond Django's idle timeout: 12 hours after login at most (NIST AAL2, ASVS 7.3.2)."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

LOGIN_AT = "login_at"
ABSOLUTE_SECONDS = 12 * 3600


class AbsoluteSessionLimitMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            login_at = request.session.get(LOGIN_AT, 0)
            if time.time() - login_at > ABSOLUTE_SECONDS:
                logout(request)
                messages.info(request, "Ihre Sitzung ist nach 12 Stunden abgelaufen. Bitte melden Sie sich erneut an.")
                return redirect("accounts:login")
        return self.get_response(request)
