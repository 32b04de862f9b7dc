"""Plausibility checks beyond the XSD, shared by the online entry and the upload (no models).

``check(context)`` returns every finding; a Fehler blocks sending a Meldung, a Hinweis only warns.
"""

from apps.obds.plausibility import address, dates, diagnosis, staging, therapy  # noqa: F401 -- registers the rules
from apps.obds.plausibility.engine import RULES, Context, Finding, Located, Severity, check

__all__ = ["RULES", "Context", "Finding", "Located", "Severity", "check"]
