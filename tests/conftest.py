"""Shared fixtures: the specimen table for the encryption tests, and key rings a test may replace."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import connection

from apps.core.keyring import KeyRing
from tests.core.specimen import Specimen


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), connection.schema_editor() as editor:
        editor.create_model(Specimen)


@pytest.fixture
def key_rings(settings) -> Iterator[dict[str, KeyRing]]:
    """The configured key rings as a dict the test may change; the original rings return afterwards."""
    rings = dict(settings.ENCRYPTION_KEYS)
    settings.ENCRYPTION_KEYS = rings
    yield rings
