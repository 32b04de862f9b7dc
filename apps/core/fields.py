"""Model fields whose values are stored encrypted (AES-256-GCM) and blind indexes over them.

A loaded row keeps each encrypted value as a ``Sealed`` token until the attribute is read; reading opens it
with the row's UUID as part of the associated data. Saving seals the current value again. Encrypted fields
cannot be filtered on (the database holds only ciphertext): look rows up through a ``BlindIndexField``.
Every model with such fields needs a ``uuid`` field that is set before the first save.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Sequence
from typing import Any

import orjson
from django import forms
from django.core import checks
from django.db import models
from django.db.models.query_utils import DeferredAttribute

from apps.core import blind_index, crypto


class Sealed(str):
    """A stored token, not yet decrypted."""

    __slots__ = ()


def associated_data_prefix(model: type[models.Model] | models.Model, column: str) -> bytes:
    """Names the place of a value; the row's UUID (16 bytes) follows it in the associated data."""
    return f"{model._meta.db_table}.{column}:".encode()


class EncryptedAttribute(DeferredAttribute):
    """Opens the sealed token on first read and keeps the plaintext on the instance.

    A data descriptor (it has ``__set__``), so reads come here even when the instance holds the value.
    """

    field: EncryptedField

    def __get__(self, instance: models.Model | None, cls: type | None = None) -> Any:
        if instance is None:
            return self
        try:
            value = instance.__dict__[self.field.attname]
        except KeyError:  # deferred: DeferredAttribute loads it from the database
            value = super().__get__(instance, cls)
        if type(value) is Sealed:
            field = self.field
            value = field.from_bytes(crypto.open_sealed(field.purpose, value, field.associated_data(instance)))
            instance.__dict__[field.attname] = value
        return value

    def __set__(self, instance: models.Model, value: Any) -> None:
        instance.__dict__[self.field.attname] = value


class EncryptedField(models.TextField):  # type: ignore[type-arg]
    """Base of the encrypted fields; subclasses convert their Python type to bytes and back."""

    descriptor_class = EncryptedAttribute

    def __init__(self, *args: Any, purpose: str = "fields", **kwargs: Any) -> None:
        for option in ("unique", "db_index", "primary_key"):
            if kwargs.get(option):
                raise TypeError(f"{option} is impossible on ciphertext; add a BlindIndexField instead")
        self.purpose = purpose
        self._associated_data_prefix: bytes | None = None
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        if self.purpose != "fields":
            kwargs["purpose"] = self.purpose
        return name, path, args, kwargs

    def check(self, **kwargs: Any) -> list[checks.CheckMessage]:
        errors = super().check(**kwargs)
        field_names = {field.name for field in self.model._meta.get_fields()}
        if "uuid" not in field_names:
            errors.append(
                checks.Error(
                    "A model with encrypted fields needs a 'uuid' field: it binds each value to its row.",
                    obj=self,
                    id="core.E001",
                )
            )
        return errors

    def to_bytes(self, value: Any) -> bytes:
        return str(value).encode("utf-8")

    def from_bytes(self, data: bytes) -> Any:
        return data.decode("utf-8")

    def associated_data(self, instance: models.Model) -> bytes:
        return self._associated_data(instance.uuid)  # type: ignore[attr-defined]

    def _associated_data(self, row_uuid: uuid.UUID) -> bytes:
        if self._associated_data_prefix is None:
            self._associated_data_prefix = associated_data_prefix(self.model, self.column)
        return self._associated_data_prefix + row_uuid.bytes

    def sealed(self, value: Any, row_uuid: uuid.UUID) -> Sealed:
        """The stored token of ``value`` in the row with ``row_uuid``."""
        return Sealed(crypto.seal(self.purpose, self.to_bytes(value), self._associated_data(row_uuid)))

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> Sealed | None:
        return None if value is None else Sealed(value)

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        value = model_instance.__dict__.get(self.attname)
        if value is None or type(value) is Sealed:  # NULL, or loaded and never read: keep the stored token
            return value
        return self.sealed(value, model_instance.uuid)  # type: ignore[attr-defined]

    def get_prep_value(self, value: Any) -> Any:
        if value is None or isinstance(value, Sealed):
            return value
        raise TypeError(
            f"{self.model.__name__}.{self.name} is encrypted: it can only be written through save() "
            "and cannot be compared in a query (use its blind index)"
        )


