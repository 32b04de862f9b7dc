"""State changes of drafts and reports; each one transaction with an audit event (no patient data in it)."""

from __future__ import annotations

import copy
import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.http import HttpRequest
from django.utils import timezone

from apps.accounts.models import Role, User
from apps.core.audit import record_event
from apps.core.ids import random_id
from apps.obds.export import problems as schema_problems
from apps.patients.models import Patient
from apps.reports.checks import blocking, findings_for
from apps.reports.entry import is_system_attribute, without_ids
from apps.reports.export import package_xml
from apps.reports.models import Draft, Report, Tumor
from apps.reports.steps import meldung_spec

# Report types without a Meldeanlass element: the event is implied by the type (oBDS 3.0.4 Anhang Meldeanlässe).
IMPLIED_MELDEANLASS = {
    "Diagnose": "diagnose",
    "Pathologie": "histologie_zytologie",
    "OP": "behandlungsende",
    "Tod": "tod",
}
CORRECTION_REMARK = "Korrekturmeldung"
REMARK_MAX = 2000  # oBDS Anmerkung
SENDING_ROLES = (Role.MELDEND, Role.DOKUMENTATION)  # Erfassung prepares, a reporter sends


class SendingRefused(Exception):
    """The draft cannot be sent; ``messages`` say why, in German."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__("; ".join(messages))
        self.messages = messages


class DraftGone(Exception):
    """The draft was sent or deleted meanwhile (another tab, a colleague, a double click)."""


def may_send(user: User) -> bool:
    return user.role in SENDING_ROLES


def do_start_draft(
    *, patient: Patient, tumor: Tumor | None, report_type: str, acting_user: User, request: HttpRequest | None = None
) -> Draft:
    """A new draft; a report about a known tumour starts with that tumour's Tumorzuordnung."""
    data: dict[str, Any] = {report_type: {}}
    if tumor is not None and tumor.zuordnung:
        data["Tumorzuordnung"] = without_ids(tumor.zuordnung)
    else:  # the ICD-10-GM of the current year is almost always the right one; it stays changeable
        data["Tumorzuordnung"] = {"Primaertumor_ICD": {"Version": f"10 {timezone.localdate().year} GM"}}
    with transaction.atomic():
        draft = Draft.objects.create(
            institution_id=patient.institution_id,
            patient=patient,
            tumor=tumor,
            report_type=report_type,
            data=data,
            created_by=acting_user,
        )
        record_event("draft.created", actor=acting_user, target=draft, request=request, details={"art": report_type})
    return draft


def do_start_correction(report: Report, *, acting_user: User, request: HttpRequest | None = None) -> Draft:
    """A draft prefilled with everything ``report`` said; sent, it becomes a new report referencing it."""
    data = copy.deepcopy(report.data)
    for attribute in ("@Meldung_ID", "@Melder_ID"):
        data.pop(attribute, None)
    with transaction.atomic():
        draft = Draft.objects.create(
            institution_id=report.institution_id,
            patient_id=report.patient_id,
            tumor_id=report.tumor_id,
            report_type=report.report_type,
            data=data,
            corrects=report,
            created_by=acting_user,
        )
        record_event(
            "draft.correction_started",
            actor=acting_user,
            target=draft,
            request=request,
            details={"meldung_id": report.meldung_id},
        )
    return draft


def do_save_draft(draft: Draft, data: dict[str, Any]) -> None:
    """Store the answers so far (every step saves; not audited: the draft's creation and end are)."""
    draft.data = data
    draft.save(update_fields=["data", "updated_at"])


def do_delete_draft(draft: Draft, *, acting_user: User, request: HttpRequest | None = None) -> None:
    with transaction.atomic():
        record_event("draft.deleted", actor=acting_user, target=draft, request=request)
        draft.delete()


def do_send_draft(
    draft_uuid: Any, *, acting_user: User, request: HttpRequest | None = None, today: datetime.date | None = None
) -> Report:
    """Turn the draft into an immutable report, or refuse with the reasons. One draft gives one report."""
    if not may_send(acting_user):
        raise SendingRefused(["Meldungen absenden dürfen nur Meldende; bitte geben Sie den Entwurf weiter."])
    try:
        with transaction.atomic():
            return _send(draft_uuid, acting_user, request, today)
    except IntegrityError:
        raise DraftGone from None  # the same draft sent at the same moment elsewhere: draft_uuid is unique


