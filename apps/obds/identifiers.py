"""German health-insurance identifiers as oBDS uses them, with the check digits the XSD does not enforce."""

from __future__ import annotations

import functools
import re

KVNR = re.compile(r"[A-Z][0-9]{9}")  # GKV_Versichertennummer: letter + 8 digits + check digit
IK = re.compile(r"[0-9]{9}")
GKV_IK = re.compile(r"10[0-9]{7}")
PKV_IK = re.compile(r"16[0-9]{7}|950[0-9]{6}")

ERSATZKODES = {
    "970000011": "Selbstzahler",
    "970001001": "Kostenträger ohne IK-Nummer",
    "970100001": "Asylbewerber",
    "970000022": "Privatversichert, Kasse unbekannt",
    "970000099": "Keine Angabe zum Kostenträger",
}


def _digit_sum(number: int) -> int:
    return number // 10 + number % 10


def normalise_kvnr(raw: str) -> str:
    """'a 000 500 015' → 'A000500015': spaces and case do not matter when typing."""
    return "".join(raw.split()).upper()


@functools.lru_cache(maxsize=1024)  # asked for each Meldung of a patient
def kvnr_is_valid(kvnr: str) -> bool:
    """Letter as 01..26, then the first 8 digits; weights 1,2,1,2,… from the left; digit sums mod 10."""
    if not KVNR.fullmatch(kvnr):
        return False
    digits = [int(d) for d in f"{ord(kvnr[0]) - ord('A') + 1:02d}{kvnr[1:9]}"]
    total = sum(_digit_sum(digit * (1 if index % 2 == 0 else 2)) for index, digit in enumerate(digits))
    return total % 10 == int(kvnr[9])


@functools.lru_cache(maxsize=1024)
def ik_is_valid(ik: str) -> bool:
    """Digits 3–8 with weights 2,1,2,1,2,1; digit sums mod 10 equal digit 9."""
    if not IK.fullmatch(ik):
        return False
    digits = [int(d) for d in ik[2:8]]
    total = sum(_digit_sum(digit * (2 if index % 2 == 0 else 1)) for index, digit in enumerate(digits))
    return total % 10 == int(ik[8])
