"""Inserting thousands of rows at once with PostgreSQL's COPY (an uploaded package's reports).

Rows are plain mappings of column attribute names to values psycopg can send (ids, text, UUIDs, aware
datetimes); a field left out takes its default. Encrypted fields are sealed here exactly as save() seals them,
bound to the row's ``uuid``. No model instances are built and no INSERT statement is quoted together in
Python: for a package's reports both cost more than the database's own work. Primary keys come from the
table's sequence and are not read back.

Values that save() computes from other fields (blind indexes, auto_now timestamps) would be missing from such
rows, so models that have them are refused.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.db import connection, models
from django.db.models.fields import AutoFieldMixin

from apps.core.fields import BlindIndexField, EncryptedField


def copy_rows(model: type[models.Model], rows: Sequence[Mapping[str, Any]]) -> None:
    if not rows:
        return
    meta = model._meta
    if not isinstance(meta.pk, AutoFieldMixin):
        raise TypeError(f"copy_rows needs a primary key from a sequence; {meta.label} has none")
    fields = [field for field in meta.concrete_fields if field is not meta.pk]
    computed = [field.name for field in fields if isinstance(field, BlindIndexField) or _auto_now(field)]
    if computed:
        raise TypeError(f"copy_rows cannot fill what save() computes: {meta.label}.{', '.join(computed)}")
    unknown = set(rows[0]) - {field.attname for field in fields}  # rows come from one builder: the first tells
    if unknown:
        raise TypeError(f"copy_rows: {meta.label} has no column {', '.join(sorted(unknown))}")
    quote = connection.ops.quote_name
    statement = f"COPY {quote(meta.db_table)} ({', '.join(quote(field.column) for field in fields)}) FROM STDIN"
    with connection.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            values = {
                field.attname: row[field.attname] if field.attname in row else field.get_default() for field in fields
            }
            copy.write_row([_prepared(field, values) for field in fields])


def _prepared(field: models.Field[Any, Any], values: dict[str, Any]) -> Any:
    value = values[field.attname]
    if isinstance(field, EncryptedField) and value is not None:
        return field.sealed(value, values["uuid"])
    return value


def _auto_now(field: models.Field[Any, Any]) -> bool:
    return bool(getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False))
