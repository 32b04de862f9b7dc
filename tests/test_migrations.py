"""The migrations and the models agree: a change to a model (or to a field's way of recording itself) comes with its
migration, so every database ends up as the models say."""

import os
import subprocess
import sys

import pytest
from django.conf import settings

from tests.database import database_url_for_subprocess


@pytest.mark.django_db
def test_the_migrations_hold_every_change_of_the_models():
    """In a process of its own: this one also holds the test models (tests/core/specimen.py)."""
    checked = subprocess.run(
        [sys.executable, "manage.py", "makemigrations", "--check", "--dry-run"],
        env={**os.environ, "DATABASE_URL": database_url_for_subprocess()},
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=False,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
