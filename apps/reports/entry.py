"""Report forms drawn from the oBDS content model (apps.obds.schema_model): every field of every report type.

A step covers some elements of a Meldung, named by paths such as ``("Tumorzuordnung",)`` or ``("OP", "Histologie")``.
Their subtree becomes flat form fields keyed by path (``OP-Histologie-Morphologie_ICD_O-0-Code``); the cleaned
fields become schema-shaped data again, and the structure (required children, one alternative of a choice) is
checked on that data, each problem reported at the field the user has to fill.

Repeated elements show the entries so far plus one empty slot; saving the step brings the next empty slot.
Attributes ending in ``ID`` are assigned by the portal, never typed.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from apps.obds.schema_model import Data, ElementSpec, Particle, SimpleType
from apps.reports.labels import hint_for, label_for

SEP = "-"
TEXT = "#text"
Path = tuple[str | int, ...]


@dataclass
class Leaf:
    """One value the user types or picks: an element's text or one of its attributes."""

    key: str
    path: Path  # in the Meldung data; ends in "#text" or "@Attribut" for elements with attributes
    label: str
    type: SimpleType
    required: bool  # must be given whenever its parent element is given
    hint: str = ""


@dataclass
class Group:
    """A fieldset: an element with children, one entry of a repeated element, or a choice of alternatives."""

    key: str
    title: str
    required: bool
    items: list[Leaf | Group] = field(default_factory=list)
    choice: bool = False

    def leaves(self) -> Iterator[Leaf]:
        for item in self.items:
            if isinstance(item, Leaf):
                yield item
            else:
                yield from item.leaves()


def key_of(path: Path) -> str:
    return SEP.join(str(part).removeprefix("@") for part in path if part != TEXT)


def is_system_attribute(name: str) -> bool:
    return name.endswith("ID")  # Tumor_ID, OP_ID, Histologie_ID, ID …: assigned on sending


def without_ids(data: Any) -> Any:
    """``data`` without the attributes the portal assigns (a tumour's Tumorzuordnung reused in a new report)."""
    if isinstance(data, dict):
        return {
            key: without_ids(value)
            for key, value in data.items()
            if not (key.startswith("@") and is_system_attribute(key))
        }
    if isinstance(data, list):
        return [without_ids(item) for item in data]
    return data


# --- data access ---------------------------------------------------------------------------------------------------


def lookup(data: Data, path: Path) -> Data:
    """The value at ``path``; list positions also index the ``{0: …}`` dicts ``assemble`` builds first."""
    for part in path:
        if isinstance(part, int) and isinstance(data, list):
            data = data[part] if part < len(data) else None
        elif isinstance(data, dict):
            data = data.get(part)
        else:
            return None
    return data


def element_at(root: ElementSpec, path: Path) -> ElementSpec:
    spec = root
    for part in path:
        if isinstance(part, str):
            spec = spec.child(part)
    return spec


# --- data → fields -------------------------------------------------------------------------------------------------


def build(root: ElementSpec, paths: list[Path], data: Data) -> list[Leaf | Group]:
    """The fields and fieldsets of the elements at ``paths`` (below the Meldung ``root``), sized to ``data``."""
    items: list[Leaf | Group] = []
    for path in paths:
        spec = element_at(root, path)
        items += _element(spec, path, data, spec.min_occurs > 0)
    return items


def _element(spec: ElementSpec, path: Path, data: Data, required: bool) -> list[Leaf | Group]:
    if not spec.repeated:
        return [_single(spec, path, data, required)]
    existing = lookup(data, path)
    count = len(existing) if isinstance(existing, list) else 0
    slots = count + 1 if spec.max_occurs is None else min(count + 1, spec.max_occurs)
    if spec.text_only:
        return [_leaf(spec, (*path, index), index < spec.min_occurs and required) for index in range(slots)]
    entries = []
    for index in range(max(slots, 1)):
        entry = _single(spec, (*path, index), data, required and index < spec.min_occurs)
        if isinstance(entry, Group):
            entry.title = f"{label_for(key_of(path))} {index + 1}"
        entries.append(entry)
    return entries


