"""Forms of the login and the user's own account pages; messages in plain German."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import password_validation

from apps.accounts import totp
from apps.accounts.models import User

# Long enough for any passphrase (ASVS 6.2.9 asks for ≥ 64), short enough that hashing stays cheap.
PASSWORD_MAX = 1024


class LoginForm(forms.Form):
    username = forms.CharField(
        label="Benutzername",
        max_length=150,
        error_messages={
            "required": "Bitte geben Sie Ihren Benutzernamen ein.",
            "max_length": "Dieser Benutzername ist zu lang.",
        },
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"}),
    )
    password = forms.CharField(
        label="Passwort",
        max_length=PASSWORD_MAX,
        strip=False,
        error_messages={"required": "Bitte geben Sie Ihr Passwort ein.", "max_length": "Dieses Passwort ist zu lang."},
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class CodeForm(forms.Form):
    code = forms.CharField(
        label="OTP-Code",
        max_length=20,
        error_messages={"required": "Bitte geben Sie den 6-stelligen Code aus Ihrer App ein."},
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "pattern": "[0-9 ]*", "size": 8}
        ),
    )

    def clean_code(self) -> str:
        code = totp.normalise_code(self.cleaned_data["code"])
        if code is None:
            raise forms.ValidationError("Der Code besteht aus 6 Ziffern, z. B. 123 456.", code="format")
        return code


class ReauthForm(LoginForm, CodeForm):
    """Password and code again, before sensitive changes (ASVS 7.5.1)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["username"]


class PasswordChangeForm(forms.Form):
    new_password = forms.CharField(
        label="Neues Passwort",
        max_length=PASSWORD_MAX,
        strip=False,
        help_text="Mindestens 12 Zeichen. Ein langer Satz ist sicherer als ein kurzes, kompliziertes Wort.",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        error_messages={"required": "Bitte geben Sie ein neues Passwort ein."},
    )
    repeat = forms.CharField(
        label="Neues Passwort wiederholen",
        max_length=PASSWORD_MAX,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        error_messages={"required": "Bitte wiederholen Sie das neue Passwort."},
    )

    def __init__(self, user: User, *args: Any, **kwargs: Any) -> None:
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_new_password(self) -> str:
        password: str = self.cleaned_data["new_password"]
        if self.user.check_password(password):
            raise forms.ValidationError("Das neue Passwort muss sich vom bisherigen unterscheiden.", code="reuse")
        password_validation.validate_password(password, self.user)
        return password

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("new_password") and cleaned.get("repeat") != cleaned["new_password"]:
            self.add_error(
                "repeat", forms.ValidationError("Die beiden Eingaben stimmen nicht überein.", code="mismatch")
            )
        return cleaned


class DeviceNameForm(forms.Form):
    name = forms.CharField(
        label="Bezeichnung des Geräts",
        max_length=60,
        help_text="Zum Beispiel „Diensthandy“ oder „Tablet Empfang“.",
        error_messages={"required": "Bitte geben Sie dem Gerät einen Namen."},
    )
