"""The schema verdict of ``safe_xml.judge`` in about the time of the slower half, on two cores.

libxml2 holds Python's lock while it validates, so a thread would not run beside it. Instead a forked child
validates its own fresh copy of the file (``reopen``) while this process reads the same elements without the
schema and gives each to ``visit`` (for the upload: reading, checking and storing a patient). The child sends
back only the verdict, as plain values; it touches no database connection and leaves through os._exit. A
child that finds an error stops this pass at the next element. Forking is safe because the worker (django-tasks'
db_worker) runs no other threads whose locks the child could inherit.

Tried and measured on the 10 MB benchmark package: letting the child also run the plausibility rules (and
send back each patient's data) made the worker slower, 1.4–1.55 s instead of 1.3 s: the child became the
slower half, and the database needs the CPU too.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from contextlib import AbstractContextManager
from multiprocessing.connection import Connection
from typing import IO, Any

from lxml import etree  # type: ignore[import-untyped]  # lxml-stubs 0.5 lags lxml 6

from apps.obds.safe_xml import Rejected, Verdict, Visit, chosen_schema, events, forget, validated, visited_tags
from apps.obds.schemas import SchemaChoice

Opener = Callable[[], AbstractContextManager[IO[bytes]]]
CHECKED, REFUSED = "geprueft", "abgelehnt"


def judge_alongside(source: IO[bytes], reopen: Opener, visit: Visit) -> Verdict:
    """``judge``'s verdict, with ``visit`` run in this process while the child validates."""
    choice = chosen_schema(source)
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_validate_copy, args=(reopen, choice, sender), daemon=True)
    try:
        child.start()
    except OSError:  # no process to spare (memory, process limit): the same verdict, one core
        receiver.close()
        sender.close()
        return validated(source, choice, visit)
    sender.close()
    try:
        kind, fields = _follow(source, choice, receiver, visit)
    except EOFError:
        raise RuntimeError("the schema check's child process died without a verdict") from None
    finally:
        receiver.close()
        child.join(timeout=1)
        if child.is_alive():
            child.kill()
            child.join()
    if kind == REFUSED:
        raise Rejected(*fields)
    return Verdict(choice.format, choice.version, Rejected(*fields) if fields else None)


def _follow(source: IO[bytes], choice: SchemaChoice, receiver: Connection, visit: Visit) -> tuple[str, tuple[Any, ...]]:
    """This process's pass; the child's answer, looked for between elements and waited for at the end."""
    answer: tuple[str, tuple[Any, ...]] | None = None
    try:
        for _, element in events(source, None, visited_tags(choice)):
            if answer is None and receiver.poll():
                answer = receiver.recv()
                if answer[1]:  # refused: what this pass would learn is thrown away
                    break
            visit(element)
            forget(element)
    except etree.XMLSyntaxError:
        pass  # the child meets the same error and says where
    return answer if answer is not None else receiver.recv()


def _validate_copy(reopen: Opener, choice: SchemaChoice, sender: Connection) -> None:
    """In the child: the verdict for a fresh copy of the file, sent as plain values."""
    try:
        with reopen() as copy:
            copy.seek(0)
            problem = validated(copy, choice, None).problem
        sender.send((CHECKED, _fields(problem) if problem is not None else ()))
    except Rejected as refused:  # e.g. a member of a ZIP archive that is damaged
        sender.send((REFUSED, _fields(refused)))


def _fields(refused: Rejected) -> tuple[Any, ...]:
    return (refused.code, refused.message, refused.line, refused.column, refused.path, refused.original)
