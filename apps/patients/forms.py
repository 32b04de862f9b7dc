"""The master-data form: plain German messages at the field, check digits checked, dates typed either way."""

from __future__ import annotations

import datetime
from typing import Any, cast

from django import forms
from django.utils import timezone

from apps.obds.dates import DateProblem, parse_date
from apps.obds.identifiers import ERSATZKODES, GKV_IK, KVNR, PKV_IK, ik_is_valid, kvnr_is_valid, normalise_kvnr
from apps.obds.schema_model import SimpleType, load
from apps.obds.values import ValueProblem, normalise
from apps.patients.address import HOME, country_choices
from apps.patients.models import DatePrecision, InsuranceKind, Sex

NAME_MAX = 255  # oBDS Namenstring255_Typ
TOO_LONG = "Bitte höchstens %(limit_value)d Zeichen eingeben (eingegeben: %(show_value)d)."


def name_field(label: str, *, required: bool = False, help_text: str = "") -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=NAME_MAX,
        required=required,
        help_text=help_text,
        error_messages={"required": f"Bitte geben Sie {label} ein.", "max_length": TOO_LONG},
    )


class GermanDateField(forms.CharField):
    """Accepts 01.02.1970 and 1970-02-01; cleans to a date."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("help_text", "TT.MM.JJJJ, z. B. 01.02.1970")
        super().__init__(max_length=20, **kwargs)

    def prepare_value(self, value: Any) -> Any:
        return value.strftime("%d.%m.%Y") if isinstance(value, datetime.date) else value

    def clean(self, value: Any) -> datetime.date | None:
        text = super().clean(value)
        if not text:
            return None
        try:
            return parse_date(text)
        except DateProblem as problem:
            raise forms.ValidationError(str(problem), code="date") from None


def obds_type(path: str) -> SimpleType | None:
    """The XSD type of an element below Patienten_Stammdaten, e.g. ``Adresse/PLZ``."""
    spec = load().root.child("Menge_Patient").child("Patient").child("Patienten_Stammdaten")
    for part in path.split("/"):
        spec = spec.child(part)
    return spec.text


class PatientForm(forms.Form):
    insurance_kind = forms.ChoiceField(
        label="Versicherung",
        choices=InsuranceKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Bitte wählen Sie die Art der Versicherung."},
    )
    iknr = forms.CharField(
        label="IK der Krankenkasse",
        max_length=20,
        required=False,
        help_text="9 Ziffern, steht auf der Versichertenkarte (z. B. 101575519).",
    )
    insurance_number = forms.CharField(
        label="Versichertennummer",
        max_length=255,
        required=False,
        help_text="Bei gesetzlich Versicherten: Buchstabe und 9 Ziffern, z. B. A000500015.",
    )
    beihilfetraeger = forms.CharField(label="Beihilfeträger", max_length=255, required=False)
    ersatzkode = forms.ChoiceField(
        label="Ersatzkode",
        required=False,
        choices=[("", "– kein Ersatzkode –"), *((code, f"{code} – {name}") for code, name in ERSATZKODES.items())],
        help_text="Nur wenn es kein IK gibt. Hinweis: Meldungen mit Ersatzkode werden unter Umständen nicht vergütet.",
    )
    krankenkassen_name = forms.CharField(label="Name des Kostenträgers", max_length=255, required=False)
    nachname = name_field("Nachname", required=True)
    vornamen = name_field("Vornamen", required=True)
    titel = name_field("Titel")
    namenszusatz = name_field("Namenszusatz", help_text="z. B. Freiherr")
    namensvorsatz = name_field("Namensvorsatz", help_text="z. B. von, van, de")
    geburtsname = name_field("Geburtsname")
    fruehere_namen = forms.CharField(
        label="Frühere Namen", required=False, widget=forms.Textarea(attrs={"rows": 2}), help_text="Einer je Zeile."
    )
    geschlecht = forms.ChoiceField(
        label="Geschlecht",
        choices=Sex.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Bitte wählen Sie das Geschlecht."},
    )
    geburtsdatum = GermanDateField(
        label="Geburtsdatum", error_messages={"required": "Bitte geben Sie das Geburtsdatum ein."}
    )
    geburtsdatum_genauigkeit = forms.ChoiceField(
        label="Genauigkeit des Geburtsdatums", choices=DatePrecision.choices, initial=DatePrecision.E
    )
    strasse = forms.CharField(label="Straße", max_length=NAME_MAX, required=False)
    hausnummer = forms.CharField(label="Hausnummer", max_length=20, required=False)
    plz = forms.CharField(label="PLZ", max_length=10, required=False)
    ort = forms.CharField(label="Ort", max_length=NAME_MAX, required=False)
    land = forms.ChoiceField(
        label="Land",
        required=False,
        initial=HOME,
        error_messages={"invalid_choice": "Bitte wählen Sie das Land aus der Liste."},
    )
    patient_id = forms.CharField(
        label="Eigene Patienten-ID",
        max_length=16,
        required=False,
        help_text="Leer lassen: Das Portal vergibt eine. Bitte keine Namen oder Geburtsdaten verwenden.",
    )

    FIELDSETS = (
        ("Versicherung", ("insurance_kind", "iknr", "insurance_number", "beihilfetraeger", "ersatzkode",
                          "krankenkassen_name")),
        ("Person", ("nachname", "vornamen", "titel", "namenszusatz", "namensvorsatz", "geburtsname", "fruehere_namen",
                    "geschlecht", "geburtsdatum", "geburtsdatum_genauigkeit")),
        ("Adresse", ("strasse", "hausnummer", "plz", "ort", "land")),
        ("Kennung", ("patient_id",)),
    )  # fmt: skip

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        land = cast(forms.ChoiceField, self.fields["land"])
        land.choices = country_choices(keep=str(self.initial.get("land") or ""))

    def fieldsets(self) -> list[tuple[str, list[forms.BoundField]]]:
        return [(legend, [self[name] for name in names]) for legend, names in self.FIELDSETS]

    def clean_iknr(self) -> str:
        return "".join(str(self.cleaned_data["iknr"]).split())

    def clean_insurance_number(self) -> str:
        return normalise_kvnr(str(self.cleaned_data["insurance_number"]))

    def clean_geburtsdatum(self) -> datetime.date:
        born: datetime.date = self.cleaned_data["geburtsdatum"]
        if born > timezone.localdate():
            raise forms.ValidationError("Das Geburtsdatum liegt in der Zukunft.", code="future")
        return born

    # Fields checked against the character repertoire oBDS allows for them (no digits or "<" in names).
    OBDS_ELEMENTS = {
        "nachname": "Nachname", "vornamen": "Vornamen", "titel": "Titel", "namenszusatz": "Namenszusatz",
        "namensvorsatz": "Namensvorsatz", "geburtsname": "Geburtsname", "strasse": "Adresse/Strasse",
        "hausnummer": "Adresse/Hausnummer", "plz": "Adresse/PLZ", "ort": "Adresse/Ort",
        "fruehere_namen": "Menge_Frueherer_Name/Frueherer_Name",
    }  # fmt: skip

    def _check_obds_characters(self, cleaned: dict[str, Any]) -> None:
        for name, path in self.OBDS_ELEMENTS.items():
            values = str(cleaned.get(name) or "").splitlines()  # frühere Namen: one per line
            kind = obds_type(path)
            for value in filter(None, (line.strip() for line in values)):
                if name in self.errors or kind is None:
                    break
                try:
                    normalise(kind, value)
                except ValueProblem as problem:
                    self.add_error(name, str(problem))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        self._check_obds_characters(cleaned)
        kind = cleaned.get("insurance_kind")
        iknr = cleaned.get("iknr", "")
        number = cleaned.get("insurance_number", "")
        if kind == InsuranceKind.GKV:
            self._check_ik(iknr, GKV_IK.fullmatch(iknr) is not None, "10 beginnen")
            if not number:
                self.add_error("insurance_number", "Bitte geben Sie die Versichertennummer ein.")
            elif not KVNR.fullmatch(number):
                self.add_error("insurance_number", "Die Versichertennummer besteht aus einem Buchstaben und 9 Ziffern.")
            elif not kvnr_is_valid(number):
                self.add_error(
                    "insurance_number",
                    "Die Prüfziffer der Versichertennummer stimmt nicht. Bitte vergleichen Sie mit der Karte.",
                )
        elif kind == InsuranceKind.PKV:
            self._check_ik(iknr, PKV_IK.fullmatch(iknr) is not None, "16 oder 950 beginnen")
        elif kind == InsuranceKind.SONSTIGE and not cleaned.get("ersatzkode") and not iknr:
            self.add_error("ersatzkode", "Bitte wählen Sie einen Ersatzkode oder geben Sie ein IK an.")
        if kind != InsuranceKind.SONSTIGE and cleaned.get("ersatzkode"):
            self.add_error("ersatzkode", "Ein Ersatzkode gehört zu „Sonstiger Kostenträger“.")
        return cleaned

    def _check_ik(self, iknr: str, shape_ok: bool, prefix: str) -> None:
        if not iknr:
            self.add_error("iknr", "Bitte geben Sie das IK der Krankenkasse ein.")
        elif not shape_ok:
            self.add_error("iknr", f"Das IK hat 9 Ziffern und muss hier mit {prefix}.")
        elif not iknr.startswith("950") and not ik_is_valid(iknr):
            self.add_error("iknr", "Die Prüfziffer des IK stimmt nicht. Bitte vergleichen Sie mit der Karte.")

    def patient_fields(self) -> dict[str, Any]:
        """The cleaned data in the shape of the Patient model."""
        data = self.cleaned_data
        address = {key: data[key] for key in ("strasse", "hausnummer", "plz", "ort", "land") if data.get(key)}
        earlier = [line.strip() for line in str(data.get("fruehere_namen", "")).splitlines() if line.strip()]
        fields = {
            key: data[key]
            for key in (
                "insurance_kind", "iknr", "insurance_number", "beihilfetraeger", "ersatzkode", "krankenkassen_name",
                "nachname", "vornamen", "titel", "namenszusatz", "namensvorsatz", "geburtsname", "geschlecht",
                "geburtsdatum", "geburtsdatum_genauigkeit", "patient_id",
            )
        }  # fmt: skip
        fields.update(adresse=address or None, fruehere_namen=earlier or None)
        return fields


class SearchForm(forms.Form):
    """Find a patient: by own Patient_ID, or by birth date with insurance number or surname."""

    insurance_number = forms.CharField(label="Versichertennummer", max_length=20, required=False)
    patient_id = forms.CharField(label="Patienten-ID", max_length=16, required=False)
    nachname = forms.CharField(label="Nachname", max_length=255, required=False)
    geburtsdatum = GermanDateField(label="Geburtsdatum", required=False)

    def clean(self) -> dict[str, object]:
        cleaned = super().clean() or {}
        born = cleaned.get("geburtsdatum")
        if not cleaned.get("patient_id") and not born:
            raise forms.ValidationError(
                "Bitte suchen Sie mit der Patienten-ID, oder mit Geburtsdatum und Versichertennummer oder Nachname."
            )
        if born and not (cleaned.get("insurance_number") or cleaned.get("nachname")):
            self.add_error("nachname", "Zum Geburtsdatum gehört die Versichertennummer oder der Nachname.")
        return cleaned
