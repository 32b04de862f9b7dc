"""Reading uploaded oBDS/ADT-GEKID XML safely, in one streaming pass, and judging it against the official XSD.

Before libxml2 sees a byte: empty files, compressed data (libxml2 would unpack gzip silently), encodings other
than UTF-8 and any DOCTYPE (the only way to declare entities: XXE, billion laughs) are refused. Parsing then runs
with entities unresolved, no network, no DTD and libxml2's size limits (huge_tree=False), validating against the
schema compiled once per process; elements are cleared as they end, so memory does not grow with the file.
"""

from __future__ import annotations

import re
from collections import Counter, deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from typing import IO, Any, NamedTuple

from lxml import etree  # type: ignore[import-untyped]  # lxml-stubs 0.5 lags lxml 6 (no keep_tail, doctype)

from apps.obds.identities import Identities
from apps.obds.messages import german, kind_of, shortened
from apps.obds.repertoire import Repertoire, fast_variant
from apps.obds.schema_model import drop_kept
from apps.obds.schemas import ADT_NS, OBDS_NS, SchemaChoice, SchemaRefused, schema_for

HEAD_BYTES = 64 * 1024
ENCODING = re.compile(rb"""^<\?xml[^>]*\sencoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
UTF8_BOM = b"\xef\xbb\xbf"


class Rejected(Exception):
    """The file cannot be read as an oBDS package; ``message`` is German and fit for the uploader."""

    def __init__(
        self,
        code: str,
        message: str,
        line: int = 0,
        column: int = 0,
        path: str = "",
        original: str = "",
        patient_id: str = "",
        meldung_id: str = "",
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.original = original  # libxml2's own words, when ``message`` translates them
        self.line = line
        self.column = column
        self.path = path
        self.patient_id = patient_id  # of the Patient and Meldung the error lies in, where known
        self.meldung_id = meldung_id


@dataclass(frozen=True)
class Verdict:
    """The schema verdict of one file: its format and version and, when it is invalid, its problems (up to
    ``SHOWN``), how many libxml2 found, and how many of each kind (``messages.kind_of``)."""

    format: str
    schema_version: str
    problems: tuple[Rejected, ...] = ()
    found: int = 0
    kinds: dict[str, int] = field(default_factory=dict)

    @property
    def valid(self) -> bool:
        return not self.problems

    @property
    def problem(self) -> Rejected | None:
        """The first problem."""
        return self.problems[0] if self.problems else None


SHOWN = 100  # schema errors listed in a validation report; the rest are counted


def precheck(head: bytes) -> None:
    """Refusals that need only the first bytes."""
    if not head.strip():
        raise Rejected("leer", "Die Datei ist leer.")
    if head.startswith(b"\x1f\x8b") or head.startswith(b"BZh") or head.startswith(b"\xfd7zXZ"):
        raise Rejected(
            "komprimiert", "Die Datei ist komprimiert (z. B. gzip). Bitte laden Sie die XML-Datei selbst hoch."
        )
    if head.startswith(b"PK\x03\x04"):
        raise Rejected(
            "zip", "Die Datei ist ein ZIP-Archiv, obwohl ihr Name nicht auf .zip endet. Bitte benennen Sie sie um."
        )
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in head[:200]:
        raise Rejected("kodierung", "Die Datei ist in UTF-16 kodiert. Erlaubt ist nur UTF-8.")
    body = head.removeprefix(UTF8_BOM)
    declared = ENCODING.match(body)
    if declared and declared.group(1).upper().replace(b"_", b"-") not in (b"UTF-8", b"UTF8"):
        name = declared.group(1).decode("ascii")
        raise Rejected("kodierung", f"Die Datei ist als „{name}“ kodiert. Erlaubt ist nur UTF-8.")
    if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
        raise Rejected(
            "doctype", "Die Datei enthält eine DOCTYPE- oder ENTITY-Deklaration. Das ist in oBDS nicht erlaubt."
        )


VISITED = ("Absender", "Meldedatum", "Patient", "Melder")


def events(
    source: IO[bytes], schema: etree.XMLSchema | None, tags: list[str] | None = None
) -> Iterator[tuple[str, etree._Element]]:
    return etree.iterparse(  # type: ignore[no-any-return]
        source,
        events=("end",) if tags else ("start", "end"),
        tag=tags,
        schema=schema,
        # Not False: with a schema, lxml 6 then lets a truncated file pass as valid. Entities cannot come in
        # anyway (a DOCTYPE is refused before parsing) and "internal" never loads anything from outside.
        resolve_entities="internal",
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        recover=False,
        remove_pis=True,
        # The white space between elements is no content; libxml2 then makes no text node of it (some 167 000
        # for a 10 MB package). A value of white space only stays (a test compares such values with xmllint).
        # The schema check's child: 3 024–3 107 → 2 844 million instructions for the 10 MB package (callgrind).
        remove_blank_text=True,
        remove_comments=True,  # so that an element's text is whole, as libxml2 checks it, even around a comment
    )


def _root(source: IO[bytes]) -> etree._Element:
    try:
        for _, element in events(source, None):
            if element.getroottree().docinfo.doctype:
                raise Rejected("doctype", "Die Datei enthält eine DOCTYPE-Deklaration.")
            return element
    except etree.XMLSyntaxError as error:
        raise _rejected(error) from None
    raise Rejected("leer", "Die Datei enthält kein XML-Element.")


WRAPPED = re.compile(r"line (\d+): b'(.*)'(?: \(line \d+\))?")  # how lxml reports a parser error met during validation


def _rejected(error: etree.XMLSyntaxError, line: int = 0, path: str = "") -> Rejected:
    entry = error.error_log.last_error if error.error_log else None
    if entry is None:
        message, line = _unwrapped(str(error.msg or error), line)
        return _explained("syntax", message, line or error.lineno or 0, 0, path)
    return _from_entry(entry, line or error.lineno or 0, path)


def _from_entry(entry: etree._LogEntry, line: int, path: str) -> Rejected:
    message, line = _unwrapped(entry.message, line)
    kind = "schema" if entry.domain_name == "SCHEMASV" else "syntax"
    return _explained(kind, message, entry.line or line, max(entry.column, 0), path)


def _unwrapped(message: str, line: int) -> tuple[str, int]:
    if wrapped := WRAPPED.fullmatch(message):
        return wrapped.group(2), int(wrapped.group(1))
    return message, line


def _explained(kind: str, message: str, line: int, column: int, path: str) -> Rejected:
    explained = german(message)
    if explained is None:
        return Rejected(kind, message, line, column, path)
    return Rejected(kind, explained, line, column, path, original=shortened(message))


ELEMENT_IN_MESSAGE = re.compile(r"Element '(?:\{[^}]*\})?([^']+)'")


class Located(NamedTuple):
    """Where the second pass met an error, and libxml2's entry for it (None: a fatal error without one)."""

    line: int
    path: str
    entry: etree._LogEntry | None
    patient_id: str = ""
    meldung_id: str = ""


def _located(source: IO[bytes], schema: etree.XMLSchema, wanted: int) -> list[Located]:
    """Line and element path of the file's errors, up to ``wanted`` of them, found by reading again line by line.

    Streaming schema validation in libxml2 reports no line numbers, and the fast pass reads 32 KiB at a time;
    so only a file that failed is read a second time, one line after another, until ``wanted`` errors have
    recurred (or a fatal one). Each error names its element; the last element of that name read so far gives line
    and path. A keyref error is found only where its scope ends, long after the element it names: it gets no line.
    """
    source.seek(0)
    parser = etree.XMLPullParser(
        events=("start", "end"), schema=schema, resolve_entities="internal", no_network=True, load_dtd=False
    )
    open_elements: list[str] = []
    last_seen: dict[str, tuple[int, str]] = {}
    recent_lines: deque[tuple[int, bytes]] = deque(maxlen=5)
    found: list[Located] = []
    inside = {"Patient": "", "Meldung": ""}  # the Patient_ID and Meldung_ID being read
    for number, line in enumerate(source, start=1):
        recent_lines.appendleft((number, line))
        failed = False
        try:
            parser.feed(line)
        except etree.XMLSyntaxError:
            failed = True
        for event, element in parser.read_events():
            name = etree.QName(element).localname
            if event == "start":
                open_elements.append(name)
                last_seen[name] = (element.sourceline or number, "/" + "/".join(open_elements))
                _note_ids(name, element, inside)
            else:
                open_elements.pop()
                if name in inside:
                    inside[name] = inside["Meldung"] = ""
                if element.getparent() is not None:
                    forget(element)
        log = parser.feed_error_log  # schema errors land here at once but are raised only at close()
        known = len(found)
        if len(log) > known:
            for entry in list(log)[known:]:
                where = _where(entry.message, number, open_elements, last_seen, recent_lines)
                found.append(Located(*where, entry, inside["Patient"], inside["Meldung"]))
        elif failed:  # a fatal error without an entry of its own
            found.append(Located(number, "/" + "/".join(open_elements), None))
        if failed or len(found) >= wanted:
            return found[:wanted]
    return found


def _where(
    message: str,
    number: int,
    open_elements: list[str],
    last_seen: dict[str, tuple[int, str]],
    recent_lines: deque[tuple[int, bytes]],
) -> tuple[int, str]:
    named = ELEMENT_IN_MESSAGE.match(message)
    path = "/" + "/".join(open_elements)
    if named and KEYREF in message:
        return 0, ""
    if named and named.group(1) in last_seen:
        return last_seen[named.group(1)]
    if named:  # refused at its start tag, so never reported as read: find the tag in the last lines
        tag = re.compile(rb"<(?:[\w.-]+:)?" + re.escape(named.group(1).encode()) + rb"[\s/>]")
        for candidate, text in recent_lines:
            if tag.search(text):
                return candidate, f"{path}/{named.group(1)}"
    return number, path


KEYREF = "No match found for key-sequence"


def _note_ids(name: str, element: etree._Element, inside: dict[str, str]) -> None:
    """oBDS names the patient on Patient, ADT/GEKID on its Patienten_Stammdaten; both name the Meldung on it."""
    if name in ("Patient", "Patienten_Stammdaten") and element.get("Patient_ID"):
        inside["Patient"] = element.get("Patient_ID", "")
    elif name == "Meldung":
        inside["Meldung"] = element.get("Meldung_ID", "")


Visit = Callable[[etree._Element], None]


def judge(source: IO[bytes], visit: Visit | None = None) -> Verdict:
    """The schema verdict for a seekable file; raises Rejected only when the file is not XML we may read.

    ``visit`` sees each Absender, Meldedatum, Patient and Melder complete, as it ends, while the same pass validates;
    what it learnt is only trustworthy when the verdict is valid. Only those elements come back to Python
    (the rest stays in libxml2), and each is dropped once seen, so memory holds one patient at a time.
    """
    choice = chosen_schema(source)
    return validated(source, choice, visit)


def chosen_schema(source: IO[bytes]) -> SchemaChoice:
    """The schema the file's root asks for, after the refusals that need only its first bytes. Its variant for
    ``repertoire`` is made here too, once per process: ``judge_alongside`` calls this before it forks, so that no
    child makes it anew (0.1–0.2 s each)."""
    precheck(source.read(HEAD_BYTES))
    source.seek(0)
    root = _root(source)
    source.seek(0)
    try:
        choice = schema_for(root.tag, root.get("Schema_Version", ""))
    except SchemaRefused as refusal:
        raise Rejected("format", str(refusal)) from None
    fast_variant(choice.filename, VISITED)
    return choice


def validated(source: IO[bytes], choice: SchemaChoice, visit: Visit | None) -> Verdict:
    """The verdict; ``visit`` sees no element once libxml2 has logged an error (lxml raises it only at the
    end of the file), so a package refused early is not checked and stored to its end first.

    Where ``repertoire`` takes the XSD's long patterns over (and ``identities`` its identity constraints), the pass
    runs against the XSD without them and checks them on each visited element; a file that fails either is judged
    again against the official XSD alone, which then gives the verdict, its errors, and the visits the first pass
    had not made."""
    fast = fast_variant(choice.filename, VISITED)
    if fast is not None:
        checked = _Checked(fast.repertoire, Identities(fast.constraints), visit)
        if _passes(source, fast.schema, visited_tags(choice), checked):
            return Verdict(choice.format, choice.version)
        source.seek(0)
        visit = _Skipping(checked.visits, visit)
    failure = _failure(source, choice.schema, visited_tags(choice), visit)
    if failure is None:
        return Verdict(choice.format, choice.version)
    return _refused(source, choice, *failure)


Raised = Callable[[int, str], Rejected]


def _failure(
    source: IO[bytes], schema: etree.XMLSchema, tags: list[str], visit: Visit | None
) -> tuple[list[etree._LogEntry], Raised] | None:
    """One pass: None for a valid file, else what libxml2 logged and how to make the error it raised."""
    etree.clear_error_log()  # this thread's log still holds errors of earlier files
    first_error = None
    parsing: Any = events(source, schema, tags)  # lxml's iterparse, with its error_log
    try:
        for _, element in parsing:
            if first_error is None and (logged := parsing.error_log.filter_from_errors()):
                first_error = logged[0]
            if visit is not None and first_error is None:
                visit(element)
            forget(element)
    except etree.XMLSyntaxError as error:
        return _logged(parsing), partial(_rejected, error)
    if first_error is not None:  # logged but never raised: still refused, as visit did not see it all
        return _logged(parsing), partial(_from_entry, first_error)
    return None


def _passes(source: IO[bytes], schema: etree.XMLSchema, tags: list[str], checked: _Checked) -> bool:
    """The first pass: whether the file is valid; it stops at the first error or fault, as the official XSD's
    pass then judges the file anew."""
    etree.clear_error_log()
    parsing: Any = events(source, schema, tags)
    try:
        for _, element in parsing:
            if parsing.error_log.filter_from_errors():
                return False
            checked(element)
            if checked.fault is not None:
                return False
            forget(element)
    except etree.XMLSyntaxError:
        return False
    return not parsing.error_log.filter_from_errors() and checked.identities.complete()


class _Checked:
    """A visit that first checks what the official XSD checks and the first pass's does not: the taken-over
    patterns and identity constraints of the element."""

    def __init__(self, repertoire: Repertoire, identities: Identities, visit: Visit | None) -> None:
        self.repertoire = repertoire
        self.identities = identities
        self.visit = visit
        self.fault: str | None = None  # the tag of the first element with a fault
        self.visits = 0

    def __call__(self, element: etree._Element) -> None:
        if not (self.repertoire.passes(element) and self.identities.passes(element)):
            self.fault = element.tag
        elif self.visit is not None:
            self.visit(element)
            self.visits += 1
        drop_kept()


class _Skipping:
    """A visit that passes over the elements an earlier pass has visited already."""

    def __init__(self, skipped: int, visit: Visit | None) -> None:
        self.skipped = skipped
        self.visit = visit

    def __call__(self, element: etree._Element) -> None:
        if self.skipped:
            self.skipped -= 1
        elif self.visit is not None:
            self.visit(element)


def _logged(parsing: Any) -> list[etree._LogEntry]:
    return list(parsing.error_log.filter_from_errors())


def _refused(source: IO[bytes], choice: SchemaChoice, logged: list[etree._LogEntry], raised: Raised) -> Verdict:
    """The file's errors where the second pass found them; ``raised`` makes one the fast pass met, where that
    pass has no entry for it (a truncated file fails only at its end)."""
    located = _located(source, choice.schema, min(max(len(logged), 1), SHOWN))
    problems = [raised(found.line, found.path) if found.entry is None else _at(found, found.entry) for found in located]
    if not problems:
        problems = [raised(0, "")]
    kinds = Counter(kind_of(_unwrapped(entry.message, 0)[0]) for entry in logged)
    return Verdict(choice.format, choice.version, tuple(problems), max(len(logged), len(problems)), dict(kinds))


def _at(found: Located, entry: etree._LogEntry) -> Rejected:
    """An error where the second pass found it: a schema error at the line found for it (libxml2's own line there
    is where the validator noticed it: the end of the element, or of a keyref's scope)."""
    if entry.domain_name != "SCHEMASV":
        refused = _from_entry(entry, found.line, found.path)
    else:
        message, _ = _unwrapped(entry.message, found.line)
        refused = _explained("schema", message, found.line, max(entry.column, 0), found.path)
    if found.line:  # a keyref error's place, and so its Patient, is not known
        refused.patient_id, refused.meldung_id = found.patient_id, found.meldung_id
    return refused


def visited_tags(choice: SchemaChoice) -> list[str]:
    namespace = OBDS_NS if choice.format == "oBDS" else ADT_NS
    return [f"{{{namespace}}}{name}" for name in VISITED]


def forget(element: etree._Element) -> None:
    """Drop what is done with (lxml's iterparse pattern) so memory stays flat."""
    element.clear(keep_tail=True)
    parent = element.getparent()
    while parent is not None and element.getprevious() is not None:
        del parent[0]
