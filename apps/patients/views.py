"""Personenstammdaten pages: find, create, show, change. Searches are POSTed: no patient data in URLs."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from apps.accounts.decorators import current_institution, current_user, institution_member_required
from apps.patients import lookups
from apps.patients.actions import DuplicatePatient, do_create_patient, do_update_patient
from apps.patients.forms import PatientForm, SearchForm
from apps.patients.models import Patient
from apps.reports.history import history

RECENT = 20


def _search(form: SearchForm, request: HttpRequest) -> list[Patient]:
    institution = current_institution(request)
    data = form.cleaned_data
    if data["patient_id"]:
        found = lookups.by_patient_id(institution, data["patient_id"])
        return [found] if found else []
    if data["insurance_number"]:
        found = lookups.by_insurance_number(institution, data["insurance_number"], data["geburtsdatum"])
        return [found] if found else []
    return lookups.by_surname(institution, data["nachname"], data["geburtsdatum"])


@never_cache
@institution_member_required
@require_http_methods(["GET", "POST"])
def list_view(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.POST or None)
    results = _search(form, request) if request.method == "POST" and form.is_valid() else None
    recent = Patient.objects.filter(institution=current_institution(request)).order_by("-updated_at")[:RECENT]
    return render(request, "patients/list.html", {"form": form, "results": results, "recent": recent})


@never_cache
@institution_member_required
@require_http_methods(["GET", "POST"])
def create_view(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    form = PatientForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            patient = do_create_patient(
                institution=current_institution(request), acting_user=user, request=request, **form.patient_fields()
            )
        except DuplicatePatient as duplicate:
            form.add_error(None, str(duplicate))
        else:
            messages.success(request, f"Die Stammdaten sind gespeichert (Patienten-ID {patient.patient_id}).")
            return redirect("patients:detail", patient_uuid=patient.uuid)
    return render(request, "patients/form.html", {"form": form, "patient": None})


@never_cache
@institution_member_required
def detail_view(request: HttpRequest, patient_uuid: uuid.UUID) -> HttpResponse:
    patient = lookups.get_patient_for_user(current_user(request), patient_uuid)
    return render(request, "patients/detail.html", {"patient": patient, "history": history(patient)})


@never_cache
@institution_member_required
@require_http_methods(["GET", "POST"])
def edit_view(request: HttpRequest, patient_uuid: uuid.UUID) -> HttpResponse:
    user = current_user(request)
    patient = lookups.get_patient_for_user(user, patient_uuid)
    form = PatientForm(request.POST or None, initial=initial_for(patient))
    if request.method == "POST" and form.is_valid():
        try:
            do_update_patient(patient, acting_user=user, request=request, **form.patient_fields())
        except DuplicatePatient as duplicate:
            form.add_error(None, str(duplicate))
        else:
            messages.success(request, "Die Änderungen sind gespeichert.")
            return redirect("patients:detail", patient_uuid=patient.uuid)
    return render(request, "patients/form.html", {"form": form, "patient": patient})


def initial_for(patient: Patient) -> dict[str, object]:
    initial: dict[str, object] = {
        name: getattr(patient, name) for name in PatientForm.base_fields if hasattr(patient, name)
    }
    initial.update(patient.adresse or {})
    initial["fruehere_namen"] = "\n".join(patient.fruehere_namen or [])
    return initial
