"""Upload handler that never writes an uploaded file to disk in plaintext.

Django spools uploads above FILE_UPLOAD_MAX_MEMORY_SIZE (2.5 MB) to a temp file. This handler encrypts the
spool with a random key that lives only in this process's memory, so a temp file left by a crash, a backup
of /tmp or a stolen disk holds nothing readable. The file deletes itself on close.
"""

from __future__ import annotations

import tempfile
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler

from apps.core.stream import DecryptingReader, StreamSealer

SPOOL_AAD = b"upload-spool"


class EncryptedTemporaryUploadedFile(UploadedFile):
    """An upload spooled encrypted to a temp file; reads give the plaintext."""

    def __init__(self, name: str, content_type: str, charset: str | None, content_type_extra: Any) -> None:
        self._spool = tempfile.NamedTemporaryFile(  # noqa: SIM115 -- closed with the uploaded file
            suffix=".upload", dir=settings.FILE_UPLOAD_TEMP_DIR
        )
        self._key = AESGCM.generate_key(bit_length=256)
        self._sealer = StreamSealer(self._key, SPOOL_AAD)
        self._spool.write(self._sealer.header)
        super().__init__(self._spool, name, content_type, 0, charset, content_type_extra)

    def write_plaintext(self, data: bytes) -> None:
        self._spool.write(self._sealer.feed(data))

    def finish(self, size: int) -> None:
        self._spool.write(self._sealer.finish())
        self._spool.flush()
        self._spool.seek(0)
        self.size = size
        self.file = DecryptingReader(self._spool, self._key, SPOOL_AAD)  # type: ignore[assignment]

    def close(self) -> None:
        self._spool.close()


class EncryptedTemporaryFileUploadHandler(FileUploadHandler):
    """Replaces Django's TemporaryFileUploadHandler (settings.FILE_UPLOAD_HANDLERS)."""

    file: EncryptedTemporaryUploadedFile

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.file = EncryptedTemporaryUploadedFile(
            self.file_name or "upload", self.content_type or "", self.charset, self.content_type_extra
        )

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:
        self.file.write_plaintext(raw_data)

    def file_complete(self, file_size: int) -> UploadedFile:
        self.file.finish(file_size)
        return self.file

    def upload_interrupted(self) -> None:
        if hasattr(self, "file"):
            self.file.close()
