"""Reports with every element filled, generated from the XSD: the widest input the forms and the export must take.

``choice`` picks the first (0) or the last (1) alternative of every xs:choice; repeated elements get two entries.
Free text carries markup and umlauts, so escaping is tested wherever a specimen goes.
"""

from __future__ import annotations

from typing import Any

from apps.obds.schema_model import ElementSpec, Particle, SimpleType
from apps.obds.values import CODE_PATTERN_LENGTH, ValueProblem, normalise
from apps.reports.entry import is_system_attribute

FREE_TEXT = "<script>alert('x')</script> & Müller"
NAME = "Müller-Lüdenscheidt"
CODES = ["C50.4", "8500/3", "5-870.a2", "L01XC03", "10 2025 GM", "2025", "101575519", "10028813", "12345", "T81.0",
         "DE", "m", "1", "A000500015"]  # fmt: skip


def value_for(kind: SimpleType) -> str:
    if kind.enumeration:
        return kind.enumeration[0][0]
    if kind.base == "date":
        return "2024-03-01"
    if kind.base == "gYear":
        return "2019"
    if kind.base == "decimal":
        return "1.5"
    long_pattern = any(len(pattern) > CODE_PATTERN_LENGTH for pattern in kind.patterns)
    candidates = [FREE_TEXT, NAME, *CODES] if long_pattern or not kind.patterns else [*CODES, NAME]
    for candidate in candidates:
        try:
            return normalise(kind, candidate)
        except ValueProblem:
            continue
    raise AssertionError(f"no sample value for {kind}")


def specimen(spec: ElementSpec, choice: int = 0, ids: bool = False) -> Any:
    """Data for one element; ``ids`` also fills the portal-assigned id attributes."""
    if spec.text_only:
        assert spec.text is not None
        return value_for(spec.text)
    data: dict[str, Any] = {}
    for attribute in spec.attributes:
        if is_system_attribute(attribute.name):
            if ids:
                data[f"@{attribute.name}"] = "X1"
        else:
            data[f"@{attribute.name}"] = value_for(attribute.type)
    if spec.text is not None:
        data["#text"] = value_for(spec.text)
    if spec.content is not None:
        _fill(spec.content, data, choice, ids)
    return data


def _fill(particle: Particle, data: dict[str, Any], choice: int, ids: bool) -> None:
    items = particle.items
    if particle.kind == "choice":
        items = [items[0] if choice == 0 else items[-1]]
    for item in items:
        if isinstance(item, Particle):
            _fill(item, data, choice, ids)
            continue
        value = specimen(item, choice, ids)
        if item.repeated:
            count = 2 if item.max_occurs is None or item.max_occurs >= 2 else 1
            data[item.name] = [value] + [specimen(item, choice, ids) for _ in range(count - 1)]
        else:
            data[item.name] = value


def meldung(meldung_spec: ElementSpec, report_type: str, choice: int = 0, ids: bool = False) -> dict[str, Any]:
    """A Meldung of ``report_type``: every element of the Meldung, its content only of that type."""
    full: dict[str, Any] = specimen(meldung_spec, choice, ids)
    others = [element.name for element in meldung_spec.content.elements() if element.name != report_type]  # type: ignore[union-attr]
    full.update({report_type: specimen(meldung_spec.child(report_type), choice, ids)})
    for name in others:
        if name in ("Diagnose", "Pathologie", "OP", "ST", "SYST", "Verlauf", "Tod", "Tumorkonferenz"):
            full.pop(name, None)
    return full
