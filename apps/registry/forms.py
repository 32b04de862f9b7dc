"""Forms of the Vertrauensstelle's account desk."""

from __future__ import annotations

import re
from typing import Any

from django import forms

from apps.accounts.backends import canonical_username
from apps.accounts.models import Role, User
from apps.institutions.models import Institution, UploadStatus
from apps.reports.models import ReportType

USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{2,59}")


class InstitutionForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = Institution
        fields = [
            "name",
            "melder_id",
            "kind",
            "street",
            "postal_code",
            "city",
            "contact_name",
            "contact_phone",
            "contact_email",
        ]
        error_messages = {
            "name": {"required": "Bitte geben Sie den Namen der Einrichtung ein."},
            "melder_id": {
                "required": "Bitte geben Sie die Melder-ID ein.",
                "unique": "Diese Melder-ID ist bereits vergeben.",
            },
        }

    def clean_melder_id(self) -> str:
        melder_id = str(self.cleaned_data["melder_id"]).strip().upper()
        if not re.fullmatch(r"[A-Z0-9]{1,20}", melder_id):
            raise forms.ValidationError("Die Melder-ID besteht aus Buchstaben und Ziffern.", code="format")
        return melder_id

    def clean_postal_code(self) -> str:
        code = str(self.cleaned_data["postal_code"]).strip()
        if code and not re.fullmatch(r"[0-9]{5}", code):
            raise forms.ValidationError("Die Postleitzahl hat 5 Ziffern.", code="format")
        return code


class UserCreateForm(forms.Form):
    username = forms.CharField(
        label="Benutzername",
        max_length=60,
        help_text="Kleinbuchstaben, Ziffern, Punkt, Bindestrich; z. B. „m.mueller“.",
        error_messages={"required": "Bitte geben Sie einen Benutzernamen ein."},
    )
    first_name = forms.CharField(label="Vorname", max_length=150, required=False)
    last_name = forms.CharField(
        label="Nachname", max_length=150, error_messages={"required": "Bitte geben Sie den Nachnamen ein."}
    )
    email = forms.EmailField(label="E-Mail", required=False)
    role = forms.ChoiceField(
        label="Rolle",
        error_messages={
            "required": "Bitte wählen Sie eine Rolle.",
            "invalid_choice": "Bitte wählen Sie eine der angebotenen Rollen.",
        },
    )

    def __init__(self, *args: Any, staff: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        roles = [(value, label) for value, label in Role.choices if (value == Role.VERTRAUENSSTELLE) == staff]
        self.fields["role"].choices = roles  # type: ignore[attr-defined]
        if staff:
            self.fields["role"].initial = Role.VERTRAUENSSTELLE

    def clean_username(self) -> str:
        username = canonical_username(self.cleaned_data["username"])
        if not USERNAME.fullmatch(username):
            raise forms.ValidationError(
                "Erlaubt sind 3–60 Zeichen: Kleinbuchstaben, Ziffern, Punkt, Unterstrich und Bindestrich.",
                code="format",
            )
        if User.objects.filter(username=username).exists():
            raise forms.ValidationError("Dieser Benutzername ist bereits vergeben.", code="taken")
        return username


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label="Grund",
        max_length=500,
        help_text="Wird im Protokoll gespeichert, z. B. „Telefon verloren, Identität per Rückruf geprüft“.",
        error_messages={"required": "Bitte geben Sie einen Grund an.", "max_length": "Bitte fassen Sie sich kürzer."},
        widget=forms.TextInput(attrs={"size": 60}),
    )


class SearchForm(forms.Form):
    q = forms.CharField(label="Suche nach Einrichtung, Melder-ID oder Benutzer", max_length=100, required=False)


class UploadStatusForm(forms.Form):
    upload_status = forms.ChoiceField(label="WebUpload", choices=UploadStatus.choices)
    declared_types = forms.MultipleChoiceField(
        label="Angekündigte Meldungsarten",
        choices=ReportType.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Das Testpaket muss jede dieser Arten enthalten.",
    )
