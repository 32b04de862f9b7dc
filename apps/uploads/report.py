"""The validation report as the package pages show it: what was found how often, the lines of one kind only
(only Fehler, only Hinweise, one rule), and the lines in pages. The CSV download always holds every line."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest

from apps.core.paging import page_of

# Lines of a validation report per page: a usual report is one page (and prints whole); one of tens of thousands of
# Hinweise does not become a page of megabytes.
REPORT_ROWS = 500
OVERVIEW_FROM = 10  # a shorter report is read at a glance; a longer one starts with what occurs how often
OVERVIEW_ROWS = 15
KINDS = {"fehler": "Fehler", "hinweis": "Hinweis"}  # the filter's value in the address, the report's "art"


@dataclass
class Finding:
    """One row of the overview: a kind of problem (one rule, or one message), how often, and where first."""

    art: str
    example: str
    rule: str
    count: int
    first_line: int
    first_file: str  # in a ZIP upload, the file of the first line


def overview(problems: list[dict[str, Any]]) -> list[Finding]:
    """Each kind of problem in the report with how often it occurs, Fehler first, then the most frequent; none for
    a short report or one in which nothing occurs twice."""
    found: dict[tuple[str, str], Finding] = {}
    for item in problems:
        rule = item.get("regel", "")
        key = (item["art"], rule or item["meldung"])
        if key in found:
            found[key].count += 1
        else:
            found[key] = Finding(item["art"], item["meldung"], rule, 1, item.get("zeile", 0), item.get("datei", ""))
    if len(problems) <= OVERVIEW_FROM or len(found) == len(problems):  # nothing occurs twice: the list says it all
        return []
    return sorted(found.values(), key=lambda finding: (finding.art != "Fehler", -finding.count))


def report_context(request: HttpRequest, problems: list[dict[str, Any]]) -> dict[str, Any]:
    """What problems.html needs: the page of the chosen lines, the overview and the filter's choices."""
    kind = request.GET.get("art", "")
    rule = request.GET.get("regel", "")
    chosen = problems
    if kind in KINDS:
        chosen = [item for item in chosen if item["art"] == KINDS[kind]]
    if rule:
        chosen = [item for item in chosen if item.get("regel") == rule]
    counts = {key: sum(item["art"] == art for item in problems) for key, art in KINDS.items()}
    findings = overview(problems)
    return {
        **page_of(request, chosen, REPORT_ROWS),
        "problems": problems,
        "overview": findings[:OVERVIEW_ROWS],
        "overview_more": len(findings) - OVERVIEW_ROWS,
        "kinds": list(counts.items()) if all(counts.values()) else [],  # a choice only where there are both
        "kind": kind if kind in KINDS else "",
        "rule": rule,
    }
