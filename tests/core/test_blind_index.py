import datetime

import pytest

from apps.core import blind_index
from apps.core.fields import BlindIndexField
from tests.core.specimen import Specimen
from tests.keys import with_key_first

pytestmark = pytest.mark.django_db

BORN = datetime.date(1970, 2, 1)


def find(name: str, born: datetime.date) -> list[Specimen]:
    candidates = Specimen._meta.get_field("name_born_index").candidates(name, born)
    return list(Specimen.objects.filter(name_born_index__in=candidates))


def test_a_row_is_found_by_its_normalised_values():
    specimen = Specimen.objects.create(name="Müller", born=BORN)
    assert find("  MÜLLER ", BORN) == [specimen]
    assert find("Mueller", BORN) == []
    assert find("Müller", datetime.date(1970, 2, 2)) == []


def test_the_index_holds_no_plaintext_and_carries_its_version():
    specimen = Specimen.objects.create(name="Müller", born=BORN)
    assert specimen.name_born_index.startswith("b1:dev1:")
    assert "ller" not in specimen.name_born_index


def test_a_row_without_all_parts_has_no_index():
    specimen = Specimen.objects.create(name="Müller", born=None)
    assert specimen.name_born_index is None
    assert find("Müller", BORN) == []


def test_labels_keep_indexes_over_equal_values_apart():
    assert blind_index.compute("a", ["x"]) != blind_index.compute("b", ["x"])


def test_parts_cannot_be_shifted_into_each_other():
    assert blind_index.compute("a", ["ab", "c"]) != blind_index.compute("a", ["a", "bc"])


def test_rows_stay_findable_while_a_new_key_is_introduced(key_rings):
    specimen = Specimen.objects.create(name="Müller", born=BORN)
    key_rings["blind_index"] = with_key_first(key_rings["blind_index"], "new")
    assert find("Müller", BORN) == [specimen]
    specimen.save()
    assert specimen.name_born_index.startswith("b1:new:")
    assert find("Müller", BORN) == [specimen]


@pytest.mark.parametrize("options", [{}, {"db_index": False}, {"db_index": False, "null": False, "max_length": 120}])
def test_a_blind_index_declared_with_other_options_keeps_them_in_migrations(options):
    """What a migration records is what the model declares: an index left out must not come back (or stay)."""
    field = BlindIndexField(sources=("name",), label="probe", **options)
    _, _, args, kwargs = field.deconstruct()
    again = BlindIndexField(*args, **kwargs)
    chosen = ("db_index", "null", "max_length", "sources", "label")
    assert [getattr(again, name) for name in chosen] == [getattr(field, name) for name in chosen]
