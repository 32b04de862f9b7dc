"""Forms of the Vertrauensstelle's account desk."""

from __future__ import annotations

import datetime
import re
from typing import Any

from django import forms
from django.db.models import QuerySet

from apps.accounts.backends import canonical_username
from apps.accounts.models import Role, User
from apps.core.audit import Detail
from apps.core.models import AuditEvent
from apps.core.period import PeriodFilter
from apps.institutions.models import Institution, UploadStatus
from apps.patients.forms import GermanDateField
from apps.registry.audit_labels import ACTIONS
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


BROKEN_LINK = "Dieser Link ist unvollständig. Bitte öffnen Sie ihn erneut auf der Seite des Benutzers oder Pakets."


class AuditFilter(PeriodFilter):
    """The filter of the whole audit trail (sent with GET): a period, who, what; each may stay empty."""

    von = GermanDateField(label="Von", required=False)
    bis = GermanDateField(label="Bis", required=False)
    wer = forms.CharField(
        label="Wer", required=False, max_length=150, help_text="Benutzername, auch ein Teil davon; „system“ für Abläufe"
    )
    was = forms.ChoiceField(label="Was", required=False)
    # set by the links on a user's, package's or institution's page: the events about it, or what one user did
    betrifft = forms.UUIDField(required=False, widget=forms.HiddenInput, error_messages={"invalid": BROKEN_LINK})
    von_benutzer = forms.UUIDField(required=False, widget=forms.HiddenInput, error_messages={"invalid": BROKEN_LINK})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        actions = sorted(ACTIONS.items(), key=lambda item: item[1])
        self.fields["was"].choices = [("", "alle"), *actions]  # type: ignore[attr-defined]
        self.fields["was"].error_messages["invalid_choice"] = "Bitte wählen Sie einen Eintrag der Liste."

    def chosen(self, events: QuerySet[AuditEvent]) -> QuerySet[AuditEvent]:
        """The events the filter asks for; all of them while it is empty or wrong (its errors say why)."""
        if not self.is_valid():
            return events
        events = self.in_period(events, "created_at")
        actor, action = self.cleaned_data["wer"], self.cleaned_data["was"]
        if actor:  # CharField strips it
            events = events.filter(actor_label__icontains=actor)
        if action:
            events = events.filter(action=action)
        if target := self.cleaned_data["betrifft"]:
            events = events.filter(target_uuid=target)
        if user := self.cleaned_data["von_benutzer"]:
            events = events.filter(actor__uuid=user)
        return events

    def chosen_as_details(self) -> dict[str, Detail]:
        """The filter as the export's audit event records it."""
        if not self.is_valid():
            return {}
        shown: dict[str, Detail] = {"von": _german(self.cleaned_data["von"]), "bis": _german(self.cleaned_data["bis"])}
        shown |= {"wer": self.cleaned_data["wer"], "was": self.cleaned_data["was"]}
        shown |= {name: str(self.cleaned_data[name] or "") for name in ("betrifft", "von_benutzer")}
        return {name: value for name, value in shown.items() if value}


def _german(day: datetime.date | None) -> str:
    return f"{day:%d.%m.%Y}" if day else ""
