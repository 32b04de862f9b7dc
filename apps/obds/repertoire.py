"""The oBDS character repertoire (DIN SPEC 91379) checked in Python instead of libxml2, with the same verdict.

For an XSD whose long pattern facets can be checked here (``taken_over``; see ``patterns`` for why), libxml2 gets
the XSD without them (``without_taken_over``) and ``Repertoire`` checks them on the values of the elements the
upload's pass reads anyway (Absender, Meldedatum, Patient, Melder): the value of every element and attribute
whose simple type has such a facet, in any restriction step. A file fails if either finds a fault; it is then
judged again against the whole official XSD, so that its errors are libxml2's own, word for word.

The values are those libxml2 checks: a text-only element's text (comments are not kept, so its text is whole),
an attribute's normalised value. The model the checks are made from (``schema_model``) reads element and attribute
declarations, named and anonymous simple types and simple content; an XSD that uses anything else for its
declarations (``ref``, groups, lists, unions, wildcards, other files, …) keeps all its patterns with libxml2.
"""

from __future__ import annotations

import copy
import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from lxml import etree  # type: ignore[import-untyped]  # lxml-stubs 0.5 lags lxml 6

from apps.obds.identities import Constraint, taken, without_constraints
from apps.obds.patterns import Untranslatable, python_pattern
from apps.obds.schema_model import XS, ElementSpec, compiled_reader, load, parsed, to_data

LONG = 200  # characters: the DIN SPEC 91379 patterns have 635 to 2 635, the code formats of oBDS at most 60
UNREAD = ("group", "attributeGroup", "list", "union", "any", "anyAttribute", "redefine", "include", "import", "all")

Step = list[tuple[re.Pattern[str], re.Pattern[str]]]  # one of these (quick, whole) patterns must match


@functools.cache
def _translated(pattern: str) -> tuple[re.Pattern[str], re.Pattern[str]] | None:
    try:
        return python_pattern(pattern, singles_only=True), python_pattern(pattern)
    except Untranslatable:
        return None


def taken_over(step: list[str]) -> bool:
    """Whether the pattern facets of one restriction step are checked here rather than by libxml2."""
    return bool(step) and all(len(pattern) >= LONG and _translated(pattern) is not None for pattern in step)


def readable(xsd: Any) -> bool:
    """Whether ``schema_model`` sees every declaration of this XSD (an lxml tree), so that the checks cover every
    value a taken-over pattern applies to: no references, groups, lists, unions, wildcards or other files; simple
    content only extended (with attributes), complex content only restricted, from a type without attributes
    (a restriction inherits those it does not name, which the model would not see)."""
    root = xsd.getroot()
    if any(node.get("ref") or node.get("substitutionGroup") for node in root.iter(f"{XS}element", f"{XS}attribute")):
        return False
    if any(True for _ in root.iter(*(f"{XS}{name}" for name in UNREAD))):
        return False
    if root.find(f".//{XS}simpleContent/{XS}restriction") is not None:
        return False
    if root.find(f".//{XS}complexContent/{XS}extension") is not None:
        return False
    types = {node.get("name"): node for node in root.iterfind(f"{XS}complexType")}
    for restriction in root.iterfind(f".//{XS}complexContent/{XS}restriction"):
        base = types.get((restriction.get("base") or "").split(":")[-1])
        if base is None or base.find(f".//{XS}attribute") is not None:
            return False
    return True


def without_taken_over(xsd: Any) -> Any:
    """A copy of the XSD (an lxml tree) without the pattern facets checked here."""
    trimmed = copy.deepcopy(xsd)
    for restriction, facets in list(_taken_over(trimmed)):  # not while walking the tree it changes
        for facet in facets:
            restriction.remove(facet)
    return trimmed


def _taken_over(xsd: Any) -> Iterator[tuple[Any, list[Any]]]:
    """Each restriction whose pattern facets are checked here, with them: only those of simple types, which the
    model reads (not those of complex types' simple content)."""
    for restriction in xsd.getroot().iter(f"{XS}restriction"):
        facets = restriction.findall(f"{XS}pattern")
        if restriction.getparent().tag == f"{XS}simpleType" and taken_over([facet.get("value") for facet in facets]):
            yield restriction, facets


