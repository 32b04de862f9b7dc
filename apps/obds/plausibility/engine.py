"""The rule engine: rules register themselves with an id, a severity, the fields they concern and a message.

Reports are schema-shaped dicts (apps.obds.schema_model): a Meldung as read from XML or built by a form.
"""

from __future__ import annotations

import datetime
import enum
import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from apps.obds.codes import CodeLists


class Severity(enum.Enum):
    FEHLER = "Fehler"  # blocks sending
    HINWEIS = "Hinweis"  # sent with a warning


@dataclass(frozen=True)
class Finding:
    rule: str
    severity: Severity
    message: str
    fields: tuple[str, ...]


Dates = tuple[tuple[str, datetime.date], ...]
T = TypeVar("T")


class _once(Generic[T]):
    """``functools.cached_property`` without its lock, which Python 3.11 takes at every first read: the rules read
    these values of some 23 000 contexts for a 100 MB package, and a context is used in one thread only."""

    def __init__(self, compute: Callable[[Any], T]) -> None:
        self.compute = compute
        self.name = compute.__name__

    def __get__(self, context: Any, owner: type | None = None) -> T:
        value = context.__dict__[self.name] = self.compute(context)  # read from there from now on
        return value


@dataclass(frozen=True)
class Context:
    """One Meldung with what the rules may compare it with."""

    meldung: dict[str, Any]
    sex: str | None = None
    born: datetime.date | None = None
    insurance: dict[str, Any] = field(default_factory=dict)  # Versichertendaten_GKV/_PKV/_Sonstige as in oBDS
    country: str | None = None  # the Land of the patient's address (ISO 3166-1 alpha-2, as in oBDS)
    earlier: tuple[dict[str, Any], ...] = ()  # the patient's other Meldungen
    codes: CodeLists | None = None
    today: datetime.date = field(default_factory=datetime.date.today)
    # The dates found in each report, kept while this context lives; an upload passes one dict to all the
    # contexts of a patient, so each report is read once however many rules and Meldungen ask.
    known_dates: dict[int, tuple[Any, Dates]] = field(default_factory=dict, compare=False, repr=False)
    # Where the caller has a report's JSON text (an upload makes it anyway, to store the reports): the date-like
    # strings in it (``date_like``), by id() with the report itself. ``dates_where`` looks at them first.
    date_hints: dict[int, tuple[Any, tuple[datetime.date, ...]]] = field(
        default_factory=dict, compare=False, repr=False
    )

    # What many rules read of the Meldung, read once per context (a frozen dataclass still has a __dict__).
    @_once
    def kind(self) -> str | None:
        """The report type: Diagnose, OP, ST, …"""
        return report_type(self.meldung)

    @_once
    def body(self) -> dict[str, Any]:
        """The content of the report type's element (e.g. the ``OP`` dict)."""
        value = self.meldung.get(self.kind) if self.kind else None
        return value if isinstance(value, dict) else {}

    @_once
    def icd(self) -> str:
        return text(get(self.meldung, "Tumorzuordnung/Primaertumor_ICD/Code")) or ""

    @_once
    def diagnosed(self) -> datetime.date | None:
        return as_date(get(self.meldung, "Tumorzuordnung/Diagnosedatum"))

    @_once
    def morphologies(self) -> list[str]:
        """The ICD-O morphology codes: the Tumorzuordnung's, then those of the report's Histologie."""
        found = [text(get(self.meldung, "Tumorzuordnung/Morphologie_ICD_O/Code"))]
        histology = self.body.get("Histologie")
        items = histology.get("Morphologie_ICD_O", []) if isinstance(histology, dict) else []
        found += [text(item.get("Code")) for item in items if isinstance(item, dict)]
        return [code for code in found if code]

    def dates(self, report: Any) -> Dates:
        """Every full date in ``report`` with its path (gYear values such as earlier diagnoses' years are not
        dates); kept with the report itself, so its id() cannot be reused meanwhile."""
        kept = self.known_dates.get(id(report))
        if kept is not None and kept[0] is report:
            return kept[1]
        found: list[tuple[str, datetime.date]] = []
        _collect_dates(report, "", found)
        self.known_dates[id(report)] = (report, tuple(found))
        return tuple(found)

    def within(self, report: Any, earliest: datetime.date | None = None, latest: datetime.date | None = None) -> bool:
        """Whether every date-like string of ``report``'s JSON text lies within the bounds given (False where the
        text is not known). They include every date the walk of ``dates`` finds (and maybe more, such as attribute
        values), so a rule looking for a date outside can stop here without walking the report."""
        hint = self.date_hints.get(id(report))
        if hint is None or hint[0] is not report:
            return False
        days = hint[1]
        return not days or ((earliest is None or min(days) >= earliest) and (latest is None or max(days) <= latest))

    def dates_where(self, report: Any, keep: Callable[[datetime.date], bool]) -> Dates:
        """The dates of ``report`` that ``keep`` accepts, in order: a walk of the report. A rule asks ``within``
        first, which answers from the date-like strings of the report's JSON where they are known."""
        return tuple(found for found in self.dates(report) if keep(found[1]))


