"""Login (password, then QR enrolment or code), logout and the user's own account pages."""

from __future__ import annotations

import time
import uuid

from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from apps.accounts import pending, totp
from apps.accounts.actions import (
    ActionRefused,
    do_add_device,
    do_change_password,
    do_confirm_device,
    do_remove_device,
)
from apps.accounts.decorators import REAUTH_AT, current_user, recent_auth_required
from apps.accounts.forms import CodeForm, DeviceNameForm, LoginForm, PasswordChangeForm, ReauthForm
from apps.accounts.login import Verdict, check_code, check_password
from apps.accounts.middleware import LOGIN_AT
from apps.accounts.models import Device
from apps.accounts.redirects import safe_next
from apps.core.audit import record_event
from apps.core.models import AuditEvent

BLOCKED = "Zugang gesperrt – bitte wenden Sie sich an die Vertrauensstelle"
WRONG_CREDENTIALS = "Benutzername oder Passwort ist falsch."
WRONG_CODE = (
    "Der Code ist falsch oder abgelaufen. Bitte prüfen Sie, ob die Uhrzeit auf Ihrem Telefon stimmt "
    "(„Datum und Uhrzeit automatisch einstellen“ einschalten), und geben Sie den aktuellen Code ein."
)
EXPIRED = "Die Anmeldung hat zu lange gedauert. Bitte melden Sie sich erneut an."
BACKEND = "apps.accounts.backends.CanonicalUsernameBackend"


def locked_message(seconds: int) -> str:
    return (
        "Zu viele falsche Passwörter: Der Zugang ist vorübergehend gesperrt. "
        f"Bitte versuchen Sie es in {seconds} Sekunden erneut."
    )


def get_device_for_user(request: HttpRequest, device_uuid: uuid.UUID) -> Device:
    return get_object_or_404(Device, uuid=device_uuid, user=request.user)


def _restart(request: HttpRequest, expired: bool) -> HttpResponse:
    if expired:
        messages.error(request, EXPIRED)
    return redirect("accounts:login")


