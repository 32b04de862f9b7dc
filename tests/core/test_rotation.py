import datetime
import io

import pytest
from django.core.management import call_command
from django.db import connection

from apps.core import rotation
from apps.core.fields import BlindIndexField, EncryptedField
from apps.core.files import open_file, store_file
from apps.core.models import StoredFile
from tests.core.specimen import Specimen
from tests.keys import only_active, with_key_first

pytestmark = pytest.mark.django_db

BORN = datetime.date(1950, 5, 6)


def raw_tokens(table: str, column: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE {column} IS NOT NULL ORDER BY id")  # noqa: S608
        return [row[0] for row in cursor.fetchall()]


def make_rows(count: int) -> list[Specimen]:
    return [Specimen.objects.create(name=f"Person {n}", born=BORN, notes={"n": n}, nickname=None) for n in range(count)]


def prepare_new_keys(key_rings) -> None:
    for purpose, key_id in (("fields", "f2"), ("blind_index", "b2"), ("files", "k2")):
        key_rings[purpose] = with_key_first(key_rings[purpose], key_id)


def drop_old_keys(key_rings) -> None:
    for purpose in ("fields", "blind_index", "files"):
        key_rings[purpose] = only_active(key_rings[purpose])


def test_old_values_stay_readable_before_rotation(key_rings):
    specimen = make_rows(1)[0]
    prepare_new_keys(key_rings)
    loaded = Specimen.objects.get(pk=specimen.pk)
    assert loaded.name == "Person 0"
    assert loaded.notes == {"n": 0}


def test_rotation_moves_every_value_to_the_new_keys(key_rings, tmp_path, settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "encrypted_files": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path},
        },
    }
    make_rows(7)
    stored = store_file(io.BytesIO(b"Paketinhalt"))
    prepare_new_keys(key_rings)

    call_command("rotate_encryption_keys", batch_size=3, stdout=io.StringIO())

    assert all(token.startswith("v1:f2:") for token in raw_tokens("test_core_specimen", "name"))
    assert all(token.startswith("b1:b2:") for token in raw_tokens("test_core_specimen", "name_born_index"))
    assert raw_tokens("core_storedfile", "data_key")[0].startswith("v1:k2:")
    drop_old_keys(key_rings)
    names = sorted(specimen.name for specimen in Specimen.objects.all())
    assert names == [f"Person {n}" for n in range(7)]
    index = Specimen._meta.get_field("name_born_index")
    assert Specimen.objects.filter(name_born_index__in=index.candidates("Person 3", BORN)).count() == 1
    with open_file(StoredFile.objects.get(pk=stored.pk)) as plain:
        assert plain.read() == b"Paketinhalt"


def test_an_interrupted_rotation_resumes_where_it_stopped(key_rings):
    make_rows(6)
    prepare_new_keys(key_rings)
    fields = [field for field in Specimen._meta.concrete_fields if isinstance(field, EncryptedField)]
    index = [field for field in Specimen._meta.concrete_fields if isinstance(field, BlindIndexField)]

    def crash_after_first_batch(count: rotation.RotationCount) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        rotation.rotate_model(Specimen, fields, index, 2, crash_after_first_batch)
    assert [token[:6] for token in raw_tokens("test_core_specimen", "name")] == ["v1:f2:"] * 2 + ["v1:dev"] * 4

    second_run = rotation.rotate_model(Specimen, fields, index, 2)
    assert (second_run.rows, second_run.changed) == (6, 4)
    third_run = rotation.rotate_model(Specimen, fields, index, 2)
    assert third_run.changed == 0
