"""Code lists (ICD-10, ICD-O-3 topography and morphology) read from OBDS_CODES_DIR, once per process."""

from __future__ import annotations

import csv
import functools
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings


@dataclass(frozen=True)
class CodeLists:
    icd10: frozenset[str]
    topography: frozenset[str]
    paired_topography: frozenset[str]
    morphology: frozenset[str]


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig") as handle:
        return list(csv.DictReader(handle, delimiter=";"))


@functools.cache
def load() -> CodeLists | None:
    """None when OBDS_CODES_DIR holds no code lists: the rules that need them then stay silent."""
    folder = Path(settings.OBDS_CODES_DIR)
    if not (folder / "icd10.csv").exists():
        return None
    topography = _rows(folder / "topographie.csv")
    return CodeLists(
        icd10=frozenset(row["code"] for row in _rows(folder / "icd10.csv")),
        topography=frozenset(row["code"] for row in topography),
        paired_topography=frozenset(row["code"] for row in topography if row["istPaarig"] == "1"),
        morphology=frozenset(row["code"] for row in _rows(folder / "morphologie.csv")),
    )
