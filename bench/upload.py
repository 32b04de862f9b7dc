"""WebUpload throughput: generated valid oBDS 3.0.4 packages of ~10 MB and ~100 MB, against xmllint.

Run: make bench   (or: python -m meldeportal.localdb .venv/bin/python bench/upload.py)
Sizes in MB: BENCH_UPLOAD_SIZES (default "10,100"). Works in a throw-away test database. For each size, in
BENCH_UPLOAD_ROUNDS rounds (default 3), each with a package of its own (for an institution of its own):
- xmllint --stream --noout --schema oBDS_v3.0.4.xsd on the round's file: the libxml2 floor;
- receiving the upload (hash + encrypt + store the original), as the upload page does;
- the full processing by a real worker process (manage.py db_worker --batch): schema validation,
  ownership, plausibility of every Meldung, split into reports, encrypt and store; measured from the
  worker taking the package up until its outcome is committed (as the worker logs it), with the worker's
  peak RSS. As in production the worker is already running:
  a small package goes first (its time, which includes loading the XSD, the code lists and the content
  model, and the worker's own start-up are printed apart).
  The rounds alternate the two, so that both meet the machine's slow and fast moments alike; printed are each
  round's figures, the ratio of the medians and the ratio of the best times (the same statistic for both sides:
  a single run of the portal against xmllint's best would favour xmllint, its best against a single run of
  xmllint would favour the portal). Then, once each:
- the daily case: a follow-up package for the first round's institution, its patients again with a new Meldung of
  every type but Diagnose and Tod (known patients and tumours), each with a new address (the Stammdaten of every
  patient change), against xmllint on that file (the best of three runs);
- the same processing for a package inside a ZIP archive (read from the encrypted store), against the rounds'
  median xmllint time.
"""

from __future__ import annotations

import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import IO, NamedTuple

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "meldeportal.settings")

import django

django.setup()

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import connection
from django.test.utils import override_settings, setup_test_environment

from apps.accounts.models import Role, User
from apps.institutions.models import Institution, UploadStatus
from apps.reports.models import Report
from apps.uploads.actions import do_receive_package
from apps.uploads.models import Package
from tests.database import database_url_for_subprocess
from tests.personas import make_user
from tests.uploads.packages import write_follow_up, write_package

BASE_DIR = Path(__file__).resolve().parent.parent
MB = 1024 * 1024


def xmllint(path: Path, runs: int = 3) -> float:
    schema = Path(settings.OBDS_SCHEMA_DIR) / "oBDS_v3.0.4.xsd"
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        result = subprocess.run(
            ["xmllint", "--stream", "--noout", "--schema", str(schema), str(path)], capture_output=True, check=False
        )
        times.append(time.perf_counter() - started)
        if result.returncode:
            raise SystemExit(f"xmllint refused the generated package: {result.stderr[-500:]!r}")
    return min(times)


PAGE = os.sysconf("SC_PAGE_SIZE")


def resident(pid: int) -> int:
    """The resident memory of a process, from /proc (0 once it has ended)."""
    try:
        return int(Path(f"/proc/{pid}/statm").read_bytes().split()[1]) * PAGE
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return 0


def tree_rss(pid: int) -> int:
    """The worker's memory and its schema-check child's; pages they share count twice (an upper bound).

    Read from /proc, not with psutil: psutil finds a process's children by reading every process on the machine,
    1.7 ms a time here, which every 20 ms would take 9 % of a core from the two the measured work runs on
    (/proc's list of the children of the worker's main thread, which forks the child: 0.03 ms)."""
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_bytes().split()
    except (FileNotFoundError, ProcessLookupError):
        children = []
    return resident(pid) + sum(resident(int(child)) for child in children)


