"""The upload form: one file, its size checked against UPLOAD_MAX_BYTES."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat


def megabytes(size: int) -> str:
    return str(filesizeformat(size))


class UploadForm(forms.Form):
    file = forms.FileField(
        label="Meldungspaket (oBDS-XML oder ZIP)",
        help_text="Eine XML-Datei im Format oBDS 3.0.x, oder ein ZIP-Archiv mit solchen XML-Dateien.",
        widget=forms.ClearableFileInput(attrs={"accept": ".xml,.zip,application/xml,text/xml,application/zip"}),
        error_messages={"required": "Bitte wählen Sie eine Datei.", "empty": "Die Datei ist leer."},
    )

    def clean_file(self) -> object:
        upload = self.cleaned_data["file"]
        if upload.size > settings.UPLOAD_MAX_BYTES:
            raise forms.ValidationError(f"Die Datei ist größer als {megabytes(settings.UPLOAD_MAX_BYTES)}.")
        return upload
