"""copy_rows and copy_objects write what save() would: encrypted values bound to their row, defaults for what a row
leaves out, and (copy_objects) blind indexes, timestamps and keys; update_objects writes the named fields as
save(update_fields=…) would, many rows in one statement."""

import datetime
import uuid

import psycopg
import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.core import bulk
from apps.core.bulk import copy_objects, copy_rows, update_objects
from apps.core.crypto import DecryptionError
from apps.core.models import AuditEvent
from apps.patients.lookups import index_field
from apps.patients.models import Patient
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
        assert "1961-04-17" not in str(cursor.fetchone())  # not "1961" alone: ciphertext may hold it by chance


def test_a_copied_value_is_bound_to_its_row():
    copy_rows(Entry, [{"data": {"Geheim": 1}}, {"data": {"Anderes": 2}}])
    first, second = Entry.objects.order_by("pk")
    with connection.cursor() as cursor:  # move the first row's token into the second row
        cursor.execute("UPDATE test_core_entry SET data = (SELECT data FROM test_core_entry WHERE id = %s) "
                       "WHERE id = %s", [first.pk, second.pk])  # fmt: skip
    with pytest.raises(DecryptionError):
        _ = Entry.objects.get(pk=second.pk).data


def test_plain_columns_go_in_binary_and_a_table_with_json_or_inet_in_text(monkeypatch):
    """Binary spares PostgreSQL parsing the text of every value (an upload's reports); a table with a column of
    another type (here JSON and inet) is copied as text, as before."""
    statements = []
    copy = psycopg.Cursor.copy

    def recorded(cursor, statement, *args, **kwargs):
        statements.append(statement)
        return copy(cursor, statement, *args, **kwargs)

    monkeypatch.setattr(psycopg.Cursor, "copy", recorded)
    copy_rows(Entry, [{"kind": "Tod", "born": BORN, "data": {"Anmerkung": "<b> ü"}}])
    copy_objects([AuditEvent(action="bulk.test", details={"Anmerkung": "<b> ü", "n": 1}, ip_address="10.0.0.1")])
    assert [statement.endswith("(FORMAT BINARY)") for statement in statements] == [True, False]
    entry, event = Entry.objects.get(), AuditEvent.objects.get(action="bulk.test")
    assert (entry.kind, entry.born, entry.data) == ("Tod", BORN, {"Anmerkung": "<b> ü"})
    assert (event.details, event.ip_address) == ({"Anmerkung": "<b> ü", "n": 1}, "10.0.0.1")


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


def test_objects_copied_in_get_their_keys_and_what_save_computes(praxis, physician, clock):
    """The real case: patients of an uploaded package, with encrypted fields, blind indexes and timestamps."""
    saved = Patient(**_patient_fields(praxis, physician, "P1"))
    saved.save()
    copied = [Patient(**_patient_fields(praxis, physician, patient_id)) for patient_id in ("P2", "P3")]
    copy_objects(copied)
    assert all(patient.pk and not patient._state.adding for patient in copied)
    for patient in copied:
        stored = Patient.objects.get(pk=patient.pk)
        assert (stored.patient_id, stored.nachname, stored.geburtsdatum) == (patient.patient_id, "Müller", BORN)
        assert stored.created_at == stored.updated_at == timezone.now()
    # the same name and birth date as the saved patient: the same lookup key; each insurance number its own
    assert Patient.objects.filter(name_index=saved.name_index).count() == 3
    assert Patient.objects.get(insurance_index=saved.insurance_index) == saved
    twin = Patient(insurance_number=copied[0].insurance_number, geburtsdatum=BORN)
    assert Patient.objects.get(insurance_index=index_field("insurance_index").compute(twin)).pk == copied[0].pk
    with connection.cursor() as cursor:
        cursor.execute("SELECT nachname, geburtsdatum FROM patients_patient WHERE id = %s", [copied[0].pk])
        assert "Müller" not in str(cursor.fetchone())


def test_only_new_objects_of_one_model_are_copied(praxis, physician):
    patient = Patient(**_patient_fields(praxis, physician, "P1"))
    patient.save()
    with pytest.raises(TypeError, match="new instances of one model"):
        copy_objects([Patient(**_patient_fields(praxis, physician, "P2")), patient])
    with pytest.raises(TypeError, match="new instances of one model"):
        copy_objects([Patient(**_patient_fields(praxis, physician, "P2")), Entry()])
    assert Patient.objects.count() == 1


def test_updated_objects_read_back_with_their_own_new_values_and_nothing_else_changes(monkeypatch):
    monkeypatch.setattr(bulk, "UPDATE_ROWS", 2)  # five rows: three statements
    entries = [Entry.objects.create(kind="OP", born=BORN, data={"Nummer": number}) for number in range(5)]
    for number, entry in enumerate(entries):
        entry.data, entry.kind = {"Nummer": number, "neu": "<b>"}, "Tod"  # the kind is not named: it stays
    with CaptureQueriesContext(connection) as queries:
        update_objects(entries, ["data"])
    assert len(queries) == 3
    for number, entry in enumerate(entries):
        stored = Entry.objects.get(pk=entry.pk)
        assert (stored.kind, stored.born, stored.data) == ("OP", BORN, {"Nummer": number, "neu": "<b>"})
    with connection.cursor() as cursor:
        cursor.execute("SELECT data FROM test_core_entry WHERE id = %s", [entries[0].pk])
        assert "neu" not in cursor.fetchone()[0]


def test_an_updated_value_is_bound_to_its_row():
    first, second = Entry.objects.create(data={"Geheim": 1}), Entry.objects.create(data={"Anderes": 2})
    first.data = {"Geheim": 3}
    update_objects([first], ["data"])
    with connection.cursor() as cursor:  # move the first row's new token into the second row
        cursor.execute("UPDATE test_core_entry SET data = (SELECT data FROM test_core_entry WHERE id = %s) "
                       "WHERE id = %s", [first.pk, second.pk])  # fmt: skip
    assert Entry.objects.get(pk=first.pk).data == {"Geheim": 3}
    with pytest.raises(DecryptionError):
        _ = Entry.objects.get(pk=second.pk).data


def test_only_saved_objects_of_one_model_are_updated():
    entry = Entry.objects.create(data={"alt": 1})
    entry.data = {"neu": 1}
    with pytest.raises(TypeError, match="saved instances of one model"):
        update_objects([entry, Entry(data={"neu": 2})], ["data"])
    with pytest.raises(TypeError, match="saved instances of one model"):
        update_objects([entry, Specimen.objects.create()], ["data"])
    with pytest.raises(KeyError):
        update_objects([entry], ["nothing"])
    assert Entry.objects.get(pk=entry.pk).data == {"alt": 1}
    with connection.execute_wrapper(lambda *args: pytest.fail("a statement was sent")):
        update_objects([], ["data"])


def _patient_fields(institution, user, patient_id: str) -> dict[str, object]:
    return {
        "institution": institution, "created_by": user, "patient_id": patient_id, "nachname": "Müller",
        "vornamen": "Erika", "geschlecht": "W", "geburtsdatum": BORN, "insurance_kind": "GKV",
        "insurance_number": f"A12345678{patient_id[-1]}", "iknr": "109519005",
    }  # fmt: skip
