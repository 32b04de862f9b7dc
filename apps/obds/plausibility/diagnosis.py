"""Rules about the tumour: sex-specific sites, codes that must agree, sides, organ modules, lymph nodes."""

from __future__ import annotations

import re
from typing import Any

from apps.obds.plausibility.engine import Context, Severity, get, rule, text

FEMALE_SITES = re.compile(r"C5[1-8]")  # vulva … placenta
MALE_SITES = re.compile(r"C6[0-3]")  # penis, prostate, testis, other male genital organs
IN_SITU = re.compile(r"D0\d")
# ICD-10 chapters whose ICD-O topography carries the same three characters; lymphomas, leukaemias, C43/C44/C46
# (melanoma and skin), C77–C80 (lymph nodes, unknown primary) follow other rules.
SAME_SITE_CODES = re.compile(r"C(0\d|1\d|2\d|3\d|4[0-2]|4[5789]|5\d|6\d|7[0-6])")
MODULES = {
    "Modul_Mamma": (re.compile(r"C50|D05"), "Brust (C50, D05)"),
    "Modul_Darm": (re.compile(r"C1[89]|C20|D01\.[0-2]"), "Dickdarm und Rektum (C18–C20, D01.0–D01.2)"),
    "Modul_Prostata": (re.compile(r"C61|D07\.5"), "Prostata (C61, D07.5)"),
    "Modul_Malignes_Melanom": (re.compile(r"C43|D03"), "Melanom (C43, D03)"),
}


def topography(context: Context) -> str:
    return text(get(context.body, "Primaertumor_Topographie_ICD_O/Code")) or ""


@rule("GESCHLECHT_WEIBLICHE_ORGANE", Severity.FEHLER, "Tumorzuordnung/Primaertumor_ICD/Code", "Geschlecht")
def female_sites(context: Context) -> str | None:
    if FEMALE_SITES.match(context.icd) and context.sex == "M":
        return f"Die Diagnose {context.icd} betrifft weibliche Geschlechtsorgane, der Patient ist als männlich erfasst."
    return None


@rule("GESCHLECHT_MAENNLICHE_ORGANE", Severity.FEHLER, "Tumorzuordnung/Primaertumor_ICD/Code", "Geschlecht")
def male_sites(context: Context) -> str | None:
    if MALE_SITES.match(context.icd) and context.sex == "W":
        return (
            f"Die Diagnose {context.icd} betrifft männliche Geschlechtsorgane, die Patientin ist als weiblich erfasst."
        )
    return None


@rule("ICD_TOPOGRAPHIE", Severity.FEHLER, "Tumorzuordnung/Primaertumor_ICD/Code", "Primaertumor_Topographie_ICD_O")
def icd_matches_topography(context: Context) -> str | None:
    code, site = context.icd, topography(context)
    if not code or not site:
        return None
    if code.startswith("C43") and not site.startswith("C44"):
        return f"Zum Melanom {code} gehört eine Haut-Topographie (C44.x), nicht {site}."
    if SAME_SITE_CODES.match(code) and code[:3] != site[:3]:
        return f"ICD-10 {code} und ICD-O-Topographie {site} beschreiben verschiedene Organe."
    return None


@rule("DIGNITAET_MALIGNE", Severity.FEHLER, "Tumorzuordnung/Primaertumor_ICD/Code", "Morphologie_ICD_O")
def malignant_behaviour(context: Context) -> str | None:
    if not context.icd.startswith("C"):
        return None
    for morphology in context.morphologies:
        if morphology.endswith(("/0", "/1", "/2")):
            return (
                f"Zu einer bösartigen Neubildung ({context.icd}) passt die Morphologie {morphology} nicht "
                "(Dignität /3 erwartet)."
            )
    return None


@rule("DIGNITAET_IN_SITU", Severity.FEHLER, "Tumorzuordnung/Primaertumor_ICD/Code", "Morphologie_ICD_O")
def in_situ_behaviour(context: Context) -> str | None:
    if not IN_SITU.match(context.icd):
        return None
    for morphology in context.morphologies:
        if not morphology.endswith("/2"):
            return f"Zu einem In-situ-Tumor ({context.icd}) gehört die Dignität /2, nicht {morphology}."
    return None