def _leaf(spec: ElementSpec, path: Path, required: bool) -> Leaf:
    key = key_of(path)
    return Leaf(key, path, label_for(key), spec.text or SimpleType(), required, hint_for(key, spec.doc))


def _single(spec: ElementSpec, path: Path, data: Data, required: bool) -> Leaf | Group:
    if spec.text_only:
        return _leaf(spec, path, required)
    group = Group(key_of(path), label_for(key_of(path)), required)
    if spec.text is not None:  # text with attributes, e.g. a date with its Datumsgenauigkeit
        group.items.append(_leaf(spec, (*path, TEXT), required))
    for attribute in spec.attributes:
        if not is_system_attribute(attribute.name):
            attribute_path = (*path, f"@{attribute.name}")
            key = key_of(attribute_path)
            group.items.append(Leaf(key, attribute_path, label_for(key), attribute.type, False, hint_for(key, "")))
    if spec.content is not None:
        group.items += _particle(spec.content, path, data)
    if spec.text is not None and len(group.items) == 1:
        return group.items[0]
    return group


def _particle(particle: Particle, path: Path, data: Data) -> list[Leaf | Group]:
    items: list[Leaf | Group] = []
    for item in particle.items:
        if isinstance(item, Particle):
            items += _particle(item, path, data)
            continue
        items += _element(item, (*path, item.name), data, particle.kind == "sequence" and item.min_occurs > 0)
    if particle.kind == "choice":
        names = " oder ".join(label_for(key_of((*path, element.name))) for element in particle.elements())
        title = f"Eine Angabe: {names}"
        return [Group(key_of(path) + SEP + "choice", title, particle.min_occurs > 0, items, choice=True)]
    return items


# --- values → data -------------------------------------------------------------------------------------------------


def assemble(root: ElementSpec, paths: list[Path], leaves: list[Leaf], values: dict[str, str]) -> Data:
    """Schema-shaped data from field values: empty fields are left out, lists close their gaps.

    A required attribute left empty takes the first value its type lists (Datumsgenauigkeit: E, exakt).
    """
    data: dict[str, Any] = {}
    for leaf in leaves:
        value = values.get(leaf.key, "")
        if value != "" and not str(leaf.path[-1]).startswith("@"):
            _put(data, leaf.path, value)
    for leaf in leaves:
        if not str(leaf.path[-1]).startswith("@"):
            continue
        owner = lookup(data, leaf.path[:-1])
        if owner is None:
            continue
        value = values.get(leaf.key, "")
        spec = element_at(root, leaf.path[:-1])
        attribute = next(item for item in spec.attributes if item.name == str(leaf.path[-1])[1:])
        if value == "" and attribute.required and attribute.type.enumeration:
            value = attribute.type.enumeration[0][0]
        if value != "":
            _put(data, leaf.path, value)
    compact = _compact(data)
    return {key: value for key, value in compact.items() if any(path[0] == key for path in paths)}


def _put(data: dict[str, Any], path: Path, value: str) -> None:
    target: Any = data
    for part in path[:-1]:
        target = target.setdefault(part, {})
    target[path[-1]] = value


def _compact(data: Any) -> Any:
    """Index dicts ({0: …, 2: …}) become lists; an element with only ``#text`` becomes its text."""
    if not isinstance(data, dict):
        return data
    if data and all(isinstance(key, int) for key in data):
        return [_compact(data[index]) for index in sorted(data)]
    return {key: _compact(value) for key, value in data.items()}


def merge(data: dict[str, Any], paths: list[Path], step_data: dict[str, Any]) -> dict[str, Any]:
    """``data`` with the elements at ``paths`` replaced by those in ``step_data``; portal-assigned ids stay."""
    merged = dict(data)
    for path in paths:
        old = lookup(data, path)
        new = lookup(step_data, path)
        parent = merged
        for part in path[:-1]:
            child = parent.get(str(part))
            parent[str(part)] = dict(child) if isinstance(child, dict) else {}
            parent = parent[str(part)]
        if new is None:
            parent.pop(str(path[-1]), None)
        else:
            parent[str(path[-1])] = _keep_ids(old, new)
    return merged