@dataclass(frozen=True)
class Located:
    """A message with the exact element it concerns (e.g. ``OP/Datum``), for rules that search a report."""

    message: str
    path: str


# A check returns None when the rule holds, else the message (with details filled in), located where known.
Check = Callable[[Context], str | Located | None]


@dataclass(frozen=True)
class Rule:
    id: str
    severity: Severity
    fields: tuple[str, ...]
    check: Check
    across_reports: bool = False  # compares the Meldung with the patient's other reports (``Context.earlier``)


RULES: dict[str, Rule] = {}


def rule(rule_id: str, severity: Severity, *fields: str, across_reports: bool = False) -> Callable[[Check], Check]:
    def register(check: Check) -> Check:
        if rule_id in RULES:
            raise ValueError(f"rule {rule_id} registered twice")
        RULES[rule_id] = Rule(rule_id, severity, fields, check, across_reports)
        return check

    return register


def check(context: Context, across_reports_only: bool = False) -> list[Finding]:
    """The findings of every rule, or only of those that compare the Meldung with the patient's other reports
    (for a Meldung checked once more, against reports stored before: the other rules would find what they found)."""
    findings = []
    for registered in RULES.values():
        if across_reports_only and not registered.across_reports:
            continue
        result = registered.check(context)
        if not result:  # the rule holds, as mostly: nothing more to ask (some 100 000 times for a 10 MB package)
            continue
        if isinstance(result, Located):
            findings.append(Finding(registered.id, registered.severity, result.message, (result.path,)))
        else:
            findings.append(Finding(registered.id, registered.severity, result, registered.fields))
    return findings


# --- reading schema-shaped data ------------------------------------------------------------------------------------


# ``text`` and ``get`` run hundreds of thousands of times for a 100 MB package. Schema-shaped data holds plain
# dicts, lists and strings only, so they test exact types, which is quicker than isinstance.


def text(value: Any) -> str | None:
    """The text of an element: plain, or the ``#text`` of one with attributes."""
    if type(value) is dict:
        value = value.get("#text")
    return value if type(value) is str and value != "" else None


def get(data: Any, path: str) -> Any:
    """``get(meldung, "Tumorzuordnung/Primaertumor_ICD/Code")``; the first item of a repeated element."""
    for part in _parts(path):
        if type(data) is list:
            data = data[0] if data else None
        if type(data) is not dict:
            return None
        data = data.get(part)
    return data


@functools.cache
def _parts(path: str) -> tuple[str, ...]:
    """A path split once: the rules ask for the same few paths thousands of times in each package."""
    return tuple(path.split("/"))


def below(data: Any, found: list[Any] | None = None) -> list[Any]:
    """Every element value below ``data``, in document order: a repeated element's list, then what each of its
    items holds (not the items themselves). A plain loop, without the paths a walk would build."""
    found = [] if found is None else found
    if type(data) is dict:
        for key, value in data.items():
            if key[0] in "@#":  # attributes and an element's own text
                continue
            found.append(value)
            below(value, found)
    elif type(data) is list:
        for item in data:
            below(item, found)
    return found


def as_date(value: Any) -> datetime.date | None:
    raw = text(value)
    if raw is None:
        return None
    try:
        return datetime.date.fromisoformat(raw)
    except ValueError:
        return None


DATE_LIKE = re.compile(rb'"([0-9]{4}-[0-9]{2}-[0-9]{2})"')  # a JSON string in xs:date form


def date_like(text: bytes) -> tuple[datetime.date, ...]:
    """Every string in ``text`` (a report's JSON) that reads as an xs:date: every date ``Context.dates`` finds,
    and maybe more (attribute values, items of repeated elements)."""
    found = []
    for raw in DATE_LIKE.findall(text):
        try:
            found.append(datetime.date.fromisoformat(raw.decode("ascii")))
        except ValueError:  # e.g. 2024-13-45
            continue
    return tuple(found)


def _collect_dates(data: Any, trail: str, found: list[tuple[str, datetime.date]]) -> None:
    """What ``below`` visits, with its path and each value read as an xs:date; a plain loop with exact type tests,
    as it runs for every element of every uploaded Meldung. As there, items of repeated elements are entered, not
    read themselves."""
    if type(data) is not dict:
        if type(data) is list:
            for item in data:
                _collect_dates(item, trail, found)
        return
    for key, value in data.items():
        if key[0] in "@#":
            continue
        kind = type(value)
        raw = value.get("#text") if kind is dict else value
        if type(raw) is str and len(raw) == 10 and raw[4] == "-" and raw[7] == "-":
            day = as_date(raw)
            if day is not None:
                found.append((f"{trail}/{key}" if trail else key, day))
        if kind is dict or kind is list:
            _collect_dates(value, f"{trail}/{key}" if trail else key, found)


def report_type(meldung: dict[str, Any]) -> str | None:
    for name in ("Diagnose", "Pathologie", "OP", "ST", "SYST", "Verlauf", "Tod", "Tumorkonferenz"):
        if name in meldung:
            return name
    return None


def age_at(day: datetime.date, born: datetime.date) -> int:
    """Completed years of life on ``day``."""
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def german(day: datetime.date) -> str:
    return day.strftime("%d.%m.%Y")
