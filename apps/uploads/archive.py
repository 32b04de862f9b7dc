"""The files of an upload: the XML file itself, or each XML file of a ZIP archive, one after another.

A ZIP archive is read straight from the encrypted store, member by member; nothing is unpacked to disk. Before
a byte is inflated, the archive's directory is checked against ZIP bombs: how many files it holds, how large
they unpack in all (``ZIP_MAX_FILES``, ``ZIP_MAX_UNPACKED_BYTES``), no archives inside, no passwords. The
directory's own size is read from its last record before the stdlib parses it, so a directory of millions
of empty entries cannot fill memory either. zipfile stops each member at its declared size and checks its
CRC, so a member that lies about its size fails instead of growing.
"""

from __future__ import annotations

import zipfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from functools import partial
from typing import IO, cast

from django.conf import settings
from django.template.defaultfilters import filesizeformat

from apps.core.files import open_file, open_file_for_seeking
from apps.core.models import StoredFile
from apps.core.stream import RandomAccessDecryptingReader
from apps.obds.safe_xml import Rejected
from apps.uploads.files import NAME_LIMIT, cleaned_path, is_zip_name

ZIP_STARTS = (b"PK\x03\x04", b"PK\x05\x06")  # a first file, or the end record of an empty archive
NOT_A_ZIP = "Die Datei endet auf .zip, ist aber kein ZIP-Archiv."
ARCHIVE_ENDINGS = (".zip", ".gz", ".tgz", ".bz2", ".xz", ".7z", ".rar", ".tar")
READABLE_METHODS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
DIRECTORY_ENTRY_BYTES = 1024  # generous room per file in the archive's directory (name, extra fields)
ENCRYPTED_FLAG = 0x1


def member_name(raw: str) -> str:
    """A file name inside the archive, fit to show: its folders kept, but no "..", control or bidi characters."""
    name = "/".join(part for part in cleaned_path(raw).split("/") if part.strip() not in ("", ".", ".."))
    return name if len(name) <= NAME_LIMIT else "…" + name[-(NAME_LIMIT - 1) :]


@dataclass(frozen=True)
class XmlFile:
    """One XML file of an upload: its name inside the archive (or ""), its size, and a way to open it
    afresh (the schema check reads a second copy in a child process)."""

    name: str
    size: int
    open: Callable[[], AbstractContextManager[IO[bytes]]]


def xml_files(stored: StoredFile, filename: str, notes: list[str]) -> list[XmlFile]:
    """The XML files of the upload: the file itself, or those of a ZIP archive in the archive's order.

    Files of an archive that are not XML are named in ``notes`` and not read. Raises Rejected for an archive
    that must not or cannot be read; an opened member raises it from read() when it turns out damaged.
    """
    if not is_zip_name(filename):
        return [XmlFile("", stored.size, lambda: cast(AbstractContextManager[IO[bytes]], open_file(stored)))]
    with open_file_for_seeking(stored) as source:
        if source.read(4) not in ZIP_STARTS:
            raise Rejected("zip", NOT_A_ZIP)
        with _opened(source) as archive:
            members = _xml_members(archive, notes)
    return [XmlFile(member_name(info.filename), info.file_size, partial(_member, stored, info)) for info in members]


@contextmanager
def _member(stored: StoredFile, info: zipfile.ZipInfo) -> Iterator[IO[bytes]]:
    name = member_name(info.filename)
    with open_file_for_seeking(stored) as source, _opened(source) as archive:
        try:
            member = archive.open(info.filename)
        except (zipfile.BadZipFile, zlib.error, EOFError):
            raise Rejected("zip", _damaged_member(name)) from None
        with member:
            yield cast(IO[bytes], Member(name, member))


def _damaged_member(name: str) -> str:
    return f"„{name}“ im ZIP-Archiv ist beschädigt oder nicht so groß, wie das Archiv angibt."


