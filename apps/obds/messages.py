"""German explanations of libxml2's common parser and schema messages; the original stays beside them."""

from __future__ import annotations

import re

NAME = r"(?:\{[^}]*\})?"  # an element name may carry its namespace in braces: drop it

TRANSLATIONS: list[tuple[str, str]] = [
    (r"\[facet 'pattern'\] The value '(?P<value>.*)' is not accepted by the pattern '(?P<pattern>.*)'\.",
     "Der Wert „{value}“ hat nicht das verlangte Format (Muster {pattern})."),
    (r"\[facet 'enumeration'\] The value '(?P<value>.*)' is not an element of the set \{(?P<set>.*)\}\.",
     "Der Wert „{value}“ ist hier nicht erlaubt. Erlaubt sind: {set}."),
    (r"\[facet 'maxLength'\] The value has a length of '(?P<length>\d+)'; this exceeds the allowed maximum "
     r"length of '(?P<limit>\d+)'\.", "Der Wert ist {length} Zeichen lang; erlaubt sind höchstens {limit}."),
    (r"\[facet 'minLength'\] The value has a length of '(?P<length>\d+)'; this underruns the allowed minimum "
     r"length of '(?P<limit>\d+)'\.", "Der Wert ist {length} Zeichen lang; verlangt sind mindestens {limit}."),
    (r"\[facet 'length'\] The value has a length of '(?P<length>\d+)'; this differs from the allowed length of "
     r"'(?P<limit>\d+)'\.?", "Der Wert ist {length} Zeichen lang; verlangt sind genau {limit}."),
    (r"\[facet '(?:minInclusive|maxInclusive|minExclusive|maxExclusive)'\] The value '(?P<value>.*)' is .*",
     "Der Wert „{value}“ liegt außerhalb des erlaubten Bereichs."),
    (r"'(?P<value>.*)' is not a valid value of the atomic type 'xs:date'\.",
     "„{value}“ ist kein gültiges Datum (erwartet JJJJ-MM-TT)."),
    (r"'(?P<value>.*)' is not a valid value of the (?:atomic|local atomic|list|union) type '?(?P<type>[^']*)'?\.",
     "Der Wert „{value}“ passt nicht zum Typ {type}."),
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
        explained = text.format(**values)
        where = values.get("element")
        if where:
            attribute = values.get("attribute")
            where = f"{where}/@{attribute}" if attribute else where
            return f"{where}: {explained}"
        return explained
    return None


def _plain(value: str) -> str:
    """Namespaces in braces out of names and lists (``{http://…}Code`` → ``Code``)."""
    return re.sub(r"\{[^}]*:[^}]*\}", "", value)