@never_cache
@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect(safe_next(request))
    form = LoginForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        pending.clear(request)
        result = check_password(request, form.cleaned_data["username"], form.cleaned_data["password"])
        if result.verdict is Verdict.OK and result.user is not None:
            enrol = not result.user.devices.exists()
            pending.start(request, result.user, safe_next(request), enrol=enrol)
            if enrol:  # first login: a new secret for the QR code
                do_add_device(result.user, "Authenticator", request=request)
                return redirect("accounts:enrol")
            return redirect("accounts:code")
        if result.verdict is Verdict.LOCKED:
            form.add_error(None, locked_message(result.seconds_left))
            status = 429
        elif result.verdict is Verdict.BLOCKED:
            form.add_error(None, BLOCKED)
            status = 403
        else:
            form.add_error(None, WRONG_CREDENTIALS)
    return render(request, "accounts/login.html", {"form": form, "next": safe_next(request, "")}, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def enrol_view(request: HttpRequest) -> HttpResponse:
    user, expired = pending.pending_user(request)
    if user is None:
        return _restart(request, expired)
    device = user.devices.filter(confirmed_at__isnull=True).first()
    if not pending.enrolling(request) or device is None:
        return redirect("accounts:code")
    if request.method == "POST":  # "fertig": the half-login ends, the user logs in again with a code
        pending.clear(request)
        messages.success(
            request,
            "Ihre App ist eingerichtet. Bitte melden Sie sich jetzt erneut an – "
            "nach dem Passwort fragt das Portal nach dem Code aus der App.",
        )
        return redirect("accounts:login")
    uri = totp.provisioning_uri(device.secret, user.username)
    context = {
        "qr_code": totp.qr_code_data_uri(uri),
        "secret": totp.base32_secret(device.secret),
        "username": user.username,
    }
    return render(request, "accounts/enrol.html", context)


@never_cache
@require_http_methods(["GET", "POST"])
def code_view(request: HttpRequest) -> HttpResponse:
    user, expired = pending.pending_user(request)
    if user is None:
        return _restart(request, expired)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():  # code, login and its audit event in one commit
            verdict, _ = check_code(request, user.pk, form.cleaned_data["code"])
            if verdict is Verdict.OK:
                target = pending.next_url(request)
                pending.clear(request)
                login(request, user, backend=BACKEND)  # a new session id (ASVS 7.2.4)
                request.session[LOGIN_AT] = time.time()
                record_event("login.succeeded", actor=user, request=request)
                return redirect(target)
        if verdict is Verdict.BLOCKED:
            pending.clear(request)
            messages.error(request, BLOCKED)
            return redirect("accounts:login")
        form.add_error("code", WRONG_CODE)
    return render(request, "accounts/code.html", {"form": form})


@never_cache
@require_http_methods(["GET", "POST"])
def logout_view(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        if request.user.is_authenticated:
            record_event("logout", actor=request.user, request=request)
        logout(request)  # flushes the server-side session, pending half-logins included
        messages.success(request, "Sie sind abgemeldet.")
        return redirect("accounts:login")
    return render(request, "accounts/logout.html")


@never_cache
@login_required
def account_view(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    logins = AuditEvent.objects.filter(actor=user, action="login.succeeded").order_by("-created_at")[:10]
    return render(request, "accounts/account.html", {"devices": user.devices.all(), "logins": logins})


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def reauth_view(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    form = ReauthForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        result = check_password(request, user.username, form.cleaned_data["password"])
        if result.verdict is not Verdict.OK:
            form.add_error("password", "Das Passwort ist falsch." if result.verdict is Verdict.WRONG else BLOCKED)
        else:
            verdict, _ = check_code(request, user.pk, form.cleaned_data["code"])
            if verdict is Verdict.OK:
                request.session[REAUTH_AT] = time.time()
                return redirect(safe_next(request, "/konto/"))
            if verdict is Verdict.BLOCKED:
                logout(request)
                messages.error(request, BLOCKED)
                return redirect("accounts:login")
            form.add_error("code", WRONG_CODE)
    return render(request, "accounts/reauth.html", {"form": form, "next": safe_next(request, "/konto/")})


@never_cache
@recent_auth_required
@require_http_methods(["GET", "POST"])
def password_change_view(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    form = PasswordChangeForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        do_change_password(user, form.cleaned_data["new_password"], request=request)
        update_session_auth_hash(request, user)  # this session stays, every other one ends
        messages.success(request, "Ihr Passwort ist geändert. Andere Sitzungen wurden beendet.")
        return redirect("accounts:account")
    return render(request, "accounts/password_change.html", {"form": form})


@never_cache
@recent_auth_required
@require_http_methods(["GET", "POST"])
def device_add_view(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    form = DeviceNameForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = do_add_device(user, form.cleaned_data["name"], request=request)
        return redirect("accounts:device_confirm", device_uuid=device.uuid)
    return render(request, "accounts/device_add.html", {"form": form})


@never_cache
@recent_auth_required
@require_http_methods(["GET", "POST"])
def device_confirm_view(request: HttpRequest, device_uuid: uuid.UUID) -> HttpResponse:
    device = get_device_for_user(request, device_uuid)
    if device.confirmed_at is not None:
        return redirect("accounts:account")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if do_confirm_device(device, form.cleaned_data["code"], request=request):
            messages.success(request, f"Das Gerät „{device.name}“ ist eingerichtet.")
            return redirect("accounts:account")
        form.add_error("code", WRONG_CODE)
    uri = totp.provisioning_uri(device.secret, device.user.username)
    context = {
        "form": form,
        "device": device,
        "qr_code": totp.qr_code_data_uri(uri),
        "secret": totp.base32_secret(device.secret),
    }
    return render(request, "accounts/device_confirm.html", context)


@recent_auth_required
@require_POST
def device_remove_view(request: HttpRequest, device_uuid: uuid.UUID) -> HttpResponse:
    device = get_device_for_user(request, device_uuid)
    try:
        do_remove_device(device, request=request)
    except ActionRefused as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, f"Das Gerät „{device.name}“ wurde entfernt.")
    return redirect("accounts:account")
