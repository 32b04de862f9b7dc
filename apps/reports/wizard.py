"""Walking a draft through its steps: which steps it shows, which is the first incomplete one, what it says.

Every request checks the steps before the current one again (answers change, modules appear when the diagnosis
changes), and the check page checks them all: the first incomplete step is where the user is sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from apps.obds.plausibility import Finding
from apps.obds.plausibility.engine import as_date, german
from apps.reports.entry import TEXT, Leaf, Path, merge, values_of
from apps.reports.forms import StepForm
from apps.reports.models import Draft, Report
from apps.reports.steps import Step, meldung_spec, shown_paths, steps_for

Subject = Draft | Report  # both carry report_type, data and patient


@dataclass(frozen=True)
class Page:
    """A step as this draft shows it."""

    step: Step
    paths: list[Path]

    @property
    def slug(self) -> str:
        return self.step.slug

    @property
    def title(self) -> str:
        return self.step.title


def pages(draft: Subject) -> list[Page]:
    born = draft.patient.geburtsdatum
    found = [Page(step, shown_paths(step, draft.data, born)) for step in steps_for(draft.report_type)]
    return [page for page in found if page.paths]


def form(draft: Subject, page: Page, post: Any = None) -> StepForm:
    return StepForm(meldung_spec(), page.paths, draft.data, data=post)


def stored_form(draft: Draft, page: Page) -> StepForm:
    """The step's form bound to what the draft holds: valid exactly when the stored answers are complete."""
    return StepForm(meldung_spec(), page.paths, draft.data, bound_to_stored=True)


def first_incomplete(draft: Draft, before: Page | None = None) -> Page | None:
    for page in pages(draft):
        if before is not None and page.slug == before.slug:
            return None
        if not stored_form(draft, page).is_valid():
            return page
    return None


def updated(draft: Draft, page: Page, step_data: dict[str, Any]) -> dict[str, Any]:
    return merge(draft.data, page.paths, step_data)


def plain_path(leaf: Leaf) -> str:
    """The leaf's element path as the rules name it: ``OP/Histologie/Morphologie_ICD_O/Code``."""
    parts = [str(part) for part in leaf.path if not isinstance(part, int) and part != TEXT]
    return "/".join(part for part in parts if not part.startswith("@"))


def field_for_finding(finding: Finding, leaves: list[Leaf]) -> str | None:
    """The key of the field a finding belongs to on this step, or None when it concerns another step."""
    for fragment in finding.fields:
        fragment = fragment.replace("/#text", "")
        for leaf in leaves:
            path = plain_path(leaf)
            if path == fragment or path.endswith("/" + fragment) or f"/{fragment}/" in f"/{path}":
                return leaf.key
    return None


def locate(draft: Draft, findings: list[Finding]) -> list[tuple[Finding, Page | None]]:
    """Each finding with the step that holds its field (None when it concerns the patient, not the report)."""
    leaves = [(page, form(draft, page).leaves) for page in pages(draft)]
    return [
        (finding, next((page for page, found in leaves if field_for_finding(finding, found) is not None), None))
        for finding in findings
    ]


@dataclass(frozen=True)
class Answer:
    label: str
    value: str


def sections(subject: Subject) -> list[tuple[Page, list[Answer]]]:
    return [(page, answers(subject, page)) for page in pages(subject)]


def answers(draft: Subject, page: Page) -> list[Answer]:
    """Every answer of a step for the check page, enumerations with their meaning."""
    step_form = form(draft, page)
    values = values_of(step_form.leaves, draft.data)
    shown = []
    for leaf in step_form.leaves:
        value = values.get(leaf.key)
        if not value:
            continue
        meaning = dict(leaf.type.enumeration).get(value) if leaf.type.enumeration else None
        day = as_date(value) if leaf.type.base == "date" else None
        if day is not None:
            value = german(day)
        shown.append(Answer(_context_label(leaf), f"{value} – {meaning}" if meaning else value))
    return shown


def _context_label(leaf: Leaf) -> str:
    index = next((part for part in reversed(leaf.path) if isinstance(part, int)), None)
    return leaf.label if index is None else f"{leaf.label} ({index + 1}.)"
