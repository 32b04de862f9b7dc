"""Receiving an upload: a safe display name, and the content hash computed while the file is encrypted."""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from typing import IO

from apps.core.crypto import key_ring

NAME_LIMIT = 120
# Control characters, and the bidirectional overrides that make "gpj.xml" display as "lmx.jpg".
UNSAFE = re.compile(r"[\x00-\x1f\x7f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def cleaned_path(raw: str) -> str:
    """A client's path in NFC with "/" between folders and no control or bidi characters."""
    return UNSAFE.sub("", unicodedata.normalize("NFC", raw).replace("\\", "/"))


def display_name(raw: str) -> str:
    """The client's file name fit to show: no folders, control or bidi characters, at most 120 characters."""
    name = cleaned_path(raw).rsplit("/", 1)[-1]
    name = name.strip().lstrip(".") or "paket.xml"
    if len(name) > NAME_LIMIT:
        stem, dot, extension = name.rpartition(".")
        keep = NAME_LIMIT - len(extension) - 2
        name = f"{stem[:keep]}….{extension}" if dot and len(extension) <= 10 else name[: NAME_LIMIT - 1] + "…"
    return name


def is_zip_name(filename: str) -> bool:
    """A ZIP upload is known by its name; its content must then be a ZIP archive."""
    return filename.lower().endswith(".zip")


class HashingReader:
    """Reads through ``source`` and keeps an HMAC of everything read (the blind-index key: no guessing by hash)."""

    def __init__(self, source: IO[bytes]) -> None:
        self.source = source
        ring = key_ring("blind_index")
        self.key_id = ring.active_id
        self.mac = hmac.new(ring.active_key, b"package\x1f", hashlib.sha256)

    def read(self, size: int | None = -1) -> bytes:
        data = self.source.read(-1 if size is None else size)
        self.mac.update(data)
        return data

    def readable(self) -> bool:
        return True

    def content_hash(self) -> str:
        return f"p1:{self.key_id}:{self.mac.hexdigest()}"
