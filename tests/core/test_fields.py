import datetime
import json
from typing import Any

import pytest
from django.core import checks
from django.core.exceptions import ValidationError
from django.db import connection, models, transaction
from django.test.utils import isolate_apps

from apps.core.crypto import DecryptionError
from apps.core.fields import EncryptedTextField
from tests.core.specimen import Specimen
from tests.keys import fresh_ring

pytestmark = pytest.mark.django_db

MARKER = "Zyxwvu-Markername-4711"


def raw_row(specimen: Specimen) -> dict[str, Any]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name, nickname, born, notes, name_born_index FROM test_core_specimen WHERE id = %s",
            [specimen.pk],
        )
        columns = [column.name for column in cursor.description]
        return dict(zip(columns, cursor.fetchone(), strict=True))


def set_raw(specimen: Specimen, column: str, value: str | None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE test_core_specimen SET {column} = %s WHERE id = %s", [value, specimen.pk])  # noqa: S608


def reload(specimen: Specimen) -> Specimen:
    return Specimen.objects.get(pk=specimen.pk)


def test_the_database_holds_no_plaintext_of_any_encrypted_value():
    specimen = Specimen.objects.create(
        name=MARKER, nickname="Erika", born=datetime.date(1961, 4, 17), notes={"befund": MARKER}
    )
    row = raw_row(specimen)
    stored = " ".join(str(value) for value in row.values())
    assert MARKER not in stored
    # the date in any written form; not "1961" alone, which a hex index or base64 ciphertext holds by chance (CI met it)
    assert not [form for form in ("1961-04-17", "17.04.1961", "19610417") if form in stored]
    assert "Erika" not in stored
    assert row["name"].startswith("v1:dev1:")


def test_values_come_back_as_their_own_types():
    specimen = Specimen.objects.create(
        name="Müller-Lüdenscheidt 🙂",
        nickname="",
        born=datetime.date(1900, 1, 1),
        notes={"a": [1, "ß", None]},
    )
    loaded = reload(specimen)
    assert loaded.name == "Müller-Lüdenscheidt 🙂"
    assert loaded.nickname == ""
    assert loaded.born == datetime.date(1900, 1, 1)
    assert loaded.notes == {"a": [1, "ß", None]}


@pytest.mark.parametrize(
    "given",
    [datetime.date(1961, 4, 17), "1961-04-17", datetime.datetime(1961, 4, 17, 10, 30)],
    ids=["date", "ISO text", "datetime"],
)
def test_a_date_is_stored_as_the_day_it_names_in_any_form_djangos_date_field_takes(given):
    specimen = Specimen.objects.create(name="A", born=given)
    assert reload(specimen).born == datetime.date(1961, 4, 17)


def test_a_text_that_is_no_date_is_refused_as_djangos_date_field_refuses_it():
    with pytest.raises(ValidationError), transaction.atomic():
        Specimen.objects.create(name="A", born="1961-02-30")
    assert not Specimen.objects.exists()


def test_json_is_stored_in_the_one_canonical_form_earlier_rows_were_written_in():
    """Rows written with json.dumps before the switch to orjson must read back, and new ones compare equal."""
    value = {"b": [1.5, True, None, 10**18], "a": 'Ä<b>\u2028"\\\n\x01', "Z": {"y": 1, "x": -0.0}}
    field = Specimen._meta.get_field("notes")
    assert (
        field.to_bytes(value) == json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
    )
    assert field.from_bytes(json.dumps(value).encode()) == value


def test_a_date_in_a_json_value_is_refused_rather_than_stored_as_text():
    with pytest.raises(TypeError), transaction.atomic():
        Specimen.objects.create(notes={"Diagnosedatum": datetime.date(2024, 1, 2)})
    assert not Specimen.objects.exists()


def test_empty_values_stay_null():
    specimen = Specimen.objects.create(name=None)
    assert raw_row(specimen)["name"] is None
    assert reload(specimen).name is None


def test_two_rows_with_the_same_value_store_different_ciphertext():
    first = Specimen.objects.create(name=MARKER)
    second = Specimen.objects.create(name=MARKER)
    assert raw_row(first)["name"] != raw_row(second)["name"]


def test_a_tampered_value_fails_to_decrypt():
    specimen = Specimen.objects.create(name=MARKER)
    token = raw_row(specimen)["name"]
    body = token[-10:]
    flipped = body[:5] + ("A" if body[5] != "A" else "B") + body[6:]
    set_raw(specimen, "name", token[:-10] + flipped)
    with pytest.raises(DecryptionError):
        _ = reload(specimen).name


def test_a_value_copied_into_another_row_fails_to_decrypt():
    victim = Specimen.objects.create(name=MARKER)
    other = Specimen.objects.create(name="Andere")
    set_raw(other, "name", raw_row(victim)["name"])
    with pytest.raises(DecryptionError):
        _ = reload(other).name


def test_a_value_copied_into_another_column_fails_to_decrypt():
    specimen = Specimen.objects.create(name=MARKER, nickname="Erika")
    set_raw(specimen, "nickname", raw_row(specimen)["name"])
    loaded = reload(specimen)
    assert loaded.name == MARKER
    with pytest.raises(DecryptionError):
        _ = loaded.nickname


def test_garbage_in_an_encrypted_column_fails_instead_of_being_shown():
    specimen = Specimen.objects.create(name=MARKER)
    set_raw(specimen, "name", "Klartext im Feld")
    with pytest.raises(DecryptionError):
        _ = reload(specimen).name


def test_a_missing_key_fails_loudly(key_rings):
    specimen = Specimen.objects.create(name=MARKER)
    key_rings["fields"] = fresh_ring("fields", "other")
    with pytest.raises(DecryptionError, match="'dev1' is not configured"):
        _ = reload(specimen).name


def test_a_wrong_key_under_the_same_id_fails_loudly(key_rings):
    specimen = Specimen.objects.create(name=MARKER)
    key_rings["fields"] = fresh_ring("fields", "dev1")
    with pytest.raises(DecryptionError, match="does not open"):
        _ = reload(specimen).name


def test_deferred_values_decrypt_when_read():
    specimen = Specimen.objects.create(name=MARKER, born=datetime.date(1970, 2, 1))
    loaded = Specimen.objects.only("uuid").get(pk=specimen.pk)
    assert loaded.born == datetime.date(1970, 2, 1)
    assert loaded.name == MARKER


def test_changing_a_value_and_saving_keeps_it_encrypted():
    specimen = Specimen.objects.create(name="alt")
    specimen.name = MARKER
    specimen.save()
    assert MARKER not in raw_row(specimen)["name"]
    assert reload(specimen).name == MARKER


def test_queries_on_encrypted_values_are_refused():
    with pytest.raises(TypeError, match="blind index"):
        list(Specimen.objects.filter(name=MARKER))


def test_bulk_update_is_refused_rather_than_storing_plaintext():
    specimen = Specimen.objects.create(name="alt")
    specimen.name = MARKER
    with pytest.raises(TypeError, match="only be written through save"), transaction.atomic():
        Specimen.objects.bulk_update([specimen], ["name"])
    assert reload(specimen).name == "alt"


def test_unique_encrypted_fields_cannot_be_declared():
    with pytest.raises(TypeError, match="BlindIndexField"):
        EncryptedTextField(unique=True)


@isolate_apps("apps.core")
def test_a_model_without_uuid_fails_the_system_check():
    class Loose(models.Model):  # noqa: DJ008 -- exists only to be checked
        secret = EncryptedTextField()

        class Meta:
            app_label = "core"

    errors = Loose._meta.get_field("secret").check()
    assert [error.id for error in errors if isinstance(error, checks.Error)] == ["core.E001"]


def test_saving_a_row_keeps_unread_values_as_they_were_stored():
    specimen = Specimen.objects.create(name=MARKER, nickname="Erika")
    before = raw_row(specimen)
    loaded = reload(specimen)
    assert loaded.nickname == "Erika"
    loaded.save()
    after = raw_row(specimen)
    assert after["name"] == before["name"]  # never read: the stored token is written back unchanged
    assert after["nickname"] != before["nickname"]  # read: sealed again with a fresh nonce
    assert reload(specimen).nickname == "Erika"


@pytest.mark.parametrize(
    ("table", "column"),
    [("reports_report", "data"), ("reports_draft", "data"), ("uploads_package", "problems")],
)
def test_large_encrypted_columns_are_stored_without_a_try_at_compressing_ciphertext(table: str, column: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT attstorage FROM pg_attribute WHERE attrelid = %s::regclass AND attname = %s", [table, column]
        )
        [(storage,)] = cursor.fetchall()
    assert storage == "e"  # EXTERNAL: moved out of the row as it is (apps.core.uncompressed)
