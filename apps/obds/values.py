"""Checking one typed value against its XSD simple type, with a German message fit to show next to the field.

The XSD stays the final judge (every sent Meldung is validated whole); this gives the same verdict one field at a
time, early, and in words a physician understands.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from decimal import Decimal, InvalidOperation

from apps.obds.formats import described
from apps.obds.patterns import Untranslatable, python_pattern
from apps.obds.schema_model import SimpleType

INTEGER_BASES = {"integer", "int", "long", "short", "nonNegativeInteger", "positiveInteger"}
DECIMAL = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")
CODE_PATTERN_LENGTH = 60  # longer patterns are the oBDS character repertoires of free text, not code formats


class ValueProblem(ValueError):
    """The value does not fit its type; the message says why, in German."""


@functools.cache
def _compiled(pattern: str) -> re.Pattern[str] | None:
    """XSD's meaning where ``patterns`` translates it (the character repertoires: XSD's \\s is four characters,
    Python's all of Unicode's white space); the code formats (``\\d``) as Python reads them."""
    try:
        return python_pattern(pattern)
    except Untranslatable:
        pass
    try:
        return re.compile(pattern)
    except re.error:
        return None  # an XSD-only construct; the whole-document validation still judges it


def normalise(kind: SimpleType, text: str) -> str:
    """The canonical form of ``text`` (numbers with a dot), or ValueProblem."""
    if kind.base in INTEGER_BASES or kind.base == "decimal":
        text = _number(kind, text)
    elif kind.base == "gYear":
        if not re.fullmatch(r"\d{4}", text):
            raise ValueProblem("Bitte geben Sie eine Jahreszahl mit vier Ziffern ein, z. B. 2019.")
        _range(kind, Decimal(text))
    _length(kind, text)
    if kind.enumeration and text not in {value for value, _ in kind.enumeration}:
        raise ValueProblem("Bitte wählen Sie einen Wert aus der Liste.")
    if kind.patterns:
        _pattern(kind.patterns, text)
    return text


def _number(kind: SimpleType, text: str) -> str:
    text = text.replace(",", ".").replace(" ", "")
    if kind.base in INTEGER_BASES:
        if not re.fullmatch(r"[+-]?\d+", text):
            raise ValueProblem("Bitte geben Sie eine ganze Zahl ein.")
        text = str(int(text))
        if kind.base == "nonNegativeInteger" and int(text) < 0:
            raise ValueProblem("Die Zahl darf nicht negativ sein.")
        if kind.base == "positiveInteger" and int(text) < 1:
            raise ValueProblem("Die Zahl muss größer als 0 sein.")
    elif not DECIMAL.fullmatch(text):
        raise ValueProblem("Bitte geben Sie eine Zahl ein, z. B. 2,5.")
    number = Decimal(text)
    digits = kind.facets.get("fractionDigits")
    exponent = number.as_tuple().exponent
    if digits is not None and isinstance(exponent, int) and -exponent > int(digits):
        raise ValueProblem(f"Bitte höchstens {digits} Nachkommastellen angeben.")
    _range(kind, number)
    return text


def _range(kind: SimpleType, number: Decimal) -> None:
    def facet(name: str) -> Decimal | None:
        try:
            return Decimal(kind.facets[name]) if name in kind.facets else None
        except InvalidOperation:
            return None

    def german(value: Decimal) -> str:
        return str(value).replace(".", ",")

    low, high = facet("minInclusive"), facet("maxInclusive")
    above, below = facet("minExclusive"), facet("maxExclusive")
    if low is not None and number < low:
        raise ValueProblem(f"Der Wert muss mindestens {german(low)} sein.")
    if high is not None and number > high:
        raise ValueProblem(f"Der Wert darf höchstens {german(high)} sein.")
    if above is not None and number <= above:
        raise ValueProblem(f"Der Wert muss größer als {german(above)} sein.")
    if below is not None and number >= below:
        raise ValueProblem(f"Der Wert muss kleiner als {german(below)} sein.")


def _length(kind: SimpleType, text: str) -> None:
    longest = kind.facets.get("maxLength") or kind.facets.get("length")
    if longest is not None and len(text) > int(longest):
        raise ValueProblem(f"Bitte höchstens {longest} Zeichen eingeben (eingegeben: {len(text)}).")
    shortest = kind.facets.get("minLength") or kind.facets.get("length")
    if shortest is not None and len(text) < int(shortest):
        raise ValueProblem(f"Bitte mindestens {shortest} Zeichen eingeben.")


def _pattern(patterns: list[str], text: str) -> None:
    compiled = [found for found in map(_compiled, patterns) if found is not None]
    if not compiled or any(pattern.fullmatch(text) for pattern in compiled):
        return
    if max(len(pattern) for pattern in patterns) <= CODE_PATTERN_LENGTH:
        words = next(filter(None, map(described, patterns)), "")  # every pattern of the XSDs has words
        shown = f": {words}" if words else ""
        raise ValueProblem(f"Der Wert hat nicht das erwartete Format{shown}.")
    raise ValueProblem(outside_repertoire(patterns, text))


def outside_repertoire(patterns: list[str], text: str) -> str:
    """Why ``text`` does not fit the oBDS character repertoire ``patterns`` (the long patterns of free text, names
    and addresses): the first character it does not allow, or a space at either end."""
    compiled = [found for found in map(_compiled, patterns) if found is not None]
    for character in dict.fromkeys(text):
        if character != " " and not any(pattern.fullmatch(character) for pattern in compiled):
            return f"Das Zeichen „{character}“{_code_point(character)} ist im oBDS nicht erlaubt."
    if text != text.strip(" "):
        return "Der Text darf nicht mit einem Leerzeichen beginnen oder enden."
    return "Der Text enthält eine Zeichenfolge, die im oBDS nicht erlaubt ist."


def _code_point(character: str) -> str:
    """The code point of a character one cannot see (a no-break space, a tab, a combining accent), so that it can
    be found in the documentation system."""
    if unicodedata.category(character)[0] in "ZCM":
        return f" (U+{ord(character):04X})"
    return ""
