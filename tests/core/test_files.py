import io
import os
import tracemalloc
from typing import IO, cast

import pytest
from django.core.files.storage import storages
from django.core.files.uploadedfile import UploadedFile
from django.test import RequestFactory

from apps.core.crypto import DecryptionError
from apps.core.files import open_file, open_file_for_seeking, shred_file, store_file
from apps.core.models import StoredFile
from apps.core.stream import DEFAULT_CHUNK
from tests.keys import fresh_ring

pytestmark = pytest.mark.django_db

MARKER = b"<Nachname>Zyxwvu-Marker</Nachname>"


@pytest.fixture(autouse=True)
def file_dirs(settings, tmp_path):
    settings.FILE_UPLOAD_TEMP_DIR = tmp_path / "tmp"
    settings.FILE_UPLOAD_TEMP_DIR.mkdir()
    settings.STORAGES = {
        **settings.STORAGES,
        "encrypted_files": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "files"},
        },
    }


def stored_bytes(stored: StoredFile) -> bytes:
    with storages["encrypted_files"].open(stored.storage_name, "rb") as handle:
        return bytes(handle.read())


def write_stored(stored: StoredFile, data: bytes) -> None:
    path = storages["encrypted_files"].path(stored.storage_name)
    with open(path, "wb") as handle:
        handle.write(data)


@pytest.mark.parametrize("size", [0, 1, DEFAULT_CHUNK - 1, DEFAULT_CHUNK, DEFAULT_CHUNK + 1, 3 * DEFAULT_CHUNK + 17])
def test_a_file_round_trips_at_every_chunk_boundary(size):
    content = os.urandom(size)
    stored = store_file(io.BytesIO(content))
    assert stored.size == size
    with open_file(stored) as plain:
        assert plain.read() == content


def test_the_storage_holds_no_plaintext_under_a_random_name():
    stored = store_file(io.BytesIO(MARKER * 1000))
    assert MARKER not in stored_bytes(stored)
    assert b"Zyxwvu" not in stored_bytes(stored)
    other = store_file(io.BytesIO(MARKER * 1000))
    assert stored.storage_name != other.storage_name
    assert len(stored.storage_name) == 40


def test_reading_in_small_pieces_gives_the_same_content():
    content = os.urandom(5 * DEFAULT_CHUNK + 3)
    stored = store_file(io.BytesIO(content))
    with open_file(stored) as plain:
        pieces = iter(lambda: plain.read(1000), b"")
        assert b"".join(pieces) == content


