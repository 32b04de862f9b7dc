"""Report entry pages: start a report, walk its steps, check and send it, drafts, sent reports, corrections."""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from apps.accounts.decorators import current_institution, current_user, institution_member_required
from apps.core.paging import page_of
from apps.core.spreadsheet import csv_lines
from apps.obds import codes
from apps.obds.plausibility import Finding, Severity
from apps.patients.lookups import get_patient_for_user
from apps.reports import lookups, sent, wizard
from apps.reports.actions import (
    DraftGone,
    SendingRefused,
    do_delete_draft,
    do_save_draft,
    do_send_draft,
    do_start_correction,
    do_start_draft,
    may_send,
)
from apps.reports.checks import blocking, findings_for
from apps.reports.export import report_xml
from apps.reports.forms import StartForm, StepForm
from apps.reports.models import Draft

NEXT, BACK, STAY, LATER = "weiter", "zurueck", "zwischenspeichern", "entwurf"


@never_cache
@institution_member_required
@require_http_methods(["GET", "POST"])
def start_view(request: HttpRequest, patient_uuid: uuid.UUID) -> HttpResponse:
    user = current_user(request)
    patient = get_patient_for_user(user, patient_uuid)
    form = StartForm(list(patient.tumors.all()), request.POST or None)
    if request.method == "POST" and form.is_valid():
        draft = do_start_draft(
            patient=patient,
            tumor=form.chosen_tumor(),
            report_type=form.cleaned_data["report_type"],
            acting_user=user,
            request=request,
        )
        return redirect("reports:step", draft_uuid=draft.uuid, step=wizard.pages(draft)[0].slug)
    return render(request, "reports/start.html", {"form": form, "patient": patient})


@never_cache
@institution_member_required
def drafts_view(request: HttpRequest) -> HttpResponse:
    drafts = (
        Draft.objects.filter(institution=current_institution(request))
        .select_related("patient", "tumor", "created_by", "corrects")
        .order_by("-updated_at")
    )
    context = {"drafts": drafts, "draft_max_age_days": settings.DRAFT_MAX_AGE_DAYS}
    return render(request, "reports/drafts.html", context)


@never_cache
@institution_member_required
def sent_view(request: HttpRequest) -> HttpResponse:
    return _sent_page(request, sent.SentFilter(request.GET or None))


def _sent_page(request: HttpRequest, sent_filter: sent.SentFilter, status: int = 200) -> HttpResponse:
    paged = page_of(request, sent_filter.chosen(sent.sent_reports(current_institution(request).pk)))
    context = {**paged, "entries": sent.rows(list(paged["page"])), "sent_filter": sent_filter}
    return render(request, "reports/sent.html", context, status=status)