def worker(log: IO[bytes]) -> tuple[float, int]:
    """Run one worker until the queue is empty, its log into ``log``; its wall time and peak RSS (sampled every
    20 ms)."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "manage.py", "db_worker", "--batch", "--no-startup-delay", "--no-reload"],
        # DEBUG off as in production: with it Django keeps the last 9000 SQL statements in memory
        # LOG_LEVEL INFO: the package's processing time is read from the worker's log
        env={**os.environ, "DATABASE_URL": database_url_for_subprocess(), "DEBUG": "false", "LOG_LEVEL": "INFO"},
        cwd=BASE_DIR,
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    peak = 0
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not stop.is_set():
            peak = max(peak, tree_rss(process.pid))
            time.sleep(0.02)

    sampler = threading.Thread(target=sample)
    sampler.start()
    process.wait()
    stop.set()
    sampler.join()
    if process.returncode:
        log.seek(0)
        raise SystemExit(f"the worker failed: {log.read()[-2000:].decode(errors='replace')}")
    return time.perf_counter() - started, peak


def bench_institution(label: str) -> tuple[Institution, User]:
    """Each package for its own institution: the same generated ids would otherwise be duplicates."""
    institution = Institution.objects.create(
        name=f"Klinikum Bench {label}", melder_id=f"BENCH{label}", upload_status=UploadStatus.FREIGEGEBEN
    )
    return institution, make_user(f"bench.doku{label.lower()}", Role.DOKUMENTATION, institution)


def receive(path: Path, institution: Institution, user: User) -> Package:
    with path.open("rb") as source:
        return do_receive_package(
            UploadedFile(source, name=path.name, size=path.stat().st_size), institution=institution, acting_user=user
        )


def warm_up(folder: Path, label: str) -> Package:
    """A small package queued first, so that the measured one meets a running worker, as in production: the
    first package after a worker's start also loads the XSD, the code lists and the content model."""
    institution, user = bench_institution(f"{label}W")
    path = folder / f"warm-up-{label}.xml"
    with path.open("wb") as target:
        write_package(target, institution, 64 * 1024)
    return receive(path, institution, user)


def seconds(log: IO[bytes], package: Package) -> float:
    """What the worker logged for ``package``: from taking it up until its outcome is committed."""
    log.seek(0)
    found = re.search(rf"Paket {package.uuid}: \S+ nach ([0-9.]+) s".encode(), log.read())
    if found is None:
        raise SystemExit(f"the worker logged no time for package {package.uuid}")
    return float(found[1])


def processed(
    path: Path, institution: Institution, user: User, meldungen: int, first: Package
) -> tuple[float, float, float, float, int]:
    """Receive ``path`` as the upload page does and let a worker process it after ``first``: receive time,
    processing time of the package and of ``first``, the worker's wall time and its peak RSS."""
    started = time.perf_counter()
    package = receive(path, institution, user)
    received = time.perf_counter() - started
    with tempfile.TemporaryFile() as log:
        wall, peak = worker(log)
        processing, warm_up_processing = seconds(log, package), seconds(log, first)
    assert Package.objects.get(pk=first.pk).state == "angenommen", "the warm-up package was refused"
    package = Package.objects.get(pk=package.pk)
    stored = Report.objects.filter(package=package).count()
    if package.state != "angenommen" or stored != meldungen:
        raise SystemExit(
            f"processing went wrong: {package.state}, {stored} of {meldungen} stored, {package.problems[:3]}"
        )
    return received, processing, warm_up_processing, wall, peak


ROUNDS = int(os.environ.get("BENCH_UPLOAD_ROUNDS", "3"))


class Round(NamedTuple):
    """One round of a size: its package's institution and counts, xmllint's time on the file, then the worker's."""

    institution: Institution
    user: User
    size: int
    patients: int
    meldungen: int
    xmllint: float
    received: float
    processing: float
    warm_up: float
    wall: float
    peak: int


def one_round(size_mb: int, number: int, folder: Path) -> Round:
    institution, user = bench_institution(f"{size_mb}R{number}")
    path = folder / f"paket-{size_mb}mb-{number}.xml"
    with path.open("wb") as target:
        patients, meldungen = write_package(target, institution, size_mb * MB)
    floor = xmllint(path, runs=1)
    first = warm_up(folder, f"{size_mb}R{number}")
    measured = processed(path, institution, user, meldungen, first)
    size = path.stat().st_size
    path.unlink()  # three 100 MB files need not wait for the end
    return Round(institution, user, size, patients, meldungen, floor, *measured)


