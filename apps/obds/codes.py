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


# The lists the entry form suggests from: file, code column, name column.
SUGGESTION_LISTS = {
    "icd10": ("icd10.csv", "code", "name"),
    "topographie": ("topographie.csv", "code", "name"),
    "morphologie": ("morphologie.csv", "code", "name"),
    "substanz": ("substanz.csv", "Code", "Substanz"),
}


@functools.cache
def _named(name: str) -> tuple[tuple[str, str, str], ...]:
    filename, code, label = SUGGESTION_LISTS[name]
    path = Path(settings.OBDS_CODES_DIR) / filename
    if not path.exists():
        return ()
    return tuple((row[code], row[label], f"{row[code]} {row[label]}".casefold()) for row in _rows(path))


def suggest(name: str, query: str, limit: int = 20) -> list[tuple[str, str]]:
    """Codes starting with ``query`` first, then codes whose name contains it; nothing for unknown lists."""
    wanted = query.strip().casefold()
    if name not in SUGGESTION_LISTS or len(wanted) < 2:
        return []
    rows = _named(name)
    starting = [(code, label) for code, label, _ in rows if code.casefold().startswith(wanted)]
    containing = [
        (code, label) for code, label, text in rows if wanted in text and not code.casefold().startswith(wanted)
    ]
    return list(dict.fromkeys(starting + containing))[:limit]
