"""A list filter with a period of days (``von``, ``bis``): each may stay empty, and the last day counts in full."""

from __future__ import annotations

import datetime
from typing import Any, TypeVar

from django import forms
from django.db.models import Model, QuerySet
from django.utils import timezone

Row = TypeVar("Row", bound=Model)


class PeriodFilter(forms.Form):
    """The base of a filter form whose subclass declares the date fields ``von`` and ``bis`` (labels differ)."""

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("von"), cleaned.get("bis")
        if start and end and end < start:
            self.add_error("bis", "Das Ende des Zeitraums liegt vor seinem Anfang.")
        return cleaned

    def in_period(self, rows: QuerySet[Row], moment: str) -> QuerySet[Row]:
        """The rows whose ``moment`` (a date-time field) falls in the period; call only when the form is valid.
        The bounds are moments in the registry's time zone, which an index on the field can use."""
        start, end = self.cleaned_data["von"], self.cleaned_data["bis"]
        if start:
            rows = rows.filter(**{f"{moment}__gte": midnight(start)})
        if end:
            rows = rows.filter(**{f"{moment}__lt": midnight(end + datetime.timedelta(days=1))})
        return rows


def midnight(day: datetime.date) -> datetime.datetime:
    """The start of ``day`` in the registry's time zone."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time()))
