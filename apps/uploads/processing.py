"""Validating and importing a stored package in one streaming pass: schema, ownership, plausibility of each
Meldung, duplicates, and the accepted Meldungen stored as reports.

Everything a package changes happens in one transaction that also holds the package's row lock: a schema
error (found perhaps at the last byte) or a worker that dies rolls it all back, and a retry starts clean.
A finished package is never processed twice.
"""

from __future__ import annotations

import datetime
import gc
import logging
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import orjson
from django.db import connection, transaction
from django.utils import timezone

from apps.core.audit import record_event
from apps.institutions.models import UploadStatus
from apps.obds import codes
from apps.obds.alongside import judge_alongside
from apps.obds.messages import kind_of
from apps.obds.plausibility import Severity
from apps.obds.safe_xml import Rejected, judge
from apps.uploads import field_lines, progress, testphase
from apps.uploads.acceptance import refusal
from apps.uploads.archive import xml_files
from apps.uploads.entries import MELDUNG_PATH, About, MeldungEntry, PatientEntry
from apps.uploads.importing import refuse_sent, store
from apps.uploads.matching import stored_patients
from apps.uploads.models import Package, PackageState
from apps.uploads.plausibility import Findings, check_against_stored, patient_findings
from apps.uploads.reading import ReadElement, ReadPatient, read
from apps.uploads.report import IN_FILE

MELDER_PATH = "/oBDS/Menge_Melder/Melder"
BATCH = 50  # patients per database round: the last one is stored after the file's end, so it is kept small
# From this size the schema check runs in a child process beside the Python checks (two cores); below it
# the child's start costs more than it saves.
ALONGSIDE_FROM = 1024 * 1024
MAX_ATTEMPTS = 3  # a package that took down its worker this often is refused rather than retried forever
YOUNG_OBJECTS = 100_000  # new objects before the collector looks at them, while a package runs (see ``process``)

logger = logging.getLogger(__name__)


@dataclass
class Outcome:
    state: str
    format: str = ""
    schema_version: str = ""
    counts: Counter[str] = field(default_factory=Counter)
    problems: list[dict[str, Any]] = field(default_factory=list)
    schema_valid: bool = False


class Undo(Exception):
    """Roll the package's import back and record ``outcome`` instead."""

    def __init__(self, outcome: Outcome) -> None:
        super().__init__(outcome.state)
        self.outcome = outcome


class VersionRefused(Exception):
    """The package declares a schema version the registry does not take (today); the message is German."""


def problem(severity: str, message: str, **where: Any) -> dict[str, Any]:
    """One line of the validation report: severity, German message, and where it was found."""
    return {"art": severity, "meldung": message, **{key: value for key, value in where.items() if value}}


