"""The Vertrauensstelle's package pages: every institution's packages, test packages to review (Freigabe or
return with correction requests) and the decrypted original, each download audited."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

from django import forms
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from apps.accounts.decorators import current_user, staff_required
from apps.core.audit import record_event
from apps.core.files import open_file
from apps.core.models import AuditEvent
from apps.core.paging import page_of
from apps.uploads.actions import do_grant_release, do_return_package
from apps.uploads.forms import PackageFilter
from apps.uploads.models import Package, PackageState
from apps.uploads.report import report_context

CHUNK = 64 * 1024
EVENTS_SHOWN = 50  # the package's audit trail on its page, newest first


class ReturnForm(forms.Form):
    note = forms.CharField(
        label="Korrekturwünsche an die Einrichtung",
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=4000,
        help_text="Die Einrichtung sieht diesen Text beim Paket. Bitte keine Patientendaten.",
        error_messages={"required": "Bitte schreiben Sie, was die Einrichtung korrigieren soll."},
    )


def _package(package_uuid: uuid.UUID) -> Package:
    found = Package.objects.select_related("institution", "stored_file").filter(uuid=package_uuid).first()
    if found is None:
        raise Http404
    return found


@never_cache
@staff_required
def list_view(request: HttpRequest) -> HttpResponse:
    form = PackageFilter(request.GET or None)
    packages = form.chosen(Package.objects.select_related("institution"))
    waiting = Package.objects.filter(state=PackageState.WARTET).count()
    context = {**page_of(request, packages), "form": form, "waiting": waiting}
    return render(request, "uploads/review_list.html", context)


@never_cache
@staff_required
@require_http_methods(["GET", "POST"])
def detail_view(request: HttpRequest, package_uuid: uuid.UUID) -> HttpResponse:
    package = _package(package_uuid)
    form = ReturnForm()
    if request.method == "POST" and package.state == PackageState.WARTET:
        if request.POST.get("action") == "freigeben":
            do_grant_release(package, acting_user=current_user(request), request=request)
            return redirect("review:detail", package_uuid=package.uuid)
        form = ReturnForm(request.POST)
        if form.is_valid():
            do_return_package(package, form.cleaned_data["note"], acting_user=current_user(request), request=request)
            return redirect("review:detail", package_uuid=package.uuid)
    events = list(AuditEvent.objects.filter(target_uuid=package.uuid)[: EVENTS_SHOWN + 1])
    context = {
        **report_context(request, package.problems),
        "package": package,
        "form": form,
        "events": events[:EVENTS_SHOWN],
        "more_events": len(events) > EVENTS_SHOWN,
    }
    return render(request, "uploads/review_detail.html", context, status=400 if form.errors else 200)


@never_cache
@staff_required
def original_view(request: HttpRequest, package_uuid: uuid.UUID) -> HttpResponse:
    package = _package(package_uuid)
    if package.stored_file.data_key is None:
        return render(request, "uploads/shredded.html", {"package": package}, status=410)
    record_event("package.original_downloaded", actor=current_user(request), target=package, request=request)
    kind, extension = ("application/zip", "zip") if package.is_archive else ("application/xml", "xml")
    response = StreamingHttpResponse(_chunks(package), content_type=kind)
    response["Content-Disposition"] = f'attachment; filename="Paket-{package.uuid}.{extension}"'
    return response  # type: ignore[return-value]  # streamed; the decorators only pass it on


def _chunks(package: Package) -> Iterator[bytes]:
    with open_file(package.stored_file) as source:
        while chunk := source.read(CHUNK):
            yield chunk
