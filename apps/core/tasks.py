"""Background tasks of the core app, run by ``manage.py db_worker``."""

from __future__ import annotations

from django_tasks import task


@task()
def ping(message: str) -> str:
    """Answers its message; `make run` and the tests use it to show that a worker is listening."""
    return f"pong: {message}"
