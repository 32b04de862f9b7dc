"""The identity constraints of an XSD (xs:unique, xs:key, xs:keyref) checked in Python instead of libxml2, with the
same verdict: in oBDS, Patient_IDs, Meldung_IDs and Melder IDs unique, and each Meldung's Melder one of the file's.

libxml2 checks them by following every element's path through the file (0.022 s of the schema check's 0.154 s for
the 10 MB benchmark package); here they are checked on the elements the upload's pass reads anyway (Patient,
Melder), with one set of values each. Taken over (``taken``) only where Python judges exactly as libxml2 does: every
constraint sits on the root element, selects by a plain path of child elements that passes through an element the
pass reads, and names one attribute whose type is a restriction of xs:string, in an XSD without whiteSpace facets
(so libxml2 compares the attribute values as they stand). Otherwise libxml2 checks them all. They are taken over
only beside the repertoire (``repertoire.fast_variant``), whose model check makes sure that each read element is
declared once and not inside another: so in a file valid otherwise, the elements found from the read ones are
exactly those libxml2's selector finds.

A file in which Python finds a fault (a value twice, a reference to nothing) is judged again against the official
XSD alone, as for the character repertoire, so that its errors are libxml2's own, word for word.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from apps.obds.schema_model import XS, ElementSpec, load

KINDS = ("unique", "key", "keyref")
STEP = re.compile(r"([A-Za-z_][\w.-]*):([A-Za-z_][\w.-]*)")
FIELD = re.compile(r"@([A-Za-z_][\w.-]*)")


@dataclass(frozen=True)
class Constraint:
    """One identity constraint: each element at ``below`` under the read element ``read`` (itself where ``below``
    is empty) gives the value of its ``attribute``."""

    kind: str  # unique, key or keyref
    name: str
    read: str  # the local name of the element the pass reads
    below: str  # an ElementPath with full tags, or ""
    attribute: str
    refer: str = ""  # a keyref's unique or key


def taken(xsd: Any, filename: str, read: tuple[str, ...]) -> tuple[Constraint, ...] | None:
    """The XSD's identity constraints, if Python can judge them all (see the module); else None."""
    root = xsd.getroot()
    if root.find(f".//{XS}whiteSpace") is not None:
        return None
    namespace = root.get("targetNamespace", "")
    declared = [node for kind in KINDS for node in root.iter(f"{XS}{kind}")]
    model = load(filename).root
    top = root.find(f"{XS}element[@name='{model.name}']")
    constraints = []
    for node in declared:
        constraint = _constraint(node, namespace, model, read) if top is not None and node.getparent() is top else None
        if constraint is None:
            return None
        constraints.append(constraint)
    names = {constraint.name for constraint in constraints if constraint.kind != "keyref"}
    if any(constraint.kind == "keyref" and constraint.refer not in names for constraint in constraints):
        return None
    return tuple(constraints)


def _constraint(node: Any, namespace: str, model: ElementSpec, read: tuple[str, ...]) -> Constraint | None:
    selector, field = node.find(f"{XS}selector"), node.findall(f"{XS}field")
    if selector is None or len(field) != 1 or not (attribute := FIELD.fullmatch(field[0].get("xpath", ""))):
        return None
    steps = []
    for step in selector.get("xpath", "").split("/"):
        found = STEP.fullmatch(step.strip())
        if found is None or selector.nsmap.get(found.group(1)) != namespace:
            return None
        steps.append(found.group(2))
    spec, at = model, None
    for number, step in enumerate(steps):
        try:
            spec = spec.child(step)
        except KeyError:
            return None
        if at is None and step in read:
            at = number
    declared = next((each for each in spec.attributes if each.name == attribute.group(1)), None)
    if at is None or declared is None or declared.type.base != "string":
        return None
    below = "/".join(f"{{{namespace}}}{step}" for step in steps[at + 1 :])
    refer = (node.get("refer") or "").split(":")[-1]
    return Constraint(node.tag[len(XS) :], node.get("name"), steps[at], below, attribute.group(1), refer)


def without_constraints(xsd: Any) -> None:
    """Takes the identity constraints out of ``xsd`` (an lxml tree, changed in place)."""
    for node in [node for kind in KINDS for node in xsd.getroot().iter(f"{XS}{kind}")]:
        node.getparent().remove(node)


class Identities:
    """The values of one pass over one file."""

    def __init__(self, constraints: tuple[Constraint, ...]) -> None:
        # by read element, then by the path below it: the Meldungen of a Patient are found once for both of theirs
        self.by_element: dict[str, dict[str, list[Constraint]]] = {}
        for constraint in constraints:
            self.by_element.setdefault(constraint.read, {}).setdefault(constraint.below, []).append(constraint)
        self.values: dict[str, set[str]] = defaultdict(set)
        self.references: dict[str, set[str]] = defaultdict(set)  # by the unique or key they must be found in
        self.keyrefs = [constraint for constraint in constraints if constraint.kind == "keyref"]

    def passes(self, element: Any) -> bool:
        """Whether ``element`` (a read element, complete) breaks no constraint so far."""
        tag = element.tag
        for below, constraints in self.by_element.get(tag[tag.find("}") + 1 :], {}).items():
            for selected in element.iterfind(below) if below else (element,):
                if not all(self._holds(constraint, selected.get(constraint.attribute)) for constraint in constraints):
                    return False
        return True

    def _holds(self, constraint: Constraint, value: str | None) -> bool:
        if value is None:
            return constraint.kind != "key"
        if constraint.kind == "keyref":
            self.references[constraint.refer].add(value)
        elif value in self.values[constraint.name]:
            return False
        else:
            self.values[constraint.name].add(value)
        return True

    def complete(self) -> bool:
        """At the file's end: whether every reference found its value."""
        return all(self.references[constraint.refer] <= self.values[constraint.refer] for constraint in self.keyrefs)
