"""XSD pattern facets as Python regular expressions, for the patterns libxml2 checks slowly.

oBDS restricts names, addresses and free text to the characters of DIN SPEC 91379 with five patterns of several
thousand characters each (alternatives of single characters, ranges and letters with combining marks). libxml2 runs
them as a nondeterministic automaton, character by character: on the 10 MB benchmark package they took more than
half of ``xmllint --stream --schema``'s time (0.53–0.96 s with them, 0.26–0.42 s without, four runs each way,
2026-12-01). Python's ``re`` answers the same question in microseconds per value.

Only the part of the XSD regex language those patterns use is translated: characters, the escapes ``\\n \\r \\t``
and ``\\`` before a metacharacter, ``\\s``, character classes with ranges, groups, ``|`` and the quantifiers; anything
else (``.``, ``\\d``, ``\\p{…}``, class subtraction, …) raises ``Untranslatable`` and its pattern stays with libxml2.
An XSD pattern matches the whole value, as ``re.fullmatch`` does.
"""

from __future__ import annotations

import re

XSD_SPACE = "\t\n\r "  # XSD's \s: only these four, where Python's \s takes all of Unicode's white space
META = set(".\\?*+{}()|[]")
ESCAPED = {"n": "\n", "r": "\r", "t": "\t"} | {char: char for char in ".\\?*+{}()|[]-^"}


class Untranslatable(ValueError):
    """The pattern uses a part of the XSD regex language that is not translated here."""


def python_pattern(xsd: str, singles_only: bool = False) -> re.Pattern[str]:
    """The compiled Python equivalent of an XSD pattern facet; use it with ``fullmatch``.

    With ``singles_only``, a pattern for part of its values, quicker to check: each alternation keeps only its
    branches of one character (where it has any), so that ``re`` runs a repeated class in one step. What it
    matches, the whole pattern matches; most values (plain Latin text) need no more."""
    translated, end = _branches(xsd, 0, singles_only)
    if end != len(xsd):
        raise Untranslatable(f"unexpected {xsd[end]!r} at {end}")
    return re.compile(translated)


def _literal(char: str) -> str:
    return f"\\U{ord(char):08x}"


def _branches(xsd: str, at: int, singles_only: bool) -> tuple[str, int]:
    """``branch ('|' branch)*`` from ``at`` up to a ``)`` or the end. The branches that are one character each
    become one class, tried first: the same language, but ``re`` then checks most characters with one set lookup
    instead of trying a hundred alternatives (the pattern of names, on eight sample values: 39 µs → 10 µs each)."""
    singles: list[str] = []  # the insides of one class
    others: list[str] = []
    while True:
        pieces, at = _branch(xsd, at, singles_only)
        if len(pieces) == 1 and pieces[0][1] is not None and not pieces[0][2]:
            singles.append(pieces[0][1])
        else:
            others.append("".join(atom + quantifier for atom, _, quantifier in pieces))
        if at < len(xsd) and xsd[at] == "|":
            at += 1
            continue
        merged = [f"[{''.join(singles)}]"] if singles else []
        return "|".join(merged if merged and singles_only else merged + others), at


Piece = tuple[str, "str | None", str]  # the atom in Python, the inside of a class when it is one character, quantifier


def _branch(xsd: str, at: int, singles_only: bool) -> tuple[list[Piece], int]:
    pieces = []
    while at < len(xsd) and xsd[at] not in "|)":
        atom, single, at = _atom(xsd, at, singles_only)
        quantifier, at = _quantifier(xsd, at)
        pieces.append((atom, single, quantifier))
    return pieces, at


def _atom(xsd: str, at: int, singles_only: bool) -> tuple[str, str | None, int]:
    char = xsd[at]
    if char == "(":
        inner, at = _branches(xsd, at + 1, singles_only)
        if at >= len(xsd) or xsd[at] != ")":
            raise Untranslatable("unclosed group")
        return f"(?:{inner})", None, at + 1
    if char == "[":
        inside, at = _class(xsd, at + 1)
        return f"[{inside}]", inside, at
    if char == "\\":
        escaped, at = _escape(xsd, at + 1)
        inside = _literal_class(escaped)
        return (f"[{inside}]" if len(escaped) > 1 else inside), inside, at
    if char in META:
        raise Untranslatable(f"{char!r} at {at}")
    return _literal(char), _literal(char), at + 1


def _escape(xsd: str, at: int) -> tuple[str, int]:
    """The characters an escape stands for: one, or XSD's four for ``\\s``."""
    if at >= len(xsd):
        raise Untranslatable("a lone backslash")
    char = xsd[at]
    if char == "s":
        return XSD_SPACE, at + 1
    if char in ESCAPED:
        return ESCAPED[char], at + 1
    raise Untranslatable(f"the escape \\{char}")


def _literal_class(chars: str) -> str:
    return "".join(_literal(char) for char in chars)


def _class(xsd: str, at: int) -> tuple[str, int]:
    """The inside of ``[…]``, from after its ``[``: characters, ranges and ``\\s``; no negation, no subtraction."""
    if at < len(xsd) and xsd[at] == "^":
        raise Untranslatable("a negated class")
    items: list[str] = []
    first = at
    while True:
        if at >= len(xsd):
            raise Untranslatable("unclosed class")
        char = xsd[at]
        if char == "]" and at > first:
            return "".join(items), at + 1
        if char == "[" or (char == "-" and at + 1 < len(xsd) and xsd[at + 1] == "["):
            raise Untranslatable("a class inside a class (subtraction)")
        start, at = _class_char(xsd, at)
        if len(start) == 1 and at + 1 < len(xsd) and xsd[at] == "-" and xsd[at + 1] != "]":
            end, at = _class_char(xsd, at + 1)
            if len(end) != 1 or end < start:
                raise Untranslatable("a range that is not one")
            items.append(f"{_literal(start)}-{_literal(end)}")
        else:
            items.append(_literal_class(start))


def _class_char(xsd: str, at: int) -> tuple[str, int]:
    if xsd[at] == "\\":
        return _escape(xsd, at + 1)
    return xsd[at], at + 1


def _quantifier(xsd: str, at: int) -> tuple[str, int]:
    if at >= len(xsd):
        return "", at
    if xsd[at] in "?*+":
        return xsd[at], at + 1
    if xsd[at] != "{":
        return "", at
    bound = re.compile(r"\{(\d+)(,(\d*))?\}").match(xsd, at)
    if bound is None:
        raise Untranslatable(f"a quantifier at {at}")
    return bound.group(0), bound.end()
