from __future__ import annotations

from typing import Any

from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from apps.accounts.models import User
from apps.institutions.models import UploadStatus
from apps.reports.actions import may_send
from apps.reports.models import Draft
from apps.uploads.models import Package, PackageState


@never_cache
@require_safe
def start(request: HttpRequest) -> HttpResponse:
    """The start page; for a logged-in user, where their work stands (counts only, nothing of a patient)."""
    user = request.user
    context: dict[str, Any] = {}
    if isinstance(user, User) and user.is_registry_staff:
        context["waiting"] = Package.objects.filter(state=PackageState.WARTET).count()
    elif isinstance(user, User) and (institution := user.institution) is not None:
        packages = Package.objects.filter(institution=institution)
        context |= {
            "drafts": Draft.objects.filter(institution=institution).count(),
            "latest": packages.first(),
            "checking": packages.filter(state__in=(PackageState.EMPFANGEN, PackageState.IN_PRUEFUNG)).count(),
            "upload_status": institution.upload_status,
            "may_upload": may_send(user),
            "statuses": UploadStatus,
        }
    return render(request, "core/start.html", context)


@never_cache
@require_safe
def healthz(request: HttpRequest) -> HttpResponse:
    """200 when the database answers, 503 when not: for the proxy's and the orchestrator's health checks."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return HttpResponse("Datenbank nicht erreichbar\n", status=503, content_type="text/plain; charset=utf-8")
    return HttpResponse("ok\n", content_type="text/plain; charset=utf-8")
