"""Long lists in pages: ``?seite=N``, any other query parameters (a filter) kept in the page links."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Page, Paginator
from django.http import HttpRequest

PER_PAGE = 50
PARAMETER = "seite"


def page_of(request: HttpRequest, items: Any, per_page: int = PER_PAGE) -> dict[str, Any]:
    """The requested page of ``items`` (a number out of range or no number: the nearest page, never an error),
    the query string its links start with, and the query without the page (``kept``, e.g. for a download of the
    whole list)."""
    page: Page[Any] = Paginator(items, per_page).get_page(request.GET.get(PARAMETER))
    kept = request.GET.copy()
    kept.pop(PARAMETER, None)
    prefix = f"?{kept.urlencode()}&" if kept else "?"
    return {"page": page, "page_link": prefix + PARAMETER + "=", "kept": kept.urlencode()}