def _opened(source: RandomAccessDecryptingReader) -> zipfile.ZipFile:
    # The stdlib's own end-record reader (private, unchanged since Python 2.6): entry count and directory size.
    end = zipfile._EndRecData(source)  # type: ignore[attr-defined]
    if end is None:
        raise Rejected("zip", DAMAGED)
    files, directory_bytes = end[zipfile._ECD_ENTRIES_TOTAL], end[zipfile._ECD_SIZE]  # type: ignore[attr-defined]
    if files > settings.ZIP_MAX_FILES or directory_bytes > settings.ZIP_MAX_FILES * DIRECTORY_ENTRY_BYTES:
        raise Rejected("zip-bombe", _too_many(files))
    try:
        return zipfile.ZipFile(source)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError):
        raise Rejected("zip", DAMAGED) from None


DAMAGED = "Das ZIP-Archiv ist beschädigt oder unvollständig. Bitte packen Sie es neu."


def _too_many(files: int) -> str:
    return f"Das ZIP-Archiv enthält {files} Dateien; erlaubt sind höchstens {settings.ZIP_MAX_FILES}."


def _xml_members(archive: zipfile.ZipFile, notes: list[str]) -> list[zipfile.ZipInfo]:
    members = [info for info in archive.infolist() if not info.is_dir() and not _system_file(info.filename)]
    if len(members) > settings.ZIP_MAX_FILES:
        raise Rejected("zip-bombe", _too_many(len(members)))
    unpacked = sum(info.file_size for info in archive.infolist())
    if unpacked > settings.ZIP_MAX_UNPACKED_BYTES:
        raise Rejected(
            "zip-bombe",
            f"Das ZIP-Archiv wäre entpackt {filesizeformat(unpacked)} groß; erlaubt sind höchstens "
            f"{filesizeformat(settings.ZIP_MAX_UNPACKED_BYTES)}. Bitte teilen Sie es auf mehrere Uploads auf.",
        )
    seen: set[str] = set()
    wanted = []
    for info in members:
        name = member_name(info.filename)
        lowered = name.lower()
        if lowered in seen:
            raise Rejected("zip", f"Das ZIP-Archiv enthält „{name}“ zweimal.")
        seen.add(lowered)
        if info.flag_bits & ENCRYPTED_FLAG:
            raise Rejected("zip", f"„{name}“ im ZIP-Archiv ist mit einem Kennwort geschützt. Bitte packen Sie ohne.")
        if lowered.endswith(ARCHIVE_ENDINGS):
            raise Rejected(
                "zip", f"Das ZIP-Archiv enthält das Archiv „{name}“. Bitte legen Sie nur XML-Dateien hinein."
            )
        if not lowered.endswith(".xml"):
            notes.append(f"„{name}“ im ZIP-Archiv ist keine XML-Datei und wurde nicht gelesen.")
            continue
        if info.compress_type not in READABLE_METHODS:
            raise Rejected(
                "zip",
                f"„{name}“ ist mit einem Verfahren gepackt, das das Portal nicht liest. Bitte nutzen Sie Deflate.",
            )
        wanted.append(info)
    if not wanted:
        raise Rejected("zip-leer", "Das ZIP-Archiv enthält keine XML-Datei.")
    return wanted


def _system_file(name: str) -> bool:
    """What archivers add on their own: macOS resource forks and Finder data."""
    base = name.rsplit("/", 1)[-1]
    return name.startswith("__MACOSX/") or base.startswith("._") or base in (".DS_Store", "Thumbs.db")


class Member:
    """One XML file of the archive as the schema check reads it; a damaged member is refused in German."""

    def __init__(self, name: str, source: IO[bytes]) -> None:
        self.name = name
        self._source = source

    def _guarded(self, read: Callable[[int], bytes], size: int) -> bytes:
        try:
            return read(size)
        except (zipfile.BadZipFile, zlib.error, EOFError):
            raise Rejected("zip", _damaged_member(self.name)) from None

    def read(self, size: int = -1) -> bytes:
        return self._guarded(self._source.read, size)

    def readline(self, size: int = -1) -> bytes:
        return self._guarded(self._source.readline, size)

    def __iter__(self) -> Iterator[bytes]:
        while line := self.readline():
            yield line

    def seek(self, offset: int, whence: int = 0) -> int:
        return self._source.seek(offset, whence)

    def tell(self) -> int:
        return self._source.tell()

    def seekable(self) -> bool:
        return True

    def readable(self) -> bool:
        return True