def figures(values: list[float], unit: str = " s") -> str:
    return "".join(f"{value:6.2f}" for value in values) + unit


def measure(size_mb: int, folder: Path) -> None:
    rounds = [one_round(size_mb, number, folder) for number in range(ROUNDS)]
    floors, times = [each.xmllint for each in rounds], [each.processing for each in rounds]
    floor, processing = statistics.median(floors), statistics.median(times)
    ratios = [each.processing / each.xmllint for each in rounds]
    print(f"\n~{size_mb} MB package: {rounds[0].size / MB:.1f} MB, {rounds[0].patients} patients, "
          f"{rounds[0].meldungen} Meldungen (all 8 types); {ROUNDS} rounds, each: xmllint, then the worker, "
          "on the round's own package")  # fmt: skip
    print(f"  xmllint --stream --schema (floor)   {figures(floors)}")
    print(f"  worker: full processing             {figures(times)}")
    print(f"  ratio to xmllint, each round        {figures(ratios, '')}")
    print(f"  ratio of the medians {processing / floor:5.2f}, of the best times {min(times) / min(floors):5.2f}")
    print(f"  receive: hash + encrypt + store     {figures([each.received for each in rounds])}")
    warm_ups = figures([each.warm_up for each in rounds])
    print(f"  the small first package (64 KB)     {warm_ups}   (loads XSD, code lists, model)")
    print(f"  worker: wall incl. start-up         {figures([each.wall for each in rounds])}   (and the small package)")
    print(f"  Meldungen per second (median)       {rounds[0].meldungen / processing:6.0f}")
    print(f"  worker peak RSS (with its child)    {max(each.peak for each in rounds) / MB:6.0f} MB (the largest)")
    follow_up(size_mb, rounds[0], folder)
    zipped(size_mb, floor, folder)


def follow_up(size_mb: int, first_round: Round, folder: Path) -> None:
    """The daily case: the first round's patients again for the same institution, known patients and tumours."""
    institution, user = first_round.institution, first_round.user
    later = folder / f"folgepaket-{size_mb}mb.xml"
    with later.open("wb") as target:
        follow_ups = write_follow_up(target, institution, first_round.patients)
    later_floor = xmllint(later)
    first = warm_up(folder, f"{size_mb}F")
    _, processing, _, _, peak = processed(later, institution, user, follow_ups, first)
    print(
        f"  follow-up ({later.stat().st_size / MB:.1f} MB, the same patients moved, {follow_ups} new Meldungen): "
        f"{processing:.2f} s, xmllint {later_floor:.2f} s, ratio {processing / later_floor:5.2f}, "
        f"peak RSS {peak / MB:.0f} MB"
    )


def zipped(size_mb: int, floor: float, folder: Path) -> None:
    """The same package in a ZIP archive (for an institution of its own), read from the encrypted store."""
    institution, user = bench_institution(f"{size_mb}Z")
    archive = folder / f"paket-{size_mb}mb.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as packed, packed.open("paket.xml", "w") as target:
        _, meldungen = write_package(target, institution, size_mb * MB)  # its own Melder_ID: one more or fewer
    first = warm_up(folder, f"{size_mb}Z")
    _, processing, _, _, peak = processed(archive, institution, user, meldungen, first)
    print(f"  as ZIP ({archive.stat().st_size / MB:.1f} MB): full processing {processing:.2f} s, "
          f"ratio to the median xmllint {processing / floor:5.2f}, peak RSS {peak / MB:.0f} MB")  # fmt: skip


def run() -> None:
    sizes = [int(part) for part in os.environ.get("BENCH_UPLOAD_SIZES", "10,100").split(",")]
    with tempfile.TemporaryDirectory() as folder:
        for size_mb in sizes:
            measure(size_mb, Path(folder))


def main(run: Callable[[], None] = run) -> None:
    """``run`` in a throw-away test database."""
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
            run()
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
