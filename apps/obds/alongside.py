"""The schema verdict of ``safe_xml.judge`` in about the time of the slower half, on two cores.

libxml2 holds Python's lock while it validates, so a thread would not run beside it. Instead a forked child
validates its own fresh copy of the file (``reopen``) and, as each element ``judge`` visits ends, hands what
``read`` makes of it (plain values) through a pipe to this process, which gives it to ``take`` (for the upload:
checking and storing a patient). The file is parsed once: the child builds the tree it validates anyway, and this
process spends its core on the checks and the database. The pipe holds a few dozen patients at most (the child
waits when it is full), so memory stays flat. The child's last message is the verdict; it never uses the database
connection it inherits and leaves through os._exit. A child that finds an error reads nothing further.

Forking is safe because the worker (django-tasks' db_worker) runs no other threads whose locks the child could
inherit.

Measured on the 10 MB benchmark package in a test process (medians of ten runs each way): this process parsing
the file a second time, without the schema, and reading the elements itself while the child only validated
(batches of 200 patients) took 0.61 s; reading in the child, with the pipe widened and batches of 50, takes
0.56 s. The child's reading gains only together with the wider pipe: without it, the same code took 0.66 s in a
later comparison (see ``_widen``). Tried and dropped: storing whatever has come whenever the pipe is empty (no
measurable gain).

Where this process falls behind, the child takes on some of its work (``lagging``, see ``_lagging``): for the
upload, the plausibility rules of a patient. Always running them in the child made it the slower half.
"""

from __future__ import annotations

import contextlib
import fcntl
import multiprocessing
import sys
import termios
from collections.abc import Callable
from contextlib import AbstractContextManager
from multiprocessing.connection import Connection
from typing import IO, Any

from lxml import etree  # type: ignore[import-untyped]  # lxml-stubs 0.5 lags lxml 6

from apps.obds.safe_xml import Rejected, Verdict, chosen_schema, validated
from apps.obds.schemas import SchemaChoice

Opener = Callable[[], AbstractContextManager[IO[bytes]]]
# What crosses the pipe: plain values only, and it must not raise. Its flag says that the taking side lags
# behind: the reading side has time to spare and may do some of the taker's work.
Read = Callable[[etree._Element, bool], Any]
Take = Callable[[Any], None]
Reached = Callable[[int], None]  # how many bytes of the file the child has read (for the package's progress)
READ, CHECKED, REFUSED = "gelesen", "geprueft", "abgelehnt"


def judge_alongside(
    source: IO[bytes], reopen: Opener, read: Read, take: Take, reached: Reached | None = None
) -> Verdict:
    """``judge``'s verdict; ``take`` gets ``read`` of each element ``judge`` would visit, in the same order, and
    ``reached`` after it how far into the file the child had read then."""
    choice = chosen_schema(source)
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    _widen(sender)
    child = context.Process(target=_validate_copy, args=(reopen, choice, read, receiver, sender), daemon=True)
    try:
        child.start()
    except OSError:  # no process to spare (memory, process limit): the same verdict, one core
        receiver.close()
        sender.close()
        return validated(source, choice, lambda element: take(read(element, False)))
    sender.close()
    kind, fields, found = "", None, 0  # until the child answers
    try:
        kind, fields, found = _follow(receiver, take, reached or _nowhere)
    except EOFError:
        raise RuntimeError("the schema check's child process died without a verdict") from None
    finally:
        receiver.close()
        if kind:  # the child has answered and is leaving
            child.join(timeout=1)
        if child.is_alive():  # ``take`` gave up (e.g. a refused schema version) or the child hangs
            child.kill()
            child.join()
    if kind == REFUSED:
        raise Rejected(*fields)
    problems, kinds = fields
    return Verdict(choice.format, choice.version, tuple(Rejected(*each) for each in problems), found, kinds)


PIPE_BYTES = 1024 * 1024  # Linux's limit for an unprivileged process (/proc/sys/fs/pipe-max-size)


def _widen(end: Connection) -> None:
    """Room for a few dozen patients in the pipe (64 KiB by default, about two), so the child reads on while this
    process stores a batch instead of waiting for it. Measured on the 10 MB benchmark package in a test process
    (medians of ten runs each way): 0.51 s with it, 0.66 s without. Where the system refuses, the pipe stays as
    it is."""
    with contextlib.suppress(OSError, AttributeError):  # AttributeError: no F_SETPIPE_SZ outside Linux
        fcntl.fcntl(end.fileno(), fcntl.F_SETPIPE_SZ, PIPE_BYTES)


LAGGING_BYTES = PIPE_BYTES // 2


def _lagging(end: Connection) -> bool:
    """Whether more than half of the widened pipe waits to be taken: the taking process is behind, and the
    child, whose core then has time to spare, may do some of its work. For the upload the child then runs the
    rules of a patient. In a test process (2026-12-01, alternating) the 100 MB package took 4.06–4.37 s with a
    quarter as the mark instead of 4.85–5.03 s without, the 10 MB package 0.44–0.47 s instead of 0.47–0.51 s; with
    half the pipe the 100 MB package took 4.01–4.22 s, with an eighth 4.25–4.54 s, with three quarters 4.54–4.77 s.
    Once the child's reading had become quicker (2026-12-02), half beat a quarter in 9 of 12 alternating rounds of
    each size (medians 0.517 s against 0.536 s for 10 MB; 4.633 s and 5.035 s against 5.367 s and 5.289 s for
    100 MB). Three quarters: 10 MB quicker still (0.472 s against 0.525 s), 100 MB slower (4.982 s against 4.418 s).
    Where the pipe cannot say how full it is, or was not widened, never."""
    try:
        unread = fcntl.ioctl(end.fileno(), termios.FIONREAD, bytes(4))
    except OSError:
        return False
    return int.from_bytes(unread, sys.byteorder) > LAGGING_BYTES


def _follow(receiver: Connection, take: Take, reached: Reached) -> tuple[str, Any, int]:
    """This process's pass: each element the child read (and how far it had read then), then its verdict."""
    while True:
        kind, value, number = receiver.recv()
        if kind != READ:
            return kind, value, number
        take(value)
        reached(number)


def _nowhere(position: int) -> None:
    pass


def _validate_copy(reopen: Opener, choice: SchemaChoice, read: Read, receiver: Connection, sender: Connection) -> None:
    """In the child: each element read, then the verdict for a fresh copy of the file, sent as plain values.

    The child closes its copy of the pipe's reading end first: when this process dies (a killed worker), the
    child's next send then fails and it leaves, instead of waiting for room forever while it holds the worker's
    database connection, and with it the package's lock, open."""
    receiver.close()
    try:
        with reopen() as copy:
            copy.seek(0)
            verdict = validated(
                copy, choice, lambda element: sender.send((READ, read(element, _lagging(sender)), copy.tell()))
            )
        problems = tuple(_fields(problem) for problem in verdict.problems)
        sender.send((CHECKED, (problems, verdict.kinds), verdict.found))
    except Rejected as refused:  # e.g. a member of a ZIP archive that is damaged
        sender.send((REFUSED, _fields(refused), 0))


def _fields(refused: Rejected) -> tuple[Any, ...]:
    where = (refused.line, refused.column, refused.path, refused.original, refused.patient_id, refused.meldung_id)
    return (refused.code, refused.message, *where)