class Scan:
    """What the one pass learns, handed on patient batch by patient batch."""

    def __init__(self, package: Package, importing: bool) -> None:
        self.package = package
        self.melder_id = package.institution.melder_id
        self.importing = importing
        self.outcome = Outcome(PackageState.ANGENOMMEN)
        self.pending: list[PatientEntry] = []
        self.foreign_melder = False
        self.unreadable = False
        self.version_checked = False
        self.file = ""  # the file inside a ZIP archive being read, or ""
        self.meldedatum: datetime.date | None = None  # of the file being read
        self.meldung_ids: set[str] = set()  # across the files of a ZIP (within one file the XSD's key holds)
        self.codes = codes.load()
        self.today = timezone.localdate()  # the registry's day, as online
        self.progress = progress.Reporter(package.uuid)
        self.offset = 0  # bytes of XML in the files before this one
        self.done = 0  # bytes of XML read so far

    def begin(self, file: str, offset: int) -> None:
        """A new file starts, after ``offset`` bytes of XML in the files before it: its own root, its own schema
        version."""
        self.file, self.version_checked, self.meldedatum = file, False, None
        self.offset = self.done = offset

    def reached(self, position: int) -> None:
        """The file has been read up to ``position``."""
        self.done = self.offset + position

    def read(self, element: Any, lagging: bool = False) -> ReadElement:
        """``reading.read``, where the file is parsed; while the worker lags behind, with the rules' findings."""
        return read(element, self.check if lagging else None)

    def check(self, stammdaten: dict[str, Any], meldungen: list[dict[str, Any]], texts: list[bytes]) -> Findings:
        """The plausibility rules for one patient's Meldungen, in the worker or in the schema check's child."""
        return patient_findings(stammdaten, meldungen, self.codes, self.today, texts)

    def take(self, element: ReadElement) -> None:
        """One element of the file, as ``read`` gave it."""
        if not self.version_checked:
            self.version_checked = True
            message = refusal("oBDS" if element.obds else "ADT/GEKID", element.schema_version, self.today)
            if message is not None:
                raise VersionRefused(message)  # nothing is read further, nothing imported
        name, value = element.name, element.value
        if not element.obds:
            self._adt(element)
        elif name == "Absender" and value != self.melder_id:
            message = f"Absender_ID „{value}“ ist nicht Ihre Melder-ID ({self.melder_id})."
            self._found("Hinweis", message, element.line, "/oBDS/Absender")
        elif name == "Meldedatum":
            self.meldedatum = _stand(value, self.today)
        elif name == "Melder" and value != self.melder_id:
            self.foreign_melder = True
            self._found("Fehler", f"Der Melder „{value}“ gehört nicht zu Ihrer Einrichtung.", element.line, MELDER_PATH)
        elif name == "Patient":
            self.outcome.counts["patienten"] += 1
            if value is None:  # libxml2 reports a schema error only after handing over the element
                self.unreadable = True
                return
            self.pending.append(self._patient(value))
            if len(self.pending) >= BATCH:
                self.flush()

    def _found(self, severity: str, message: str, line: int, path: str) -> None:
        self.outcome.problems.append(problem(severity, message, zeile=line, pfad=path, datei=self.file))

    def _adt(self, element: ReadElement) -> None:
        """ADT/GEKID: ownership and counts only (the plausibility rules read oBDS)."""
        if element.name == "Melder" and element.value != self.melder_id:
            self.foreign_melder = True
            message = f"Der Melder „{element.value}“ gehört nicht zu Ihrer Einrichtung."
            self._found("Fehler", message, element.line, "/ADT_GEKID/Menge_Melder/Melder")
        elif element.name == "Patient":
            self.outcome.counts["patienten"] += 1
            self.outcome.counts["meldungen"] += element.value

    def _patient(self, sent: ReadPatient) -> PatientEntry:
        """Where the child ran the rules, the Meldungen are not parsed here (the worker lags behind then): what is
        needed of them came along (``About``)."""
        patient = orjson.loads(sent.patient)
        stammdaten = patient.get("Patienten_Stammdaten", {})
        findings, meldungen = sent.findings, None
        if findings is None:
            meldungen = [orjson.loads(text) for text in sent.meldungen]
            findings = self.check(stammdaten, meldungen, sent.meldungen)
        entries = []
        for index, fields in enumerate(sent.about):
            about = About(*fields)
            where = {
                "zeile": sent.lines[index] if index < len(sent.lines) else 0,
                "pfad": MELDUNG_PATH,
                "patient_id": patient.get("@Patient_ID"),
                "meldung_id": about.meldung_id,
                **({"datei": self.file} if self.file else {}),
            }
            entry = MeldungEntry(sent.meldungen[index], about, where, meldungen[index] if meldungen else None)
            if about.melder_id != self.melder_id:
                entry.note("Fehler", "Die Meldung nennt einen Melder einer anderen Einrichtung.")
                # The XSD's keyref makes that Melder one of the file's, met at its end: then nothing is taken, so
                # nothing more is stored from here on (the schema verdict refuses a file that lacks it anyway).
                self.foreign_melder = True
            if self.file:
                if entry.meldung_id in self.meldung_ids:
                    entry.repeated = True
                    entry.note(
                        "Fehler", "Diese Meldung_ID steht schon in einer anderen Datei dieses Pakets (Duplikat)."
                    )
                self.meldung_ids.add(entry.meldung_id)
            for severity, message, rule, path in findings[index]:
                entry.note(severity, message, regel=rule, pfad=path)
                self.outcome.counts["hinweise"] += severity == Severity.HINWEIS.value
            entries.append(entry)
        return PatientEntry(str(patient.get("@Patient_ID", "")), stammdaten, entries, stand=self.meldedatum)

    def flush(self) -> None:
        self.progress.report(self.done, self.outcome.counts["patienten"])
        batch, self.pending = self.pending, []
        stored = stored_patients(self.package.institution_id, batch)
        if hinweise := check_against_stored(batch, stored, self.codes, self.today):
            self.outcome.counts["hinweise"] += hinweise
        refuse_sent(self.package.institution_id, batch)
        if self.importing and not self.foreign_melder:
            store(self.package, batch, stored)
        for entry in batch:
            if entry.updated:
                self.outcome.counts["stammdaten_aktualisiert"] += 1
            if entry.outdated:
                self.outcome.counts["stammdaten_aelter"] += 1
                self.outcome.counts["hinweise"] += 1
            for meldung in entry.meldungen:
                self.outcome.counts[f"art_{meldung.report_type}"] += 1
                self.outcome.counts["abgelehnt" if meldung.blocking else "angenommen"] += 1
                self.outcome.problems.extend(meldung.problems)