@never_cache
@institution_member_required
def sent_csv_view(request: HttpRequest) -> HttpResponse:
    """The reports the filter chooses, all of them, as CSV; a wrong filter gets the page with its errors instead
    of a file of every report."""
    sent_filter = sent.SentFilter(request.GET or None)
    if sent_filter.is_bound and not sent_filter.is_valid():
        return _sent_page(request, sent_filter, status=400)
    reports = sent_filter.chosen(sent.sent_reports(current_institution(request).pk))
    response = StreamingHttpResponse(csv_lines(sent.csv_rows(reports)), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="Meldungen-{timezone.localdate():%Y-%m-%d}.csv"'
    return response  # type: ignore[return-value]  # streamed; the decorators only pass it on


def _gone(request: HttpRequest, draft_uuid: uuid.UUID) -> HttpResponse:
    """A draft that is no more: sent (show the report) or deleted (say so plainly)."""
    report = lookups.report_from_draft(current_user(request), draft_uuid)
    if report is not None:
        messages.info(request, f"Dieser Entwurf wurde bereits gesendet (Meldung {report.meldung_id}).")
        return redirect("reports:report", report_uuid=report.uuid)
    return render(request, "reports/gone.html", status=404)


@never_cache
@institution_member_required
def resume_view(request: HttpRequest, draft_uuid: uuid.UUID) -> HttpResponse:
    draft = lookups.draft_for_user(current_user(request), draft_uuid)
    if draft is None:
        return _gone(request, draft_uuid)
    page = wizard.first_incomplete(draft)
    if page is None:
        return redirect("reports:check", draft_uuid=draft.uuid)
    return redirect("reports:step", draft_uuid=draft.uuid, step=page.slug)


@never_cache
@institution_member_required
@require_http_methods(["GET", "POST"])
def step_view(request: HttpRequest, draft_uuid: uuid.UUID, step: str) -> HttpResponse:
    draft = lookups.draft_for_user(current_user(request), draft_uuid)
    if draft is None:
        return _gone(request, draft_uuid)
    pages = wizard.pages(draft)
    page = next((candidate for candidate in pages if candidate.slug == step), None)
    if page is None:
        raise Http404
    incomplete = wizard.first_incomplete(draft, before=page)
    if incomplete is not None:
        messages.error(request, f"Bitte vervollständigen Sie zuerst den Schritt „{incomplete.title}“.")
        return redirect("reports:step", draft_uuid=draft.uuid, step=incomplete.slug)
    form = wizard.form(draft, page, request.POST if request.method == "POST" else None)
    if request.method == "POST":
        action = request.POST.get("aktion", NEXT)
        if action == NEXT and form.is_valid():
            data = wizard.updated(draft, page, form.step_data)
            stopping = _blocking_here(draft, data, form)
            do_save_draft(draft, data)
            if not stopping:
                return _next(draft, page)
        else:
            do_save_draft(draft, wizard.updated(draft, page, form.raw_data()))
            if action == BACK:
                return _previous(draft, page)
            if action == LATER:
                messages.success(request, "Der Entwurf ist gespeichert. Sie finden ihn unter „Entwürfe“.")
                return redirect("reports:drafts")
            if action == STAY:
                messages.success(request, "Gespeichert.")
                return redirect("reports:step", draft_uuid=draft.uuid, step=page.slug)
    else:
        _annotate(draft, form)
    position = pages.index(page)
    context = {"draft": draft, "form": form, "page": page, "pages": pages, "position": position + 1}
    return render(request, "reports/step.html", context)


def _findings_here(draft: Draft, data: dict[str, Any], form: StepForm) -> list[tuple[str, Finding]]:
    """(field key, finding) for each finding about a field of this step."""
    found = []
    for finding in findings_for(draft.patient, data, replacing=draft.corrects):
        key = wizard.field_for_finding(finding, form.leaves)
        if key is not None:
            found.append((key, finding))
    return found


def _blocking_here(draft: Draft, data: dict[str, Any], form: StepForm) -> bool:
    """Put this step's Fehler at their fields; True when there are any (the step is not done)."""
    fehler = [
        (key, finding) for key, finding in _findings_here(draft, data, form) if finding.severity == Severity.FEHLER
    ]
    for key, finding in fehler:
        form.add_error(key, finding.message)
    return bool(fehler)


def _annotate(draft: Draft, form: StepForm) -> None:
    """Show the findings about this step's fields next to them (Fehler and Hinweis)."""
    for key, finding in _findings_here(draft, draft.data, form):
        field: Any = form.fields[key]
        field.findings = [*getattr(field, "findings", []), finding]  # read by includes/field.html


def _next(draft: Draft, page: wizard.Page) -> HttpResponse:
    pages = wizard.pages(draft)  # the answers may have shown or hidden a step (organ modules)
    slugs = [candidate.slug for candidate in pages]
    index = slugs.index(page.slug) if page.slug in slugs else -1
    if index + 1 < len(pages):
        return redirect("reports:step", draft_uuid=draft.uuid, step=pages[index + 1].slug)
    return redirect("reports:check", draft_uuid=draft.uuid)


def _previous(draft: Draft, page: wizard.Page) -> HttpResponse:
    slugs = [candidate.slug for candidate in wizard.pages(draft)]
    index = slugs.index(page.slug) if page.slug in slugs else 0
    if index == 0:
        return redirect("patients:detail", patient_uuid=draft.patient.uuid)
    return redirect("reports:step", draft_uuid=draft.uuid, step=slugs[index - 1])


@never_cache
@institution_member_required
@require_http_methods(["GET", "POST"])
def check_view(request: HttpRequest, draft_uuid: uuid.UUID) -> HttpResponse:
    user = current_user(request)
    draft = lookups.draft_for_user(user, draft_uuid)
    if draft is None:
        return _gone(request, draft_uuid)
    if request.method == "POST" and not may_send(user):
        raise PermissionDenied
    incomplete = wizard.first_incomplete(draft)
    if incomplete is not None:
        messages.error(request, f"Bitte vervollständigen Sie den Schritt „{incomplete.title}“.")
        return redirect("reports:step", draft_uuid=draft.uuid, step=incomplete.slug)
    refused: list[str] = []
    if request.method == "POST":
        try:
            report = do_send_draft(draft.uuid, acting_user=user, request=request)
        except DraftGone:
            return _gone(request, draft.uuid)
        except SendingRefused as refusal:
            refused = refusal.messages
        else:
            messages.success(request, f"Die Meldung ist eingegangen. Meldung-ID: {report.meldung_id}")
            return redirect("reports:report", report_uuid=report.uuid)
    findings = findings_for(draft.patient, draft.data, replacing=draft.corrects)
    context = {
        "draft": draft,
        "sections": wizard.sections(draft),
        "findings": wizard.locate(draft, findings),
        "blocked": bool(blocking(findings)),
        "refused": refused,
        "may_send": may_send(user),
    }
    return render(request, "reports/check.html", context)


@never_cache
@institution_member_required
@require_http_methods(["GET", "POST"])
def delete_view(request: HttpRequest, draft_uuid: uuid.UUID) -> HttpResponse:
    user = current_user(request)
    draft = lookups.draft_for_user(user, draft_uuid)
    if draft is None:
        return _gone(request, draft_uuid)
    if request.method == "POST":
        do_delete_draft(draft, acting_user=user, request=request)
        messages.success(request, "Der Entwurf ist gelöscht.")
        return redirect("reports:drafts")
    return render(request, "reports/delete.html", {"draft": draft})


@never_cache
@institution_member_required
def report_view(request: HttpRequest, report_uuid: uuid.UUID) -> HttpResponse:
    report = lookups.get_report_for_user(current_user(request), report_uuid)
    sections = wizard.sections(report)
    corrections = list(report.corrections.order_by("sent_at"))
    return render(request, "reports/report.html", {"report": report, "sections": sections, "corrections": corrections})


@never_cache
@institution_member_required
@require_POST
def correct_view(request: HttpRequest, report_uuid: uuid.UUID) -> HttpResponse:
    user = current_user(request)
    report = lookups.get_report_for_user(user, report_uuid)
    newest = report.corrections.order_by("-sent_at").first()
    if newest is not None:
        messages.info(request, f"Diese Meldung wurde schon korrigiert; bitte korrigieren Sie {newest.meldung_id}.")
        return redirect("reports:report", report_uuid=newest.uuid)
    draft = do_start_correction(report, acting_user=user, request=request)
    messages.info(request, "Die Korrektur ist mit den gesendeten Angaben vorausgefüllt.")
    return redirect("reports:step", draft_uuid=draft.uuid, step=wizard.pages(draft)[0].slug)


@never_cache
@institution_member_required
def xml_view(request: HttpRequest, report_uuid: uuid.UUID) -> HttpResponse:
    report = lookups.get_report_for_user(current_user(request), report_uuid)
    response = HttpResponse(report_xml(report), content_type="application/xml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="Meldung-{report.meldung_id}.xml"'
    return response


@institution_member_required
def codes_view(request: HttpRequest, name: str) -> HttpResponse:
    """Up to 20 codes of a list matching ``q`` (code or name), for the suggestions of static/js/codes.js."""
    query = request.GET.get("q", "")[:50]
    found = codes.suggest(name, query)
    return JsonResponse({"codes": [{"code": code, "name": label} for code, label in found]})
