"""Encrypted file storage: a random data key per file, sealed by the file key ring (envelope encryption).

Files stream through in 64 KiB chunks, so memory stays flat for any size. Storage names are random; the
client's file name is never used on disk.
"""

from __future__ import annotations

import base64
import secrets
from typing import IO

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.core.files import File
from django.core.files.storage import storages
from django.utils import timezone

from apps.core.crypto import DecryptionError
from apps.core.models import StoredFile
from apps.core.stream import DecryptingReader, EncryptingReader, RandomAccessDecryptingReader


def _associated_data(stored: StoredFile) -> bytes:
    return b"file:" + stored.uuid.bytes


def store_file(source: IO[bytes]) -> StoredFile:
    """Encrypt ``source`` into the storage and record it; the caller runs this inside its transaction."""
    stored = StoredFile(storage_name=secrets.token_hex(20))
    data_key = AESGCM.generate_key(bit_length=256)
    stored.data_key = base64.b64encode(data_key).decode("ascii")
    reader = EncryptingReader(source, data_key, _associated_data(stored))
    stored.storage_name = storages["encrypted_files"].save(stored.storage_name, File(reader))  # type: ignore[arg-type]
    stored.size = reader.plaintext_size
    stored.save()
    return stored


def open_file(stored: StoredFile) -> DecryptingReader:
    """The plaintext as a file object; read to the end before trusting it (truncation shows there)."""
    data_key = _data_key(stored)  # a shredded file fails here, before its storage is asked
    return DecryptingReader(
        storages["encrypted_files"].open(stored.storage_name, "rb"), data_key, _associated_data(stored)
    )


def open_file_for_seeking(stored: StoredFile) -> RandomAccessDecryptingReader:
    """The plaintext with free seeking (a ZIP archive is read from its end); every chunk is checked as read."""
    data_key = _data_key(stored)
    storage = storages["encrypted_files"]
    return RandomAccessDecryptingReader(
        storage.open(stored.storage_name, "rb"), storage.size(stored.storage_name), data_key, _associated_data(stored)
    )


def _data_key(stored: StoredFile) -> bytes:
    if stored.data_key is None:
        raise DecryptionError("file: shredded, its data key was deleted")
    return base64.b64decode(stored.data_key)


def shred_file(stored: StoredFile) -> None:
    """Delete the data key and the ciphertext: the content is gone even from backups of the storage."""
    stored.data_key = None
    stored.shredded_at = timezone.now()
    stored.save(update_fields=["data_key", "shredded_at"])
    storages["encrypted_files"].delete(stored.storage_name)
