"""The schema's verdict on the mistakes documentation systems make, in German words a documentation clerk can act on:
each message here is what the official XSD (libxml2) says about a package with that one mistake."""

from __future__ import annotations

import re

import pytest
from lxml import etree  # type: ignore[import-untyped]  # lxml-stubs 0.5 lags lxml 6

from apps.obds.messages import german, kind_of, shortened
from apps.obds.schemas import OBDS_NS, schema_for
from tests.uploads.packages import package_bytes, patient

pytestmark = pytest.mark.django_db


def libxml2_says(content: bytes) -> str:
    schema = schema_for(f"{{{OBDS_NS}}}oBDS", "3.0.4").schema
    assert not schema.validate(etree.fromstring(content))
    return str(schema.error_log[0].message)


def with_value(praxis, element: str, value: str) -> bytes:
    """A valid package with the text of the first ``element`` replaced."""
    text: str = package_bytes(praxis, [patient(1, praxis.melder_id, ["Diagnose"])]).decode()
    changed, count = re.subn(rf"(<{element}(?: [^>]*)?>)[^<]*", rf"\g<1>{value}", text, count=1)
    assert count == 1
    return changed.encode()


@pytest.mark.parametrize(
    ("element", "value", "explained"),
    [
        ("Nachname", "Mustermann2", "Nachname: Das Zeichen „2“ ist im oBDS nicht erlaubt. "
                                    "Der Wert lautet „Mustermann2“."),
        ("Vornamen", "Erika\u00a0Maria", "Vornamen: Das Zeichen „\u00a0“ (U+00A0) ist im oBDS nicht erlaubt. "
                                        "Der Wert lautet „Erika\u00a0Maria“."),
        ("Strasse", "Heidestraße ", "Strasse: Der Text darf nicht mit einem Leerzeichen beginnen oder enden. "
                                    "Der Wert lautet „Heidestraße “."),
        ("Diagnosedatum", "01.03.2024", "Diagnosedatum: „01.03.2024“ ist kein gültiges Datum. Verlangt ist JJJJ-MM-TT, "
                                        "z. B. 2024-03-01; erlaubt sind Daten von 1900-01-01 bis 2029-12-31. "
                                        "Statt 01.03.2024 also 2024-03-01."),
        ("Diagnosedatum", "31.02.2024", "Diagnosedatum: „31.02.2024“ ist kein gültiges Datum. Verlangt ist JJJJ-MM-TT, "
                                        "z. B. 2024-03-01; erlaubt sind Daten von 1900-01-01 bis 2029-12-31."),
        ("Diagnosedatum", "1899-12-31", "Diagnosedatum: Der Wert „1899-12-31“ liegt unter dem kleinsten erlaubten Wert "
                                        "1900-01-01."),
        ("Diagnosedatum", "2030-01-01", "Diagnosedatum: Der Wert „2030-01-01“ liegt über dem größten erlaubten Wert "
                                        "2029-12-31."),
        ("GKV_Versichertennummer", "A12345678", "GKV_Versichertennummer: Der Wert „A12345678“ hat nicht das verlangte "
                                               "Format: ein Großbuchstabe und neun Ziffern, z. B. A123456780."),
        ("IKNR", "10157551", "IKNR: Der Wert „10157551“ hat nicht das verlangte Format: neun Ziffern, die mit 10 "
                             "beginnen, z. B. 109519005."),
    ],
)  # fmt: skip
def test_the_mistakes_of_documentation_systems_are_explained(praxis, element, value, explained):
    assert german(libxml2_says(with_value(praxis, element, value))) == explained


def test_the_original_message_keeps_a_code_pattern_but_cuts_the_character_repertoire(praxis):
    repertoire = libxml2_says(with_value(praxis, "Nachname", "Mustermann2"))
    assert len(repertoire) > 2000  # libxml2 prints all of oBDS's character repertoire
    cut = shortened(repertoire)
    assert cut.startswith(
        "Element '{http://www.basisdatensatz.de/oBDS/XML}Nachname': [facet 'pattern'] The value 'Mustermann2' is "
        "not accepted by the pattern '"
    )
    assert cut.endswith(" … (gekürzt)'.") and len(cut) < 200
    code = libxml2_says(with_value(praxis, "GKV_Versichertennummer", "A12345678"))
    assert shortened(code) == code.strip()


@pytest.mark.parametrize(
    ("message", "explained"),
    [
        ("Element '{http://www.basisdatensatz.de/oBDS/XML}Tumordicke': '1,5' is not a valid value of the atomic type "
         "'{http://www.basisdatensatz.de/oBDS/XML}Tumordicke_Typ'.",
         "Tumordicke: „1,5“ ist keine Zahl. Verlangt ist eine Zahl mit Punkt, z. B. 2.5; erlaubt sind Werte von 0.01 "
         "bis 99.0."),
        ("Element '{http://www.basisdatensatz.de/oBDS/XML}Sicherheitsabstand': 'ca. 3' is not a valid value of the "
         "atomic type '{http://www.basisdatensatz.de/oBDS/XML}Sicherheitsabstand_Primaertumor_Typ'.",
         "Sicherheitsabstand: „ca. 3“ ist keine ganze Zahl; erlaubt sind Werte von -1 bis 150."),
        ("Element '{http://www.basisdatensatz.de/oBDS/XML}Jahr': '19' is not a valid value of the atomic type "
         "'{http://www.basisdatensatz.de/oBDS/XML}Datum_nur_Jahr_Typ'.",
         "Jahr: „19“ ist keine Jahreszahl. Verlangt sind vier Ziffern, z. B. 2019; erlaubt sind Jahre von 1900 bis "
         "2029."),
        ("Element '{http://www.basisdatensatz.de/oBDS/XML}Anzahl': 'viele' is not a valid value of the atomic type "
         "'xs:integer'.", "Anzahl: „viele“ ist keine ganze Zahl."),
        ("Element '{http://www.basisdatensatz.de/oBDS/XML}X': 'x' is not a valid value of the local atomic type.",
         "X: Der Wert „x“ hat nicht die verlangte Form."),
        ("Element '{http://www.gekid.de/namespace}X': 'x' is not a valid value of the atomic type "
         "'{http://www.gekid.de/namespace}Datum_Typ'.", "X: Der Wert „x“ passt nicht zum Typ Datum_Typ."),
    ],
)  # fmt: skip
def test_a_value_that_is_not_of_its_type_says_what_the_type_looks_like(message, explained):
    assert german(message) == explained


def test_a_kind_of_schema_error_names_the_element_and_type_but_no_value(praxis):
    first = libxml2_says(with_value(praxis, "Diagnosedatum", "01.03.2024"))
    second = libxml2_says(with_value(praxis, "Diagnosedatum", "17.11.2023"))
    assert kind_of(first) == kind_of(second) and "2024" not in kind_of(first)
    assert "Diagnosedatum" in kind_of(first) and "Zulaessiger_Datumsbereich_Typ" in kind_of(first)
    name = libxml2_says(with_value(praxis, "Nachname", "Mustermann2"))
    assert "Mustermann" not in kind_of(name) and kind_of(name) != kind_of(first)
    assert "Erika" not in kind_of(libxml2_says(with_value(praxis, "Geschlecht", "Erika")))
