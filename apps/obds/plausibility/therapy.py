"""Rules about radiotherapy doses and the patient's insurance identifiers."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from apps.obds.identifiers import ERSATZKODES, ik_is_valid, kvnr_is_valid
from apps.obds.plausibility.engine import Context, Severity, below, get, rule, text


def _dose(value: Any) -> tuple[Decimal, str] | None:
    if not isinstance(value, dict):
        return None
    try:
        return Decimal(text(value.get("Dosis")) or ""), text(value.get("Einheit")) or ""
    except InvalidOperation:
        return None


@rule("EINZELDOSIS_UEBER_GESAMTDOSIS", Severity.FEHLER, "Bestrahlung/Einzeldosis", "Bestrahlung/Gesamtdosis")
def single_dose_not_above_total(context: Context) -> str | None:
    if context.kind != "ST":
        return None
    for value in below(context.body):
        if not isinstance(value, dict) or "Einzeldosis" not in value or "Gesamtdosis" not in value:
            continue
        single, total = _dose(value["Einzeldosis"]), _dose(value["Gesamtdosis"])
        if single and total and single[1] == total[1] and single[0] > total[0]:
            return f"Die Einzeldosis ({single[0]} {single[1]}) ist größer als die Gesamtdosis ({total[0]} {total[1]})."
    return None


@rule("KVNR_PRUEFZIFFER", Severity.FEHLER, "Versichertendaten_GKV/GKV_Versichertennummer")
def kvnr_check_digit(context: Context) -> str | None:
    number = text(get(context.insurance, "Versichertendaten_GKV/GKV_Versichertennummer"))
    if number and not kvnr_is_valid(number):
        return f"Die Prüfziffer der Versichertennummer {number} stimmt nicht."
    return None


@rule("IK_PRUEFZIFFER", Severity.FEHLER, "IKNR")
def ik_check_digit(context: Context) -> str | None:
    for kind in ("Versichertendaten_GKV", "Versichertendaten_PKV", "Versichertendaten_Sonstige"):
        ik = text(get(context.insurance, f"{kind}/IKNR"))
        if ik and not ik.startswith("950") and not ik_is_valid(ik):
            return f"Die Prüfziffer des IK {ik} stimmt nicht."
    return None


@rule("ERSATZKODE_VERGUETUNG", Severity.HINWEIS, "Versichertendaten_Sonstige/Ersatzkode")
def substitute_code_may_not_be_paid(context: Context) -> str | None:
    code = text(get(context.insurance, "Versichertendaten_Sonstige/Ersatzkode"))
    if code:
        meaning = ERSATZKODES.get(code, "unbekannt")
        return f"Ersatzkode {code} ({meaning}): Die Meldung wird unter Umständen nicht vergütet."
    return None


@rule("ERSATZKODE_BEI_GKV_IK", Severity.HINWEIS, "Versichertendaten_Sonstige/IKNR")
def substitute_with_statutory_ik(context: Context) -> str | None:
    ik = text(get(context.insurance, "Versichertendaten_Sonstige/IKNR"))
    if ik and ik.startswith("10"):
        return f"Das IK {ik} gehört zu einer gesetzlichen Krankenkasse; bitte „gesetzlich versichert“ wählen."
    return None