class EncryptedTextField(EncryptedField):
    """Encrypted text."""

    def to_python(self, value: Any) -> Any:
        return value if value is None or isinstance(value, str) else str(value)


# DateField's conversions, made once: making the field at each call took 1.5 % of an upload worker's time.
_DATES: models.DateField[Any, Any] = models.DateField()


class EncryptedDateField(EncryptedField):
    """An encrypted calendar date (for example a birth date)."""

    _pyi_private_set_type: Any  # django-stubs: a date (TextField's str would be wrong; date does not fit its base)
    _pyi_private_get_type: Any

    def to_bytes(self, value: Any) -> bytes:
        day: datetime.date = self.to_python(value)
        return day.isoformat().encode("ascii")

    def from_bytes(self, data: bytes) -> datetime.date:
        return datetime.date.fromisoformat(data.decode("ascii"))

    def to_python(self, value: Any) -> Any:
        if type(value) is datetime.date:  # as it mostly comes: the rest is DateField's (a datetime is a date too)
            return value
        return _DATES.to_python(value)

    def formfield(
        self,
        form_class: type[forms.Field] | None = None,
        choices_form_class: type[forms.ChoiceField] | None = None,
        **kwargs: Any,
    ) -> forms.Field | None:
        # models.Field's defaults (label, required, help text) without TextField's Textarea widget.
        return models.Field.formfield(self, form_class or forms.DateField, choices_form_class, **kwargs)


JSON_OPTIONS = orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME


def json_bytes(value: Any) -> bytes:
    """The stored form of a JSON value: keys sorted, UTF-8, no spaces. orjson writes what json.dumps(…,
    ensure_ascii=False, sort_keys=True, separators=(",", ":")) writes, in about a third of the time (an upload
    stores thousands of reports); dates stay refused, as with json."""
    return orjson.dumps(value, option=JSON_OPTIONS)


class EncryptedJSONField(EncryptedField):
    """An encrypted JSON document (dicts, lists, strings, numbers, booleans). A value may also be an
    ``orjson.Fragment`` of ``json_bytes`` made before: it is stored as it is (an upload makes the text once, for
    its checks and for storing)."""

    _pyi_private_set_type: Any  # django-stubs: any JSON value may be assigned and read
    _pyi_private_get_type: Any

    def to_bytes(self, value: Any) -> bytes:
        return json_bytes(value)

    def from_bytes(self, data: bytes) -> Any:
        return orjson.loads(data)

    def to_python(self, value: Any) -> Any:
        return value

    def formfield(
        self,
        form_class: type[forms.Field] | None = None,
        choices_form_class: type[forms.ChoiceField] | None = None,
        **kwargs: Any,
    ) -> forms.Field | None:
        return models.Field.formfield(self, form_class or forms.JSONField, choices_form_class, **kwargs)


class BlindIndexField(models.CharField):  # type: ignore[type-arg]
    """HMAC index over other fields of the same row, recomputed on every save.

    ``sources`` are attribute names read at save time (decrypted values); ``label`` (required, never
    changed once data exists) separates indexes over equal values. Look rows up with
    ``Model.objects.filter(<name>__in=field.candidates(...))``.
    """

    def __init__(self, *args: Any, sources: Sequence[str] = (), label: str = "", **kwargs: Any) -> None:
        if not label:
            raise TypeError("a BlindIndexField needs a stable label (renaming the field must not change it)")
        self.sources = tuple(sources)
        self.label = label
        kwargs.setdefault("max_length", 96)
        kwargs.setdefault("db_index", True)
        kwargs.setdefault("editable", False)
        kwargs.setdefault("null", True)
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        kwargs.update(sources=list(self.sources), label=self.label)
        for option, default in (("max_length", 96), ("db_index", True), ("editable", False), ("null", True)):
            value = getattr(self, option)  # not kwargs: Field leaves out what equals Field's own default
            if value == default:
                kwargs.pop(option, None)
            else:
                kwargs[option] = value
        return name, path, args, kwargs

    def compute(self, instance: models.Model) -> str | None:
        return blind_index.compute(self.label, [getattr(instance, name) for name in self.sources])

    def candidates(self, *parts: blind_index.Part) -> list[str]:
        return blind_index.candidates(self.label, parts)

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        value = self.compute(model_instance)
        setattr(model_instance, self.attname, value)
        return value
