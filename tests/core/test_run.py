"""`make run` itself: it serves the portal, and a SIGTERM (``kill``, a closed terminal) stops all it started."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import psutil  # type: ignore[import-untyped]
import psycopg
import pytest
from django.db import connection

from meldeportal.localdb import postgres_url

BASE_DIR = Path(__file__).resolve().parents[2]


@pytest.fixture
def empty_database() -> Iterator[str]:
    """A database of its own: `make run` migrates and seeds it, which the test database must not get."""
    config = connection.settings_dict
    server = {"user": config["USER"] or "", "password": config["PASSWORD"] or "", "host": config["HOST"] or "",
              "port": str(config["PORT"] or "")}  # fmt: skip
    name = f"meldeportal_run_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(postgres_url(**server, name="postgres"), autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")  # a name made above, not input
        try:
            yield postgres_url(**server, name=name)
        finally:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for_page(url: str, runner: subprocess.Popen[str], seconds: float) -> int:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert runner.poll() is None, "make run stopped on its own"
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 -- our own local server
                return int(response.status)
        except OSError:
            time.sleep(0.5)
    raise AssertionError(f"{url} did not answer within {seconds} s")


def started_from(folder: Path) -> list[psutil.Process]:
    """Every process whose command line names ``folder`` (the embedded server is no child: pg_ctl detaches it)."""
    found = []
    for process in psutil.process_iter(["cmdline"]):
        if any(str(folder) in part for part in process.info["cmdline"] or ()):
            found.append(process)
    return found


@pytest.mark.django_db
@pytest.mark.parametrize("embedded", [False, True], ids=["DATABASE_URL given", "embedded PostgreSQL"])
def test_make_run_serves_the_portal_and_a_sigterm_stops_all_it_started(embedded, request, tmp_path):
    port = free_port()
    environment = {**os.environ, "VAR_DIR": str(tmp_path), "PORT": str(port)}
    environment.pop("MELDEPORTAL_ENV", None)
    if embedded:  # as on a fresh laptop: `make run` starts its own PostgreSQL in VAR_DIR
        del environment["DATABASE_URL"]
    else:
        environment["DATABASE_URL"] = request.getfixturevalue("empty_database")
    runner = subprocess.Popen(
        [sys.executable, "-m", "meldeportal.run"], cwd=BASE_DIR, env=environment, text=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    started: list[psutil.Process] = []
    try:
        assert wait_for_page(f"http://127.0.0.1:{port}/anmelden/", runner, seconds=180) == 200
        started += psutil.Process(runner.pid).children(recursive=True)
        assert len(started) >= 2  # web server and task worker
        if embedded:
            started += [process for process in started_from(tmp_path) if process not in started]
            assert any("postgres" in process.name() for process in started)
        runner.send_signal(signal.SIGTERM)
        assert runner.wait(timeout=40) == 128 + signal.SIGTERM
        _gone, alive = psutil.wait_procs(started, timeout=10)
        assert alive == []
        with socket.socket() as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the web server binds it
            probe.bind(("127.0.0.1", port))  # the next `make run` finds its port free
    finally:  # a failing run must not leave its processes behind for the next test
        for process in [runner, *started]:
            if psutil.pid_exists(process.pid):
                process.kill()
