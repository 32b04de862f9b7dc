"""Every plausibility rule with one report it accepts and one it flags."""

from __future__ import annotations

import copy
import dataclasses
import datetime
from collections.abc import Iterator
from typing import Any

import pytest

from apps.core.fields import json_bytes
from apps.obds import codes
from apps.obds.plausibility import RULES, Context, Severity, check
from apps.obds.plausibility.engine import date_like

BORN = datetime.date(1961, 4, 17)
TODAY = datetime.date(2026, 11, 23)


def day(text: str) -> dict[str, str]:
    return {"#text": text, "@Datumsgenauigkeit": "E"}


DIAGNOSE: dict[str, Any] = {
    "@Meldung_ID": "M1",
    "@Melder_ID": "M0001",
    "Meldebegruendung": "I",
    "Eigene_Leistung": "J",
    "Tumorzuordnung": {
        "@Tumor_ID": "1",
        "Primaertumor_ICD": {"Code": "C50.4", "Version": "10 2024 GM"},
        "Diagnosedatum": day("2024-03-01"),
        "Seitenlokalisation": "L",
        "Morphologie_ICD_O": {"Code": "8500/3", "Version": "33"},
    },
    "Diagnose": {
        "Primaertumor_Topographie_ICD_O": {"Code": "C50.4", "Version": "33"},
        "Diagnosesicherung": "7",
        "Histologie": {
            "Morphologie_ICD_O": [{"Code": "8500/3", "Version": "33"}],
            "Grading": "2",
            "LK_untersucht": "12",
            "LK_befallen": "1",
            "Sentinel_LK_untersucht": "2",
            "Sentinel_LK_befallen": "1",
        },
        "cTNM": {"Version": "8", "T": "2", "N": "1", "M": "0"},
        "Allgemeiner_Leistungszustand": "0",
        "Modul_Mamma": {"HormonrezeptorStatus_Oestrogen": "P"},
    },
}
PROSTATA = {
    **DIAGNOSE,
    "Tumorzuordnung": {**DIAGNOSE["Tumorzuordnung"], "Primaertumor_ICD": {"Code": "C61", "Version": "10 2024 GM"}},
    "Diagnose": {
        "Primaertumor_Topographie_ICD_O": {"Code": "C61.9", "Version": "33"},
        "Diagnosesicherung": "7",
        "Histologie": {"Morphologie_ICD_O": [{"Code": "8140/3", "Version": "33"}], "Grading": "2"},
        "Allgemeiner_Leistungszustand": "0",
        "Modul_Prostata": {
            "GleasonScore": {"GradPrimaer": "3", "GradSekundaer": "4", "ScoreErgebnis": "7a"},
            "AnzahlStanzen": "12",
            "AnzahlPosStanzen": "4",
            "PSA": "8.5",
        },
    },
}
GKV = {"Versichertendaten_GKV": {"IKNR": "101575519", "GKV_Versichertennummer": "A000500015"}}


def report(kind: str, body: dict[str, Any]) -> dict[str, Any]:
    base = {key: value for key, value in DIAGNOSE.items() if key != "Diagnose"}
    return {**base, kind: body}


def st(beginn: str = "2024-04-01", ende: str = "2024-05-01", single: str = "2", total: str = "50") -> dict[str, Any]:
    dose = {"Gesamtdosis": {"Dosis": total, "Einheit": "Gy"}, "Einzeldosis": {"Dosis": single, "Einheit": "Gy"}}
    radiation = {"Beginn": beginn, "Ende": ende, "Applikationsart": {"Perkutan": {"Zielgebiet": {}, **dose}}}
    body = {"Meldeanlass": "behandlungsende", "Menge_Bestrahlung": {"Bestrahlung": [radiation]}}
    return report("ST", body)


def syst(beginn: str = "2024-04-01", ende: str = "2024-09-01") -> dict[str, Any]:
    return report("SYST", {"Meldeanlass": "behandlungsende", "Therapieart": "CH", "Beginn": day(beginn), "Ende": ende})


def op(datum: str) -> dict[str, Any]:
    return report("OP", {"Intention": "K", "Datum": datum, "Menge_OPS": {"OPS": [{"Code": "5-870.a0"}]}})