def _keep_ids(old: Any, new: Any) -> Any:
    if isinstance(old, dict) and isinstance(new, dict):
        kept = {key: value for key, value in old.items() if key.startswith("@") and is_system_attribute(key)}
        return {**kept, **{key: _keep_ids(old.get(key), value) for key, value in new.items()}}
    if isinstance(old, list) and isinstance(new, list):
        return [_keep_ids(old[index] if index < len(old) else None, item) for index, item in enumerate(new)]
    return new


def values_of(leaves: list[Leaf], data: Data) -> dict[str, str]:
    """Field values from stored data: the inverse of ``assemble``."""
    values = {}
    for leaf in leaves:
        value = lookup(data, leaf.path)
        if value is None and leaf.path[-1] == TEXT:
            value = lookup(data, leaf.path[:-1])  # an element stored without its attributes
            value = value if isinstance(value, str) else None
        if isinstance(value, str):
            values[leaf.key] = value
    return values


# --- structure -----------------------------------------------------------------------------------------------------


def problems(root: ElementSpec, paths: list[Path], data: Data) -> Iterator[tuple[str, str]]:
    """(field key, German message) for each required element missing and each choice with two answers."""
    for path in paths:
        spec = element_at(root, path)
        yield from _element_problems(spec, path, lookup(data, path), spec.min_occurs > 0)


def _element_problems(spec: ElementSpec, path: Path, value: Data, required: bool) -> Iterator[tuple[str, str]]:
    if value is None or value == [] or value == "":
        if required and spec.content is not None:  # name each missing field, not the whole block
            yield from _particle_problems(spec.content, (*path, 0) if spec.repeated else path, {})
        elif required:
            key = key_of((*path, 0) if spec.repeated else path)
            yield key, f"Bitte geben Sie „{label_for(key)}“ an."
        return
    entries = value if spec.repeated and isinstance(value, list) else [value]
    for index, entry in enumerate(entries):
        entry_path = (*path, index) if spec.repeated else path
        if spec.content is not None and isinstance(entry, dict):
            yield from _particle_problems(spec.content, entry_path, entry)


def _particle_problems(particle: Particle, path: Path, data: dict[str, Any]) -> Iterator[tuple[str, str]]:
    if particle.kind == "choice":
        given = [item for item in particle.items if _given(item, data)]
        elements = particle.elements()
        names = " oder ".join(f"„{label_for(key_of((*path, element.name)))}“" for element in elements)
        if len(given) > 1:
            yield first_key(given[1], path), f"Bitte nur eine Angabe machen: {names}."
        elif not given and particle.min_occurs > 0:
            yield first_key(particle.items[0], path), f"Bitte eine Angabe machen: {names}."
        for item in given[:1]:
            yield from _item_problems(item, path, data, required=False)
        return
    for item in particle.items:
        yield from _item_problems(item, path, data, required=item.min_occurs > 0)


def _item_problems(
    item: ElementSpec | Particle, path: Path, data: dict[str, Any], required: bool
) -> Iterator[tuple[str, str]]:
    if isinstance(item, Particle):
        yield from _particle_problems(item, path, data)
    else:
        yield from _element_problems(item, (*path, item.name), data.get(item.name), required)


def _given(item: ElementSpec | Particle, data: dict[str, Any]) -> bool:
    if isinstance(item, Particle):
        return any(element.name in data for element in item.elements())
    return item.name in data


def first_key(item: ElementSpec | Particle, path: Path) -> str:
    """The key of the first field a user fills for ``item``: where a message about it belongs."""
    if isinstance(item, Particle):
        return first_key(item.items[0], path)
    path = (*path, item.name, 0) if item.repeated else (*path, item.name)
    if item.content is not None:
        return first_key(item.content.items[0], path)
    return key_of(path)