def _stand(meldedatum: str | None, today: datetime.date) -> datetime.date | None:
    """The package's Meldedatum (schema-valid: a day), never after today: a package dated ahead must not keep
    later Stammdaten out."""
    try:
        return min(datetime.date.fromisoformat(meldedatum or ""), today)
    except ValueError:  # only in a file the schema refuses anyway
        return None


def validate(package: Package, importing: bool) -> Outcome:
    """Judge the upload's files and, when ``importing``, store their accepted Meldungen (inside the caller's
    transaction). A ZIP upload is one package: a schema error in any of its files refuses all of them."""
    scan = Scan(package, importing)
    notes: list[str] = []
    formats, versions = set(), set()
    try:
        files = xml_files(package.stored_file, package.filename, notes)
        scan.progress.total = sum(file.size for file in files)
        offset = 0
        for file in files:
            name = file.name
            scan.begin(name, offset)
            first_problem = len(scan.outcome.problems)
            with file.open() as source:
                if file.size >= ALONGSIDE_FROM:
                    verdict = judge_alongside(source, file.open, scan.read, scan.take, scan.reached)
                else:
                    verdict = judge(source, lambda element: scan.take(scan.read(element)))
            formats.add(verdict.format)
            versions.add(verdict.schema_version)
            if verdict.problem is not None:
                problems = _counted([_from_rejection(found, name) for found in verdict.problems], verdict.kinds)
                if verdict.found > len(problems):
                    problems.append(problem("Hinweis", _not_all_shown(verdict.found, len(problems)), datei=name))
                raise Undo(Outcome(PackageState.ABGELEHNT, verdict.format, verdict.schema_version, problems=problems))
            if scan.unreadable:  # cannot happen for a schema-valid file; refuse rather than import part of it
                raise Undo(Outcome(PackageState.ABGELEHNT, problems=[problem("Fehler", UNREADABLE, datei=name)]))
            scan.flush()
            if verdict.format == "oBDS":
                found = scan.outcome.problems[first_problem:]
                field_lines.place(file.open, found)
                scan.outcome.problems[first_problem:] = sorted(found, key=_file_order)
            offset += file.size
    except Rejected as refused:
        raise Undo(Outcome(PackageState.ABGELEHNT, problems=[_from_rejection(refused, scan.file)])) from None
    except VersionRefused as refused:
        problems = [problem("Fehler", str(refused), pfad="/*/@Schema_Version", datei=scan.file)]
        raise Undo(Outcome(PackageState.ABGELEHNT, problems=problems)) from None
    finally:
        scan.progress.close()
    outcome = scan.outcome
    outcome.format, outcome.schema_version = formats.pop(), _joined(versions)
    if formats:
        problems = [problem("Fehler", MIXED_FORMATS)]
        raise Undo(Outcome(PackageState.ABGELEHNT, "gemischt", outcome.schema_version, problems=problems))
    outcome.schema_valid = True
    outcome.problems.extend(problem("Hinweis", note) for note in notes)
    if len(files) > 1:
        outcome.counts["dateien"] = len(files)
    if scan.foreign_melder:  # Meldungen of another institution's Melder: none is taken
        outcome.counts["abgelehnt"] += outcome.counts.pop("angenommen", 0)
        raise Undo(_settled(outcome))
    if verdict.format != "oBDS":  # valid and accepted as a whole; the registry imports ADT/GEKID itself
        outcome.problems.append(problem("Hinweis", ADT_NOTE))
        return outcome
    return _settled(outcome)


