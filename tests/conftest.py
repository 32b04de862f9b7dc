"""Shared fixtures: personas, a controllable clock, the specimen table of the encryption tests, key rings."""

from __future__ import annotations

import datetime
from collections.abc import Iterator

import pytest
import time_machine
from django.db import connection

from apps.accounts.models import Role
from apps.core.keyring import KeyRing
from apps.institutions.models import UploadStatus
from apps.patients.actions import do_create_patient
from tests.core.specimen import Entry, Specimen
from tests.personas import ERIKA, make_institution, make_user


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), connection.schema_editor() as editor:
        editor.create_model(Specimen)
        editor.create_model(Entry)


@pytest.fixture
def key_rings(settings) -> Iterator[dict[str, KeyRing]]:
    """The configured key rings as a dict the test may change; the original rings return afterwards."""
    rings = dict(settings.ENCRYPTION_KEYS)
    settings.ENCRYPTION_KEYS = rings
    yield rings


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Argon2 is the production hasher (tests/accounts checks it); tests hash with MD5 to stay quick."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def clock():
    """The clock, stopped at a fixed moment and moved by the test (time-machine patches every clock)."""
    with time_machine.travel(datetime.datetime(2026, 11, 23, 9, 0, tzinfo=datetime.UTC), tick=False) as traveller:
        yield traveller


@pytest.fixture
def praxis(db):
    return make_institution("Praxis Dr. Beispiel", "M0001", upload_status=UploadStatus.FREIGEGEBEN)


@pytest.fixture
def outsider_praxis(db):
    return make_institution("Praxis am Markt", "M0002")


@pytest.fixture
def physician(praxis):
    return make_user("a.aerztin", Role.MELDEND, praxis)


@pytest.fixture
def colleague(praxis):
    return make_user("k.kollege", Role.ERFASSUNG, praxis)


@pytest.fixture
def outsider(outsider_praxis):
    return make_user("o.aussen", Role.MELDEND, outsider_praxis)


@pytest.fixture
def clerk(db):
    return make_user("v.stelle", Role.VERTRAUENSSTELLE, None)


@pytest.fixture
def erika(praxis, physician):
    """A patient of the praxis: Erika Mustermann, born 17.04.1961, GKV."""
    return do_create_patient(institution=praxis, acting_user=physician, **ERIKA)
