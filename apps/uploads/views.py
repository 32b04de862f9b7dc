"""WebUpload pages: upload a package, follow its validation, read and download the validation report."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.datastructures import MultiValueDict
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from apps.accounts.decorators import current_institution, current_user, institution_member_required
from apps.core.paging import page_of
from apps.core.spreadsheet import csv_lines
from apps.institutions.models import UploadStatus
from apps.reports.actions import may_send
from apps.reports.models import ReportType
from apps.uploads import progress, testphase
from apps.uploads.actions import do_receive_package
from apps.uploads.forms import StateFilter, UploadForm, megabytes
from apps.uploads.models import Package
from apps.uploads.report import IN_FILE, report_context

BODY_MARGIN = 1024 * 1024  # multipart headers and the CSRF token around the file


@never_cache
@institution_member_required
@require_http_methods(["GET", "POST"])
def list_view(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    institution = current_institution(request)
    form = UploadForm()
    status = 200
    enabled = institution.upload_status != UploadStatus.NICHT_FREIGESCHALTET
    if request.method == "POST":
        if not may_send(user) or not enabled:
            raise PermissionDenied
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
        if declared > settings.UPLOAD_MAX_BYTES + BODY_MARGIN:  # refused before the body is read
            form = UploadForm({}, MultiValueDict())
            form.is_valid()
            form.errors["file"] = form.error_class(
                [f"Die Datei ist größer als {megabytes(settings.UPLOAD_MAX_BYTES)}."]
            )
            status = 413
        else:
            form = UploadForm(request.POST, request.FILES)
            if form.is_valid():
                package = do_receive_package(
                    form.cleaned_data["file"], institution=institution, acting_user=user, request=request
                )
                return redirect("uploads:detail", package_uuid=package.uuid)
    state_filter = StateFilter(request.GET or None)
    paged = page_of(
        request, state_filter.chosen(Package.objects.filter(institution=institution).select_related("uploaded_by"))
    )
    progress.read_for(paged["page"])
    context = {
        **paged,
        "form": form,
        "state_filter": state_filter,
        # a list of one page needs no filter; one chosen (or wrongly) stays to be undone
        "filtering": state_filter.active or bool(state_filter.errors) or paged["page"].paginator.num_pages > 1,
        "checking": any(not package.finished for package in paged["page"]),  # the page reads its rows once
        "may_upload": may_send(user) and enabled,
        "enabled": enabled,
        "testphase": institution.upload_status == UploadStatus.TESTPHASE,
        "declared": [ReportType(kind).label for kind in institution.declared_types],
        "minimum": (testphase.MIN_MELDUNGEN, testphase.MIN_PATIENTS),
        "not_enabled": testphase.NOT_ENABLED,
        "limit": megabytes(settings.UPLOAD_MAX_BYTES),
    }
    return render(request, "uploads/list.html", context, status=status)


def _package_for(request: HttpRequest, package_uuid: uuid.UUID) -> Package:
    found = Package.objects.filter(uuid=package_uuid, institution=current_institution(request)).first()
    if found is None:
        raise Http404
    return found


@never_cache
@institution_member_required
def detail_view(request: HttpRequest, package_uuid: uuid.UUID) -> HttpResponse:
    package = _package_for(request, package_uuid)
    context = {**report_context(request, package.problems), "package": package}
    return render(request, "uploads/detail.html", context)


COLUMNS = [("art", "Art"), ("datei", "Datei"), ("zeile", "Zeile"), ("spalte", "Spalte"), ("pfad", "Element"),
           ("patient_id", "Patient_ID"), ("meldung_id", "Meldung_ID"), ("regel", "Regel"),
           (IN_FILE, "Fehler dieser Art in der Datei"), ("meldung", "Meldung"),
           ("original", "Originalmeldung")]  # fmt: skip


@never_cache
@institution_member_required
def report_csv_view(request: HttpRequest, package_uuid: uuid.UUID) -> HttpResponse:
    package = _package_for(request, package_uuid)
    rows = [[title for _, title in COLUMNS], *([item.get(key, "") for key, _ in COLUMNS] for item in package.problems)]
    response = HttpResponse("".join(csv_lines(rows)), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="Pruefbericht-{package.uuid}.csv"'
    return response
