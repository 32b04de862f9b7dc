"""Inserting thousands of rows at once with PostgreSQL's COPY (an uploaded package's reports).

Each field's value is prepared as save() prepares it (pre_save: encryption, blind indexes, timestamps), so
the rows equal what bulk_create would write; COPY only skips the building of one large INSERT statement and
the quoting of every value in Python, which for encrypted reports cost more than the database's own work.
Primary keys come from the table's sequence and are not read back.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connection, models
from django.db.models.fields import AutoFieldMixin


def copy_rows(objects: Sequence[models.Model]) -> None:
    if not objects:
        return
    meta = type(objects[0])._meta
    if not isinstance(meta.pk, AutoFieldMixin):
        raise TypeError(f"copy_rows needs a primary key from a sequence; {meta.label} has none")
    fields = [field for field in meta.concrete_fields if field is not meta.pk]
    quote = connection.ops.quote_name
    statement = f"COPY {quote(meta.db_table)} ({', '.join(quote(field.column) for field in fields)}) FROM STDIN"
    with connection.cursor() as cursor, cursor.copy(statement) as copy:
        for instance in objects:
            # as bulk_create does: a related object saved after it was assigned gives its pk now
            instance._prepare_related_fields_for_save(operation_name="copy_rows")
            copy.write_row([field.get_db_prep_save(field.pre_save(instance, True), connection) for field in fields])
