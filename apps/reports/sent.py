"""The institution's sent Meldungen in one list, online-entered and uploaded alike: the filter and one page's rows.

A page of 50 rows takes a fixed number of queries: the reports with patient, tumour, sender and package, then the
corrections of the reports shown. Only the shown rows are decrypted.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone

from apps.core.period import PeriodFilter
from apps.core.spreadsheet import in_batches
from apps.patients.forms import GermanDateField
from apps.reports.history import Entry, entries
from apps.reports.models import Report, ReportType

ONLINE, PACKAGE = "online", "paket"
NOT_LISTED = "Bitte wählen Sie einen Eintrag der Liste."
CSV_BATCH = 500  # reports read at a time while the download streams (each holds its encrypted content)
# What a CSV row reads (the data for the event date, with the uuid that opens it); the page's rows need more.
CSV_FIELDS = ["uuid", "meldung_id", "report_type", "meldeanlass", "data", "sent_at", "corrects", "patient__patient_id",
              "tumor__number", "package__filename"]  # fmt: skip
CSV_HEADING = ["Meldung_ID", "Patient_ID", "Meldungsart", "Meldeanlass", "Tumor", "Datum", "Eingang", "Weg",
               "Paket", "Status"]  # fmt: skip


class SentFilter(PeriodFilter):
    """The list's filter (sent with GET): an ID or its start, a period of arrival, a report type, the way it came."""

    suche = forms.CharField(
        label="Meldung-/Patienten-ID",
        required=False,
        max_length=50,  # as long as oBDS allows either
        help_text="auch nur ihr Anfang, z. B. UP0000",
        error_messages={"max_length": "Eine ID hat höchstens 50 Zeichen."},
    )
    von = GermanDateField(label="Eingang ab", required=False, help_text="TT.MM.JJJJ")
    bis = GermanDateField(label="Eingang bis", required=False, help_text="TT.MM.JJJJ, der Tag selbst zählt mit")
    art = forms.ChoiceField(
        label="Meldungsart",
        required=False,
        choices=[("", "alle"), *ReportType.choices],
        error_messages={"invalid_choice": NOT_LISTED},
    )
    weg = forms.ChoiceField(
        label="Weg",
        required=False,
        choices=[("", "alle"), (ONLINE, "online erfasst"), (PACKAGE, "aus Meldungspaketen")],
        error_messages={"invalid_choice": NOT_LISTED},
    )

    @property
    def active(self) -> bool:
        return self.is_valid() and any(self.cleaned_data.values())

    def chosen(self, reports: QuerySet[Report]) -> QuerySet[Report]:
        """The reports the filter asks for; all of them while it is empty or wrong (its errors say why)."""
        if not self.is_valid():
            return reports
        reports = self.in_period(reports, "sent_at")
        wanted = self.cleaned_data
        if wanted["suche"]:
            reports = reports.filter(pk__in=_found(reports, wanted["suche"]))
        if wanted["art"]:
            reports = reports.filter(report_type=wanted["art"])
        if wanted["weg"]:
            reports = reports.filter(package__isnull=wanted["weg"] == ONLINE)
        return reports


def _found(reports: QuerySet[Report], start: str) -> QuerySet[Report, Any]:
    """The keys of ``reports`` whose Meldung-ID or Patient_ID starts with ``start``, in any case (``%`` and ``_`` are
    plain characters). Two parts joined by UNION, so that each can use its index on the upper-cased ID (an OR
    across the two tables would read every report of the institution)."""
    plain = reports.order_by().values("pk")
    return plain.filter(meldung_id__istartswith=start).union(plain.filter(patient__patient_id__istartswith=start))


def sent_reports(institution_id: int) -> QuerySet[Report]:
    """The institution's reports, newest first, with what a row shows."""
    return (
        Report.objects.filter(institution_id=institution_id)
        .select_related("patient", "tumor", "sent_by", "package")
        .defer("package__problems")  # a package's report can be long, and each row would fetch it
        .order_by("-sent_at", "-pk")
    )


def rows(reports: list[Report]) -> list[Entry]:
    """The rows of one page (or one batch of the CSV), with the corrections of these reports in one query."""
    corrections = Report.objects.filter(corrects__in=reports).only("meldung_id", "corrects", "sent_at")
    return entries(reports, corrections.order_by("sent_at"))


def csv_rows(reports: QuerySet[Report]) -> Iterator[list[object]]:
    """The heading, then one row per report, without names (the Patient_ID identifies the patient to the
    institution), read in batches so that a long list streams."""
    yield list(CSV_HEADING)
    reports = reports.select_related(None).select_related("patient", "tumor", "package").only(*CSV_FIELDS)
    for batch in in_batches(reports.iterator(chunk_size=CSV_BATCH), CSV_BATCH):
        for entry in rows(batch):
            report = entry.report
            yield [
                report.meldung_id,
                report.patient.patient_id,
                report.get_report_type_display(),
                report.meldeanlass_label,
                report.tumor.number,
                f"{entry.date:%d.%m.%Y}" if entry.date else "",
                f"{timezone.localtime(report.sent_at):%d.%m.%Y %H:%M}",
                "Paket" if report.package else "online",
                report.package.filename if report.package else "",
                entry.status,
            ]
