"""The validation report as the package pages show it: what was found how often, the lines of one kind only
(only Fehler, only Hinweise, one rule), and the lines in pages. The CSV download always holds every line."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from django.http import HttpRequest

from apps.core.paging import page_of
from apps.obds.messages import kind_of

# Lines of a validation report per page: a usual report is one page (and prints whole); one of tens of thousands of
# Hinweise does not become a page of megabytes.
REPORT_ROWS = 500
OVERVIEW_FROM = 10  # a shorter report is read at a glance; a longer one starts with what occurs how often
OVERVIEW_ROWS = 15
IN_FILE = "in_der_datei"  # on a schema error's first line: how often libxml2 met its kind in the whole file
# The filter's value in the address: the report's "art" and the link's words.
KINDS = {"fehler": ("Fehler", "nur Fehler"), "hinweis": ("Hinweis", "nur Hinweise")}


@dataclass
class ProblemKind:
    """One row of the overview: a kind of problem (one rule, or one message), how often, and where first."""

    art: str
    example: str
    count: int  # in the whole file, for a schema error whose lines the report cuts short
    first_line: int
    first_file: str  # in a ZIP upload, the file of the first line
    listed: int  # lines of this kind in the report
    choice: str  # the address's query that shows only this kind


def _kind(item: dict[str, Any]) -> tuple[str, str]:
    """(art, kind): one rule, or one schema message whatever value it names."""
    return item["art"], item.get("regel", "") or kind_of(item.get("original") or item["meldung"])


def _short_key(kind: tuple[str, str]) -> str:
    """A schema message's kind in the address: short, and the same on every request."""
    return hashlib.blake2s("\n".join(kind).encode(), digest_size=5).hexdigest()


def overview(problems: list[dict[str, Any]]) -> list[ProblemKind]:
    """Each kind of problem in the report with how often it occurs, Fehler first, then the most frequent; none for
    a short report or one in which nothing occurs twice."""
    found: dict[tuple[str, str], ProblemKind] = {}
    in_file: dict[tuple[str, str], int] = {}  # a schema error's count in the whole file, where the list is cut short
    for item in problems:
        key = _kind(item)
        in_file[key] = max(in_file.get(key, 0), item.get(IN_FILE, 0))
        if key in found:
            found[key].listed += 1
        else:
            rule = item.get("regel", "")
            choice = f"regel={quote(rule)}" if rule else f"problem={_short_key(key)}"
            where = item.get("zeile", 0), item.get("datei", "")
            found[key] = ProblemKind(item["art"], item["meldung"], 1, *where, listed=1, choice=choice)
    for key, kind in found.items():
        kind.count = max(kind.listed, in_file[key])
    if len(problems) <= OVERVIEW_FROM or all(kind.count == 1 for kind in found.values()):  # the list says it all
        return []
    return sorted(found.values(), key=lambda kind: (kind.art != "Fehler", -kind.count))


def report_context(request: HttpRequest, problems: list[dict[str, Any]]) -> dict[str, Any]:
    """What problems.html needs: the page of the chosen lines, the overview and the filter's choices."""
    kind = request.GET.get("art", "")
    rule = request.GET.get("regel", "")
    one = request.GET.get("problem", "")  # one kind of schema message
    chosen = problems
    if kind in KINDS:
        chosen = [item for item in chosen if item["art"] == KINDS[kind][0]]
    if rule:
        chosen = [item for item in chosen if item.get("regel") == rule]
    if one:
        chosen = [item for item in chosen if not item.get("regel") and _short_key(_kind(item)) == one]
    counts = {key: sum(item["art"] == art for item in problems) for key, (art, _) in KINDS.items()}
    kinds = overview(problems)
    return {
        **page_of(request, chosen, REPORT_ROWS),
        "problems": problems,
        "overview": kinds[:OVERVIEW_ROWS],
        "overview_more": len(kinds) - OVERVIEW_ROWS,
        # a choice only where there are both: (value, words, count)
        "kinds": [(key, KINDS[key][1], count) for key, count in counts.items()] if all(counts.values()) else [],
        "kind": kind if kind in KINDS else "",
        "rule": rule,
        "one": one,
        "one_example": chosen[0]["meldung"] if one and chosen else "",
    }
