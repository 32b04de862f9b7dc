"""The test database as a DATABASE_URL, for subprocesses (worker, management commands) in a test."""

from django.db import connection

from meldeportal.localdb import postgres_url


def database_url_for_subprocess() -> str:
    config = connection.settings_dict
    return postgres_url(
        user=config["USER"] or "",
        password=config["PASSWORD"] or "",
        host=config["HOST"] or "",
        port=str(config["PORT"] or ""),
        name=config["NAME"],
    )
