"""An embedded PostgreSQL (the pgserver wheel) for machines without one; data in var/pgdata survives restarts.

``python -m meldeportal.localdb COMMAND …`` runs COMMAND with DATABASE_URL set: the given one when set,
else the embedded server's, which stops when this process exits. `make run` and `make test` use it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import quote

DATABASE_NAME = "meldeportal"
_servers: list[Any] = []  # keeps the embedded server's handle alive until the process exits


def start_embedded(var_dir: Path) -> str:
    """Start (or join) the embedded server and return a DATABASE_URL for it."""
    from pgserver.postgres_server import get_server

    pgdata = var_dir / "pgdata"
    pgdata.mkdir(parents=True, exist_ok=True)
    server = get_server(pgdata, cleanup_mode="stop")
    _servers.append(server)
    # DATABASE_NAME is a constant of this module, never user input.
    existing = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE_NAME}';")  # noqa: S608
    if "(1 row)" not in existing:
        server.psql(f"CREATE DATABASE {DATABASE_NAME};")
    return postgres_url(user="postgres", host=str(server.get_postmaster_info().socket_dir), name=DATABASE_NAME)


def postgres_url(*, user: str, name: str, host: str = "", port: str = "", password: str = "") -> str:
    """A DATABASE_URL as django-environ reads it; a socket directory goes into the path, percent-encoded."""
    credentials = quote(user, safe="") + (":" + quote(password, safe="") if password else "")
    if host.startswith("/"):
        return f"postgres://{credentials}@/{quote(host, safe='')}/{name}"
    return f"postgres://{credentials}@{host}{':' + port if port else ''}/{name}"


def database_url(var_dir: Path) -> str:
    return os.environ.get("DATABASE_URL") or start_embedded(var_dir)


def _exit(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


def exit_on_signals() -> None:
    """SIGTERM and SIGHUP (``kill``, a service manager, a closed terminal) end this process as an exception would:
    ``finally`` blocks run, and so does the embedded server's own clean-up at exit. Python's default would end it
    at once and leave children and the embedded server running."""
    signal.signal(signal.SIGTERM, _exit)
    signal.signal(signal.SIGHUP, _exit)


def main(argv: list[str]) -> int:
    if not argv:
        print("usage: python -m meldeportal.localdb COMMAND [ARGS…]", file=sys.stderr)
        return 2
    exit_on_signals()
    var_dir = Path(os.environ.get("VAR_DIR", Path(__file__).resolve().parent.parent / "var"))
    environment = {**os.environ, "DATABASE_URL": database_url(var_dir)}
    try:
        return subprocess.run(argv, env=environment, check=False).returncode
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
