"""Where the time of one upload goes: the CPU time of each process that works on it, against xmllint.

Run: python -m meldeportal.localdb .venv/bin/python bench/upload_cpu.py   (not part of make bench)
Size in MB: BENCH_UPLOAD_SIZES (default "10", the first size only); rounds: BENCH_UPLOAD_ROUNDS (default 5).
Works in a throw-away test database. In each round a package of its own (for an institution of its own) is
written, xmllint --stream --schema checks it once, and ``process()`` runs in this process, as the worker runs it.
Printed for each round: the wall time of both and their ratio, and the CPU time of this process (the worker's
part: rules, matching, storing), of its schema-check child (parsing, validating, reading) and of its PostgreSQL
backend. ``bench/upload.py`` gives the figures of a real worker; this one tells which of the three is the slower
half, and lets a change to one part be judged by that part's CPU time even when the machine's speed drifts from
minute to minute (it does on the development VM).
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from django.db import connection
from upload import MB, bench_institution, main, receive, warm_up, xmllint  # also sets Django up

from apps.uploads.models import Package, PackageState
from apps.uploads.processing import process
from tests.uploads.packages import write_package

COLUMNS = ("wall", "xmllint", "ratio", "worker", "child", "postgres")


def backend_seconds(pid: int) -> float:
    """CPU time (user and system) of a PostgreSQL backend on this machine, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def one_round(size_mb: int, number: int, folder: Path) -> tuple[float, ...]:
    institution, user = bench_institution(f"{size_mb}C{number}")
    path = folder / f"paket-{number}.xml"
    with path.open("wb") as target:
        write_package(target, institution, size_mb * MB)
    floor = xmllint(path, runs=1)
    process(str(warm_up(folder, f"{size_mb}C{number}").uuid))  # the measured package meets a warm process
    package = receive(path, institution, user)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (backend,) = cursor.fetchone()
    before, postgres = os.times(), backend_seconds(backend)
    started = time.perf_counter()
    process(str(package.uuid))
    wall = time.perf_counter() - started
    after, postgres = os.times(), backend_seconds(backend) - postgres
    assert Package.objects.get(pk=package.pk).state == PackageState.ANGENOMMEN, "the package was not accepted"
    path.unlink()
    worker = after.user + after.system - before.user - before.system
    child = after.children_user + after.children_system - before.children_user - before.children_system
    return wall, floor, wall / floor, worker, child, postgres


def run() -> None:
    size_mb = int(os.environ.get("BENCH_UPLOAD_SIZES", "10").split(",")[0])
    rounds = int(os.environ.get("BENCH_UPLOAD_ROUNDS", "5"))
    print(f"~{size_mb} MB package, {rounds} rounds; seconds (ratio: wall to xmllint)")
    print("round " + "".join(f"{name:>10}" for name in COLUMNS))
    measured = []
    with tempfile.TemporaryDirectory() as folder:
        for number in range(rounds):
            measured.append(one_round(size_mb, number, Path(folder)))
            print(f"{number + 1:5} " + "".join(f"{value:10.3f}" for value in measured[-1]), flush=True)
    medians = [statistics.median(column) for column in zip(*measured, strict=True)]
    print("median" + "".join(f"{value:10.3f}" for value in medians))


if __name__ == "__main__":
    main(run)