def _send(draft_uuid: Any, user: User, request: HttpRequest | None, today: datetime.date | None) -> Report:
    draft = Draft.objects.select_for_update().filter(uuid=draft_uuid, institution_id=user.institution_id or 0).first()
    if draft is None:
        raise DraftGone
    patient = Patient.objects.select_for_update().get(pk=draft.patient_id)  # serialises tumour numbering
    meldung_id = random_id("M", 11)
    meldung = compose(draft, meldung_id, _tumor_id(draft, patient))
    refused = [
        finding.message for finding in blocking(findings_for(patient, meldung, replacing=draft.corrects, today=today))
    ]
    if refused:
        raise SendingRefused(refused)
    xml = package_xml(patient, [meldung], patient.institution, timezone.localdate())
    invalid = schema_problems(xml)
    if invalid:
        raise SendingRefused(["Die Meldung entspricht nicht dem oBDS-Schema: " + invalid[0]])
    tumor_id = meldung["Tumorzuordnung"]["@Tumor_ID"]
    tumor = draft.tumor or Tumor.objects.create(patient=patient, number=int(tumor_id), tumor_id=tumor_id)
    tumor.zuordnung = meldung["Tumorzuordnung"]
    tumor.save(update_fields=["zuordnung"])
    content = meldung[draft.report_type]
    report = Report.objects.create(
        meldung_id=meldung_id,
        institution_id=draft.institution_id,
        patient=patient,
        tumor=tumor,
        report_type=draft.report_type,
        meldeanlass=content.get("Meldeanlass") or IMPLIED_MELDEANLASS.get(draft.report_type, ""),
        data=meldung,
        corrects=draft.corrects,
        draft_uuid=draft.uuid,
        sent_by=user,
        sent_at=timezone.now(),
    )
    record_event(
        "report.sent",
        actor=user,
        target=report,
        request=request,
        details={"meldung_id": meldung_id, "art": draft.report_type, "korrektur": draft.corrects_id is not None},
    )
    draft.delete()
    return report


def _tumor_id(draft: Draft, patient: Patient) -> str:
    """The known tumour's Tumor_ID, or the next number not yet used as a number or as an uploaded id."""
    if draft.tumor is not None:
        return draft.tumor.tumor_id
    number = next_tumor_number(patient)
    taken = set(Tumor.objects.filter(patient=patient).values_list("tumor_id", flat=True))
    while str(number) in taken:
        number += 1
    return str(number)


def next_tumor_number(patient: Patient) -> int:
    highest = Tumor.objects.filter(patient=patient).aggregate(highest=Max("number"))["highest"]
    return (highest or 0) + 1


def compose(draft: Draft, meldung_id: str, tumor_id: str) -> dict[str, Any]:
    """The complete Meldung: the answers plus the ids the portal assigns, in the XSD's attribute names."""
    data = copy.deepcopy(draft.data)
    meldung: dict[str, Any] = {"@Meldung_ID": meldung_id, "@Melder_ID": draft.institution.melder_id, **data}
    zuordnung = meldung.setdefault("Tumorzuordnung", {})
    zuordnung["@Tumor_ID"] = tumor_id
    content = meldung.setdefault(draft.report_type, {})
    spec = meldung_spec().child(draft.report_type)
    for attribute in spec.attributes:
        if is_system_attribute(attribute.name):
            content.setdefault(f"@{attribute.name}", meldung_id)  # a correction keeps the original's id
    if draft.corrects_id is not None:
        meldung["Anmerkung"] = correction_remark(meldung.get("Anmerkung"))
    return meldung


def correction_remark(remark: str | None) -> str:
    if not remark:
        return CORRECTION_REMARK
    if remark.startswith(CORRECTION_REMARK):
        return remark
    return f"{CORRECTION_REMARK}: {remark}"[:REMARK_MAX]
