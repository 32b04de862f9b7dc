"""Inserting thousands of rows at once with PostgreSQL's COPY (an uploaded package's reports, patients and tumours),
and updating many rows in one statement (the known patients and tumours a package changes).

Rows are plain mappings of column attribute names to values psycopg can send (ids, text, UUIDs, aware
datetimes); a field left out takes its default. Encrypted fields are sealed here exactly as save() seals them,
bound to the row's ``uuid``. No model instances are built and no INSERT statement is quoted together in
Python: for a package's reports both cost more than the database's own work. Primary keys come from the
table's sequence and are not read back.

Values that save() computes from other fields (blind indexes, auto_now timestamps) would be missing from such
rows, so models that have them are refused by ``copy_rows``; ``copy_objects`` takes model instances instead and
lets each field compute its value as ``save()`` does, and gives each instance its primary key.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, connections, models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models.fields import AutoFieldMixin
from django.db.models.options import Options
from psycopg import Copy

from apps.core.fields import BlindIndexField, EncryptedField


def copy_rows(model: type[models.Model], rows: Sequence[Mapping[str, Any]]) -> None:
    if not rows:
        return
    meta = _keyed_by_sequence(model, "copy_rows")
    fields = [field for field in meta.concrete_fields if field is not meta.pk]
    computed = [field.name for field in fields if isinstance(field, BlindIndexField) or _auto_now(field)]
    if computed:
        raise TypeError(f"copy_rows cannot fill what save() computes: {meta.label}.{', '.join(computed)}")
    unknown = set(rows[0]) - {field.attname for field in fields}  # rows come from one builder: the first tells
    if unknown:
        raise TypeError(f"copy_rows: {meta.label} has no column {', '.join(sorted(unknown))}")
    named = [(field.attname, field) for field in fields]
    encrypted = [(at, field) for at, field in enumerate(fields) if isinstance(field, EncryptedField)]
    names = [name for name, _ in named]
    if encrypted and "uuid" not in names:
        raise TypeError(f"copy_rows: {meta.label} has encrypted fields but no uuid to seal them to")
    row_uuid = names.index("uuid") if encrypted else 0
    with _copy(meta, fields) as copy:
        for row in rows:  # a plain loop over lists: it runs for each of a package's 23 000 reports
            values = [row[name] if name in row else field.get_default() for name, field in named]
            for at, field in encrypted:
                if values[at] is not None:
                    values[at] = field.sealed(values[at], values[row_uuid])
            copy.write_row(values)


def copy_objects(objects: Sequence[models.Model]) -> None:
    """New instances of one model, written with each field's value as ``save()`` writes it (encrypted fields
    sealed, blind indexes and timestamps computed); each gets its primary key from the table's sequence first.
    Costs a third less than ``bulk_create`` for a batch of patients: no INSERT is put together and quoted."""
    if not objects:
        return
    model = type(objects[0])
    meta = _keyed_by_sequence(model, "copy_objects")
    if any(type(instance) is not model or instance.pk is not None for instance in objects):
        raise TypeError(f"copy_objects takes new instances of one model ({meta.label})")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [meta.db_table, meta.pk.column, len(objects)],
        )
        for instance, (key,) in zip(objects, cursor.fetchall(), strict=True):
            instance.pk = key
    fields = meta.concrete_fields
    database = _database()
    with _copy(meta, fields) as copy:
        for instance in objects:
            copy.write_row([field.get_db_prep_save(field.pre_save(instance, True), database) for field in fields])
    for instance in objects:
        instance._state.adding, instance._state.db = False, connection.alias


UPDATE_ROWS = 1000  # rows per UPDATE: well below PostgreSQL's 65 535 parameters per statement


def update_objects(objects: Sequence[models.Model], names: Sequence[str]) -> None:
    """Saved instances of one model: the fields ``names`` written as ``save(update_fields=names)`` writes them (an
    encrypted value sealed to its own row), in one UPDATE for up to a thousand rows instead of one each."""
    if not objects:
        return
    model = type(objects[0])
    meta = model._meta
    if any(type(instance) is not model or instance.pk is None for instance in objects):
        raise TypeError(f"update_objects takes saved instances of one model ({meta.label})")
    concrete = {field.name: field for field in meta.concrete_fields}
    fields = [concrete[name] for name in names]  # a KeyError names a field that is no column
    columns = [meta.pk, *fields]
    database = _database()
    for start in range(0, len(objects), UPDATE_ROWS):
        part = objects[start : start + UPDATE_ROWS]
        values = [
            [instance.pk, *(field.get_db_prep_save(field.pre_save(instance, False), database) for field in fields)]
            for instance in part
        ]
        with connection.cursor() as cursor:
            cursor.execute(_update_statement(meta, columns, len(part)), [value for row in values for value in row])


def _update_statement(meta: Options[Any], columns: Sequence[models.Field[Any, Any]], rows: int) -> str:
    """``UPDATE table SET a = new.a FROM (VALUES (%s::bigint, %s::text), …) AS new (id, a) WHERE table.id = new.id``"""
    quote = connection.ops.quote_name
    table, key = quote(meta.db_table), quote(columns[0].column)
    row = "(" + ", ".join(f"%s::{column.db_type(connection)}" for column in columns) + ")"
    changes = ", ".join(f"{quote(column.column)} = new.{quote(column.column)}" for column in columns[1:])
    names = ", ".join(quote(column.column) for column in columns)
    # Names from the model's metadata, quoted by Django; the values go as parameters.
    values = ", ".join([row] * rows)
    matching = f"WHERE {table}.{key} = new.{key}"
    return f"UPDATE {table} SET {changes} FROM (VALUES {values}) AS new ({names}) {matching}"  # noqa: S608


def _database() -> BaseDatabaseWrapper:
    """The connection itself, not Django's ``connection`` proxy, which looks it up again (through asgiref's
    context-local storage) on every attribute read: some 40 000 times for a 100 MB package's patients, one field
    at a time, about 0.15 s under cProfile."""
    return connections[DEFAULT_DB_ALIAS]


def _keyed_by_sequence(model: type[models.Model], name: str) -> Options[Any]:
    meta = model._meta
    if not isinstance(meta.pk, AutoFieldMixin):
        raise TypeError(f"{name} needs a primary key from a sequence; {meta.label} has none")
    return meta


@contextmanager
def _copy(meta: Options[Any], fields: Sequence[models.Field[Any, Any]]) -> Iterator[Copy]:
    """COPY in PostgreSQL's binary format where every column has a type whose Python value psycopg sends as it is
    (``BINARY``), else in text: PostgreSQL then parses no text, and psycopg escapes none. For 2 344 reports (as
    many as the 10 MB benchmark package has) copied into the reports table, sealing included, in a transaction
    rolled back after each (medians of eight, alternating with text): PostgreSQL's CPU 0.210–0.225 s → 0.190–0.195 s,
    this process's 0.074–0.075 s → 0.054–0.057 s (two runs)."""
    quote = connection.ops.quote_name
    types = _binary_types(tuple(fields))
    statement = f"COPY {quote(meta.db_table)} ({', '.join(quote(field.column) for field in fields)}) FROM STDIN"
    with connection.cursor() as cursor, cursor.copy(statement + (" (FORMAT BINARY)" if types else "")) as copy:
        if types:
            copy.set_types(types)
        yield copy


# Column types (as Django declares them, without a length) whose values Django hands over as plain Python objects
# (str, int, bool, UUID, date, aware datetime), which psycopg's binary dumpers take as they are. A table with any
# other column (JSON, inet, …) is copied as text, which takes whatever Django hands over.
BINARY = {"text", "varchar", "bigint", "integer", "smallint", "boolean", "uuid", "date", "timestamp with time zone"}


@functools.cache
def _binary_types(fields: tuple[models.Field[Any, Any], ...]) -> tuple[str, ...] | None:
    """Once per table and columns: Django's ``db_type`` takes 0.1–0.14 ms for a report's or a patient's columns, and
    an upload copies three tables per batch of 50 patients."""
    types = tuple((field.db_type(connection) or "").split("(")[0] for field in fields)
    return types if all(kind in BINARY for kind in types) else None


def _auto_now(field: models.Field[Any, Any]) -> bool:
    return bool(getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False))
