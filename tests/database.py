"""The test database as a DATABASE_URL, for subprocesses (worker, management commands) in a test."""

from urllib.parse import quote

from django.db import connection


def database_url_for_subprocess() -> str:
    config = connection.settings_dict
    credentials = quote(config["USER"] or "", safe="")
    if config["PASSWORD"]:
        credentials += ":" + quote(config["PASSWORD"], safe="")
    host = quote(config["HOST"] or "", safe="")
    port = f":{config['PORT']}" if config["PORT"] else ""
    return f"postgres://{credentials}@{host}{port}/{config['NAME']}"