def test_a_tampered_file_fails_to_open():
    stored = store_file(io.BytesIO(MARKER * 5000))
    data = bytearray(stored_bytes(stored))
    data[DEFAULT_CHUNK // 2] ^= 0x01
    write_stored(stored, bytes(data))
    with pytest.raises(DecryptionError), open_file(stored) as plain:
        plain.read()


def test_a_cut_off_file_fails_to_open_even_at_a_chunk_boundary():
    stored = store_file(io.BytesIO(os.urandom(3 * DEFAULT_CHUNK)))
    header = 15
    write_stored(stored, stored_bytes(stored)[: header + 2 * (DEFAULT_CHUNK + 16)])
    with pytest.raises(DecryptionError), open_file(stored) as plain:
        plain.read()


def test_a_file_swapped_with_another_fails_to_open():
    first = store_file(io.BytesIO(b"erste Datei"))
    second = store_file(io.BytesIO(b"zweite Datei"))
    write_stored(second, stored_bytes(first))
    with pytest.raises(DecryptionError), open_file(second) as plain:
        plain.read()


def test_a_file_needs_its_key_ring(key_rings):
    stored = store_file(io.BytesIO(MARKER))
    key_rings["files"] = fresh_ring("files", "other")
    with pytest.raises(DecryptionError, match="not configured"):
        open_file(StoredFile.objects.get(pk=stored.pk))


def test_a_shredded_file_is_gone():
    stored = store_file(io.BytesIO(MARKER))
    shred_file(stored)
    reloaded = StoredFile.objects.get(pk=stored.pk)
    assert reloaded.shredded_at is not None
    assert not storages["encrypted_files"].exists(stored.storage_name)
    with pytest.raises(DecryptionError, match="shredded"):
        open_file(reloaded)


class Generated(io.RawIOBase):
    """A readable stream of ``size`` pseudo-random bytes that never exists in memory at once."""

    def __init__(self, size: int) -> None:
        self.remaining = size
        self.block = os.urandom(DEFAULT_CHUNK)

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        size = min(self.remaining, DEFAULT_CHUNK if size < 0 else size)
        self.remaining -= size
        return self.block[:size]


def test_a_200_megabyte_file_round_trips_in_little_memory():
    size = 200 * 1024 * 1024
    tracemalloc.start()
    try:
        stored = store_file(cast(IO[bytes], Generated(size)))
        total = 0
        with open_file(stored) as plain:
            while chunk := plain.read(1024 * 1024):
                total += len(chunk)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert total == size == stored.size
    assert peak < 8 * 1024 * 1024, f"peak {peak / 2**20:.1f} MiB"


def test_uploads_spooled_to_disk_are_encrypted_there(settings):
    content = MARKER * 200_000  # 7 MB: above the 2.5 MB in-memory limit, so Django spools it to a file
    request = RequestFactory().post("/", {"paket": io.BytesIO(content)})
    upload = request.FILES.get("paket")
    assert isinstance(upload, UploadedFile)
    spooled = list(settings.FILE_UPLOAD_TEMP_DIR.iterdir())
    assert len(spooled) == 1
    assert b"Zyxwvu" not in spooled[0].read_bytes()
    assert upload.read() == content
    upload.seek(0)
    assert b"".join(upload.chunks()) == content
    upload.close()
    assert list(settings.FILE_UPLOAD_TEMP_DIR.iterdir()) == []


def test_a_stored_file_reads_back_line_by_line():
    lines = [f"Zeile {number}\n".encode() for number in range(100_000)] + [b"ohne Zeilenende"]
    stored = store_file(io.BytesIO(b"".join(lines)))
    with open_file(stored) as source:
        assert list(source) == lines
        source.seek(0)
        assert source.readline() == lines[0] and source.read(7) == b"Zeile 1"


@pytest.mark.parametrize("size", [0, 1, DEFAULT_CHUNK, DEFAULT_CHUNK + 1, 3 * DEFAULT_CHUNK + 17])
def test_a_file_opened_for_seeking_reads_any_range(size):
    content = os.urandom(size)
    stored = store_file(io.BytesIO(content))
    with open_file_for_seeking(stored) as plain:
        assert plain.size == size
        assert plain.read() == content
        for start, length in [(0, 10), (DEFAULT_CHUNK - 5, 10), (size // 2, DEFAULT_CHUNK + 3), (size, 5)]:
            plain.seek(start)
            assert plain.read(length) == content[start : start + length]
        tail = min(7, size)
        plain.seek(-tail, os.SEEK_END)
        assert plain.read() == content[size - tail :]
        assert plain.tell() == size


def test_a_file_opened_for_seeking_refuses_a_cut_or_tampered_stream():
    stored = store_file(io.BytesIO(os.urandom(3 * DEFAULT_CHUNK)))
    original = stored_bytes(stored)
    write_stored(stored, original[: 15 + 2 * (DEFAULT_CHUNK + 16)])  # cut at a chunk border: chunk 1 is no last
    with pytest.raises(DecryptionError), open_file_for_seeking(stored) as plain:
        plain.seek(DEFAULT_CHUNK + 1)
        plain.read(1)
    tampered = bytearray(original)
    tampered[15 + DEFAULT_CHUNK + 16 + 100] ^= 0x01  # inside the second chunk
    write_stored(stored, bytes(tampered))
    with open_file_for_seeking(stored) as plain:
        assert len(plain.read(DEFAULT_CHUNK)) == DEFAULT_CHUNK  # the first chunk is intact
        with pytest.raises(DecryptionError):
            plain.read(1)


@pytest.mark.parametrize("kept", [0, 7, 15], ids=["empty", "half a header", "header only"])
def test_a_stored_file_cut_to_its_header_fails_to_open_for_seeking(kept):
    stored = store_file(io.BytesIO(b"PK\x03\x04 ein kleines Archiv"))
    write_stored(stored, stored_bytes(stored)[:kept])
    with pytest.raises(DecryptionError):
        open_file_for_seeking(stored)
