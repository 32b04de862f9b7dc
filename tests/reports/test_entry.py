"""The report forms come from the XSD: every element of every report type is asked for, once, and survives the form."""

from __future__ import annotations

from typing import Any

import pytest

from apps.reports.entry import merge, values_of, without_ids
from apps.reports.forms import StepForm
from apps.reports.models import ReportType
from apps.reports.steps import meldung_spec, steps_for
from tests.reports.specimens import FREE_TEXT, meldung

TYPES = [choice.value for choice in ReportType]


@pytest.mark.parametrize("report_type", TYPES)
def test_every_element_of_the_report_type_belongs_to_exactly_one_step(report_type):
    spec = meldung_spec()
    assert spec.content is not None
    content = spec.child(report_type).content
    assert content is not None
    expected: set[tuple[str, ...]] = {
        (element.name,) for element in spec.content.elements() if element.name not in TYPES
    }
    expected |= {(report_type, element.name) for element in content.elements()}
    asked = [path for step in steps_for(report_type) for path in step.paths]
    assert sorted(asked) == sorted(expected)


@pytest.mark.parametrize("report_type", TYPES)
@pytest.mark.parametrize("choice", [0, 1])
def test_a_report_with_every_field_filled_goes_through_the_forms_unchanged(report_type, choice):
    spec = meldung_spec()
    wanted = without_ids(meldung(spec, report_type, choice))
    data: dict[str, Any] = {}
    for step in steps_for(report_type):
        paths = list(step.paths)
        blank = StepForm(spec, paths, wanted)
        form = StepForm(spec, paths, wanted, data=values_of(blank.leaves, wanted))
        assert form.is_valid(), (step.slug, form.errors)
        data = merge(data, paths, form.step_data)
    assert data == wanted


def step_form(report_type: str, slug: str, values: dict[str, str], stored: dict[str, Any] | None = None) -> StepForm:
    step = next(step for step in steps_for(report_type) if step.slug == slug)
    form = StepForm(meldung_spec(), list(step.paths), stored or {}, data=values)
    form.is_valid()
    return form


def tumour_values(**changes: str) -> dict[str, str]:
    values = {
        "Tumorzuordnung-Primaertumor_ICD-Code": "C50.4",
        "Tumorzuordnung-Primaertumor_ICD-Version": "10 2025 GM",
        "Tumorzuordnung-Diagnosedatum": "03.02.2025",
    }
    values.update(changes)
    return values


def test_required_fields_are_asked_for_at_the_field():
    form = step_form("Diagnose", "tumor", {})
    assert form.errors["Tumorzuordnung-Primaertumor_ICD-Code"] == ["Bitte geben Sie „ICD-10-Code“ an."]
    assert form.errors["Tumorzuordnung-Diagnosedatum"] == ["Bitte geben Sie „Diagnosedatum“ an."]


def test_dates_typed_either_way_are_stored_the_same_and_exact_by_default():
    german = step_form("Diagnose", "tumor", tumour_values())
    iso = step_form("Diagnose", "tumor", tumour_values(**{"Tumorzuordnung-Diagnosedatum": "2025-02-03"}))
    assert german.is_valid() and iso.is_valid()
    assert german.step_data == iso.step_data
    assert german.step_data["Tumorzuordnung"]["Diagnosedatum"] == {"#text": "2025-02-03", "@Datumsgenauigkeit": "E"}


def test_an_impossible_date_is_refused_in_german():
    form = step_form("Diagnose", "tumor", tumour_values(**{"Tumorzuordnung-Diagnosedatum": "31.02.2025"}))
    assert form.errors["Tumorzuordnung-Diagnosedatum"] == ["Den 31.02.2025 gibt es nicht."]


def test_a_code_in_the_wrong_format_is_described_in_words_with_an_example():
    form = step_form("Diagnose", "tumor", tumour_values(**{"Tumorzuordnung-Primaertumor_ICD-Code": "C504"}))
    assert form.errors["Tumorzuordnung-Primaertumor_ICD-Code"] == [
        "Der Wert hat nicht das erwartete Format: ein ICD-10-Code aus Kapitel C oder D, oder M72.4, z. B. C50.4."
    ]


def test_an_optional_block_once_started_needs_its_required_fields():
    form = step_form("Diagnose", "histologie", {"Diagnose-Histologie-LK_untersucht": "12"})
    assert form.errors["Diagnose-Histologie-Grading"] == ["Bitte geben Sie „Grading“ an."]


def test_two_answers_to_an_either_or_question_are_refused():
    values = {
        "OP-Komplikationen-Komplikation_nein_oder_unbekannt": "N",
        "OP-Komplikationen-Menge_Komplikation-Komplikation-0-Kuerzel": "ABD",
    }
    form = step_form("OP", "komplikationen", values)
    assert (
        "Bitte nur eine Angabe machen" in form.errors["OP-Komplikationen-Menge_Komplikation-Komplikation-0-Kuerzel"][0]
    )


