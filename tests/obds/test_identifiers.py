import datetime

import pytest

from apps.obds.dates import DateProblem, parse_date
from apps.obds.identifiers import ik_is_valid, kvnr_is_valid, normalise_kvnr


@pytest.mark.parametrize("kvnr", ["A000500015", "N360117751"])
def test_valid_insurance_numbers_pass(kvnr):
    assert kvnr_is_valid(kvnr)


@pytest.mark.parametrize("kvnr", ["N123456789", "A000500016", "a000500015", "A00050001", "1000500015", "Ä000500015"])
def test_insurance_numbers_with_a_wrong_check_digit_or_shape_fail(kvnr):
    assert not kvnr_is_valid(kvnr)


def test_typed_insurance_numbers_are_normalised():
    assert normalise_kvnr(" a 000 500 015 ") == "A000500015"


@pytest.mark.parametrize("ik", ["101575519", "104940005"])
def test_valid_institution_codes_pass(ik):
    assert ik_is_valid(ik)


@pytest.mark.parametrize("ik", ["105175519", "10157551", "1015755190", "10157551x"])
def test_institution_codes_with_a_wrong_check_digit_or_shape_fail(ik):
    assert not ik_is_valid(ik)


@pytest.mark.parametrize("typed", ["01.02.1970", "1.2.1970", "1970-02-01", " 01.02.1970 "])
def test_dates_are_accepted_in_german_and_iso_form(typed):
    assert parse_date(typed) == datetime.date(1970, 2, 1)


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("31.02.1970", "Den 31.02.1970 gibt es nicht."),
        ("29.02.1971", "Den 29.02.1971 gibt es nicht."),
        ("01.01.1899", "zwischen dem 01.01.1900 und dem 31.12.2029"),
        ("2030-01-01", "zwischen dem 01.01.1900 und dem 31.12.2029"),
        ("1970/02/01", "TT.MM.JJJJ"),
        ("", "TT.MM.JJJJ"),
    ],
)
def test_impossible_dates_get_a_german_message(typed, message):
    with pytest.raises(DateProblem, match=message):
        parse_date(typed)