@dataclass
class Checks:
    """What to check in the data of one element (as ``schema_model.to_data`` reads it)."""

    text: list[Step] = field(default_factory=list)
    attributes: list[tuple[str, list[Step]]] = field(default_factory=list)
    children: list[tuple[str, Checks, bool]] = field(default_factory=list)  # name, its checks, repeated
    _plain: tuple[Any, ...] | None = field(default=None, init=False, repr=False, compare=False)

    def __bool__(self) -> bool:
        return bool(self.text or self.attributes or self.children)

    def plain(self) -> tuple[Any, ...]:
        """These checks as ``compiled_reader.passes`` takes them (tuples, each pattern's ``fullmatch``); made once."""
        if self._plain is None:
            self._plain = (
                _plain_steps(self.text),
                tuple(("@" + name, _plain_steps(steps)) for name, steps in self.attributes),
                tuple((name, below.plain(), repeated) for name, below, repeated in self.children),
            )
        return self._plain

    def passes(self, data: Any) -> bool:
        """Plain loops: this runs for some 50 000 elements of a 10 MB package."""
        if type(data) is str:
            return _fits(self.text, data)
        if self.text and not _fits(self.text, data.get("#text", "")):
            return False
        for name, steps in self.attributes:
            value = data.get("@" + name)
            if value is not None and not _fits(steps, value):
                return False
        for name, below, repeated in self.children:
            value = data.get(name)
            if value is None:
                continue
            for each in value if repeated else (value,):
                if not (_fits(below.text, each) if type(each) is str else below.passes(each)):
                    return False
        return True


def _plain_steps(steps: list[Step]) -> tuple[Any, ...]:
    return tuple(tuple((quick.fullmatch, whole.fullmatch) for quick, whole in step) for step in steps)


def _fits(steps: list[Step], value: str) -> bool:
    for step in steps:
        for quick, whole in step:
            if quick.fullmatch(value) or whole.fullmatch(value):
                break
        else:
            return False
    return True


def _steps(kind: Any) -> list[Step]:
    if kind is None:
        return []
    return [[_translated(p) for p in step] for step in kind.pattern_steps if taken_over(step)]  # type: ignore[misc]


def _own(spec: ElementSpec) -> Checks:
    """The checks of the element's own text and attributes, not of its children."""
    return Checks(_steps(spec.text), [(a.name, steps) for a in spec.attributes if (steps := _steps(a.type))])


def checks_for(spec: ElementSpec) -> Checks:
    """The checks of ``spec`` and everything below it (the model is a tree: it cannot read recursive types)."""
    checks = _own(spec)
    for child in spec.content.elements() if spec.content is not None else []:
        below = checks_for(child)
        if below:
            checks.children.append((child.name, below, child.repeated))
    return checks


class Repertoire:
    """The checks of the visited elements of one XSD's documents, by local name."""

    def __init__(self, filename: str, visited: tuple[str, ...]) -> None:
        self.visited = visited
        self.specs: dict[str, tuple[ElementSpec, Checks]] = {}
        root = load(filename).root
        self.covered = not _own(root) and self._find(root)  # every checked value lies in a visited element

    def _find(self, spec: ElementSpec) -> bool:
        for child in spec.content.elements() if spec.content is not None else []:
            if child.name in self.visited:
                if child.name in self.specs or _names_below(child) & set(self.visited):
                    return False  # a visited name declared twice, or inside another visited element
                self.specs[child.name] = (child, checks_for(child))
            elif _own(child) or not self._find(child):
                return False
        return True

    def passes(self, element: Any) -> bool:
        """Whether the taken-over patterns hold for every value in ``element`` (a visited element, complete)."""
        tag = element.tag
        spec, checks = self.specs[tag[tag.find("}") + 1 :]]
        if not checks:
            return True
        try:
            data = to_data(element, spec, keep=True)
            if compiled_reader is not None:  # 17 ms instead of 29 for the 10 MB benchmark package
                return compiled_reader.passes(data, checks.plain())
            return checks.passes(data)
        except (KeyError, ValueError, TypeError, IndexError, AttributeError):
            return False  # not what the schema allows there: the official XSD will say what


def _names_below(spec: ElementSpec) -> set[str]:
    names: set[str] = set()
    for child in spec.content.elements() if spec.content is not None else []:
        names |= {child.name, *_names_below(child)}
    return names


class FastVariant(NamedTuple):
    """libxml2's XSD without what Python checks, and Python's checks: the repertoire's patterns and, where Python
    can judge them (``identities.taken``), the identity constraints (else ``constraints`` is empty and libxml2
    keeps them)."""

    schema: etree.XMLSchema
    repertoire: Repertoire
    constraints: tuple[Constraint, ...]


@functools.cache
def fast_variant(filename: str, visited: tuple[str, ...]) -> FastVariant | None:
    """The XSD for the first pass, and what Python checks instead; None where no pattern is taken over or not every
    value they apply to can be found (then the official XSD judges alone)."""
    xsd = parsed(filename)
    if next(_taken_over(xsd), None) is None or not readable(xsd):
        return None
    repertoire = Repertoire(filename, visited)
    if not repertoire.covered:
        return None
    trimmed = without_taken_over(xsd)
    constraints = taken(xsd, filename, visited) or ()
    if constraints:
        without_constraints(trimmed)
    return FastVariant(etree.XMLSchema(trimmed), repertoire, constraints)