MIXED_FORMATS = "Das ZIP-Archiv enthält oBDS- und ADT/GEKID-Dateien. Bitte laden Sie beide Formate getrennt hoch."


def _file_order(found: dict[str, Any]) -> int:
    """A file's problems are listed by line, so the report can be worked through from the top of the file down."""
    return int(found.get("zeile") or 0)


def _not_all_shown(found: int, shown: int) -> str:
    return f"Die Schemaprüfung hat {found} Fehler gefunden; dieser Bericht zeigt die ersten {shown}."


def _joined(versions: set[str]) -> str:
    """The schema version(s) of the package's files, fit for the 20 characters of its field."""
    joined = ", ".join(sorted(versions))
    return joined if len(joined) <= 20 else "mehrere"


ADT_NOTE = (
    "Das Paket ist im Format ADT/GEKID. Es ist gültig und wird als Ganzes an das Register gegeben; "
    "seine Meldungen erscheinen nicht einzeln in Ihrer Meldungsliste."
)


UNREADABLE = "Ein Patient des Pakets ließ sich nicht lesen. Bitte wenden Sie sich an das Register."


def _settled(outcome: Outcome) -> Outcome:
    counts = outcome.counts
    if outcome.format != "oBDS":
        outcome.state = PackageState.ABGELEHNT
    elif counts["abgelehnt"] and counts["angenommen"]:
        outcome.state = PackageState.TEILWEISE
    elif counts["abgelehnt"] or not counts["angenommen"]:
        outcome.state = PackageState.ABGELEHNT
    return outcome


def _counted(problems: list[dict[str, Any]], kinds: dict[str, int]) -> list[dict[str, Any]]:
    """The report lists the first ``SHOWN`` schema errors; the first line of each kind says how often libxml2 met
    that kind in the whole file, so that the report's overview counts 20 000 German dates as 20 000, not 97."""
    uncounted = dict(kinds)
    for item in problems:
        kind = kind_of(item.get("original") or item["meldung"])
        if kind in uncounted:
            item[IN_FILE] = uncounted.pop(kind)
    return problems


def _from_rejection(refused: Rejected, file: str = "") -> dict[str, Any]:
    where = {"zeile": refused.line, "spalte": refused.column, "pfad": refused.path, "original": refused.original,
             "patient_id": refused.patient_id, "meldung_id": refused.meldung_id}  # fmt: skip
    return problem("Fehler", refused.message, datei=file, **where)


def process(package_uuid: str) -> None:
    """Validate one package and record the outcome; safe to run again after a crash. Once the outcome is
    committed, the log says how long it took (the package's uuid, its state and seconds: nothing of its content).

    While it runs, the objects that were there before (Django, the schema model, the code lists) are kept out
    of the garbage collector's full passes: a large package allocates enough to start many of them, and each
    would otherwise walk all those objects again (about a tenth of the time of a 10 MB package). And the
    collector waits for ``YOUNG_OBJECTS`` new objects instead of 700: a batch's Meldungen, parsed for the rules,
    live until the batch is stored, and each young pass walked them again (85–108 young and 7–9 middle passes for
    the 10 MB benchmark package, 15–26 ms of the worker's CPU; with it 0–1 pass). Memory did not grow for it: the
    100 MB package's peak RSS stayed at 169–172 MB."""
    started = time.perf_counter()
    gc.freeze()
    thresholds = gc.get_threshold()
    gc.set_threshold(YOUNG_OBJECTS, *thresholds[1:])
    try:
        state = _process(package_uuid)
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()
    if state is not None:
        logger.info("Paket %s: %s nach %.3f s", package_uuid, state, time.perf_counter() - started)