def test_numbers_take_a_decimal_comma_and_respect_the_xsd_limits():
    values = {
        "ST-Intention": "K",
        "ST-Stellung_OP": "O",
        "ST-Menge_Bestrahlung-Bestrahlung-0-Applikationsart-Perkutan-Zielgebiet-CodeVersion2021": "1.1",
        "ST-Menge_Bestrahlung-Bestrahlung-0-Applikationsart-Perkutan-Seite_Zielgebiet": "L",
        "ST-Menge_Bestrahlung-Bestrahlung-0-Applikationsart-Perkutan-Gesamtdosis-Dosis": "50,4",
        "ST-Menge_Bestrahlung-Bestrahlung-0-Applikationsart-Perkutan-Gesamtdosis-Einheit": "Gy",
    }
    form = step_form("ST", "bestrahlung", values)
    assert form.is_valid(), form.errors
    perkutan = form.step_data["ST"]["Menge_Bestrahlung"]["Bestrahlung"][0]["Applikationsart"]["Perkutan"]
    assert perkutan["Gesamtdosis"] == {"Dosis": "50.4", "Einheit": "Gy"}
    values["ST-Menge_Bestrahlung-Bestrahlung-0-Applikationsart-Perkutan-Gesamtdosis-Dosis"] = "0"
    form = step_form("ST", "bestrahlung", values)
    key = "ST-Menge_Bestrahlung-Bestrahlung-0-Applikationsart-Perkutan-Gesamtdosis-Dosis"
    assert form.errors[key] == ["Der Wert muss größer als 0,0 sein."]


def test_free_text_over_the_limit_and_characters_outside_obds_are_refused():
    form = step_form("Diagnose", "abschluss", {"Anmerkung": "x" * 2001})
    assert form.errors["Anmerkung"] == ["Bitte höchstens 2000 Zeichen eingeben (eingegeben: 2001)."]
    form = step_form("Diagnose", "diagnose", {"Diagnose-Primaertumor_Diagnosetext": "Befund \U0001f600"})
    assert form.errors["Diagnose-Primaertumor_Diagnosetext"] == ["Das Zeichen „\U0001f600“ ist im oBDS nicht erlaubt."]


def test_white_space_is_what_the_xsd_calls_white_space():
    """XSD's \\s is space, tab, line feed and carriage return; Python's would take the line separator U+2028 too,
    which the XSD refuses at sending."""
    key = "Diagnose-Primaertumor_Diagnosetext"
    form = step_form("Diagnose", "diagnose", {key: "Befund\tzweiter Teil"})
    assert key not in form.errors
    form = step_form("Diagnose", "diagnose", {key: "Befund\u2028zweiter Teil"})
    assert form.errors[key] == ["Das Zeichen „\u2028“ (U+2028) ist im oBDS nicht erlaubt."]


def test_markup_in_free_text_is_kept_as_text():
    form = step_form("Diagnose", "abschluss", {"Anmerkung": FREE_TEXT})
    assert form.is_valid() and form.step_data == {"Anmerkung": FREE_TEXT}


def test_a_repeated_block_offers_one_empty_slot_after_the_entries_so_far():
    stored = {
        "Diagnose": {"Menge_FM": {"Fernmetastase": [{"Diagnosedatum": {"#text": "2025-01-01"}, "Lokalisation": "PUL"}]}}
    }
    form = step_form("Diagnose", "stadium", {}, stored)
    slots = {key.split("-")[3] for key in form.fields if key.startswith("Diagnose-Menge_FM-Fernmetastase-")}
    assert slots == {"0", "1"}


def test_an_empty_slot_between_entries_closes_up():
    values = {
        "Diagnose-Menge_FM-Fernmetastase-1-Diagnosedatum": "01.01.2025",
        "Diagnose-Menge_FM-Fernmetastase-1-Lokalisation": "HEP",
    }
    stored: dict[str, Any] = {"Diagnose": {"Menge_FM": {"Fernmetastase": [{}]}}}
    form = step_form("Diagnose", "stadium", values, stored)
    assert form.is_valid(), form.errors
    assert form.step_data["Diagnose"]["Menge_FM"]["Fernmetastase"] == [
        {"Diagnosedatum": {"#text": "2025-01-01", "@Datumsgenauigkeit": "E"}, "Lokalisation": "HEP"}
    ]


def test_portal_assigned_ids_survive_an_edited_step():
    stored = {"OP": {"@OP_ID": "M1", "Histologie": {"@Histologie_ID": "H7", "Grading": "2"}}}
    edited = merge(stored, [("OP", "Histologie")], {"OP": {"Histologie": {"Grading": "3"}}})
    assert edited["OP"]["Histologie"] == {"@Histologie_ID": "H7", "Grading": "3"}
    assert edited["OP"]["@OP_ID"] == "M1"
