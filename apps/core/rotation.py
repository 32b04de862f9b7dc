"""Key rotation: move every encrypted value, blind index and wrapped file key to the active keys.

Works in batches, each its own transaction with the rows locked, so the portal stays online. Values already
under the active key are left alone, which makes an interrupted run resumable: start it again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.apps import apps
from django.db import models, transaction

from apps.core import crypto
from apps.core.fields import BlindIndexField, EncryptedField, Sealed


@dataclass
class RotationCount:
    model: str
    rows: int = 0
    changed: int = 0


def models_with_protected_fields() -> Iterator[tuple[type[models.Model], list[EncryptedField], list[BlindIndexField]]]:
    for model in apps.get_models():
        fields = model._meta.concrete_fields
        encrypted = [field for field in fields if isinstance(field, EncryptedField)]
        indexes = [field for field in fields if isinstance(field, BlindIndexField)]
        if encrypted or indexes:
            yield model, encrypted, indexes


def _changes(
    instance: models.Model, encrypted: list[EncryptedField], indexes: list[BlindIndexField]
) -> dict[str, object]:
    changes: dict[str, object] = {}
    for field in encrypted:
        token = instance.__dict__.get(field.attname)
        if isinstance(token, Sealed):
            fresh = crypto.reseal(field.purpose, token, field.associated_data(instance))
            if fresh != token:
                changes[field.attname] = Sealed(fresh)
    for index in indexes:
        fresh_index = index.compute(instance)
        if fresh_index != getattr(instance, index.attname):
            changes[index.attname] = fresh_index
    return changes


def rotate_model(
    model: type[models.Model],
    encrypted: list[EncryptedField],
    indexes: list[BlindIndexField],
    batch_size: int,
    progress: Callable[[RotationCount], None] = lambda count: None,
) -> RotationCount:
    count = RotationCount(model._meta.label)
    last_pk: object = None
    while True:
        with transaction.atomic():
            batch = model._base_manager.select_for_update().order_by("pk")
            if last_pk is not None:
                batch = batch.filter(pk__gt=last_pk)
            rows = list(batch[:batch_size])
            for instance in rows:
                changes = _changes(instance, encrypted, indexes)
                if changes:
                    model._base_manager.filter(pk=instance.pk).update(**changes)
                    count.changed += 1
        if not rows:
            return count
        count.rows += len(rows)
        last_pk = rows[-1].pk
        progress(count)
