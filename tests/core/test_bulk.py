"""copy_rows writes what save() would: encrypted values bound to their row, defaults for what a row leaves out."""

import datetime
import uuid

import pytest
from django.contrib.sessions.models import Session
from django.db import connection

from apps.core.bulk import copy_rows
from apps.core.crypto import DecryptionError
from tests.core.specimen import Entry, Specimen

pytestmark = pytest.mark.django_db
BORN = datetime.date(1961, 4, 17)


def test_rows_copied_in_read_back_as_saved_and_are_encrypted():
    row_uuid = uuid.uuid4()
    copy_rows(Entry, [{"uuid": row_uuid, "kind": "OP", "born": BORN, "data": {"Anmerkung": "<b>"}}, {"born": None}])
    first, second = Entry.objects.order_by("pk")
    assert (first.uuid, first.kind, first.born, first.data) == (row_uuid, "OP", BORN, {"Anmerkung": "<b>"})
    assert (second.kind, second.born, second.data) == ("Diagnose", None, None)  # defaults, a fresh uuid
    assert second.uuid not in (None, row_uuid)
    with connection.cursor() as cursor:
        cursor.execute("SELECT born, data FROM test_core_entry WHERE id = %s", [first.pk])
        assert "1961" not in str(cursor.fetchone())


def test_a_copied_value_is_bound_to_its_row():
    copy_rows(Entry, [{"data": {"Geheim": 1}}, {"data": {"Anderes": 2}}])
    first, second = Entry.objects.order_by("pk")
    with connection.cursor() as cursor:  # move the first row's token into the second row
        cursor.execute("UPDATE test_core_entry SET data = (SELECT data FROM test_core_entry WHERE id = %s) "
                       "WHERE id = %s", [first.pk, second.pk])  # fmt: skip
    with pytest.raises(DecryptionError):
        _ = Entry.objects.get(pk=second.pk).data


def test_nothing_to_copy_is_no_statement():
    with connection.execute_wrapper(lambda *args: pytest.fail("a statement was sent")):
        copy_rows(Entry, [])


def test_a_model_whose_key_is_not_from_a_sequence_is_refused():
    with pytest.raises(TypeError, match="primary key from a sequence"):
        copy_rows(
            Session, [{"session_key": "abc", "session_data": "", "expire_date": datetime.datetime.now(datetime.UTC)}]
        )


def test_a_model_with_values_save_computes_is_refused():
    with pytest.raises(TypeError, match="name_born_index"):
        copy_rows(Specimen, [{"name": "Müller", "born": BORN}])


def test_a_row_naming_a_column_the_model_lacks_is_refused_rather_than_dropped():
    with pytest.raises(TypeError, match="no column patient"):
        copy_rows(Entry, [{"kind": "OP", "patient": 7}])
    assert not Entry.objects.exists()
