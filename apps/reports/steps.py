"""The steps of each report type, as data: which elements of the Meldung each step asks for, in which order.

Every element of the oBDS 3.0.4 Meldung belongs to exactly one step of its report type (tests/reports checks
this against the XSD). Organ modules appear only when the diagnosis fits (same table as the plausibility rule);
the DKKR module only for patients under 18 at diagnosis.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from apps.obds.plausibility.dates import CHILD_AGE
from apps.obds.plausibility.diagnosis import MODULES
from apps.obds.plausibility.engine import age_at, as_date, get, text
from apps.obds.schema_model import ElementSpec, load
from apps.reports.entry import Path

CONTENT: dict[str, tuple[tuple[str, str, tuple[str, ...]], ...]] = {
    "Diagnose": (
        ("diagnose", "Diagnose", ("Primaertumor_Diagnosetext", "Primaertumor_Topographie_ICD_O",
                                  "Primaertumor_Topographie_Freitext", "Diagnosesicherung",
                                  "Allgemeiner_Leistungszustand", "Menge_Fruehere_Tumorerkrankung")),
        ("histologie", "Histologie", ("Histologie",)),
        ("stadium", "Metastasen und Stadium", ("Menge_FM", "cTNM", "pTNM", "Menge_Weitere_Klassifikation",
                                               "Menge_Genetik")),
    ),
    "Pathologie": (
        ("befund", "Befund", ("Primaertumor_Diagnosetext", "Primaertumor_Topographie_ICD_O",
                              "Primaertumor_Topographie_Freitext", "Diagnosesicherung", "Befundtext")),
        ("histologie", "Histologie", ("Histologie", "Lokale_Beurteilung_Residualstatus")),
        ("stadium", "Metastasen und Stadium", ("Menge_FM", "cTNM", "pTNM", "Menge_Weitere_Klassifikation",
                                               "Menge_Genetik")),
        ("einsender", "Einsender", ("Einsender",)),
    ),
    "OP": (
        ("operation", "Operation", ("Intention", "Datum", "Menge_OPS", "Menge_Operateur")),
        ("befund", "Histologie und Residualstatus", ("Histologie", "TNM", "Residualstatus",
                                                     "Menge_Weitere_Klassifikation", "Menge_Genetik")),
        ("komplikationen", "Komplikationen", ("Komplikationen",)),
    ),
    "ST": (
        ("bestrahlung", "Strahlentherapie", ("Intention", "Stellung_OP", "Menge_Bestrahlung", "Ende_Grund")),
        ("nebenwirkungen", "Nebenwirkungen", ("Nebenwirkungen",)),
    ),
    "SYST": (
        ("therapie", "Systemische Therapie", ("Intention", "Stellung_OP", "Therapieart", "Protokoll", "Beginn",
                                              "Menge_Substanz", "Ende_Grund", "Ende")),
        ("nebenwirkungen", "Nebenwirkungen", ("Nebenwirkungen",)),
    ),
    "Verlauf": (
        ("verlauf", "Verlauf", ("Untersuchungsdatum_Verlauf", "Gesamtbeurteilung_Tumorstatus",
                                "Verlauf_Lokaler_Tumorstatus", "Verlauf_Tumorstatus_Lymphknoten",
                                "Verlauf_Tumorstatus_Fernmetastasen", "Allgemeiner_Leistungszustand")),
        ("befund", "Befund", ("Menge_FM", "Histologie", "TNM", "Menge_Weitere_Klassifikation", "Menge_Genetik")),
    ),
    "Tod": (("tod", "Tod", ("Sterbedatum", "Tod_tumorbedingt", "Menge_Todesursachen")),),
    "Tumorkonferenz": (("konferenz", "Tumorkonferenz", ("Datum", "Typ", "Therapieempfehlung")),),
}  # fmt: skip

MELDUNG = ("Meldebegruendung", "Einwilligung_nicht_meldepflichtig", "Zertifizierung", "Eigene_Leistung")
CLOSING = ("Menge_Zusatzitem", "Anmerkung")


@dataclass(frozen=True)
class Step:
    slug: str
    title: str
    paths: tuple[Path, ...]


def meldung_spec() -> ElementSpec:
    return load().root.child("Menge_Patient").child("Patient").child("Menge_Meldung").child("Meldung")


def steps_for(report_type: str) -> list[Step]:
    """Every step of the type, modules included (whether they are shown depends on the answers)."""
    content = meldung_spec().child(report_type)
    first: list[Path] = [(name,) for name in MELDUNG]
    if content.content is not None and content.content.find("Meldeanlass"):
        first.append((report_type, "Meldeanlass"))
    steps = [Step("meldung", "Meldung", tuple(first)), Step("tumor", "Tumor", (("Tumorzuordnung",),))]
    steps += [
        Step(slug, title, tuple((report_type, name) for name in names)) for slug, title, names in CONTENT[report_type]
    ]
    modules = [element.name for element in content.content.elements()] if content.content else []
    modules = [name for name in modules if name.startswith("Modul_")]
    if modules:
        steps.append(Step("module", "Module", tuple((report_type, name) for name in modules)))
    steps.append(Step("abschluss", "Zusatzangaben und Anmerkung", tuple((name,) for name in CLOSING)))
    return steps


def shown_paths(step: Step, data: dict[str, Any], born: datetime.date | None) -> list[Path]:
    """The step's elements this report asks for: organ modules only where the diagnosis fits."""
    return [path for path in step.paths if _shown(path, data, born)]


def _shown(path: Path, data: dict[str, Any], born: datetime.date | None) -> bool:
    name = str(path[-1])
    if not name.startswith("Modul_") or name == "Modul_Allgemein":
        return True
    content = data.get(str(path[0]))
    if isinstance(content, dict) and name in content:
        return True  # given already (a correction, an earlier answer): never hide what will be sent
    if name == "Modul_DKKR":
        age = _age_at_diagnosis(data, born)
        return age is not None and age < CHILD_AGE
    if name in MODULES:
        code = _icd(data)
        return bool(code) and MODULES[name][0].match(code) is not None
    return True


def _icd(data: dict[str, Any]) -> str:
    return text(get(data, "Tumorzuordnung/Primaertumor_ICD/Code")) or ""


def _age_at_diagnosis(data: dict[str, Any], born: datetime.date | None) -> int | None:
    day = as_date(get(data, "Tumorzuordnung/Diagnosedatum"))
    return age_at(day, born) if day is not None and born is not None else None
