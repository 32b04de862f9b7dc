"""Startup check: ACCEPTED_SCHEMA_VERSIONS must be readable before the first package arrives."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, register

from apps.uploads.acceptance import parse


@register()
def accepted_versions_readable(**kwargs: Any) -> list[CheckMessage]:
    try:
        parse(settings.ACCEPTED_SCHEMA_VERSIONS)
    except ValueError as error:
        return [Error(str(error), id="uploads.E001")]
    return []
