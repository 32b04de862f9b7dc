"""The oBDS content model, read from the official XSD: which elements exist, in which order, how often, with
which values. One model drives parsing, serialising (and later forms and rules), so every field of every report
type is covered without being written down twice.

Data shape ("schema-shaped dicts"): an element with only text is its text; an element with attributes or
children is a dict of ``{"@Attribut": text, "Kind": value, "#text": text}``; an element allowed more than once
is a list. Order lives in the model, not in the data.
"""

from __future__ import annotations

import functools
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from lxml import etree  # type: ignore[import-untyped]  # lxml-stubs 0.5 lags lxml 6

try:
    from apps.obds import compiled_reader as compiled_reader  # built from compiled_reader.pyx (setup.py)
except (ImportError, ValueError):  # not built (no C compiler); ValueError: built against another lxml
    compiled_reader = None  # type: ignore[assignment]

XS = "{http://www.w3.org/2001/XMLSchema}"
UNBOUNDED = None
Data = Any  # str | dict[str, Data] | list[Data]


@dataclass
class SimpleType:
    """A restricted text value: base type and the facets the XSD gives."""

    base: str = "string"
    enumeration: list[tuple[str, str]] = field(default_factory=list)  # (value, German description)
    patterns: list[str] = field(default_factory=list)
    facets: dict[str, str] = field(default_factory=dict)  # minLength, maxInclusive, …
    # The pattern facets of every restriction step, from the base on: a value must match one pattern of each step
    # (``patterns`` holds the nearest step's only).
    pattern_steps: list[list[str]] = field(default_factory=list)


@dataclass
class AttributeSpec:
    name: str
    required: bool
    type: SimpleType


@dataclass
class ElementSpec:
    """One element declaration; ``content`` is None for text-only elements."""

    name: str
    min_occurs: int = 1
    max_occurs: int | None = 1
    doc: str = ""
    text: SimpleType | None = None
    content: Particle | None = None
    attributes: list[AttributeSpec] = field(default_factory=list)
    _readers: dict[str, Reader] = field(default_factory=dict, init=False, repr=False, compare=False)

    @property
    def repeated(self) -> bool:
        return self.max_occurs is UNBOUNDED or self.max_occurs > 1

    @property
    def text_only(self) -> bool:
        return self.content is None and not self.attributes

    def reader(self, prefix: str) -> Reader:
        """How ``to_data`` reads this element when its tags start with ``prefix`` (``{namespace}``), made once."""
        return self._readers.get(prefix) or _make_readers(self, prefix)

    def child(self, name: str) -> ElementSpec:
        if self.content is None:
            raise KeyError(name)
        found = self.content.find(name)
        if found is None:
            raise KeyError(name)
        return found


@dataclass
class Particle:
    """A sequence (children in order) or a choice (exactly one of them)."""

    kind: str
    items: list[ElementSpec | Particle]
    min_occurs: int = 1
    _by_name: dict[str, ElementSpec] | None = field(default=None, init=False, repr=False, compare=False)

    def elements(self) -> list[ElementSpec]:
        found: list[ElementSpec] = []
        for item in self.items:
            found += [item] if isinstance(item, ElementSpec) else item.elements()
        return found

    def find(self, name: str) -> ElementSpec | None:
        if self._by_name is None:
            self._by_name = {element.name: element for element in reversed(self.elements())}
        return self._by_name.get(name)


