"""A model used only by the tests of the encryption core; its table is created in conftest."""

import uuid

from django.db import models

from apps.core.fields import BlindIndexField, EncryptedDateField, EncryptedJSONField, EncryptedTextField


class Specimen(models.Model):
    """Stands in for a patient: encrypted name, birth date and notes, with a lookup index over name + date."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = EncryptedTextField(null=True)
    nickname = EncryptedTextField(null=True)
    born = EncryptedDateField(null=True)
    notes = EncryptedJSONField(null=True)
    name_born_index = BlindIndexField(sources=("name", "born"), label="specimen.name_born")

    objects: models.Manager["Specimen"] = models.Manager()

    class Meta:
        app_label = "core"
        db_table = "test_core_specimen"

    def __str__(self) -> str:
        return f"Specimen {self.uuid}"


class Entry(models.Model):
    """Stands in for a report: encrypted values and plain columns, nothing that save() computes."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(max_length=20, default="Diagnose")
    born = EncryptedDateField(null=True)
    data = EncryptedJSONField(null=True)

    objects: models.Manager["Entry"] = models.Manager()

    class Meta:
        app_label = "core"
        db_table = "test_core_entry"

    def __str__(self) -> str:
        return f"Entry {self.uuid}"
