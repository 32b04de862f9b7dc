"""Validating a stored package: schema verdict, ownership, plausibility of each Meldung, duplicates.

Reading touches no models except to look up Meldung_IDs already sent; the outcome is written in one
transaction at the end (parse, then write all or nothing). A package whose worker died is picked up again:
``process`` is idempotent and a finished package is never processed twice.
"""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass, field
from typing import IO, Any, cast

from django.db import transaction
from django.utils import timezone
from lxml import etree  # type: ignore[import-untyped]  # lxml-stubs 0.5 lags lxml 6

from apps.core.audit import record_event
from apps.core.files import open_file
from apps.institutions.models import Institution
from apps.obds import codes
from apps.obds.plausibility import Context, Severity, check
from apps.obds.plausibility.engine import as_date, report_type, text
from apps.obds.safe_xml import Rejected, judge
from apps.obds.schema_model import load, to_data
from apps.obds.schemas import OBDS_NS
from apps.reports.models import Report
from apps.uploads.models import Package, PackageState

MELDUNG_PATH = "/oBDS/Menge_Patient/Patient/Menge_Meldung/Meldung"
MELDER_PATH = "/oBDS/Menge_Melder/Melder"


@dataclass
class Outcome:
    state: str
    format: str = ""
    schema_version: str = ""
    counts: dict[str, Any] = field(default_factory=dict)
    problems: list[dict[str, Any]] = field(default_factory=list)


def problem(severity: str, message: str, **where: Any) -> dict[str, Any]:
    """One line of the validation report: severity, German message, and where it was found."""
    return {"art": severity, "meldung": message, **{key: value for key, value in where.items() if value}}


def validate(source: IO[bytes], institution: Institution) -> Outcome:
    try:
        verdict = judge(source)
    except Rejected as refusal:
        return Outcome(PackageState.ABGELEHNT, problems=[_from_rejection(refusal)])
    if verdict.problem is not None:
        outcome = Outcome(PackageState.ABGELEHNT, verdict.format, verdict.schema_version)
        outcome.problems = [_from_rejection(verdict.problem)]
        return outcome
    if verdict.format != "oBDS":
        message = "ADT/GEKID-Pakete sind gültig, werden aber noch nicht übernommen. Bitte senden Sie oBDS 3."
        return Outcome(
            PackageState.ABGELEHNT, verdict.format, verdict.schema_version, problems=[problem("Fehler", message)]
        )
    source.seek(0)
    outcome = Outcome(PackageState.ANGENOMMEN, verdict.format, verdict.schema_version)
    _scan(source, institution, outcome)
    return outcome


def _from_rejection(refusal: Rejected) -> dict[str, Any]:
    return problem("Fehler", refusal.message, zeile=refusal.line, spalte=refusal.column, pfad=refusal.path)


def _scan(source: IO[bytes], institution: Institution, outcome: Outcome) -> None:
    """Second pass over a schema-valid oBDS package: each patient with their Meldungen, one at a time."""
    patient_spec = load().root.child("Menge_Patient").child("Patient")
    tags = (f"{{{OBDS_NS}}}Absender", f"{{{OBDS_NS}}}Patient", f"{{{OBDS_NS}}}Melder")
    counts: Counter[str] = Counter()
    sent = set(Report.objects.filter(institution=institution).values_list("meldung_id", flat=True))
    seen: set[str] = set()
    for _, element in etree.iterparse(
        source, events=("end",), tag=tags, resolve_entities=False, no_network=True, load_dtd=False
    ):
        name = etree.QName(element).localname
        if name == "Absender" and element.get("Absender_ID") != institution.melder_id:
            message = f"Absender_ID „{element.get('Absender_ID')}“ ist nicht Ihre Melder-ID ({institution.melder_id})."
            outcome.problems.append(problem("Hinweis", message, zeile=element.sourceline, pfad="/oBDS/Absender"))
        elif name == "Melder" and element.get("ID") != institution.melder_id:
            message = f"Der Melder „{element.get('ID')}“ gehört nicht zu Ihrer Einrichtung."
            outcome.problems.append(problem("Fehler", message, zeile=element.sourceline, pfad=MELDER_PATH))
        elif name == "Patient":
            counts["patienten"] += 1
            _patient(element, to_data(element, patient_spec), institution, outcome, counts, sent, seen)
        element.clear(keep_tail=True)
        while element.getprevious() is not None:
            del element.getparent()[0]
    if any(item.get("pfad") == MELDER_PATH and item["art"] == "Fehler" for item in outcome.problems):
        counts["abgelehnt"] += counts.pop("angenommen", 0)  # Meldungen of another Melder: none is taken
    outcome.counts = dict(counts)
    if counts["abgelehnt"] and counts["angenommen"]:
        outcome.state = PackageState.TEILWEISE
    elif counts["abgelehnt"] or not counts["angenommen"]:
        outcome.state = PackageState.ABGELEHNT