class _Reader:
    """Turns the XSD tree into ElementSpecs; named types are read once."""

    def __init__(self, schema: Any) -> None:
        root = schema.getroot()
        self.namespace = root.get("targetNamespace", "")
        self.complex = {node.get("name"): node for node in root.findall(f"{XS}complexType")}
        self.simple = {node.get("name"): node for node in root.findall(f"{XS}simpleType")}
        self.roots = {node.get("name"): node for node in root.findall(f"{XS}element")}

    @staticmethod
    def doc(node: Any) -> str:
        texts = node.findall(f"{XS}annotation/{XS}documentation")
        return " ".join(" ".join((text.text or "").split()) for text in texts).strip()

    def simple_type(self, name: str | None, node: Any | None) -> SimpleType:
        if node is None and name:
            local = name.split(":")[-1]
            if local in self.simple:
                return self.simple_type(None, self.simple[local])
            return SimpleType(base=local)
        if node is None:
            return SimpleType()
        restriction = node.find(f"{XS}restriction")
        if restriction is None:
            return SimpleType()
        result = self.simple_type(restriction.get("base"), restriction.find(f"{XS}simpleType"))
        result = SimpleType(
            result.base,
            list(result.enumeration),
            list(result.patterns),
            dict(result.facets),
            list(result.pattern_steps),
        )
        enumeration = restriction.findall(f"{XS}enumeration")
        if enumeration:
            result.enumeration = [(item.get("value"), self.doc(item)) for item in enumeration]
        patterns = [item.get("value") for item in restriction.findall(f"{XS}pattern")]
        if patterns:
            result.patterns = patterns
            result.pattern_steps.append(patterns)
        for facet in ("minLength", "maxLength", "minInclusive", "maxInclusive", "minExclusive", "maxExclusive",
                      "fractionDigits", "totalDigits", "length"):  # fmt: skip
            found = restriction.find(f"{XS}{facet}")
            if found is not None:
                result.facets[facet] = found.get("value")
        return result

    def particle(self, node: Any) -> Particle:
        items: list[ElementSpec | Particle] = []
        for child in node:
            if child.tag == f"{XS}element":
                items.append(self.element(child))
            elif child.tag in (f"{XS}sequence", f"{XS}choice"):
                items.append(self.particle(child))
        kind = "choice" if node.tag == f"{XS}choice" else "sequence"
        return Particle(kind, items, int(node.get("minOccurs", "1")))

    def complex_type(self, spec: ElementSpec, node: Any) -> None:
        for child in node:
            if child.tag in (f"{XS}sequence", f"{XS}choice"):
                spec.content = self.particle(child)
            elif child.tag == f"{XS}attribute":
                spec.attributes.append(self.attribute(child))
            elif child.tag in (f"{XS}complexContent", f"{XS}simpleContent"):
                # complexContent restriction restates the whole content model; simpleContent adds attributes.
                derivation = child[0] if child[0].tag != f"{XS}annotation" else child[1]
                if child.tag == f"{XS}simpleContent":
                    spec.text = self.simple_type(derivation.get("base"), None)
                self.complex_type(spec, derivation)

    def attribute(self, node: Any) -> AttributeSpec:
        return AttributeSpec(
            node.get("name"),
            node.get("use") == "required",
            self.simple_type(node.get("type"), node.find(f"{XS}simpleType")),
        )

    def element(self, node: Any) -> ElementSpec:
        maximum = node.get("maxOccurs", "1")
        spec = ElementSpec(
            name=node.get("name"),
            min_occurs=int(node.get("minOccurs", "1")),
            max_occurs=UNBOUNDED if maximum == "unbounded" else int(maximum),
            doc=self.doc(node),
        )
        type_name = (node.get("type") or "").split(":")[-1]
        complex_node = self.complex.get(type_name) if type_name else node.find(f"{XS}complexType")
        if complex_node is not None:
            spec.doc = spec.doc or self.doc(complex_node)
            self.complex_type(spec, complex_node)
        else:
            spec.text = self.simple_type(type_name or None, node.find(f"{XS}simpleType"))
            if node.get("fixed") is not None:  # e.g. Sozialdienstkontakt/N: the one value allowed
                spec.text.enumeration = [(node.get("fixed"), "")]
        return spec


@dataclass(frozen=True)
class Model:
    namespace: str
    root: ElementSpec


def load(filename: str = "oBDS_v3.0.4.xsd") -> Model:
    return _load(filename)  # one cache entry (and so one ElementSpec per declaration) with or without the name


@functools.cache
def _load(filename: str) -> Model:
    reader = _Reader(parsed(filename))
    name = next(iter(reader.roots))
    return Model(reader.namespace, reader.element(reader.roots[name]))


@functools.cache
def simple_types(filename: str = "oBDS_v3.0.4.xsd") -> dict[str, SimpleType]:
    """The XSD's named simple types by name, each with the base and facets of the types it restricts."""
    reader = _Reader(parsed(filename))
    return {name: reader.simple_type(name, None) for name in reader.simple}


def parsed(filename: str) -> Any:
    path = Path(settings.OBDS_SCHEMA_DIR) / filename
    return etree.parse(str(path), etree.XMLParser(no_network=True, resolve_entities=False, load_dtd=False))


# --- XML → data ----------------------------------------------------------------------------------------------------


