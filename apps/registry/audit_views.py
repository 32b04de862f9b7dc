"""The Vertrauensstelle's Protokoll: the whole audit trail, filtered and paged, and downloadable as CSV (each download
itself recorded)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache

from apps.accounts.decorators import current_user, staff_required
from apps.core.audit import record_event
from apps.core.models import AuditEvent
from apps.core.paging import page_of
from apps.core.spreadsheet import csv_lines
from apps.registry.audit_trail import CSV_BATCH, csv_rows, named_target, rows
from apps.registry.forms import AuditFilter


@never_cache
@staff_required
def audit_view(request: HttpRequest) -> HttpResponse:
    return _page(request, AuditFilter(request.GET or None))


@never_cache
@staff_required
def audit_csv_view(request: HttpRequest) -> HttpResponse:
    """The events the filter chooses, all of them, as CSV; a wrong filter gets the page with its errors instead of
    a file of every event."""
    form = AuditFilter(request.GET or None)
    if form.is_bound and not form.is_valid():
        return _page(request, form, status=400)
    record_event("audit.exported", actor=current_user(request), request=request, details=form.chosen_as_details())
    events = form.chosen(AuditEvent.objects.all()).iterator(chunk_size=CSV_BATCH)
    response = StreamingHttpResponse(csv_lines(csv_rows(events)), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="Protokoll-{timezone.localdate():%Y-%m-%d}.csv"'
    return response  # type: ignore[return-value]  # streamed; the decorators only pass it on


def _page(request: HttpRequest, form: AuditFilter, status: int = 200) -> HttpResponse:
    context = page_of(request, form.chosen(AuditEvent.objects.all()))
    context |= {"form": form, "rows": rows(context["page"])}
    if form.is_valid() and form.cleaned_data["betrifft"]:
        context["about"] = named_target(form.cleaned_data["betrifft"])
    if form.is_valid() and form.cleaned_data["von_benutzer"]:
        context["by"] = named_target(form.cleaned_data["von_benutzer"])
    return render(request, "registry/audit.html", context, status=status)
