"""`make run`: database, migrations, demo data, then web server and task worker until Ctrl-C."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from meldeportal.localdb import database_url, exit_on_signals

BASE_DIR = Path(__file__).resolve().parent.parent


def main() -> int:
    exit_on_signals()  # through the ``finally`` below: server and worker are stopped, their port freed
    var_dir = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))
    environment = {**os.environ, "DATABASE_URL": database_url(var_dir)}
    environment.setdefault("MELDEPORTAL_ENV", "development")
    manage = [sys.executable, str(BASE_DIR / "manage.py")]
    address = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
    processes: list[subprocess.Popen[bytes]] = []
    interrupted = False
    try:
        for step in (["migrate", "--noinput"], ["seed_demo"], ["recover_packages"]):
            if subprocess.run([*manage, *step], env=environment, check=False).returncode:
                return 1
        processes.append(subprocess.Popen([*manage, "db_worker", "--interval", "1", "--no-reload"], env=environment))
        processes.append(subprocess.Popen([*manage, "runserver", address, "--noreload"], env=environment))
        print(f"Meldeportal läuft auf http://{address}/ – beenden mit Strg+C", flush=True)
        while all(process.poll() is None for process in processes):
            time.sleep(0.5)
        return 1  # one of them stopped on its own: stop the other, report failure
    except KeyboardInterrupt:
        interrupted = True
        return 0
    finally:
        for which in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):  # a second one must not cut the shutdown short
            signal.signal(which, signal.SIG_IGN)
        # Ctrl-C reached the children too (same process group): give them time to finish on their own.
        grace = 10.0 if interrupted else 0.1
        for process in processes:
            try:
                process.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                process.terminate()
                process.wait(timeout=15)


if __name__ == "__main__":
    sys.exit(main())
