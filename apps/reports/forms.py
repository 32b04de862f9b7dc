"""Forms of the report entry: choosing tumour and report type, and one form per step drawn from the XSD."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Any

from django import forms

from apps.obds.dates import DateProblem, parse_date
from apps.obds.plausibility.engine import as_date, german, get, text
from apps.obds.schema_model import ElementSpec, SimpleType
from apps.obds.values import ValueProblem, normalise
from apps.patients.forms import GermanDateField
from apps.reports.entry import Group, Leaf, Path, assemble, build, problems, values_of
from apps.reports.labels import option_label
from apps.reports.models import ReportType, Tumor

LONG_TEXT = 255  # longer (or unlimited) free text gets a text area
NUMERIC = {"integer", "nonNegativeInteger", "positiveInteger", "decimal", "gYear"}


class StartForm(forms.Form):
    """Which tumour the report is about, and which kind of report it is."""

    NEW = "neu"
    tumor = forms.ChoiceField(label="Tumor", widget=forms.RadioSelect)
    report_type = forms.ChoiceField(
        label="Meldungsart",
        choices=ReportType.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Bitte wählen Sie die Art der Meldung."},
    )

    def __init__(self, tumors: list[Tumor], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.tumors = {str(tumor.uuid): tumor for tumor in tumors}
        choices = [(key, tumor_label(tumor)) for key, tumor in self.tumors.items()]
        field: Any = self.fields["tumor"]
        field.choices = [*choices, (self.NEW, "Neuer Tumor (Erstdiagnose oder weiterer Primärtumor)")]
        field.error_messages["required"] = "Bitte wählen Sie den Tumor."
        if not tumors:
            field.initial = self.NEW

    def chosen_tumor(self) -> Tumor | None:
        return self.tumors.get(self.cleaned_data["tumor"])


def tumor_label(tumor: Tumor) -> str:
    zuordnung = tumor.zuordnung or {}
    code = text(get(zuordnung, "Primaertumor_ICD/Code")) or ""
    day = as_date(zuordnung.get("Diagnosedatum"))
    return f"Tumor {tumor.number}: {code}" + (f", Diagnose am {german(day)}" if day else "")


class ObdsDateField(GermanDateField):
    """A date in either form; cleans to the ISO text oBDS stores, and shows a stored one as TT.MM.JJJJ, as its hint
    asks for it."""

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, str) and value:
            with contextlib.suppress(DateProblem):  # not a possible date: shown as it was typed
                value = parse_date(value)
        return super().prepare_value(value)

    def clean(self, value: Any) -> Any:
        day = super().clean(value)
        return day.isoformat() if day else ""


class ObdsValueField(forms.CharField):
    """Text checked against its XSD type; numbers accept a decimal comma and are stored with a dot."""

    def __init__(self, kind: SimpleType, **kwargs: Any) -> None:
        self.kind = kind
        longest = int(kind.facets.get("maxLength", 0)) or None
        if kind.base == "string" and not kind.patterns and (longest is None or longest > LONG_TEXT):
            kwargs["widget"] = forms.Textarea(attrs={"rows": 3})
        elif kind.base in NUMERIC:
            kwargs["widget"] = forms.TextInput(attrs={"inputmode": "decimal"})
        super().__init__(**kwargs)

    def clean(self, value: Any) -> str:
        text = str(super().clean(value) or "").strip()
        if not text:
            return ""
        try:
            return normalise(self.kind, text)
        except ValueProblem as problem:
            raise forms.ValidationError(str(problem), code="obds") from None


def field_for(leaf: Leaf) -> forms.Field:
    options: dict[str, Any] = {"label": leaf.label, "required": False, "help_text": leaf.hint}
    kind = leaf.type
    field: Any
    if kind.enumeration:
        choices = [("", "– bitte wählen –"), *((value, option_label(value, text)) for value, text in kind.enumeration)]
        field = forms.ChoiceField(
            choices=choices, error_messages={"invalid_choice": "Bitte wählen Sie einen Wert aus der Liste."}, **options
        )
    elif kind.base == "date":
        options["help_text"] = " ".join(filter(None, (leaf.hint, "Format TT.MM.JJJJ.")))
        field = ObdsDateField(**options)
    else:
        field = ObdsValueField(kind, **options)
    field.obds_required = leaf.required  # read by includes/field.html: required once its parent is given
    if code_list_for(leaf.key):
        field.widget.attrs["data-codes"] = code_list_for(leaf.key)
    result: forms.Field = field
    return result


def code_list_for(key: str) -> str:
    """Which code list suggests values for a ``…-Code`` field (static/js/codes.js asks /codes/<list>/)."""
    if not key.endswith("-Code"):
        return ""
    if "Morphologie" in key:
        return "morphologie"
    if "Topographie" in key:
        return "topographie"
    if "ATC" in key:
        return "substanz"
    if "ICD" in key:
        return "icd10"
    return ""


@dataclass
class Shown:
    """A group or field as the template renders it."""

    group: Group | None
    field: forms.BoundField | None
    children: list[Shown]


class StepForm(forms.Form):
    """One step of a report: the fields of the elements at ``paths``; ``step_data`` is the cleaned result."""

    def __init__(self, root: ElementSpec, paths: list[Path], stored: dict[str, Any], *args: Any, **kwargs: Any):
        self.root, self.paths = root, paths
        self.items = build(root, paths, stored)
        self.leaves = [leaf for item in self.items for leaf in _leaves(item)]
        kwargs.setdefault("initial", values_of(self.leaves, stored))
        if kwargs.pop("bound_to_stored", False):  # check what was stored, as if it had just been typed
            kwargs["data"] = kwargs["initial"]
        super().__init__(*args, **kwargs)
        for leaf in self.leaves:
            self.fields[leaf.key] = field_for(leaf)
        self.step_data: dict[str, Any] = {}

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        values = {key: value for key, value in cleaned.items() if isinstance(value, str) and value}
        self.step_data = assemble(self.root, self.paths, self.leaves, values)
        for key, message in problems(self.root, self.paths, self.step_data):
            if key in self.fields and key not in self.errors:
                self.add_error(key, message)
            elif key not in self.fields:
                self.add_error(None, message)
        return cleaned

    def raw_data(self) -> dict[str, Any]:
        """What the user typed, unchecked: saved with the draft so nothing is lost, checked again later."""
        values = {leaf.key: str(self.data.get(leaf.key, "")).strip() for leaf in self.leaves}
        raw: dict[str, Any] = assemble(self.root, self.paths, self.leaves, values)
        return raw

    def tree(self) -> list[Shown]:
        return [self._shown(item) for item in self.items]

    @property
    def grows(self) -> bool:
        """Whether the step holds a repeated element, whose next empty entry appears once the last one is saved."""
        return any(isinstance(part, int) for leaf in self.leaves for part in leaf.path)

    def _shown(self, item: Leaf | Group) -> Shown:
        if isinstance(item, Leaf):
            return Shown(None, self[item.key], [])
        return Shown(item, None, [self._shown(child) for child in item.items])


def _leaves(item: Leaf | Group) -> list[Leaf]:
    return [item] if isinstance(item, Leaf) else list(item.leaves())
