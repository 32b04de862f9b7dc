import pycountry

from apps.patients.address import country_choices, country_name, one_line


def test_countries_are_listed_as_a_german_list_is_sorted_with_germany_first():
    names = [name for _code, name in country_choices()]
    assert names[:2] == ["– keine Angabe –", "Deutschland"]
    assert names.index("Oman") < names.index("Österreich") < names.index("Pakistan")
    assert names.index("Südkorea") < names.index("Syrien")  # the plain name, not „Korea, Republik“
    assert len(names) == 1 + len(pycountry.countries)  # every country once, and „keine Angabe“


def test_a_code_that_names_no_country_is_offered_only_when_it_is_stored():
    assert ("XK", "XK (unbekannter Ländercode)") in country_choices(keep="XK")
    assert "XK" not in dict(country_choices())
    assert country_choices(keep="AT") == country_choices()
    assert country_name("XK") == "XK" and country_name("LU") == "Luxemburg"


def test_an_address_reads_as_one_line_whatever_is_missing():
    assert one_line({"strasse": "Heidestraße", "hausnummer": "17", "plz": "51147", "ort": "Köln", "land": "DE"}) == (
        "Heidestraße 17, 51147 Köln"
    )
    assert one_line({"plz": "1009", "ort": "Luxembourg", "land": "LU"}) == "1009 Luxembourg, Luxemburg"
    assert one_line({"ort": "Köln"}) == "Köln"
    assert one_line(None) == one_line({}) == ""