def _patient(
    element: Any,
    patient: dict[str, Any],
    institution: Institution,
    outcome: Outcome,
    counts: Counter[str],
    sent: set[str],
    seen: set[str],
) -> None:
    """Check each Meldung of one patient; ``sent`` holds ids sent before, ``seen`` those earlier in this file."""
    stammdaten = patient.get("Patienten_Stammdaten", {})
    born = as_date(stammdaten.get("Geburtsdatum"))
    insurance = {key: value for key, value in stammdaten.items() if key.startswith("Versichertendaten_")}
    meldungen = patient.get("Menge_Meldung", {}).get("Meldung", [])
    lines = [meldung.sourceline for meldung in element.iter(f"{{{OBDS_NS}}}Meldung")]
    for index, meldung in enumerate(meldungen):
        meldung_id = meldung.get("@Meldung_ID", "")
        where = {"zeile": lines[index] if index < len(lines) else 0, "pfad": MELDUNG_PATH,
                 "patient_id": patient.get("@Patient_ID"), "meldung_id": meldung_id}  # fmt: skip
        counts[f"art_{report_type(meldung) or 'unbekannt'}"] += 1
        blocking = False
        if meldung.get("@Melder_ID") != institution.melder_id:
            outcome.problems.append(
                problem("Fehler", "Die Meldung nennt einen Melder einer anderen Einrichtung.", **where)
            )
            blocking = True
        if meldung_id in sent or meldung_id in seen:
            outcome.problems.append(problem("Fehler", "Diese Meldung_ID wurde bereits gesendet (Duplikat).", **where))
            blocking = True
        context = Context(
            meldung=meldung,
            sex=text(stammdaten.get("Geschlecht")),
            born=born,
            insurance=insurance,
            earlier=tuple(other for other in meldungen if other is not meldung),
            codes=codes.load(),
            today=datetime.date.today(),
        )
        for finding in check(context):
            severity = finding.severity.value
            outcome.problems.append(problem(severity, finding.message, regel=finding.rule, **where))
            blocking = blocking or finding.severity == Severity.FEHLER
            counts["hinweise"] += finding.severity == Severity.HINWEIS
        counts["abgelehnt" if blocking else "angenommen"] += 1
        seen.add(meldung_id)


def process(package_uuid: str) -> None:
    """Validate one package and record the outcome; safe to run again after a crash."""
    with transaction.atomic():
        package = (
            Package.objects.select_for_update()
            .select_related("stored_file", "institution")
            .filter(uuid=package_uuid)
            .first()
        )
        if package is None or package.finished:
            return
        package.state = PackageState.IN_PRUEFUNG
        package.attempts += 1
        package.started_at = timezone.now()
        package.save(update_fields=["state", "attempts", "started_at"])
    with open_file(package.stored_file) as source:
        outcome = validate(cast(IO[bytes], source), package.institution)
    with transaction.atomic():
        package = Package.objects.select_for_update().get(pk=package.pk)
        if package.finished:
            return  # another worker got there first
        package.state = outcome.state
        package.format, package.schema_version = outcome.format, outcome.schema_version
        package.counts, package.problems = outcome.counts, outcome.problems
        package.finished_at = timezone.now()
        package.save()
        record_event(
            "package.processed",
            actor=None,
            actor_label="system:worker",
            target=package,
            details={
                "status": outcome.state,
                **{key: value for key, value in outcome.counts.items() if isinstance(value, int)},
            },
        )