def changed(meldung: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A copy with one value set (None removes it); missing dicts on the way are created."""
    result = copy.deepcopy(meldung)
    *parents, last = path.split("/")
    node = result
    for part in parents:
        node = node.setdefault(part, {})
    if value is None:
        node.pop(last, None)
    else:
        node[last] = value
    return result


def context(meldung: dict[str, Any] | None = None, **changes: Any) -> Context:
    base = Context(meldung=meldung or DIAGNOSE, sex="W", born=BORN, insurance=GKV, codes=codes.load(), today=TODAY)
    return dataclasses.replace(base, **changes)


DIAGNOSIS_DATE = "Tumorzuordnung/Diagnosedatum"
FM = {"Fernmetastase": [{"Diagnosedatum": day("2024-03-05"), "Lokalisation": "HEP"}]}

# rule id → (a context the rule accepts, a context it flags)
CASES: dict[str, tuple[Context, Context]] = {
    "DATUM_ZUKUNFT": (context(changed(DIAGNOSE, DIAGNOSIS_DATE, day("2026-11-23"))), context(changed(DIAGNOSE, DIAGNOSIS_DATE, day("2026-11-24")))),
    "DATUM_BEREICH": (context(today=datetime.date(2031, 1, 1)), context(changed(DIAGNOSE, DIAGNOSIS_DATE, day("2030-01-02")), today=datetime.date(2031, 1, 1))),
    "DATUM_VOR_GEBURT": (context(changed(DIAGNOSE, DIAGNOSIS_DATE, day("1961-04-17"))), context(changed(DIAGNOSE, DIAGNOSIS_DATE, day("1961-04-16")))),
    "ALTER_BEREICH": (context(born=datetime.date(1904, 3, 1)), context(born=datetime.date(1903, 2, 28))),
    "ALTER_KIND": (context(born=datetime.date(2006, 2, 20)), context(born=datetime.date(2010, 1, 1))),
    "THERAPIE_VOR_DIAGNOSE": (context(op("2024-01-31")), context(op("2024-01-30"))),
    "THERAPIE_KURZ_VOR_DIAGNOSE": (context(op("2024-03-01")), context(op("2024-02-20"))),
    "ENDE_VOR_BEGINN": (context(syst("2024-04-01", "2024-04-01")), context(st("2024-04-01", "2024-03-31"))),
    "VERLAUF_VOR_DIAGNOSE": (
        context(report("Verlauf", {"Untersuchungsdatum_Verlauf": "2024-06-01"})),
        context(report("Verlauf", {"Untersuchungsdatum_Verlauf": "2024-02-01"})),
    ),
    "FM_VOR_DIAGNOSE": (context(changed(DIAGNOSE, "Diagnose/Menge_FM", FM)), context(changed(changed(DIAGNOSE, "Diagnose/Menge_FM", FM), "Diagnose/Menge_FM/Fernmetastase", [{"Diagnosedatum": day("2024-02-01"), "Lokalisation": "HEP"}]))),
    "TOD_VOR_ANDEREN_DATEN": (
        context(report("Tod", {"Sterbedatum": "2025-01-10", "Tod_tumorbedingt": "J"}), earlier=(st(),)),
        context(report("Tod", {"Sterbedatum": "2024-04-15", "Tod_tumorbedingt": "J"}), earlier=(st(),)),
    ),
    "TOD_NUR_EINMAL": (
        context(report("Tod", {"Sterbedatum": "2025-01-10", "Tod_tumorbedingt": "J"}), earlier=(st(),)),
        context(report("Tod", {"Sterbedatum": "2025-01-10", "Tod_tumorbedingt": "J"}), earlier=(report("Tod", {"Sterbedatum": "2025-01-10"}),)),
    ),
    "GESCHLECHT_WEIBLICHE_ORGANE": (
        context(changed(DIAGNOSE, "Tumorzuordnung/Primaertumor_ICD/Code", "C53.9"), sex="X"),
        context(changed(DIAGNOSE, "Tumorzuordnung/Primaertumor_ICD/Code", "C53.9"), sex="M"),
    ),
    "GESCHLECHT_MAENNLICHE_ORGANE": (context(PROSTATA, sex="D"), context(PROSTATA, sex="W")),
    "ICD_TOPOGRAPHIE": (context(), context(changed(DIAGNOSE, "Diagnose/Primaertumor_Topographie_ICD_O/Code", "C34.1"))),
    "DIGNITAET_MALIGNE": (context(), context(changed(DIAGNOSE, "Tumorzuordnung/Morphologie_ICD_O/Code", "8500/2"))),
    "DIGNITAET_IN_SITU": (
        context(changed(changed(DIAGNOSE, "Tumorzuordnung/Primaertumor_ICD/Code", "D05.1"), "Tumorzuordnung/Morphologie_ICD_O/Code", "8500/2") | {"Diagnose": {}}),
        context(changed(DIAGNOSE, "Tumorzuordnung/Primaertumor_ICD/Code", "D05.1") | {"Diagnose": {}}),
    ),
    "SEITE_PAARIGES_ORGAN": (context(), context(changed(DIAGNOSE, "Tumorzuordnung/Seitenlokalisation", None))),
    "SEITE_UNPAARIGES_ORGAN": (
        context(changed(PROSTATA, "Tumorzuordnung/Seitenlokalisation", "T")),
        context(changed(PROSTATA, "Tumorzuordnung/Seitenlokalisation", "L")),
    ),
    "MODUL_MAMMA": (context(), context(changed(PROSTATA, "Diagnose/Modul_Mamma", {"Her2neuStatus": "N"}), sex="M")),
    "MODUL_DARM": (
        context(changed(changed(DIAGNOSE, "Tumorzuordnung/Primaertumor_ICD/Code", "C20"), "Diagnose/Modul_Darm", {"ASA": "2"})),
        context(changed(DIAGNOSE, "Diagnose/Modul_Darm", {"ASA": "2"})),
    ),
    "MODUL_PROSTATA": (context(PROSTATA, sex="M"), context(changed(DIAGNOSE, "Diagnose/Modul_Prostata", {"PSA": "4"}))),
    "MODUL_MALIGNES_MELANOM": (
        context(changed(changed(DIAGNOSE, "Tumorzuordnung/Primaertumor_ICD/Code", "D03.5"), "Diagnose/Modul_Malignes_Melanom", {"Ulzeration": "N"})),
        context(changed(DIAGNOSE, "Diagnose/Modul_Malignes_Melanom", {"Ulzeration": "N"})),
    ),
    "LK_BEFALLEN": (context(changed(DIAGNOSE, "Diagnose/Histologie/LK_befallen", "12")), context(changed(DIAGNOSE, "Diagnose/Histologie/LK_befallen", "13"))),
    "SENTINEL_BEFALLEN": (context(), context(changed(DIAGNOSE, "Diagnose/Histologie/Sentinel_LK_befallen", "3"))),
    "HISTOLOGISCH_OHNE_HISTOLOGIE": (context(), context(changed(DIAGNOSE, "Diagnose/Histologie", None))),
    "ICD10_UNBEKANNT": (context(), context(changed(DIAGNOSE, "Tumorzuordnung/Primaertumor_ICD/Code", "C50.7"))),
    "TOPOGRAPHIE_UNBEKANNT": (context(), context(changed(DIAGNOSE, "Diagnose/Primaertumor_Topographie_ICD_O/Code", "C50.7"))),
    "MORPHOLOGIE_UNBEKANNT": (context(), context(changed(DIAGNOSE, "Tumorzuordnung/Morphologie_ICD_O/Code", "8999/3"))),
    "TNM_T_FORMAT": (context(changed(DIAGNOSE, "Diagnose/cTNM/T", "is")), context(changed(DIAGNOSE, "Diagnose/cTNM/T", "2x"))),
    "TNM_N_FORMAT": (context(changed(DIAGNOSE, "Diagnose/cTNM/N", "1a")), context(changed(DIAGNOSE, "Diagnose/cTNM/N", "1d"))),
    "TNM_M_FORMAT": (
        context(changed(changed(DIAGNOSE, "Diagnose/cTNM/M", "1(HEP)"), "Diagnose/Menge_FM", FM)),
        context(changed(DIAGNOSE, "Diagnose/cTNM/M", "0a")),
    ),
    "TNM_M1_OHNE_FERNMETASTASE": (
        context(changed(changed(DIAGNOSE, "Diagnose/cTNM/M", "1"), "Diagnose/Menge_FM", FM)),
        context(changed(DIAGNOSE, "Diagnose/cTNM/M", "1")),
    ),
    "TNM_M0_MIT_FERNMETASTASE": (context(), context(changed(DIAGNOSE, "Diagnose/Menge_FM", FM))),
    "TNM_OHNE_VERSION": (context(), context(changed(DIAGNOSE, "Diagnose/cTNM/Version", None))),
    "GLEASON_SUMME": (context(PROSTATA, sex="M"), context(changed(PROSTATA, "Diagnose/Modul_Prostata/GleasonScore/ScoreErgebnis", "7b"), sex="M")),
    "PSA_BEREICH": (context(PROSTATA, sex="M"), context(changed(PROSTATA, "Diagnose/Modul_Prostata/PSA", "85000"), sex="M")),
    "STANZEN_POSITIV": (context(PROSTATA, sex="M"), context(changed(PROSTATA, "Diagnose/Modul_Prostata/AnzahlPosStanzen", "13"), sex="M")),
    "EINZELDOSIS_UEBER_GESAMTDOSIS": (context(st(single="50", total="50")), context(st(single="60", total="50"))),
    "KVNR_PRUEFZIFFER": (context(), context(insurance={"Versichertendaten_GKV": {"IKNR": "101575519", "GKV_Versichertennummer": "N123456789"}})),
    "IK_PRUEFZIFFER": (context(), context(insurance={"Versichertendaten_GKV": {"IKNR": "105175519", "GKV_Versichertennummer": "A000500015"}})),
    "ERSATZKODE_VERGUETUNG": (context(), context(insurance={"Versichertendaten_Sonstige": {"Ersatzkode": "970000011"}})),
    "LAND_UNBEKANNT": (context(country="AT"), context(country="XK")),
    "ERSATZKODE_BEI_GKV_IK": (
        context(insurance={"Versichertendaten_Sonstige": {"Ersatzkode": "970001001", "IKNR": "161575519"}}),
        context(insurance={"Versichertendaten_Sonstige": {"Ersatzkode": "970001001", "IKNR": "101575519"}}),
    ),
}  # fmt: skip


def fired(case: Context) -> set[str]:
    return {finding.rule for finding in check(case)}


def test_there_are_at_least_forty_rules_and_each_has_cases():
    assert len(RULES) >= 40
    assert set(CASES) == set(RULES)


def test_a_plain_breast_cancer_diagnosis_raises_nothing():
    assert check(context()) == []


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_the_rule_accepts_its_good_case(rule_id):
    assert rule_id not in fired(CASES[rule_id][0])


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_the_rule_flags_its_bad_case_in_german(rule_id):
    findings = [finding for finding in check(CASES[rule_id][1]) if finding.rule == rule_id]
    assert len(findings) == 1
    finding = findings[0]
    assert finding.severity is RULES[rule_id].severity
    assert finding.message and finding.fields
    assert finding.message[0].isupper() or finding.message[0].isdigit() or finding.message[:3] in ("cTN", "pTN")


def test_rules_needing_code_lists_stay_silent_without_them():
    unknown = changed(DIAGNOSE, "Tumorzuordnung/Primaertumor_ICD/Code", "C50.7")
    assert "ICD10_UNBEKANNT" not in fired(context(unknown, codes=None))


def test_fehler_block_and_hinweise_warn():
    severities = {rule.severity for rule in RULES.values()}
    assert severities == {Severity.FEHLER, Severity.HINWEIS}


def test_dates_are_found_everywhere_but_only_in_date_form():
    """A future date deep inside the report is found; an 8-digit number in free text is no date."""
    nested = changed(DIAGNOSE, "Diagnose/Histologie/Tumor_Histologiedatum", day("2027-01-05"))
    assert "DATUM_ZUKUNFT" in fired(context(nested))
    number = {**DIAGNOSE, "Anmerkung": "20991231"}  # a case number, not the 31.12.2099
    assert "DATUM_ZUKUNFT" not in fired(context(number))


def hinted(case: Context) -> Context:
    """The context as an upload gives it: with the date-like strings of each report's stored JSON."""
    reports = (case.meldung, *case.earlier)
    hints = {id(report): (report, date_like(json_bytes(report))) for report in reports}
    return dataclasses.replace(case, date_hints=hints, known_dates={})


def as_found(case: Context) -> list[tuple[str, str, tuple[str, ...]]]:
    return [(finding.rule, finding.message, finding.fields) for finding in check(case)]


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_date_hints_change_no_finding(rule_id):
    for case in CASES[rule_id]:
        assert as_found(hinted(case)) == as_found(case)


def test_a_date_like_value_outside_the_dates_is_no_date_with_hints_either():
    """The hints also hold attribute values and repeated items; the walk still decides."""
    odd = {**DIAGNOSE, "@Meldung_ID": "2099-01-01", "Diagnose": {**DIAGNOSE["Diagnose"], "Liste": ["2099-01-01"]}}
    assert date_like(json_bytes(odd)).count(datetime.date(2099, 1, 1)) == 2
    assert "DATUM_ZUKUNFT" not in fired(hinted(context(odd)))
    future = changed(DIAGNOSE, DIAGNOSIS_DATE, day("2027-01-05"))
    assert as_found(hinted(context(future))) == as_found(context(future))
    assert "DATUM_ZUKUNFT" in fired(hinted(context(future)))


class Watched(tuple[dict[str, Any], ...]):
    """The patient's other reports, noting whether a rule looked at them."""

    looked = False

    def __iter__(self) -> Iterator[dict[str, Any]]:
        Watched.looked = True
        return super().__iter__()

    def __len__(self) -> int:
        Watched.looked = True
        return super().__len__()


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_only_rules_marked_across_reports_look_at_the_other_reports(rule_id):
    """An upload checks a Tod once more against the reports stored before with only the rules so marked."""
    registered = RULES[rule_id]
    looked = False
    for case in CASES[rule_id]:
        Watched.looked = False
        registered.check(dataclasses.replace(case, earlier=Watched(case.earlier or (st(),))))
        looked = looked or Watched.looked
    assert looked == registered.across_reports


def test_the_death_rules_compare_across_reports():
    assert {rule.id for rule in RULES.values() if rule.across_reports} == {"TOD_VOR_ANDEREN_DATEN", "TOD_NUR_EINMAL"}