@rule("SEITE_PAARIGES_ORGAN", Severity.FEHLER, "Tumorzuordnung/Seitenlokalisation")
def side_of_paired_organ(context: Context) -> str | None:
    site = topography(context)
    if context.codes is None or site not in context.codes.paired_topography:
        return None
    if not text(get(context.meldung, "Tumorzuordnung/Seitenlokalisation")):
        return f"{site} ist ein paariges Organ: Bitte die Seitenlokalisation angeben (L, R, B, M, U oder T)."
    return None


@rule("SEITE_UNPAARIGES_ORGAN", Severity.HINWEIS, "Tumorzuordnung/Seitenlokalisation")
def side_of_single_organ(context: Context) -> str | None:
    site = topography(context)
    side = text(get(context.meldung, "Tumorzuordnung/Seitenlokalisation"))
    if context.codes is None or not site or site in context.codes.paired_topography or side not in ("L", "R", "B"):
        return None
    return f"{site} ist kein paariges Organ; die Seitenangabe {side} ist ungewöhnlich („T“ = trifft nicht zu)."


def _module_rule(module: str, pattern: re.Pattern[str], organs: str) -> None:
    @rule(
        f"MODUL_{module.removeprefix('Modul_').upper()}",
        Severity.FEHLER,
        module,
        "Tumorzuordnung/Primaertumor_ICD/Code",
    )
    def module_fits(context: Context) -> str | None:
        if module in context.body and context.icd and not pattern.match(context.icd):
            name = module.removeprefix("Modul_").replace("_", " ")
            return f"Das Organmodul {name} gilt nur für {organs}, nicht für {context.icd}."
        return None


for _module, (_pattern, _organs) in MODULES.items():
    _module_rule(_module, _pattern, _organs)


def _count(histology: Any, name: str) -> int | None:
    value = text(histology.get(name)) if isinstance(histology, dict) else None
    return int(value) if value is not None and value.isdigit() else None


def _node_rule(rule_id: str, prefix: str, label: str) -> None:
    @rule(rule_id, Severity.FEHLER, f"Histologie/{prefix}LK_befallen", f"Histologie/{prefix}LK_untersucht")
    def affected_not_above_examined(context: Context) -> str | None:
        histology = context.body.get("Histologie")
        examined, affected = _count(histology, f"{prefix}LK_untersucht"), _count(histology, f"{prefix}LK_befallen")
        if examined is not None and affected is not None and affected > examined:
            return f"Es sind mehr {label} befallen ({affected}) als untersucht ({examined})."
        return None


_node_rule("LK_BEFALLEN", "", "Lymphknoten")
_node_rule("SENTINEL_BEFALLEN", "Sentinel_", "Sentinel-Lymphknoten")


@rule("HISTOLOGISCH_OHNE_HISTOLOGIE", Severity.HINWEIS, "Diagnosesicherung", "Histologie")
def histology_for_histological_diagnosis(context: Context) -> str | None:
    body = context.body
    sicherung = text(body.get("Diagnosesicherung")) or ""
    if sicherung.startswith("7") and "Histologie" not in body:
        return "Die Diagnose ist histologisch gesichert; bitte die Histologie (Morphologie, Grading) angeben."
    return None


@rule("ICD10_UNBEKANNT", Severity.FEHLER, "Tumorzuordnung/Primaertumor_ICD/Code")
def icd_exists(context: Context) -> str | None:
    code = context.icd
    if context.codes is None or not code or code in context.codes.icd10:
        return None
    return f"Den ICD-10-Code {code} gibt es nicht."


@rule("TOPOGRAPHIE_UNBEKANNT", Severity.FEHLER, "Primaertumor_Topographie_ICD_O/Code")
def topography_exists(context: Context) -> str | None:
    site = topography(context)
    if context.codes is None or not site or site in context.codes.topography:
        return None
    return f"Den Topographie-Code {site} gibt es in ICD-O-3 nicht."


@rule("MORPHOLOGIE_UNBEKANNT", Severity.FEHLER, "Morphologie_ICD_O/Code")
def morphology_exists(context: Context) -> str | None:
    if context.codes is None:
        return None
    for morphology in context.morphologies:
        if morphology not in context.codes.morphology:
            return f"Den Morphologie-Code {morphology} gibt es in ICD-O-3 nicht."
    return None