def _process(package_uuid: str) -> str | None:
    """The package's state once committed, or None when there was nothing (more) to do."""
    with transaction.atomic():
        package = _locked(package_uuid)
        if package is None:
            return None
        package.state = PackageState.IN_PRUEFUNG
        package.attempts += 1
        package.started_at = timezone.now()
        package.save(update_fields=["state", "attempts", "started_at"])
    with transaction.atomic():
        package = _locked(package_uuid)  # held until the outcome is committed: a second worker waits, then leaves
        if package is None:
            return None
        _prepare_for_import()
        if package.attempts > MAX_ATTEMPTS:
            outcome = Outcome(PackageState.ABGELEHNT, problems=[problem("Fehler", GAVE_UP)])
        else:
            outcome = _run(package)
        _record(package, outcome)
    return outcome.state


def _prepare_for_import() -> None:
    """How PostgreSQL checks what the import writes, for this transaction only.

    Django declares foreign keys DEFERRABLE INITIALLY DEFERRED, so PostgreSQL would check every reference the
    import writes (five per report) at the commit, after the file's end, with nothing left to run beside it.
    Checked as each batch is copied, they run while the schema check reads on. On the 100 MB benchmark package
    the commit took 0.37 s before, 0.01 s after.

    Each check runs a plan that PostgreSQL makes once per connection. Made while a table is all but empty (a
    young registry; the package's first batch), it reads the whole table, and keeps doing so for every report as
    the table grows. For the 100 MB benchmark package after an empty tumour table had been vacuumed, PostgreSQL
    read 35 million tumour rows and its CPU time was 2.8–3.2 s instead of 1.5–1.6 s. Every lookup of the import
    goes by an indexed key, so sequential scans are ruled out while it runs."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET LOCAL enable_seqscan = off")


GAVE_UP = "Das Paket ließ sich nach mehreren Versuchen nicht verarbeiten. Bitte wenden Sie sich an das Register."


def _locked(package_uuid: str) -> Package | None:
    package = (
        Package.objects.select_for_update(of=("self",))
        .select_related("stored_file", "institution")
        .filter(uuid=package_uuid)
        .first()
    )
    return None if package is None or package.finished else package


def _run(package: Package) -> Outcome:
    status = package.institution.upload_status
    if status == UploadStatus.NICHT_FREIGESCHALTET:
        return Outcome(PackageState.ABGELEHNT, problems=[problem("Fehler", testphase.NOT_ENABLED)])
    reviewing = status == UploadStatus.TESTPHASE and package.reviewed_at is None
    try:
        with transaction.atomic():
            outcome = validate(package, importing=not reviewing)
            if reviewing:
                raise Undo(testphase.judged(package, outcome))
    except Undo as undone:
        outcome = undone.outcome
    return outcome


def _record(package: Package, outcome: Outcome) -> None:
    package.state = outcome.state
    package.format, package.schema_version = outcome.format, outcome.schema_version
    package.counts = {**outcome.counts, "schema_gueltig": int(outcome.schema_valid)}
    package.problems = outcome.problems
    package.test_package = package.test_package or outcome.state == PackageState.WARTET
    package.finished_at = timezone.now()
    package.save()
    progress.forget(package.uuid)
    record_event(
        "package.processed",
        actor=None,
        actor_label="system:worker",
        target=package,
        details={"status": outcome.state, **{key: value for key, value in outcome.counts.items() if value}},
    )
    if outcome.state == PackageState.WARTET:
        transaction.on_commit(lambda: testphase.notify_registry(package))