@dataclass
class Reader:
    """For one element type: each allowed child's full tag → (name, its Reader or None for a text-only child,
    repeated), and whether the element has text beside its attributes."""

    text: bool
    namespace: str  # of the element and its children
    children: dict[str, tuple[str, Reader | None, bool]] = field(default_factory=dict)
    _plain: list[Any] | None = field(default=None, init=False, repr=False, compare=False)

    def plain(self) -> list[Any]:
        """This Reader as ``compiled_reader`` takes it, keyed by local names; made once (the table of a recursive
        type holds itself)."""
        if self._plain is None:
            self._plain = [self.text, {}, None]
            for tag, (name, below, repeated) in self.children.items():
                self._plain[1][etree.QName(tag).localname] = (name, below and below.plain(), repeated)
        return self._plain


def _make_readers(spec: ElementSpec, prefix: str) -> Reader:
    """The Readers of ``spec`` and everything below it, each kept on its spec (which also ends the recursion of
    recursive types: a spec's Reader is kept before its children are read)."""
    if prefix in spec._readers:
        return spec._readers[prefix]
    reader = spec._readers[prefix] = Reader(text=spec.text is not None, namespace=prefix[1:-1])
    for child in reversed(spec.content.elements() if spec.content is not None else []):
        below = None if child.text_only else _make_readers(child, prefix)
        reader.children[prefix + child.name] = (child.name, below, child.repeated)
    return reader


def to_data(element: Any, spec: ElementSpec, keep: bool = False) -> Data:
    """The data of ``element``; a KeyError names a child the schema does not allow there. With ``keep``, the next
    call for the same element and spec gets the same data instead of reading it again (once): the schema check
    reads each Patient for ``repertoire`` and then for the upload."""
    kept = getattr(_kept, "read", None)
    if kept is not None and kept[0] is element and kept[1] is spec:
        _kept.read = None
        return kept[2]
    if spec.text_only:
        return element.text or ""
    tag = element.tag
    reader = spec.reader(tag[: tag.find("}") + 1])
    if compiled_reader is not None:
        data = compiled_reader.read(element, reader.plain(), reader.namespace.encode())
    else:
        data = _read(element, reader)
    if keep:
        _kept.read = (element, spec, data)
    return data


_kept = threading.local()  # .read: (element, spec, data) of the last read with ``keep``, per thread


def drop_kept() -> None:
    """Forget data kept for a call that did not come (it would hold the element, and so its document)."""
    _kept.read = None


def _read(element: Any, reader: Reader) -> dict[str, Data]:
    """This runs for every element of every uploaded package (where ``compiled_reader`` is not built): one table
    lookup per child by its full tag, and text-only children (most of them) are taken without a further call."""
    attributes = element.items()
    data: dict[str, Data] = {"@" + name: value for name, value in attributes if name[0] != "{"} if attributes else {}
    if reader.text:
        data["#text"] = element.text or ""
    children = reader.children
    for child in element:
        found = children.get(child.tag)
        if found is None:
            if type(child.tag) is not str:
                continue  # comments, processing instructions
            raise KeyError(etree.QName(child).localname)
        name, below, repeated = found
        value = (child.text or "") if below is None else _read(child, below)
        if not repeated:
            data[name] = value
        elif name in data:
            data[name].append(value)
        else:
            data[name] = [value]
    return data


# --- data → XML ----------------------------------------------------------------------------------------------------


def to_element(data: Data, spec: ElementSpec, namespace: str) -> Any:
    element = etree.Element(f"{{{namespace}}}{spec.name}", nsmap={None: namespace})
    _fill(element, data, spec, namespace)
    return element


def _fill(element: Any, data: Data, spec: ElementSpec, namespace: str) -> None:
    if spec.text_only:
        element.text = str(data)
        return
    for attribute in spec.attributes:
        value = data.get(f"@{attribute.name}")
        if value is not None:
            element.set(attribute.name, str(value))
    if spec.text is not None and data.get("#text") is not None:
        element.text = str(data["#text"])
    if spec.content is not None:
        _emit(element, data, spec.content, namespace)


def _emit(element: Any, data: dict[str, Data], particle: Particle, namespace: str) -> None:
    for item in particle.items:
        if isinstance(item, Particle):
            _emit(element, data, item, namespace)
            continue
        if item.name not in data:
            continue
        values = data[item.name] if item.repeated else [data[item.name]]
        for value in values:
            child = etree.SubElement(element, f"{{{namespace}}}{item.name}")
            _fill(child, value, item, namespace)
