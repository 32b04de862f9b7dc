"""The upload form: one file, its size checked against UPLOAD_MAX_BYTES, and its first bytes: a file that is
plainly no package is refused next to the field at once, not stored and refused by the worker later."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.db.models import Q, QuerySet
from django.template.defaultfilters import filesizeformat

from apps.obds.safe_xml import HEAD_BYTES, UTF8_BOM, Rejected, precheck
from apps.uploads.archive import NOT_A_ZIP, ZIP_STARTS
from apps.uploads.files import is_zip_name
from apps.uploads.models import Package, PackageState

ASKED = "Bitte laden Sie die oBDS-XML-Datei aus Ihrem Dokumentationssystem hoch."
NOT_XML = f"Die Datei ist keine XML-Datei. {ASKED}"
DOCUMENT = f"Die Datei ist ein Dokument (PDF, Word, Excel …), keine oBDS-Datei. {ASKED}"
DOCUMENT_ENDINGS = (".pdf", ".doc", ".docx", ".xls", ".xlsx", ".odt", ".ods", ".rtf")


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
        head = upload.read(HEAD_BYTES)
        upload.seek(0)
        refusal = refused_at_once(upload.name or "", head)
        if refusal is not None:
            raise forms.ValidationError(refusal)
        return upload


def refused_at_once(filename: str, head: bytes) -> str | None:
    """Why the first bytes are no package (the worker's own first checks, and a few of the files people pick by
    mistake), or None."""
    if is_zip_name(filename):
        return None if head[:4] in ZIP_STARTS else NOT_A_ZIP
    if head.startswith(b"%PDF") or filename.lower().endswith(DOCUMENT_ENDINGS):
        return DOCUMENT
    try:
        precheck(head)
    except Rejected as refused:
        return refused.message
    return None if head.removeprefix(UTF8_BOM).lstrip().startswith(b"<") else NOT_XML


class StateFilter(forms.Form):
    """A package list's filter (sent with GET): one status, or all."""

    state = forms.ChoiceField(label="Status", required=False, choices=[("", "alle"), *PackageState.choices])

    def chosen(self, packages: QuerySet[Package]) -> QuerySet[Package]:
        """The packages the filter asks for; all of them while it is empty or wrong (its errors say why)."""
        if self.is_valid() and self.cleaned_data["state"]:
            packages = packages.filter(state=self.cleaned_data["state"])
        return packages

    @property
    def active(self) -> bool:
        return self.is_valid() and any(self.cleaned_data.values())


class PackageFilter(StateFilter):
    """The Vertrauensstelle's filter: also one institution, by a part of its name or Melder-ID."""

    institution = forms.CharField(
        label="Einrichtung", required=False, max_length=200, help_text="Name oder Melder-ID, auch ein Teil davon"
    )
    field_order = ["institution", "state"]

    def chosen(self, packages: QuerySet[Package]) -> QuerySet[Package]:
        packages = super().chosen(packages)
        if self.is_valid() and (named := self.cleaned_data["institution"].strip()):
            packages = packages.filter(
                Q(institution__name__icontains=named) | Q(institution__melder_id__icontains=named)
            )
        return packages
