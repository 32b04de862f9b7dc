"""Chunked AES-256-GCM for files of any size, in constant memory (the STREAM construction).

Layout: header ``MPS1`` ‖ 7-byte nonce prefix ‖ 4-byte chunk size, then chunks of ``chunk size + 16`` bytes.
Chunk nonce = prefix ‖ 4-byte counter ‖ last-chunk flag, and the header is part of every chunk's associated
data: reordering, dropping, truncating or appending chunks, or editing the header, fails to open. Each chunk
is authenticated before its plaintext is released, but truncation shows only at the end: a reader must reach
the end (``DecryptingReader`` raises there) before acting on the content.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Iterator
from typing import IO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from apps.core.crypto import DecryptionError

MAGIC = b"MPS1"
PREFIX_BYTES = 7
HEADER_BYTES = len(MAGIC) + PREFIX_BYTES + 4
TAG_BYTES = 16
DEFAULT_CHUNK = 64 * 1024
MAX_CHUNK = 4 * 1024 * 1024  # a forged header must not make the reader buffer more than this


def _nonce(prefix: bytes, counter: int, last: bool) -> bytes:
    return prefix + struct.pack(">IB", counter, int(last))


def _open_chunk(cipher: AESGCM, prefix: bytes, counter: int, last: bool, chunk: bytes, aad: bytes) -> bytes:
    try:
        return cipher.decrypt(_nonce(prefix, counter, last), chunk, aad)
    except InvalidTag:
        raise DecryptionError("file: chunk does not open (wrong key, tampered, reordered or cut)") from None


def _read_header(header: bytes) -> tuple[bytes, int]:
    """The nonce prefix and chunk size from a stream's header."""
    chunk_size = struct.unpack(">I", header[-4:])[0] if len(header) == HEADER_BYTES else 0
    if header[: len(MAGIC)] != MAGIC or not 0 < chunk_size <= MAX_CHUNK:
        raise DecryptionError("file: not an encrypted stream of this portal")
    return header[len(MAGIC) : len(MAGIC) + PREFIX_BYTES], chunk_size


class StreamSealer:
    """Feed plaintext, collect ciphertext; ``finish`` emits the last chunk."""

    def __init__(self, key: bytes, associated_data: bytes, chunk_size: int = DEFAULT_CHUNK) -> None:
        self._cipher = AESGCM(key)
        self._prefix = os.urandom(PREFIX_BYTES)
        self.header = MAGIC + self._prefix + struct.pack(">I", chunk_size)
        self._aad = self.header + associated_data
        self._chunk_size = chunk_size
        self._buffer = bytearray()
        self._counter = 0

    def _seal(self, chunk: bytes, last: bool) -> bytes:
        sealed = self._cipher.encrypt(_nonce(self._prefix, self._counter, last), chunk, self._aad)
        self._counter += 1
        return sealed

    def feed(self, data: bytes) -> bytes:
        self._buffer += data
        out = bytearray()
        # Keep at least one byte back: only finish() knows which chunk is the last.
        while len(self._buffer) > self._chunk_size:
            out += self._seal(bytes(self._buffer[: self._chunk_size]), last=False)
            del self._buffer[: self._chunk_size]
        return bytes(out)

    def finish(self) -> bytes:
        last = self._seal(bytes(self._buffer), last=True)
        self._buffer.clear()
        return last


class StreamOpener:
    """Feed ciphertext (header first), collect plaintext; ``finish`` checks the last chunk."""

    def __init__(self, key: bytes, associated_data: bytes) -> None:
        self._cipher = AESGCM(key)
        self._associated_data = associated_data
        self._buffer = bytearray()
        self._counter = 0
        self._chunk_size = 0
        self._aad = b""
        self._prefix = b""

    def _open(self, chunk: bytes, last: bool) -> bytes:
        plain = _open_chunk(self._cipher, self._prefix, self._counter, last, chunk, self._aad)
        self._counter += 1
        return plain

    def feed(self, data: bytes) -> bytes:
        self._buffer += data
        if not self._chunk_size:
            if len(self._buffer) < HEADER_BYTES:
                return b""
            header = bytes(self._buffer[:HEADER_BYTES])
            self._prefix, chunk_size = _read_header(header)
            self._aad = header + self._associated_data
            self._chunk_size = chunk_size
            del self._buffer[:HEADER_BYTES]
        sealed_size = self._chunk_size + TAG_BYTES
        out = bytearray()
        while len(self._buffer) > sealed_size:
            out += self._open(bytes(self._buffer[:sealed_size]), last=False)
            del self._buffer[:sealed_size]
        return bytes(out)

    def finish(self) -> bytes:
        if not self._chunk_size or len(self._buffer) < TAG_BYTES:
            raise DecryptionError("file: encrypted stream is cut short")
        plain = self._open(bytes(self._buffer), last=True)
        self._buffer.clear()
        return plain


