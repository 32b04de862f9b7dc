"""The Vertrauensstelle's account desk: institutions, users, locks, access letters."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.contrib import messages
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from apps.accounts.actions import (
    ActionRefused,
    do_create_user,
    do_issue_password,
    do_reset_otp,
    do_set_user_active,
    do_unlock_user,
)
from apps.accounts.decorators import current_user, staff_required
from apps.accounts.models import LoginThrottle, User
from apps.core.models import AuditEvent
from apps.institutions.actions import do_create_institution, do_set_upload_status
from apps.institutions.models import Institution
from apps.registry.forms import InstitutionForm, ReasonForm, SearchForm, UploadStatusForm, UserCreateForm

SEARCH_LIMIT = 50

DESK_ACTIONS = [
    ("otp_reset", "OTP zurücksetzen"),
    ("unlock", "Entsperren"),
    ("password", "neues Passwort"),
    ("deactivate", "Deaktivieren"),
    ("reactivate", "Reaktivieren"),
]


def desk_actions_for(account: User) -> list[tuple[str, str]]:
    hidden = "reactivate" if account.is_active else "deactivate"
    return [(action, label) for action, label in DESK_ACTIONS if action != hidden]


@dataclass(frozen=True)
class Lock:
    user: User
    why: str
    since: object


def get_institution(institution_uuid: uuid.UUID) -> Institution:
    return get_object_or_404(Institution, uuid=institution_uuid)


def get_user(user_uuid: uuid.UUID) -> User:
    return get_object_or_404(User.objects.select_related("institution"), uuid=user_uuid)


def current_locks(user: User | None = None) -> list[Lock]:
    """Every account that cannot log in now because of failed attempts, with the reason and the time."""
    now = timezone.now()
    users = User.objects.select_related("institution")
    if user is not None:
        users = users.filter(pk=user.pk)
    locks = [Lock(u, "10 falsche OTP-Codes", u.otp_locked_at) for u in users.filter(otp_locked_at__isnull=False)]
    throttles = LoginThrottle.objects.filter(Q(hard_locked_at__isnull=False) | Q(locked_until__gt=now))
    by_name = {u.username: u for u in users.filter(username__in=throttles.values("username_key"))}
    for throttle in throttles:
        locked = by_name.get(throttle.username_key)
        if locked is None:
            continue
        if throttle.hard_locked_at is not None:
            locks.append(Lock(locked, "zu viele falsche Passwörter in Folge", throttle.hard_locked_at))
        else:
            until = timezone.localtime(throttle.locked_until)
            locks.append(Lock(locked, f"3 falsche Passwörter, gesperrt bis {until:%H:%M:%S} Uhr", throttle.updated_at))
    return sorted(locks, key=lambda lock: str(lock.since), reverse=True)


@never_cache
@staff_required
def home_view(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET or None)
    institutions = Institution.objects.all()
    users = User.objects.select_related("institution").order_by("username")
    query = form.cleaned_data["q"].strip() if form.is_valid() else ""
    if query:
        institutions = institutions.filter(Q(name__icontains=query) | Q(melder_id__icontains=query))
        users = users.filter(
            Q(username__icontains=query) | Q(last_name__icontains=query) | Q(first_name__icontains=query)
        )
    context = {
        "form": form,
        "query": query,
        "institutions": institutions[:SEARCH_LIMIT],
        "users": users[:SEARCH_LIMIT] if query else User.objects.none(),
        "locks": current_locks(),
    }
    return render(request, "registry/home.html", context)


@never_cache
@staff_required
def locked_view(request: HttpRequest) -> HttpResponse:
    return render(request, "registry/locked.html", {"locks": current_locks()})


@never_cache
@staff_required
@require_http_methods(["GET", "POST"])
def institution_create_view(request: HttpRequest) -> HttpResponse:
    form = InstitutionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        institution = do_create_institution(acting_user=current_user(request), request=request, **form.cleaned_data)
        messages.success(request, f"Die Einrichtung „{institution.name}“ ist angelegt.")
        return redirect("registry:institution", institution_uuid=institution.uuid)
    return render(request, "registry/institution_form.html", {"form": form})


@never_cache
@staff_required
@require_http_methods(["GET", "POST"])
def institution_view(request: HttpRequest, institution_uuid: uuid.UUID) -> HttpResponse:
    institution = get_institution(institution_uuid)
    initial = {"upload_status": institution.upload_status, "declared_types": institution.declared_types}
    form = UploadStatusForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        do_set_upload_status(
            institution,
            data["upload_status"],
            data["declared_types"],
            acting_user=current_user(request),
            request=request,
        )
        return redirect("registry:institution", institution_uuid=institution.uuid)
    users = institution.users.order_by("username")
    packages = institution.packages.all()[:10]
    context = {"institution": institution, "users": users, "upload_form": form, "packages": packages}
    return render(request, "registry/institution.html", context, status=400 if form.errors else 200)


def _render_letter(request: HttpRequest, user: User, password: str) -> HttpResponse:
    """The access letter: the only place the password ever appears; never cached, never stored."""
    response = render(request, "registry/letter.html", {"account": user, "password": password})
    response["Cache-Control"] = "no-store"
    return response


@never_cache
@staff_required
@require_http_methods(["GET", "POST"])
def user_create_view(request: HttpRequest, institution_uuid: uuid.UUID | None = None) -> HttpResponse:
    institution = get_institution(institution_uuid) if institution_uuid else None
    form = UserCreateForm(request.POST or None, staff=institution is None)
    if request.method == "POST" and form.is_valid():
        user, password = do_create_user(
            institution=institution, acting_user=current_user(request), request=request, **form.cleaned_data
        )
        return _render_letter(request, user, password)
    return render(request, "registry/user_form.html", {"form": form, "institution": institution})


@never_cache
@staff_required
def user_view(request: HttpRequest, user_uuid: uuid.UUID) -> HttpResponse:
    account = get_user(user_uuid)
    context = {
        "account": account,
        "devices": account.devices.all(),
        "locks": current_locks(account),
        "events": AuditEvent.objects.filter(target_uuid=account.uuid)[:20],
        "desk_actions": desk_actions_for(account),
    }
    return render(request, "registry/user.html", context)


DONE = {
    "otp_reset": "Die Geräte wurden entfernt. Bei der nächsten Anmeldung wird ein neuer QR-Code angezeigt.",
    "unlock": "Das Konto ist entsperrt.",
    "deactivate": "Das Konto ist deaktiviert.",
    "reactivate": "Das Konto ist wieder aktiv.",
    "password": "",
}


@staff_required
@require_POST
def user_action_view(request: HttpRequest, user_uuid: uuid.UUID, action: str) -> HttpResponse:
    """One desk action on a user; each needs a reason, writes an audit event and ends the user's sessions."""
    account = get_user(user_uuid)
    if action not in DONE:
        raise Http404
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Bitte geben Sie einen Grund an (höchstens 500 Zeichen).")
        return redirect("registry:user", user_uuid=account.uuid)
    clerk = current_user(request)
    reason = form.cleaned_data["reason"]
    try:
        if action == "password":
            password = do_issue_password(account, reason=reason, acting_user=clerk, request=request)
            return _render_letter(request, account, password)
        if action == "otp_reset":
            do_reset_otp(account, reason=reason, acting_user=clerk, request=request)
        elif action == "unlock":
            do_unlock_user(account, reason=reason, acting_user=clerk, request=request)
        else:
            active = action == "reactivate"
            do_set_user_active(account, active=active, reason=reason, acting_user=clerk, request=request)
    except ActionRefused as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, DONE[action])
    return redirect("registry:user", user_uuid=account.uuid)
