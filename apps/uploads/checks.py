"""Startup checks: the configuration an upload needs must be there before the first package arrives."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning, register

from apps.obds.schemas import FAMILIES
from apps.uploads.acceptance import parse


@register()
def accepted_versions_readable(**kwargs: Any) -> list[CheckMessage]:
    try:
        parse(settings.ACCEPTED_SCHEMA_VERSIONS)
    except ValueError as error:
        return [Error(str(error), id="uploads.E001")]
    return []


@register()
def reference_data_present(**kwargs: Any) -> list[CheckMessage]:
    """Without the official XSDs no package can be judged and no report form built; without the code lists the
    rules that look codes up (ICD-10, ICD-O-3) stay silent, which a registry must not run unawares."""
    found: list[CheckMessage] = []
    schemas = Path(settings.OBDS_SCHEMA_DIR)
    for _family, filename in FAMILIES.values():
        if not (schemas / filename).is_file():
            found.append(
                Error(
                    f"OBDS_SCHEMA_DIR ({schemas}) holds no {filename}.",
                    hint="Set OBDS_SCHEMA_DIR to the folder with the official oBDS and ADT/GEKID XSDs (see README).",
                    id="uploads.E002",
                )
            )
    codes = Path(settings.OBDS_CODES_DIR)
    if not (codes / "icd10.csv").is_file():
        found.append(
            Warning(
                f"OBDS_CODES_DIR ({codes}) holds no icd10.csv: ICD-10 and ICD-O-3 codes will not be checked.",
                hint="Set OBDS_CODES_DIR to the folder with the code lists (see README).",
                id="uploads.W001",
            )
        )
    return found