class _TransformingReader:
    """A read-only file object that passes another one through a sealer or opener, chunk by chunk."""

    read_size = DEFAULT_CHUNK

    def __init__(self, source: IO[bytes]) -> None:
        self._source = source
        self._pending = bytearray()
        self._done = False
        self._position = 0  # bytes handed out so far

    def _feed(self, data: bytes) -> bytes:
        raise NotImplementedError

    def _finish(self) -> bytes:
        raise NotImplementedError

    def readable(self) -> bool:
        return True

    def _fill(self) -> None:
        """Move one chunk of the source through the transformation into ``_pending``."""
        data = self._source.read(self.read_size)
        if data:
            self._pending += self._feed(data)
        else:
            self._pending += self._finish()
            self._done = True

    def read(self, size: int | None = -1) -> bytes:
        unlimited = size is None or size < 0
        while (unlimited or len(self._pending) < size) and not self._done:  # type: ignore[operator]
            self._fill()
        out = bytes(self._pending if unlimited else self._pending[:size])
        del self._pending[: len(out)]
        self._position += len(out)
        return out

    def readline(self, size: int | None = -1) -> bytes:
        """One line, its newline included (the schema verdict re-reads a failed file line by line)."""
        while b"\n" not in self._pending and not self._done:
            self._fill()
        end = self._pending.find(b"\n") + 1 or len(self._pending)
        if size is not None and size >= 0:
            end = min(end, size)
        out = bytes(self._pending[:end])
        del self._pending[:end]
        self._position += len(out)
        return out

    def tell(self) -> int:
        return self._position

    def __iter__(self) -> Iterator[bytes]:
        while line := self.readline():
            yield line

    def close(self) -> None:
        self._source.close()


class EncryptingReader(_TransformingReader):
    """Reads as the encrypted stream of ``source``; ``plaintext_size`` counts what went in."""

    def __init__(self, source: IO[bytes], key: bytes, associated_data: bytes) -> None:
        super().__init__(source)
        self._sealer = StreamSealer(key, associated_data)
        self._pending += self._sealer.header
        self.plaintext_size = 0

    def _feed(self, data: bytes) -> bytes:
        self.plaintext_size += len(data)
        return self._sealer.feed(data)

    def _finish(self) -> bytes:
        return self._sealer.finish()


class DecryptingReader(_TransformingReader):
    """Reads as the plaintext of an encrypted stream; raises DecryptionError on any tampering."""

    read_size = DEFAULT_CHUNK + TAG_BYTES

    def __init__(self, source: IO[bytes], key: bytes, associated_data: bytes) -> None:
        super().__init__(source)
        self._key = key
        self._associated_data = associated_data
        self._opener = StreamOpener(key, associated_data)

    def _feed(self, data: bytes) -> bytes:
        return self._opener.feed(data)

    def _finish(self) -> bytes:
        return self._opener.finish()

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = 0) -> int:
        if (offset, whence) != (0, 0):
            raise OSError("an encrypted stream can only be rewound to its start")
        self._source.seek(0)
        self._opener = StreamOpener(self._key, self._associated_data)
        self._pending.clear()
        self._done = False
        self._position = 0
        return 0

    def __enter__(self) -> DecryptingReader:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class RandomAccessDecryptingReader:
    """The plaintext of an encrypted stream with free seeking, for formats read from the end (ZIP).

    Chunks have a fixed size, so chunk ``i`` lies at a known offset and opens on its own; only the chunk
    that the stream's length makes the last one opens with the last-chunk flag, so a stream cut at a chunk
    border still fails. One opened chunk is kept, so reading forward costs one decryption per chunk.
    """

    def __init__(self, source: IO[bytes], stored_size: int, key: bytes, associated_data: bytes) -> None:
        self._source = source
        header = source.read(HEADER_BYTES)
        self._prefix, self._chunk_size = _read_header(header)
        self._aad = header + associated_data
        self._cipher = AESGCM(key)
        self._sealed_size = self._chunk_size + TAG_BYTES
        body = stored_size - HEADER_BYTES
        self._chunks = max(-(-body // self._sealed_size), 1)
        if body - (self._chunks - 1) * self._sealed_size < TAG_BYTES:
            raise DecryptionError("file: encrypted stream is cut short")
        self.size = body - self._chunks * TAG_BYTES
        self._position = 0
        self._cached_index = -1
        self._cached = b""

    def _chunk(self, index: int) -> bytes:
        if index != self._cached_index:
            self._source.seek(HEADER_BYTES + index * self._sealed_size)
            sealed = self._source.read(self._sealed_size)
            last = index == self._chunks - 1
            self._cached = _open_chunk(self._cipher, self._prefix, index, last, sealed, self._aad)
            self._cached_index = index
        return self._cached

    def read(self, size: int | None = -1) -> bytes:
        end = self.size if size is None or size < 0 else min(self.size, self._position + size)
        out = bytearray()
        while self._position < end:
            index, offset = divmod(self._position, self._chunk_size)
            piece = self._chunk(index)[offset : offset + end - self._position]
            out += piece
            self._position += len(piece)
        return bytes(out)

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        base = {os.SEEK_SET: 0, os.SEEK_CUR: self._position, os.SEEK_END: self.size}[whence]
        if base + offset < 0:
            raise OSError("seek before the start of the file")
        self._position = base + offset
        return self._position

    def tell(self) -> int:
        return self._position

    def seekable(self) -> bool:
        return True

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        self._source.close()

    def __enter__(self) -> RandomAccessDecryptingReader:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
