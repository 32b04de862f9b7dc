"""Rules about TNM and the organ-module values (Gleason, PSA)."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from apps.obds.plausibility.engine import Context, Severity, get, rule, text

# TNM categories as the UICC writes them (8th edition and earlier), without the c/p/u prefix.
T_VALUE = re.compile(r"(X|0|is(pu|pd)?|a|[1-4][a-e]?[1-4]?(\(m\)|\(\d+\))?)")
N_VALUE = re.compile(r"(X|0|[1-3][a-c]?)(\((sn|mi|mol[+-]|i[+-])\))?")
M_VALUE = re.compile(r"(X|0|1[a-d]?)(\((PUL|OSS|HEP|BRA|LYM|MAR|PLE|PER|ADR|SKI|OTH)\))?")
TNM_BLOCKS = ("cTNM", "pTNM", "TNM")


def tnm_blocks(context: Context) -> list[tuple[str, dict[str, Any]]]:
    body = context.body
    return [(name, body[name]) for name in TNM_BLOCKS if isinstance(body.get(name), dict)]


def _format_rule(letter: str, pattern: re.Pattern[str], example: str) -> None:
    @rule(f"TNM_{letter}_FORMAT", Severity.FEHLER, f"TNM/{letter}")
    def well_formed(context: Context) -> str | None:
        for name, block in tnm_blocks(context):
            value = text(block.get(letter))
            if value is not None and not pattern.fullmatch(value):
                return f"{name}: „{value}“ ist keine gültige {letter}-Kategorie (z. B. {example})."
        return None


_format_rule("T", T_VALUE, "T1a, T2, Tis, TX")
_format_rule("N", N_VALUE, "N0, N1a, N2(mi), NX")
_format_rule("M", M_VALUE, "M0, M1b, M1(HEP), MX")


@rule("TNM_M1_OHNE_FERNMETASTASE", Severity.FEHLER, "TNM/M", "Menge_FM")
def distant_metastases_listed(context: Context) -> str | None:
    listed = bool(get(context.body, "Menge_FM/Fernmetastase"))
    for name, block in tnm_blocks(context):
        if (text(block.get("M")) or "").startswith("1") and not listed:
            return f"{name}: M1 bedeutet Fernmetastasen; bitte diese unter „Fernmetastasen“ mit Lokalisation angeben."
    return None


@rule("TNM_M0_MIT_FERNMETASTASE", Severity.HINWEIS, "TNM/M", "Menge_FM")
def no_metastases_with_m0(context: Context) -> str | None:
    listed = bool(get(context.body, "Menge_FM/Fernmetastase"))
    for name, block in tnm_blocks(context):
        if text(block.get("M")) == "0" and listed:
            return f"{name}: M0, aber Fernmetastasen sind angegeben. Bitte prüfen."
    return None


@rule("TNM_OHNE_VERSION", Severity.HINWEIS, "TNM/Version")
def tnm_version(context: Context) -> str | None:
    for name, block in tnm_blocks(context):
        if any(text(block.get(letter)) for letter in "TNM") and not text(block.get("Version")):
            return f"{name}: Bitte die TNM-Auflage angeben (z. B. 8)."
    return None


def _prostate(context: Context) -> dict[str, Any]:
    module = context.body.get("Modul_Prostata")
    return module if isinstance(module, dict) else {}


@rule("GLEASON_SUMME", Severity.FEHLER, "Modul_Prostata/GleasonScore")
def gleason_sum(context: Context) -> str | None:
    score = _prostate(context).get("GleasonScore")
    if not isinstance(score, dict):
        return None
    primary, secondary, result = (text(score.get(name)) for name in ("GradPrimaer", "GradSekundaer", "ScoreErgebnis"))
    if not (primary and secondary and result and primary.isdigit() and secondary.isdigit()):
        return None
    total = int(primary) + int(secondary)
    stated = int(result[0]) if result[:1].isdigit() and not result[1:2].isdigit() else int(result or 0)
    if total != stated:
        return f"Gleason {primary} + {secondary} ergibt {total}, nicht {result}."
    if result in ("7a", "7b") and (result == "7a") != (primary == "3"):
        return f"Gleason 7a bedeutet 3 + 4, 7b bedeutet 4 + 3; angegeben ist {primary} + {secondary} = {result}."
    return None


@rule("PSA_BEREICH", Severity.HINWEIS, "Modul_Prostata/PSA")
def psa_range(context: Context) -> str | None:
    raw = text(_prostate(context).get("PSA"))
    if raw is None:
        return None
    try:
        value = Decimal(raw)
    except InvalidOperation:
        return None
    if not Decimal(0) <= value <= Decimal(5000):  # ng/ml; values above a few thousand are typing errors
        return f"Ein PSA-Wert von {raw} ng/ml ist ungewöhnlich. Bitte prüfen."
    return None


@rule("STANZEN_POSITIV", Severity.FEHLER, "Modul_Prostata/AnzahlPosStanzen")
def positive_cores(context: Context) -> str | None:
    module = _prostate(context)
    taken, positive = text(module.get("AnzahlStanzen")), text(module.get("AnzahlPosStanzen"))
    if taken and positive and taken.isdigit() and positive.isdigit() and int(positive) > int(taken):
        return f"Es sind mehr Stanzen positiv ({positive}) als entnommen ({taken})."
    return None
