"""copy_rows writes what save() would: encrypted values bound to their row, blind indexes, defaults."""

import datetime

import pytest
from django.contrib.sessions.models import Session
from django.db import connection

from apps.core.bulk import copy_rows
from tests.core.specimen import Specimen

pytestmark = pytest.mark.django_db
BORN = datetime.date(1961, 4, 17)


def test_rows_copied_in_read_back_as_saved_and_are_encrypted():
    copy_rows([Specimen(name="Müller", born=BORN, notes={"Anmerkung": "<b>"}), Specimen(name=None)])
    first, second = Specimen.objects.order_by("pk")
    assert (first.name, first.born, first.notes) == ("Müller", BORN, {"Anmerkung": "<b>"})
    assert second.name is None and second.name_born_index is None
    index = Specimen._meta.get_field("name_born_index")
    assert first.name_born_index in index.candidates("Müller", BORN)
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, notes FROM test_core_specimen WHERE id = %s", [first.pk])
        assert "Müller" not in str(cursor.fetchone())


def test_nothing_to_copy_is_no_statement():
    with connection.execute_wrapper(lambda *args: pytest.fail("a statement was sent")):
        copy_rows([])


def test_a_model_whose_key_is_not_from_a_sequence_is_refused():
    with pytest.raises(TypeError, match="primary key from a sequence"):
        copy_rows([Session(session_key="abc", session_data="", expire_date=datetime.datetime.now(datetime.UTC))])
