"""German explanations of libxml2's common parser and schema messages; the original stays beside them."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable

from apps.obds.dates import GERMAN, DateProblem, parse_date
from apps.obds.formats import described
from apps.obds.schema_model import SimpleType, simple_types
from apps.obds.schemas import FAMILIES
from apps.obds.values import CODE_PATTERN_LENGTH, INTEGER_BASES, outside_repertoire

NAME = r"(?:\{[^}]*\})?"  # an element name may carry its namespace in braces: drop it
Explain = Callable[[dict[str, str]], str]  # the German text, from the message's named parts


def _not_in_pattern(found: dict[str, str]) -> str:
    """A code format is said in words (the pattern only where none are known); the long patterns of free text,
    names and addresses (oBDS's repertoire of characters, some 3 000 characters) are not shown: the first character
    they refuse is named instead."""
    value, pattern = found["value"], found["pattern"]
    if len(pattern) <= CODE_PATTERN_LENGTH:
        return f"Der Wert „{value}“ hat nicht das verlangte Format: {described(pattern) or f'Muster {pattern}'}."
    return f"{outside_repertoire([pattern], value)} Der Wert lautet „{value}“."


def _not_of_type(found: dict[str, str]) -> str:
    """A value that is not even of its type's base (a date, a year, a number): what that base looks like, with the
    range the XSD allows, read from the XSD of the message's namespace."""
    value, name = found["value"], found["type"]
    kind = SimpleType(base=name[3:]) if name.startswith("xs:") else _named_type(found["namespace"], name)
    if kind.base == "date":
        instead = ""
        if GERMAN.fullmatch(value):  # a German date that is a possible one: its ISO form
            with contextlib.suppress(DateProblem):
                instead = f" Statt {value} also {parse_date(value).isoformat()}."
        allowed = _range(kind, "Daten")
        return f"„{value}“ ist kein gültiges Datum. Verlangt ist JJJJ-MM-TT, z. B. 2024-03-01{allowed}.{instead}"
    if kind.base == "gYear":
        return f"„{value}“ ist keine Jahreszahl. Verlangt sind vier Ziffern, z. B. 2019{_range(kind, 'Jahre')}."
    if kind.base in INTEGER_BASES:
        return f"„{value}“ ist keine ganze Zahl{_range(kind, 'Werte')}."
    if kind.base == "decimal":
        return f"„{value}“ ist keine Zahl. Verlangt ist eine Zahl mit Punkt, z. B. 2.5{_range(kind, 'Werte')}."
    if name:
        return f"Der Wert „{value}“ passt nicht zum Typ {name}."
    return f"Der Wert „{value}“ hat nicht die verlangte Form."


FILES = {root[1 : root.index("}")]: filename for root, (_, filename) in FAMILIES.items()}  # namespace → its XSD


def _named_type(namespace: str, name: str) -> SimpleType:
    filename = FILES.get(namespace)
    return (simple_types(filename).get(name) if filename else None) or SimpleType(base="")


def _range(kind: SimpleType, plural: str) -> str:
    low, high = kind.facets.get("minInclusive"), kind.facets.get("maxInclusive")
    return f"; erlaubt sind {plural} von {low} bis {high}" if low and high else ""


TRANSLATIONS: list[tuple[str, str | Explain]] = [
    (r"\[facet 'pattern'\] The value '(?P<value>.*)' is not accepted by the pattern '(?P<pattern>.*)'\.",
     _not_in_pattern),
    (r"\[facet 'enumeration'\] The value '(?P<value>.*)' is not an element of the set \{(?P<set>.*)\}\.",
     "Der Wert „{value}“ ist hier nicht erlaubt. Erlaubt sind: {set}."),
    (r"\[facet 'maxLength'\] The value has a length of '(?P<length>\d+)'; this exceeds the allowed maximum "
     r"length of '(?P<limit>\d+)'\.", "Der Wert ist {length} Zeichen lang; erlaubt sind höchstens {limit}."),
    (r"\[facet 'minLength'\] The value has a length of '(?P<length>\d+)'; this underruns the allowed minimum "
     r"length of '(?P<limit>\d+)'\.", "Der Wert ist {length} Zeichen lang; verlangt sind mindestens {limit}."),
    (r"\[facet 'length'\] The value has a length of '(?P<length>\d+)'; this differs from the allowed length of "
     r"'(?P<limit>\d+)'\.?", "Der Wert ist {length} Zeichen lang; verlangt sind genau {limit}."),
    (r"\[facet 'minInclusive'\] The value '(?P<value>.*)' is less than the minimum value allowed "
     r"\('(?P<limit>.*)'\)\.",
     "Der Wert „{value}“ liegt unter dem kleinsten erlaubten Wert {limit}."),
    (r"\[facet 'maxInclusive'\] The value '(?P<value>.*)' is greater than the maximum value allowed "
     r"\('(?P<limit>.*)'\)\.",
     "Der Wert „{value}“ liegt über dem größten erlaubten Wert {limit}."),
    (r"\[facet 'minExclusive'\] The value '(?P<value>.*)' must be greater than '(?P<limit>.*)'\.",
     "Der Wert „{value}“ muss größer als {limit} sein."),
    (r"\[facet 'maxExclusive'\] The value '(?P<value>.*)' must be less than '(?P<limit>.*)'\.",
     "Der Wert „{value}“ muss kleiner als {limit} sein."),
    (r"\[facet '(?:minInclusive|maxInclusive|minExclusive|maxExclusive)'\] The value '(?P<value>.*)' is .*",
     "Der Wert „{value}“ liegt außerhalb des erlaubten Bereichs."),
    (r"'(?P<value>.*)' is not a valid value of the (?:atomic|local atomic|list|union) type"
     r"(?: '(?:\{(?P<namespace>[^}]*)\})?(?P<type>[^']*)')?\.", _not_of_type),
    (r"Missing child element\(s\)\. Expected is (?:one of )?\( (?P<expected>.*) \)\.",
     "Hier fehlt ein Pflichtelement. Erwartet wird: {expected}."),
    (r"This element is not expected\. Expected is (?:one of )?\( (?P<expected>.*) \)\.",
     "Dieses Element steht hier nicht an der richtigen Stelle oder gehört nicht hierher. Erwartet wird: {expected}."),
    (r"This element is not expected\.", "Dieses Element ist hier nicht erlaubt."),
    (r"Duplicate key-sequence \[(?P<value>.*)\] in (?:unique|key) identity-constraint '" + NAME + r"(?P<key>[^']*)'\.",
     "Der Wert {value} kommt mehrfach vor, muss aber eindeutig sein ({key})."),
    (r"No match found for key-sequence \[(?P<value>.*)\] of keyref '" + NAME + r"(?P<key>[^']*)'\.",
     "Der Verweis {value} zeigt auf nichts, was in der Datei vorkommt ({key})."),
    (r"The attribute '(?P<name>[^']*)' is required but missing\.", "Das Pflichtattribut {name} fehlt."),
    (r"The attribute '(?P<name>[^']*)' is not allowed\.", "Das Attribut {name} ist hier nicht erlaubt."),
    (r"Character content other than whitespace is not allowed because the content type is 'element-only'\.",
     "Hier ist kein Text erlaubt, nur Unterelemente."),
    (r"Element content is not allowed, because the content type is a simple type definition\.",
     "Hier ist nur ein Wert erlaubt, keine Unterelemente."),
    (r"No matching global declaration available for the validation root\.",
     "Das Wurzelelement gehört nicht zu diesem Schema."),
    (r"Premature end of data in tag (?P<name>\S+).*",
     "Die Datei endet mitten im Element {name}; sie ist vermutlich unvollständig übertragen."),
    (r"EndTag: '</' not found", "Die Datei endet mitten in einem Element; sie ist vermutlich unvollständig."),
    (r"Opening and ending tag mismatch: (?P<open>\S+) line \d+ and (?P<close>\S+)",
     "Das Element {open} wird mit </{close}> geschlossen."),
    (r"Start tag expected, '<' not found", "Die Datei beginnt nicht mit XML."),
    (r"Extra content at the end of the document", "Nach dem Ende des XML-Dokuments folgt noch weiterer Inhalt."),
    (r"Excessive depth in document: .*", "Die Elemente sind zu tief ineinander verschachtelt."),
    (r"(?:xmlSAX2Characters: )?[Hh]uge (?:text node|input lookup).*",
     "Ein Textinhalt ist zu groß (mehr als 10 MB in einem Element)."),
    (r"(?:Input is not proper UTF-8|Invalid bytes in character encoding).*",
     "Die Datei enthält Bytes, die kein gültiges UTF-8 sind."),
    (r"Resource limit exceeded: Text node too long.*", "Ein Textinhalt ist zu groß (mehr als 10 MB in einem Element)."),
    (r"Document is empty", "Die Datei enthält kein XML."),
]  # fmt: skip
COMPILED = [(re.compile(rf"(?:Element '{NAME}(?P<element>[^']*)'(?:, attribute '(?P<attribute>[^']*)')?: )?"
                        + pattern), text) for pattern, text in TRANSLATIONS]  # fmt: skip


def german(message: str) -> str | None:
    """The German explanation of a libxml2 message, naming the element; None for a message not known here."""
    message = message.strip()
    for pattern, text in COMPILED:
        found = pattern.fullmatch(message)
        if found is None:
            continue
        values = {key: _plain(value or "") for key, value in found.groupdict().items()}
        explained = text.format(**values) if isinstance(text, str) else text(values)
        where = values.get("element")
        if where:
            attribute = values.get("attribute")
            where = f"{where}/@{attribute}" if attribute else where
            return f"{where}: {explained}"
        return explained
    return None


PATTERN_STARTS = "by the pattern '"


def shortened(message: str) -> str:
    """libxml2's message as it stands, but a pattern of oBDS's character repertoire (some 3 000 characters, printed
    whole in every such message) cut after its start."""
    message = message.strip()
    begin = message.find(PATTERN_STARTS) + len(PATTERN_STARTS)
    pattern = message[begin:-2]
    if begin < len(PATTERN_STARTS) or not message.endswith("'.") or len(pattern) <= CODE_PATTERN_LENGTH:
        return message
    return f"{message[:begin]}{pattern[:30]} … (gekürzt)'."


# The parts of libxml2's messages that name the value, not the kind of problem: the value itself, the length of a
# value, a duplicate or missing key's values.
VALUE_IN_MESSAGE = re.compile(r"(?<=The value )'[^']*'|(?<=: )'[^']*'(?= is not a valid value)|(?<=a length of )'\d+'"
                              r"|(?<=key-sequence )\[[^\]]*\]")  # fmt: skip


def kind_of(message: str) -> str:
    """The kind of a libxml2 message: the message without the value it names (``VALUE_IN_MESSAGE``), so that a
    date written as 01.03.2024 in 80 places is one kind, 80 times; element and type names stay."""
    return VALUE_IN_MESSAGE.sub("…", shortened(message))


def _plain(value: str) -> str:
    """Namespaces in braces out of names and lists (``{http://…}Code`` → ``Code``)."""
    return re.sub(r"\{[^}]*:[^}]*\}", "", value)
